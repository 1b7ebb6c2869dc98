/// Unchecked, non-owning access to a parsed document while a contract runs.
///
/// A `Tape` is only valid inside the `withUnsafeBufferPointer` calls that made it.
struct Tape {
    let nodes: UnsafeBufferPointer<JSONNode>
    let bytes: UnsafeBufferPointer<UInt8>

    /// Runs `body` with a tape over `document`.
    static func with<R>(_ document: JSONDocument, _ body: (Tape) -> R) -> R {
        document.nodes.withUnsafeBufferPointer { nodes in
            document.bytes.withUnsafeBufferPointer { bytes in body(Tape(nodes: nodes, bytes: bytes)) }
        }
    }

    /// The raw (possibly escaped) content of the string at `i`.
    @inline(__always)
    func raw(_ i: Int) -> UnsafeBufferPointer<UInt8> {
        let n = nodes[i]
        return UnsafeBufferPointer(rebasing: bytes[Int(n.start)..<Int(n.end)])
    }

    @inline(__always)
    func isEscaped(_ i: Int) -> Bool { nodes[i].flags & JSONNode.Flags.escaped != 0 }

    /// Runs `body` with the decoded UTF-8 of the string at `i`; decodes only when it has escapes.
    @inline(__always)
    func withString<R>(_ i: Int, _ body: (UnsafeBufferPointer<UInt8>) -> R) -> R {
        if !isEscaped(i) { return body(raw(i)) }
        var decoded = JSONText.decodeString(raw(i))
        return decoded.withUTF8(body)
    }

    /// The decoded string at `i`.
    func string(_ i: Int) -> String { JSONText.decodeString(raw(i)) }

    /// The number at `i`, read exactly.
    @inline(__always)
    func number(_ i: Int) -> NumberView {
        let n = nodes[i]
        return NumberView(bytes.baseAddress!, Int(n.start), Int(n.end))
    }

    /// Whether the number at `i` has no fractional part (1.0 and 1e3 count as integers).
    @inline(__always)
    func isInteger(_ i: Int) -> Bool {
        nodes[i].flags & JSONNode.Flags.fractional == 0 || number(i).isInteger
    }

    /// The number of Unicode scalars in the string at `i`, without decoding it.
    @inline(__always)
    func codePoints(_ i: Int) -> Int {
        let n = nodes[i]
        if n.flags & (JSONNode.Flags.escaped | JSONNode.Flags.nonASCII) == 0 { return Int(n.end - n.start) }
        var count = 0
        var k = Int(n.start)
        let end = Int(n.end)
        while k < end {
            let c = bytes[k]
            if c == 0x5C {
                if bytes[k + 1] == 0x75 {
                    // \uD8xx\uDCxx is one scalar written as two escapes.
                    let high =
                        bytes[k + 2] | 0x20 == 0x64 && (bytes[k + 3] | 0x20) >= 0x38 && (bytes[k + 3] | 0x20) <= 0x62
                    k += high ? 12 : 6
                } else {
                    k += 2
                }
                count += 1
            } else {
                if c & 0xC0 != 0x80 { count += 1 }
                k += 1
            }
        }
        return count
    }

    /// The JSON text of the value at `i` without insignificant whitespace.
    func compactText(_ i: Int, limit: Int = 80) -> String {
        let n = nodes[i]
        var range = Int(n.start)..<Int(n.end)
        if n.kind == .string { range = range.lowerBound - 1..<range.upperBound + 1 }
        let text = Array(bytes[range])
        var out: [UInt8] = []
        JSONDocument.appendMinified(text, 0..<text.count, to: &out)
        if out.count > limit { return String(decoding: out.prefix(limit), as: UTF8.self) + "…" }
        return String(decoding: out, as: UTF8.self)
    }
}

/// JSON equality as JSON Schema defines it: numbers by value (1 == 1.0), strings by
/// code points (no Unicode normalisation), arrays in order, objects in any order.
///
/// Recursion follows both values together and stops at `maxDepth` levels, beyond
/// which values count as different; documents parsed with the default depth limit
/// never get there.
enum JSONEquality {
    static let maxDepth = 512

