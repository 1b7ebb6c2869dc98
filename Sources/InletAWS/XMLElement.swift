/// A tiny, forgiving XML reader for S3's responses (no Foundation `XMLParser`).
///
/// It builds a light tree of elements with their decoded text and ignores what S3's
/// answers do not need: attributes, namespaces (`ns:Key` reads as `Key`), the XML
/// declaration, comments, processing instructions and a DOCTYPE. CDATA is kept as text.
/// It never fails on malformed input: an end tag without a start is skipped, elements left
/// open at the end are closed, and an unknown entity stays as written.
struct XMLElement: Sendable, Equatable {
    /// The local name (without a namespace prefix).
    var name: String
    /// Child elements in document order.
    var children: [XMLElement] = []
    /// The element's own text (between its tags, not its children's), entity-decoded.
    var text: String = ""

    /// The first direct child named `name`.
    func child(_ name: String) -> XMLElement? {
        children.first { $0.name == name }
    }

    /// Every direct child named `name`, in order.
    func children(named name: String) -> [XMLElement] {
        children.filter { $0.name == name }
    }

    /// This element if it is named `name`, else the first descendant so named (depth first).
    func first(named name: String) -> XMLElement? {
        if self.name == name { return self }
        for child in children {
            if let found = child.first(named: name) { return found }
        }
        return nil
    }

    /// The text of the first direct child named `name`.
    func childText(_ name: String) -> String? {
        child(name)?.text
    }

    /// The root element of `bytes`, or nil when there is no element at all.
    static func parse(_ bytes: [UInt8]) -> XMLElement? {
        var stack: [(element: XMLElement, text: [UInt8])] = []
        var root: XMLElement?
        var i = 0
        let n = bytes.count

        func close() {
            var (element, text) = stack.removeLast()
            element.text = String(decoding: decodeEntities(text), as: UTF8.self)
            if stack.isEmpty {
                if root == nil { root = element }
            } else {
                stack[stack.count - 1].element.children.append(element)
            }
        }
        func starts(with literal: String, at index: Int) -> Bool {
            let utf8 = literal.utf8
            guard index + utf8.count <= n else { return false }
            return bytes[index..<index + utf8.count].elementsEqual(utf8)
        }
        func find(_ literal: String, from index: Int) -> Int? {
            let utf8 = Array(literal.utf8)
            var k = index
            while k + utf8.count <= n {
                if bytes[k] == utf8[0] && bytes[k..<k + utf8.count].elementsEqual(utf8) { return k }
                k += 1
            }
            return nil
        }
        func skip(past literal: String, from index: Int) -> Int {
            find(literal, from: index).map { $0 + literal.utf8.count } ?? n
        }

        while i < n {
            let byte = bytes[i]
            if byte != UInt8(ascii: "<") {
                var end = i
                while end < n && bytes[end] != UInt8(ascii: "<") { end += 1 }
                if !stack.isEmpty { stack[stack.count - 1].text.append(contentsOf: bytes[i..<end]) }
                i = end
                continue
            }
            if starts(with: "<![CDATA[", at: i) {
                let contentStart = min(i + 9, n)
                let contentEnd = find("]]>", from: contentStart) ?? n
                let after = min(contentEnd + 3, n)
                if !stack.isEmpty {
                    // Escape '&' so that entity decoding at close leaves CDATA text as written.
                    for c in bytes[contentStart..<contentEnd] {
                        if c == UInt8(ascii: "&") {
                            stack[stack.count - 1].text.append(contentsOf: "&amp;".utf8)
                        } else {
                            stack[stack.count - 1].text.append(c)
                        }
                    }
                }
                i = after
            } else if starts(with: "<!--", at: i) {
                i = skip(past: "-->", from: i + 4)
            } else if starts(with: "<?", at: i) {
                i = skip(past: "?>", from: i + 2)
            } else if starts(with: "<!", at: i) {
                i = skip(past: ">", from: i + 2)
            } else if starts(with: "</", at: i) {
                let nameStart = i + 2
                var nameEnd = nameStart
                while nameEnd < n && !isNameEnd(bytes[nameEnd]) { nameEnd += 1 }
                let name = localName(bytes[nameStart..<nameEnd])
                i = skip(past: ">", from: nameEnd)
                if let open = stack.lastIndex(where: { $0.element.name == name }) {
                    while stack.count > open { close() }
                }
            } else {
                let nameStart = i + 1
                var nameEnd = nameStart
                while nameEnd < n && !isNameEnd(bytes[nameEnd]) { nameEnd += 1 }
                guard nameEnd > nameStart else {
                    // A lone '<' in text: keep it as text.
                    if !stack.isEmpty { stack[stack.count - 1].text.append(byte) }
                    i += 1
                    continue
                }
                let name = localName(bytes[nameStart..<nameEnd])
                // Skip attributes, honouring quotes, up to '>' or '/>'.
                var k = nameEnd
                var quote: UInt8 = 0
                var selfClosing = false
                while k < n {
                    let c = bytes[k]
                    if quote != 0 {
                        if c == quote { quote = 0 }
                    } else if c == UInt8(ascii: "\"") || c == UInt8(ascii: "'") {
                        quote = c
                    } else if c == UInt8(ascii: ">") {
                        selfClosing = k > nameEnd && bytes[k - 1] == UInt8(ascii: "/")
                        break
                    }
                    k += 1
                }
                i = min(k + 1, n)
                stack.append((XMLElement(name: name), []))
                if selfClosing { close() }
            }
        }
        while !stack.isEmpty { close() }
        return root
    }

