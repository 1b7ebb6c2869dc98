/// A strict RFC 8259 parser that records values on a flat tape instead of building trees.
///
/// The document keeps the input bytes and a list of ``JSONNode``s that point into
/// them, so strings and numbers are never copied or converted unless asked for.
/// Numbers stay byte-exact; duplicate keys, lone surrogates, invalid UTF-8, NaN and
/// Infinity, and trailing data are each rejected with their own code. The parser is
/// iterative, so no input depth can overflow the stack; depth beyond `maxDepth` is an
/// error. One document can be re-parsed many times over the same bytes, which keeps
/// the tape's storage and makes per-event parsing allocation-free.
public struct JSONDocument: Sendable {
    /// The text the tape points into.
    public let bytes: [UInt8]
    /// The tape; index 0 is the root of the last parse.
    public private(set) var nodes: [JSONNode] = []
    private var stack: [Int] = []

    /// The deepest container nesting accepted by default.
    public static let defaultMaxDepth = 64

    /// Wraps `bytes` without parsing them.
    public init(bytes: [UInt8]) {
        self.bytes = bytes
        nodes.reserveCapacity(32)
        stack.reserveCapacity(8)
    }

    /// Parses `bytes` as exactly one JSON value, allowing surrounding whitespace.
    public init(parsing bytes: [UInt8], maxDepth: Int = JSONDocument.defaultMaxDepth) throws(JSONParseError) {
        self.init(bytes: bytes)
        try parse(0..<bytes.count, maxDepth: maxDepth)
    }

    /// Parses `range` as exactly one JSON value, allowing whitespace around it.
    public mutating func parse(_ range: Range<Int>, maxDepth: Int = JSONDocument.defaultMaxDepth) throws(JSONParseError) {
        let end = try parseValue(from: range.lowerBound, upTo: range.upperBound, maxDepth: maxDepth)
        let rest = Self.skipWhitespace(bytes, from: end, upTo: range.upperBound)
        if rest < range.upperBound {
            throw JSONParseError(
                .trailingData, at: rest - range.lowerBound,
                "unexpected data after the JSON value; send one value, an array, or one object per line")
        }
    }

    /// Parses one value that starts at `start` (after optional whitespace) and returns
    /// the offset just past it. Error offsets are relative to `start`.
    @discardableResult
    public mutating func parseValue(
        from start: Int, upTo limit: Int, maxDepth: Int = JSONDocument.defaultMaxDepth
    ) throws(JSONParseError) -> Int {
        nodes.removeAll(keepingCapacity: true)
        stack.removeAll(keepingCapacity: true)
        precondition(start >= 0 && limit <= bytes.count && start <= limit)
        let result: Result<Int, JSONParseError> = bytes.withUnsafeBufferPointer { buffer in
            var parser = Parser(p: buffer.baseAddress!, base: start, end: limit, maxDepth: maxDepth)
            do throws(JSONParseError) {
                let end = try parser.run(nodes: &nodes, stack: &stack)
                return .success(end)
            } catch {
                return .failure(error)
            }
        }
        switch result {
        case .success(let end): return end
        case .failure(let error):
            nodes.removeAll(keepingCapacity: true)
            throw error
        }
    }

    /// The offset of the first non-whitespace byte at or after `from`.
    @inlinable
    public static func skipWhitespace(_ bytes: [UInt8], from: Int, upTo limit: Int) -> Int {
        var i = from
        while i < limit {
            switch bytes[i] {
            case 0x20, 0x09, 0x0A, 0x0D: i += 1
            default: return i
            }
        }
        return i
    }
}

// MARK: - The parser

private let quote: UInt8 = 0x22
private let backslash: UInt8 = 0x5C

struct Parser {
    let p: UnsafePointer<UInt8>
    let base: Int
    let end: Int
    let maxDepth: Int
    var i: Int
    var spaced = false

    init(p: UnsafePointer<UInt8>, base: Int, end: Int, maxDepth: Int) {
        self.p = p
        self.base = base
        self.end = end
        self.maxDepth = maxDepth
        self.i = base
    }

    @inline(__always)
    mutating func skipWhitespace() {
        let from = i
        while i < end {
            let c = p[i]
            if c == 0x20 || c == 0x0A || c == 0x0D || c == 0x09 { i += 1 } else { break }
        }
        if i != from { spaced = true }
    }

    func error(_ code: JSONParseError.Code, _ message: String, at offset: Int? = nil) -> JSONParseError {
        JSONParseError(code, at: (offset ?? i) - base, message)
    }

