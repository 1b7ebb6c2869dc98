/// Just enough of RFC 3986 to resolve `$id` and `$ref` against a base URI.
struct URIReference: Equatable {
    var scheme: String?
    var authority: String?
    var path: String
    var query: String?
    var fragment: String?

    /// Splits `text` with the grammar of RFC 3986 Appendix B.
    init(_ text: String) {
        var rest = Substring(text)
        if let hash = rest.firstIndex(of: "#") {
            fragment = String(rest[rest.index(after: hash)...])
            rest = rest[..<hash]
        }
        if let question = rest.firstIndex(of: "?") {
            query = String(rest[rest.index(after: question)...])
            rest = rest[..<question]
        }
        if let colon = rest.firstIndex(of: ":"), !rest[..<colon].isEmpty,
            !rest[..<colon].contains(where: { $0 == "/" || $0 == "?" || $0 == "#" })
        {
            scheme = String(rest[..<colon])
            rest = rest[rest.index(after: colon)...]
        }
        if rest.hasPrefix("//") {
            rest = rest.dropFirst(2)
            let end = rest.firstIndex(of: "/") ?? rest.endIndex
            authority = String(rest[..<end])
            rest = rest[end...]
        }
        path = String(rest)
    }

    private init(scheme: String?, authority: String?, path: String, query: String?, fragment: String?) {
        self.scheme = scheme
        self.authority = authority
        self.path = path
        self.query = query
        self.fragment = fragment
    }

    /// This reference resolved against `base` (RFC 3986 §5.2.2).
    func resolved(against base: URIReference) -> URIReference {
        if scheme != nil {
            return URIReference(
                scheme: scheme, authority: authority, path: Self.removeDotSegments(path), query: query,
                fragment: fragment)
        }
        if authority != nil {
            return URIReference(
                scheme: base.scheme, authority: authority, path: Self.removeDotSegments(path), query: query,
                fragment: fragment)
        }
        if path.isEmpty {
            return URIReference(
                scheme: base.scheme, authority: base.authority, path: base.path, query: query ?? base.query,
                fragment: fragment)
        }
        let merged: String
        if path.hasPrefix("/") {
            merged = path
        } else if base.authority != nil && base.path.isEmpty {
            merged = "/" + path
        } else if let slash = base.path.lastIndex(of: "/") {
            merged = base.path[...slash] + path
        } else {
            merged = path
        }
        return URIReference(
            scheme: base.scheme, authority: base.authority, path: Self.removeDotSegments(merged), query: query,
            fragment: fragment)
    }

    /// RFC 3986 §5.2.4.
    static func removeDotSegments(_ path: String) -> String {
        guard path.contains(".") else { return path }
        var input = Substring(path)
        var output: [Substring] = []
        while !input.isEmpty {
            if input.hasPrefix("../") {
                input = input.dropFirst(3)
            } else if input.hasPrefix("./") {
                input = input.dropFirst(2)
            } else if input.hasPrefix("/./") {
                input = input.dropFirst(2)
            } else if input == "/." {
                input = "/"
            } else if input.hasPrefix("/../") {
                input = input.dropFirst(3)
                if !output.isEmpty { output.removeLast() }
            } else if input == "/.." {
                input = "/"
                if !output.isEmpty { output.removeLast() }
            } else if input == "." || input == ".." {
                input = ""
            } else {
                let searchFrom = input.hasPrefix("/") ? input.index(after: input.startIndex) : input.startIndex
                let end = input[searchFrom...].firstIndex(of: "/") ?? input.endIndex
                output.append(input[..<end])
                input = input[end...]
            }
        }
        return output.joined()
    }

    /// The text without its fragment.
    var absoluteText: String {
        var text = ""
        if let scheme { text += scheme + ":" }
        if let authority { text += "//" + authority }
        text += path
        if let query { text += "?" + query }
        return text
    }
}

enum JSONPointer {
    /// Escapes one reference token (RFC 6901 §3).
    static func escape(_ token: String) -> String {
        guard token.contains(where: { $0 == "~" || $0 == "/" }) else { return token }
        var out = ""
        for scalar in token.unicodeScalars {
            switch scalar {
            case "~": out += "~0"
            case "/": out += "~1"
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out
    }

    /// The unescaped reference tokens of `pointer`, or nil when it is not a pointer.
    static func tokens(_ pointer: String) -> [String]? {
        if pointer.isEmpty { return [] }
        guard pointer.hasPrefix("/") else { return nil }
        var tokens: [String] = []
        for raw in pointer.dropFirst().split(separator: "/", omittingEmptySubsequences: false) {
            var token = ""
            var escaping = false
            for c in raw {
                if escaping {
                    switch c {
                    case "0": token.append("~")
                    case "1": token.append("/")
                    default: return nil
                    }
                    escaping = false
                } else if c == "~" {
                    escaping = true
                } else {
                    token.append(c)
                }
            }
            if escaping { return nil }
            tokens.append(token)
        }
        return tokens
    }

    /// Decodes %XX escapes in a URI fragment, or nil when they do not form UTF-8.
    static func percentDecoded(_ text: String) -> String? {
        guard text.contains("%") else { return text }
        var bytes: [UInt8] = []
        let utf8 = Array(text.utf8)
        var k = 0
        while k < utf8.count {
            if utf8[k] == 0x25 {
                guard k + 2 < utf8.count, let high = hexValue(utf8[k + 1]), let low = hexValue(utf8[k + 2]) else {
                    return nil
                }
                bytes.append(high << 4 | low)
                k += 3
            } else {
                bytes.append(utf8[k])
                k += 1
            }
        }
        return String(validating: bytes, as: UTF8.self)
    }

    private static func hexValue(_ c: UInt8) -> UInt8? {
        switch c {
        case 0x30...0x39: c - 0x30
        case 0x41...0x46: c - 0x41 + 10
        case 0x61...0x66: c - 0x61 + 10
        default: nil
        }
    }
}

extension JSONDocument {
    /// The RFC 6901 JSON pointer from the value at `root` to the value at `target`,
    /// which must lie inside it. For an object key, the pointer names its member.
    public func pointer(to target: Int, from root: Int = 0) -> String {
        var out = ""
        var current = root
        while current != target {
            let n = nodes[current]
            guard n.kind == .array || n.kind == .object, target > current, target < Int(n.next) else { break }
            var cursor = current + 1
            var position = 0
            var found = false
            while position < Int(n.count) {
                if n.kind == .array {
                    let next = Int(nodes[cursor].next)
                    if target < next {
                        out += "/\(position)"
                        current = cursor
                        found = true
                        break
                    }
                    cursor = next
                } else {
                    let next = Int(nodes[cursor + 1].next)
                    if target < next {
                        out += "/" + JSONPointer.escape(string(cursor))
                        current = target == cursor ? cursor : cursor + 1
                        found = true
                        break
                    }
                    cursor = next
                }
                position += 1
            }
            if !found { break }
        }
        return out
    }
}