    static func equal(_ a: Tape, _ i: Int, _ b: Tape, _ j: Int, depth: Int = 0) -> Bool {
        guard depth < maxDepth else { return false }
        let x = a.nodes[i]
        let y = b.nodes[j]
        switch x.kind {
        case .null, .true, .false:
            return x.kind == y.kind
        case .number:
            return y.kind == .number && ExactNumber.equal(a.number(i), b.number(j))
        case .string:
            return y.kind == .string && stringEqual(a, i, b, j)
        case .array:
            guard y.kind == .array, x.count == y.count else { return false }
            var p = i + 1
            var q = j + 1
            for _ in 0..<Int(x.count) {
                if !equal(a, p, b, q, depth: depth + 1) { return false }
                p = Int(a.nodes[p].next)
                q = Int(b.nodes[q].next)
            }
            return true
        case .object:
            guard y.kind == .object, x.count == y.count else { return false }
            var p = i + 1
            for _ in 0..<Int(x.count) {
                guard let q = member(b, j, equalTo: a, p), equal(a, p + 1, b, q + 1, depth: depth + 1) else {
                    return false
                }
                p = Int(a.nodes[p + 1].next)
            }
            return true
        }
    }

    /// The key index in object `j` of `b` whose name equals string `key` of `a`.
    static func member(_ b: Tape, _ j: Int, equalTo a: Tape, _ key: Int) -> Int? {
        var q = j + 1
        for _ in 0..<Int(b.nodes[j].count) {
            if stringEqual(a, key, b, q) { return q }
            q = Int(b.nodes[q + 1].next)
        }
        return nil
    }

    static func stringEqual(_ a: Tape, _ i: Int, _ b: Tape, _ j: Int) -> Bool {
        if !a.isEscaped(i) && !b.isEscaped(j) { return bytesEqual(a.raw(i), b.raw(j)) }
        return a.withString(i) { s in b.withString(j) { t in bytesEqual(s, t) } }
    }

    @inline(__always)
    static func bytesEqual(_ s: UnsafeBufferPointer<UInt8>, _ t: UnsafeBufferPointer<UInt8>) -> Bool {
        guard s.count == t.count else { return false }
        var k = 0
        while k < s.count {
            if s[k] != t[k] { return false }
            k += 1
        }
        return true
    }

    /// A hash consistent with ``equal(_:_:_:_:)``.
    static func hash(_ a: Tape, _ i: Int, depth: Int = 0) -> UInt64 {
        guard depth < maxDepth else { return 0 }
        let x = a.nodes[i]
        switch x.kind {
        case .null: return 0x6E75_6C6C
        case .false: return 0x6661_6C73
        case .true: return 0x7472_7565
        case .number: return ExactNumber.hash(a.number(i))
        case .string:
            return a.withString(i) { s in
                var h: UInt64 = 0xCBF2_9CE4_8422_2325
                for c in s { h = (h ^ UInt64(c)) &* 0x100_0000_01B3 }
                return h
            }
        case .array:
            var h: UInt64 = 0xA77A_7A77
            var p = i + 1
            for _ in 0..<Int(x.count) {
                h = (h ^ hash(a, p, depth: depth + 1)) &* 0x100_0000_01B3
                p = Int(a.nodes[p].next)
            }
            return h
        case .object:
            var h: UInt64 = 0x0B1E_C700 &+ UInt64(x.count)
            var p = i + 1
            for _ in 0..<Int(x.count) {
                // Members combine by addition so that their order does not matter.
                h =
                    h &+ (hash(a, p, depth: depth + 1) &* 31 ^ hash(a, p + 1, depth: depth + 1))
                    &* 0x9E37_79B9_7F4A_7C15
                p = Int(a.nodes[p + 1].next)
            }
            return h
        }
    }
}