    func unexpected() -> JSONParseError {
        if i >= end { return error(.unexpectedEnd, "the JSON text ends before the value is complete") }
        let c = p[i]
        if c >= 0x20 && c < 0x7F {
            return error(.unexpectedCharacter, "unexpected character '\(Character(Unicode.Scalar(c)))'")
        }
        return error(.unexpectedCharacter, "unexpected byte 0x\(String(c, radix: 16))")
    }

    /// Parses one value; returns the offset after it.
    mutating func run(nodes: inout [JSONNode], stack: inout [Int]) throws(JSONParseError) -> Int {
        // Leading whitespace does not count as spacing inside a value.
        while i < end, p[i] == 0x20 || p[i] == 0x0A || p[i] == 0x0D || p[i] == 0x09 { i += 1 }
        if i >= end { throw error(.emptyInput, "expected a JSON value but found no data") }
        let root = nodes.count
        spaced = false

        parseValue: while true {
            guard i < end else { throw unexpected() }
            let c = p[i]
            switch c {
            case 0x7B:  // {
                if stack.count >= maxDepth {
                    throw error(.tooDeep, "objects and arrays are nested deeper than \(maxDepth) levels")
                }
                stack.append(nodes.count)
                nodes.append(JSONNode(kind: .object, start: i, end: i, next: 0))
                i += 1
                skipWhitespace()
                if i < end && p[i] == 0x7D {
                    i += 1
                    try close(&nodes, &stack)
                    break
                }
                try parseKey(&nodes)
                continue parseValue
            case 0x5B:  // [
                if stack.count >= maxDepth {
                    throw error(.tooDeep, "objects and arrays are nested deeper than \(maxDepth) levels")
                }
                stack.append(nodes.count)
                nodes.append(JSONNode(kind: .array, start: i, end: i, next: 0))
                i += 1
                skipWhitespace()
                if i < end && p[i] == 0x5D {
                    i += 1
                    try close(&nodes, &stack)
                    break
                }
                continue parseValue
            case quote:
                let s = i + 1
                let (close, flags) = try scanString(from: s)
                nodes.append(JSONNode(kind: .string, flags: flags, start: s, end: close, next: nodes.count + 1))
                i = close + 1
            case 0x2D, 0x30...0x39:
                let s = i
                let flags = try scanNumber()
                nodes.append(JSONNode(kind: .number, flags: flags, start: s, end: i, next: nodes.count + 1))
            case 0x74:  // t
                try literal("true")
                nodes.append(JSONNode(kind: .true, start: i - 4, end: i, next: nodes.count + 1))
            case 0x66:  // f
                try literal("false")
                nodes.append(JSONNode(kind: .false, start: i - 5, end: i, next: nodes.count + 1))
            case 0x6E:  // n
                try literal("null")
                nodes.append(JSONNode(kind: .null, start: i - 4, end: i, next: nodes.count + 1))
            case 0x4E, 0x49:  // N, I
                throw error(.nanOrInfinity, "NaN and Infinity are not JSON numbers; send null or a string")
            default:
                throw unexpected()
            }

            // After a complete value: continue the enclosing container, or finish.
            while let top = stack.last {
                nodes[top].count += 1
                skipWhitespace()
                guard i < end else { throw unexpected() }
                let c = p[i]
                if nodes[top].kind == .object {
                    if c == 0x2C {
                        i += 1
                        skipWhitespace()
                        try parseKey(&nodes)
                        continue parseValue
                    } else if c == 0x7D {
                        i += 1
                        try close(&nodes, &stack)
                        continue
                    }
                    throw c == 0x22 || c == 0x7B || c == 0x5B
                        ? error(.unexpectedCharacter, "expected ',' or '}' after an object member")
                        : unexpected()
                } else {
                    if c == 0x2C {
                        i += 1
                        skipWhitespace()
                        continue parseValue
                    } else if c == 0x5D {
                        i += 1
                        try close(&nodes, &stack)
                        continue
                    }
                    throw c == 0x22 || c == 0x7B || c == 0x5B
                        ? error(.unexpectedCharacter, "expected ',' or ']' after an array element")
                        : unexpected()
                }
            }
            if spaced && nodes[root].kind.rawValue >= JSONKind.array.rawValue {
                nodes[root].flags |= JSONNode.Flags.spaced
            }
            return i
        }
    }

