/// A compiled `pattern` or `patternProperties` regular expression.
///
/// Patterns are ECMA-262 expressions searched anywhere in the string (unanchored).
/// They are compiled once with Swift's `Regex`, matching by Unicode scalar with
/// ASCII-only `\d` and `\w` and simple word boundaries, as ECMA-262's `u` mode does.
/// Common simple shapes (`\S`, plain literals, `^literal`, `literal$`) are matched
/// directly on the UTF-8 bytes, which keeps the default contract free of `Regex` work.
///
/// `Regex` is not annotated `Sendable`, but its compiled program is initialised
/// atomically and it is safe to share; the program is also forced at compile time.
final class Pattern: @unchecked Sendable {
    enum Shape: Sendable {
        case nonWhitespace
        case contains
        case prefix
        case suffix
        case exact
        case regex
    }

    let source: String
    let shape: Shape
    let literal: [UInt8]
    let regex: Regex<AnyRegexOutput>?

    /// Why a pattern cannot be compiled.
    struct CompileError: Error {
        let reason: String
    }

    /// Compiles `source`, or throws why it cannot be used.
    static func compile(_ source: String) throws(CompileError) -> Pattern {
        let (shape, literal) = Self.shape(of: source)
        // Simple shapes are always valid and never need the regex engine; skipping it keeps
        // the default contract's compile (on every cold start of the function) cheap.
        if shape != .regex {
            return Pattern(source: source, shape: shape, literal: literal, regex: nil)
        }
        let regex: Regex<AnyRegexOutput>
        do {
            regex = try Regex(source)
                .matchingSemantics(.unicodeScalar)
                .asciiOnlyDigits()
                .asciiOnlyWordCharacters()
                .wordBoundaryKind(.simple)
        } catch {
            throw CompileError(reason: "\(error)")
        }
        _ = try? regex.firstMatch(in: "")  // lower the program now, before it is shared
        return Pattern(source: source, shape: shape, literal: literal, regex: regex)
    }

    private init(source: String, shape: Shape, literal: [UInt8], regex: Regex<AnyRegexOutput>?) {
        self.source = source
        self.shape = shape
        self.literal = literal
        self.regex = regex
    }

    private static func shape(of source: String) -> (Shape, [UInt8]) {
        if source == "\\S" { return (.nonWhitespace, []) }
        var bytes = Array(source.utf8)
        var anchoredStart = false
        var anchoredEnd = false
        if bytes.first == 0x5E {  // ^
            anchoredStart = true
            bytes.removeFirst()
        }
        if bytes.last == 0x24 {  // $
            anchoredEnd = true
            bytes.removeLast()
        }
        let meta: Set<UInt8> = Set(Array("\\^$.|?*+()[]{}".utf8))
        if bytes.contains(where: { meta.contains($0) }) { return (.regex, []) }
        switch (anchoredStart, anchoredEnd) {
        case (false, false): return (.contains, bytes)
        case (true, false): return (.prefix, bytes)
        case (false, true): return (.suffix, bytes)
        case (true, true): return (.exact, bytes)
        }
    }

    /// What a string that does not match must change.
    var failureMessage: String {
        shape == .nonWhitespace
            ? "must contain at least one non-whitespace character"
            : "must match the regular expression /\(source)/"
    }

    /// Whether the pattern matches somewhere in the UTF-8 text `s`.
    func matches(_ s: UnsafeBufferPointer<UInt8>) -> Bool {
        switch shape {
        case .nonWhitespace:
            return Self.containsNonWhitespace(s)
        case .contains:
            return Self.find(literal, in: s)
        case .prefix:
            return s.count >= literal.count && zip(literal, s).allSatisfy { $0 == $1 }
        case .suffix:
            return s.count >= literal.count && zip(literal, s[(s.count - literal.count)...]).allSatisfy { $0 == $1 }
        case .exact:
            return s.count == literal.count && zip(literal, s).allSatisfy { $0 == $1 }
        case .regex:
            let text = String(decoding: s, as: UTF8.self)
            return ((try? regex!.firstMatch(in: text)) ?? nil) != nil
        }
    }

    private static func find(_ needle: [UInt8], in s: UnsafeBufferPointer<UInt8>) -> Bool {
        if needle.isEmpty { return true }
        guard s.count >= needle.count else { return false }
        let first = needle[0]
        var k = 0
        while k <= s.count - needle.count {
            if s[k] == first {
                var j = 1
                while j < needle.count && s[k + j] == needle[j] { j += 1 }
                if j == needle.count { return true }
            }
            k += 1
        }
        return false
    }

    /// `\S`: some scalar that is not ECMA-262 white space or a line terminator.
    static func containsNonWhitespace(_ s: UnsafeBufferPointer<UInt8>) -> Bool {
        var k = 0
        while k < s.count {
            let c = s[k]
            if c < 0x80 {
                if !(c == 0x20 || (c >= 0x09 && c <= 0x0D)) { return true }
                k += 1
                continue
            }
            // Decode one scalar of well-formed UTF-8.
            var scalar: UInt32
            var length: Int
            if c < 0xE0 {
                scalar = UInt32(c & 0x1F)
                length = 2
            } else if c < 0xF0 {
                scalar = UInt32(c & 0x0F)
                length = 3
            } else {
                scalar = UInt32(c & 0x07)
                length = 4
            }
            for j in 1..<length where k + j < s.count { scalar = scalar << 6 | UInt32(s[k + j] & 0x3F) }
            switch scalar {
            case 0xA0, 0x1680, 0x2000...0x200A, 0x2028, 0x2029, 0x202F, 0x205F, 0x3000, 0xFEFF:
                k += length
            default:
                return true
            }
        }
        return false
    }
}