    private static func isNameEnd(_ byte: UInt8) -> Bool {
        byte == UInt8(ascii: ">") || byte == UInt8(ascii: "/") || byte == 0x20 || byte == 0x09 || byte == 0x0A
            || byte == 0x0D
    }

    private static func localName(_ bytes: ArraySlice<UInt8>) -> String {
        if let colon = bytes.lastIndex(of: UInt8(ascii: ":")) {
            return String(decoding: bytes[(colon + 1)...], as: UTF8.self)
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// `text` with the five XML entities and numeric character references (`&#NN;`,
    /// `&#xHH;`) replaced; anything else after `&` is kept as written.
    static func decodeEntities(_ text: [UInt8]) -> [UInt8] {
        guard text.contains(UInt8(ascii: "&")) else { return text }
        var out: [UInt8] = []
        out.reserveCapacity(text.count)
        var i = 0
        while i < text.count {
            let byte = text[i]
            guard byte == UInt8(ascii: "&"),
                let semicolon = text[i...].prefix(12).firstIndex(of: UInt8(ascii: ";"))
            else {
                out.append(byte)
                i += 1
                continue
            }
            let entity = text[(i + 1)..<semicolon]
            var replacement: [UInt8]?
            switch String(decoding: entity, as: UTF8.self) {
            case "amp": replacement = [UInt8(ascii: "&")]
            case "lt": replacement = [UInt8(ascii: "<")]
            case "gt": replacement = [UInt8(ascii: ">")]
            case "quot": replacement = [UInt8(ascii: "\"")]
            case "apos": replacement = [UInt8(ascii: "'")]
            default:
                if entity.first == UInt8(ascii: "#") {
                    let digits = entity.dropFirst()
                    var value: UInt32?
                    if digits.first == UInt8(ascii: "x") || digits.first == UInt8(ascii: "X") {
                        value = UInt32(String(decoding: digits.dropFirst(), as: UTF8.self), radix: 16)
                    } else {
                        value = UInt32(String(decoding: digits, as: UTF8.self), radix: 10)
                    }
                    if let value, let scalar = Unicode.Scalar(value) {
                        replacement = Array(String(Character(scalar)).utf8)
                    }
                }
            }
            if let replacement {
                out.append(contentsOf: replacement)
                i = semicolon + 1
            } else {
                out.append(byte)
                i += 1
            }
        }
        return out
    }
}