    /// Parses `"key"` then `:` and leaves `i` at the member's value.
    @inline(__always)
    mutating func parseKey(_ nodes: inout [JSONNode]) throws(JSONParseError) {
        guard i < end, p[i] == quote else {
            if i < end && p[i] == 0x7D {
                throw error(.unexpectedCharacter, "a trailing comma before '}' is not allowed")
            }
            throw i < end ? error(.unexpectedCharacter, "expected a string key in double quotes") : unexpected()
        }
        let s = i + 1
        let (close, flags) = try scanString(from: s)
        nodes.append(JSONNode(kind: .string, flags: flags, start: s, end: close, next: nodes.count + 1))
        i = close + 1
        skipWhitespace()
        guard i < end, p[i] == 0x3A else {
            throw i < end ? error(.unexpectedCharacter, "expected ':' after an object key") : unexpected()
        }
        i += 1
        skipWhitespace()
        if i < end && (p[i] == 0x7D || p[i] == 0x2C) {
            throw error(.unexpectedCharacter, "expected a value after ':'")
        }
    }

    /// Closes the innermost container; `i` is just past its closing bracket.
    @inline(__always)
    mutating func close(_ nodes: inout [JSONNode], _ stack: inout [Int]) throws(JSONParseError) {
        let index = stack.removeLast()
        nodes[index].end = UInt32(truncatingIfNeeded: i)
        nodes[index].next = UInt32(truncatingIfNeeded: nodes.count)
        if nodes[index].kind == .object && nodes[index].count > 1 {
            try checkDuplicateKeys(nodes, object: index)
        }
    }

    func checkDuplicateKeys(_ nodes: [JSONNode], object: Int) throws(JSONParseError) {
        let count = Int(nodes[object].count)
        if count > 32 {
            var seen = Set<String>()
            seen.reserveCapacity(count)
            var k = object + 1
            for _ in 0..<count {
                let key = decodeString(nodes[k])
                if !seen.insert(key).inserted { throw duplicate(nodes[k], key) }
                k = Int(nodes[k + 1].next)
            }
            return
        }
        var a = object + 1
        for _ in 0..<count - 1 {
            var b = Int(nodes[a + 1].next)
            let ka = nodes[a]
            while b < nodes.count && b < Int(nodes[object].next) {
                let kb = nodes[b]
                if keysEqual(ka, kb) { throw duplicate(kb, decodeString(kb)) }
                b = Int(nodes[b + 1].next)
            }
            a = Int(nodes[a + 1].next)
        }
    }

    func duplicate(_ key: JSONNode, _ text: String) -> JSONParseError {
        error(.duplicateKey, "the key \"\(text)\" appears more than once in one object", at: Int(key.start) - 1)
    }

    func keysEqual(_ a: JSONNode, _ b: JSONNode) -> Bool {
        if (a.flags | b.flags) & JSONNode.Flags.escaped != 0 {
            return decodeString(a) == decodeString(b)
        }
        let la = Int(a.end - a.start)
        guard la == Int(b.end - b.start) else { return false }
        return memoryEqual(p + Int(a.start), p + Int(b.start), la)
    }

    func decodeString(_ node: JSONNode) -> String {
        JSONText.decodeString(UnsafeBufferPointer(start: p + Int(node.start), count: Int(node.end - node.start)))
    }

    @inline(__always)
    mutating func literal(_ word: StaticString) throws(JSONParseError) {
        let n = word.utf8CodeUnitCount
        let w = word.utf8Start
        if i + n <= end {
            var ok = true
            for k in 0..<n where p[i + k] != w[k] { ok = false; break }
            if ok { i += n; return }
        }
        throw unexpected()
    }

    /// Scans a string's content from `s` (just after the opening quote); returns the
    /// offset of the closing quote and the string's flags.
    @inline(__always)
    func scanString(from s: Int) throws(JSONParseError) -> (Int, UInt8) {
        var j = s
        var flags: UInt8 = 0
        while true {
            // Fast path: plain printable ASCII.
            while j < end {
                let c = p[j]
                if c >= 0x20 && c < 0x80 && c != quote && c != backslash { j += 1 } else { break }
            }
            guard j < end else {
                throw error(.unexpectedEnd, "a string is not closed before the end of the text", at: j)
            }
            let c = p[j]
            if c == quote { return (j, flags) }
            if c == backslash {
                flags |= JSONNode.Flags.escaped
                j = try scanEscape(at: j)
                continue
            }
            if c < 0x20 {
                throw error(
                    .controlCharacter, "control character 0x\(String(c, radix: 16)) must be escaped inside a string",
                    at: j)
            }
            flags |= JSONNode.Flags.nonASCII
            guard let n = JSONText.utf8SequenceLength(p, at: j, end: end) else {
                throw error(.invalidUTF8, "the text is not valid UTF-8", at: j)
            }
            j += n
        }
    }

    /// Validates the escape at `j` (a backslash) and returns the offset after it.
    func scanEscape(at j: Int) throws(JSONParseError) -> Int {
        guard j + 1 < end else { throw error(.unexpectedEnd, "the text ends inside an escape", at: j) }
        switch p[j + 1] {
        case quote, backslash, 0x2F, 0x62, 0x66, 0x6E, 0x72, 0x74:
            return j + 2
        case 0x75:  // u
            guard let unit = hex4(at: j + 2) else {
                throw error(.invalidEscape, "\\u must be followed by four hex digits", at: j)
            }
            if unit >= 0xDC00 && unit <= 0xDFFF {
                throw error(.loneSurrogate, "a low surrogate \\u\(String(unit, radix: 16)) has no high surrogate before it", at: j)
            }
            if unit >= 0xD800 && unit <= 0xDBFF {
                guard j + 11 < end, p[j + 6] == backslash, p[j + 7] == 0x75, let low = hex4(at: j + 8),
                    low >= 0xDC00 && low <= 0xDFFF
                else {
                    throw error(.loneSurrogate, "a high surrogate \\u\(String(unit, radix: 16)) is not followed by a low surrogate", at: j)
                }
                return j + 12
            }
            return j + 6
        default:
            throw error(.invalidEscape, "invalid escape sequence in a string", at: j)
        }
    }

    @inline(__always)
    func hex4(at k: Int) -> UInt32? {
        guard k + 4 <= end else { return nil }
        var v: UInt32 = 0
        for m in 0..<4 {
            let c = p[k + m]
            let d: UInt8
            switch c {
            case 0x30...0x39: d = c - 0x30
            case 0x41...0x46: d = c - 0x41 + 10
            case 0x61...0x66: d = c - 0x61 + 10
            default: return nil
            }
            v = v << 4 | UInt32(d)
        }
        return v
    }

    /// Scans a number per RFC 8259 and returns its flags.
    @inline(__always)
    mutating func scanNumber() throws(JSONParseError) -> UInt8 {
        var flags: UInt8 = 0
        let s = i
        if p[i] == 0x2D {
            flags |= JSONNode.Flags.negative
            i += 1
            if i < end && p[i] == 0x49 {
                throw error(.nanOrInfinity, "NaN and Infinity are not JSON numbers; send null or a string")
            }
        }
        guard i < end, p[i] >= 0x30 && p[i] <= 0x39 else {
            throw error(.invalidNumber, "a number needs at least one digit", at: s)
        }
        if p[i] == 0x30 {
            i += 1
            if i < end && p[i] >= 0x30 && p[i] <= 0x39 {
                throw error(.invalidNumber, "numbers may not have leading zeros", at: s)
            }
        } else {
            while i < end && p[i] >= 0x30 && p[i] <= 0x39 { i += 1 }
        }
        if i < end && p[i] == 0x2E {
            flags |= JSONNode.Flags.fractional
            i += 1
            guard i < end, p[i] >= 0x30 && p[i] <= 0x39 else {
                throw error(.invalidNumber, "a decimal point must be followed by a digit", at: s)
            }
            while i < end && p[i] >= 0x30 && p[i] <= 0x39 { i += 1 }
        }
        if i < end && (p[i] == 0x65 || p[i] == 0x45) {
            flags |= JSONNode.Flags.fractional
            i += 1
            if i < end && (p[i] == 0x2B || p[i] == 0x2D) { i += 1 }
            guard i < end, p[i] >= 0x30 && p[i] <= 0x39 else {
                throw error(.invalidNumber, "an exponent must have a digit", at: s)
            }
            while i < end && p[i] >= 0x30 && p[i] <= 0x39 { i += 1 }
        }
        return flags
    }
}

@inline(__always)
func memoryEqual(_ a: UnsafePointer<UInt8>, _ b: UnsafePointer<UInt8>, _ n: Int) -> Bool {
    var k = 0
    while k < n {
        if a[k] != b[k] { return false }
        k += 1
    }
    return true
}
