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
    public var nodes: ArraySlice<JSONNode> { tape[0..<count] }
    /// The tape's storage, kept at the most nodes any parse needed so that parsing
    /// again needs neither to fill it nor to trim it; the first `count` are the tape.
    private var tape: [JSONNode] = []
    private var count = 0
    /// Bits of each key's signature that duplicate-key detection keeps; tests narrow
    /// it to force collisions.
    var keyHashMask: UInt64 = ~0
    /// When the root is an object: the 256-bit filter its keys set while it was parsed.
    private var rootKeys: SIMD4<UInt64>?

    /// The deepest container nesting accepted by default.
    public static let defaultMaxDepth = 64

    /// Wraps `bytes` without parsing them.
    public init(bytes: [UInt8]) {
        self.bytes = bytes
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
        precondition(start >= 0 && limit <= bytes.count && start <= limit)
        count = 0
        rootKeys = nil
        var parser = Parser(base: start, end: limit, readable: bytes.count, maxDepth: maxDepth, keyHashMask: keyHashMask)
        // The parser writes nodes through a pointer into room made ahead of it, and
        // stops when the room runs out; the room then doubles and it carries on. The
        // first parse guesses the room from the text's length (compact JSON averages
        // six or more bytes a node).
        var room = Swift.max(tape.count, Swift.min((limit - start) / 6 + 8, 4096))
        let result = withUnsafeTemporaryAllocation(of: UInt64.self, capacity: Parser.filterWords) { filters in
            while true {
                while tape.count < room { tape.append(contentsOf: JSONNode.blank(room - tape.count)) }
                let result: Result<Int, JSONParseError> = bytes.withUnsafeBufferPointer { buffer in
                    tape.withUnsafeMutableBufferPointer { tape in
                        do throws(JSONParseError) {
                            return .success(
                                try parser.run(buffer.baseAddress!, tape.baseAddress!, tape.count, filters.baseAddress!))
                        } catch {
                            return .failure(error)
                        }
                    }
                }
                guard case .success(Parser.needsRoom) = result else {
                    // The root object's filter is the first one; nothing reuses it after.
                    if case .success = result, tape[0].kind == .object {
                        rootKeys = SIMD4(filters[0], filters[1], filters[2], filters[3])
                    }
                    return result
                }
                room = Swift.max(room * 2, parser.count + Parser.roomPerStep)
            }
        }
        switch result {
        case .success(let end):
            count = parser.count
            return end
        case .failure(let error):
            throw error
        }
    }

    /// Whether the root object may have a member named `name`: false means it has
    /// none, true that ``member(_:named:)`` has to look. Always true unless the root
    /// of the last parse is an object.
    func rootMayHaveMember(named name: [UInt8]) -> Bool {
        rootMayHaveMember(signature: Self.keySignature(name))
    }

    /// ``rootMayHaveMember(named:)`` for a name's ``keySignature(_:)``.
    @inline(__always)
    func rootMayHaveMember(signature: UInt64) -> Bool {
        guard let rootKeys else { return true }
        let (word, bit) = Parser.filterBit(signature & keyHashMask)
        return rootKeys[word] & bit != 0
    }

    /// The signature duplicate-key detection gives a key named `name`.
    static func keySignature(_ name: [UInt8]) -> UInt64 {
        name.withUnsafeBufferPointer { name in
            KeyChecker.signature(name.baseAddress ?? UnsafePointer(bitPattern: 1)!, name.count, readable: name.count)
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

extension JSONNode {
    private static let blanks = [JSONNode](repeating: JSONNode(kind: .null, start: 0, end: 0, next: 0), count: 256)

    /// `count` filler nodes (at most 256) for tape room the parser has not written
    /// yet, copied from a ready-made array rather than built one by one.
    static func blank(_ count: Int) -> ArraySlice<JSONNode> {
        blanks[0..<Swift.min(count, blanks.count)]
    }
}

// MARK: - The parser

private let quote: UInt8 = 0x22
private let backslash: UInt8 = 0x5C
/// An open container's `next` field holds its parent's index while the parser is
/// inside it; this marks the root.
private let noParent = UInt32.max

/// The parser's state. It writes nodes through a pointer into room made ahead of it
/// and stops (``needsRoom``) when one more step might not fit; the caller then makes
/// more room and calls ``run(_:_:_:)`` again, which carries on where it stopped.
struct Parser {
    let base: Int
    let end: Int
    /// How many bytes may be read from the text's start; word loads may look past `end` up to here.
    let readable: Int
    let maxDepth: Int
    let keyHashMask: UInt64
    /// Nodes written so far.
    var count = 0
    var i: Int
    var spaced = false
    var started = false
    /// Whether the next step starts with an object key.
    var wantsKey = false
    /// The innermost open container, or -1.
    var top = -1
    var depth = 0
    /// Bit `d - 1` is set while the open object at depth `d` has seen two keys set
    /// the same filter bit.
    var repeats: UInt64 = 0

    /// What ``run(_:_:_:)`` returns when the tape needs more room.
    static let needsRoom = -1
    /// The most nodes one step writes: a key and its value.
    static let roomPerStep = 2
    /// Objects nested up to this deep keep a key filter while they are open (the
    /// filters fit the 1 KiB that temporary allocations may take from the stack).
    static let filteredDepth = 24
    /// Words per filter: 256 bits.
    static let wordsPerFilter = 4
    static let filterWords = filteredDepth * wordsPerFilter

    init(base: Int, end: Int, readable: Int, maxDepth: Int, keyHashMask: UInt64) {
        self.base = base
        self.end = end
        self.readable = readable
        self.maxDepth = maxDepth
        self.keyHashMask = keyHashMask
        self.i = base
    }

    /// Parses (or resumes parsing) one value in the text at `p`, writing nodes to the
    /// `room` slots at `tape`; returns the offset after the value, or ``needsRoom``.
    /// `filters` (``filterWords`` words) holds the open objects' key filters and must
    /// be the same memory for every call.
    mutating func run(
        _ p: UnsafePointer<UInt8>, _ tape: UnsafeMutablePointer<JSONNode>, _ room: Int,
        _ filters: UnsafeMutablePointer<UInt64>
    ) throws(JSONParseError) -> Int {
        if !started {
            // Leading whitespace does not count as spacing inside a value.
            while i < end, p[i] == 0x20 || p[i] == 0x0A || p[i] == 0x0D || p[i] == 0x09 { i += 1 }
            if i >= end { throw JSONParseError(.emptyInput, at: i - base, "expected a JSON value but found no data") }
            started = true
        }
        return try parse(p, tape, room, filters)
    }

    // MARK: Errors (cold)

    @inline(never)
    static func failure(_ code: JSONParseError.Code, _ message: String, at offset: Int, _ base: Int) -> JSONParseError {
        JSONParseError(code, at: offset - base, message)
    }

    @inline(never)
    static func unexpected(_ p: UnsafePointer<UInt8>, _ i: Int, _ end: Int, _ base: Int) -> JSONParseError {
        if i >= end {
            return JSONParseError(.unexpectedEnd, at: i - base, "the JSON text ends before the value is complete")
        }
        let c = p[i]
        if c >= 0x20 && c < 0x7F {
            return JSONParseError(
                .unexpectedCharacter, at: i - base, "unexpected character '\(Character(Unicode.Scalar(c)))'")
        }
        return JSONParseError(.unexpectedCharacter, at: i - base, "unexpected byte 0x\(String(c, radix: 16))")
    }

    /// `expected ',' or '}'` (or `']'`) when the byte at `i` could start a value, else `unexpected`.
    @inline(never)
    static func missingSeparator(
        _ p: UnsafePointer<UInt8>, _ i: Int, _ end: Int, _ base: Int, inObject: Bool
    ) -> JSONParseError {
        let c = p[i]
        guard c == 0x22 || c == 0x7B || c == 0x5B else { return unexpected(p, i, end, base) }
        return failure(
            .unexpectedCharacter,
            inObject ? "expected ',' or '}' after an object member" : "expected ',' or ']' after an array element",
            at: i, base)
    }

    // MARK: The main loop

    /// One step per value: its key if it is an object member, the value itself, then
    /// whatever closes or continues the containers around it. The state lives in
    /// locals while it runs and goes back to `self` only when it stops for room.
    ///
    /// Each object nested at most ``filteredDepth`` deep keeps a 256-bit filter while
    /// it is open: every key sets the bit its signature picks. Equal names have equal
    /// signatures, so an object none of whose keys found its bit already set has no
    /// duplicate keys, and closing it skips the check.
    mutating func parse(
        _ p: UnsafePointer<UInt8>, _ tape: UnsafeMutablePointer<JSONNode>, _ room: Int,
        _ filters: UnsafeMutablePointer<UInt64>
    ) throws(JSONParseError) -> Int {
        let end = self.end
        let base = self.base
        let maxDepth = self.maxDepth
        let keys = KeyChecker(p: p, tape: tape, readable: readable, keyHashMask: keyHashMask, base: base)
        var i = self.i
        var count = self.count
        var top = self.top
        var depth = self.depth
        var spaced = self.spaced
        var wantsKey = self.wantsKey
        var repeats = self.repeats

        step: while true {
            if count &+ Self.roomPerStep > room {
                self.repeats = repeats
                self.i = i
                self.count = count
                self.top = top
                self.depth = depth
                self.spaced = spaced
                self.wantsKey = wantsKey
                return Self.needsRoom
            }
            if wantsKey {
                // `"key"` then `:`, leaving `i` at the member's value.
                wantsKey = false
                guard i < end, p[i] == quote else {
                    if i < end && p[i] == 0x7D {
                        throw Self.failure(.unexpectedCharacter, "a trailing comma before '}' is not allowed", at: i, base)
                    }
                    throw i < end
                        ? Self.failure(.unexpectedCharacter, "expected a string key in double quotes", at: i, base)
                        : Self.unexpected(p, i, end, base)
                }
                let s = i &+ 1
                let (close, flags) = try Self.scanString(p, s, end, base)
                tape[count] = JSONNode(kind: .string, flags: flags, start: s, end: close, next: count &+ 1)
                if depth <= Self.filteredDepth {
                    let filter = filters + (depth &- 1) &* Self.wordsPerFilter
                    let (word, bit) = Self.filterBit(keys.keySignature(count))
                    if filter[word] & bit != 0 { repeats |= 1 &<< UInt64(truncatingIfNeeded: depth &- 1) }
                    filter[word] |= bit
                }
                count &+= 1
                i = close &+ 1
                if i < end && p[i] == 0x3A {
                    i &+= 1
                } else {
                    Self.skipWhitespace(p, &i, end, &spaced)
                    guard i < end, p[i] == 0x3A else {
                        throw i < end
                            ? Self.failure(.unexpectedCharacter, "expected ':' after an object key", at: i, base)
                            : Self.unexpected(p, i, end, base)
                    }
                    i &+= 1
                }
                Self.skipWhitespace(p, &i, end, &spaced)
                if i < end && (p[i] == 0x7D || p[i] == 0x2C) {
                    throw Self.failure(.unexpectedCharacter, "expected a value after ':'", at: i, base)
                }
            }

            guard i < end else { throw Self.unexpected(p, i, end, base) }
            let c = p[i]
            switch c {
            case quote:
                let s = i &+ 1
                let (close, flags) = try Self.scanString(p, s, end, base)
                tape[count] = JSONNode(kind: .string, flags: flags, start: s, end: close, next: count &+ 1)
                count &+= 1
                i = close &+ 1
            case 0x7B, 0x5B:  // { [
                if depth >= maxDepth {
                    throw Self.failure(
                        .tooDeep, "objects and arrays are nested deeper than \(maxDepth) levels", at: i, base)
                }
                let isObject = c == 0x7B
                tape[count] = JSONNode(
                    kind: isObject ? .object : .array, start: i, end: i, next: top < 0 ? Int(noParent) : top)
                top = count
                count &+= 1
                depth &+= 1
                if isObject && depth <= Self.filteredDepth {
                    (filters + (depth &- 1) &* Self.wordsPerFilter).initialize(repeating: 0, count: Self.wordsPerFilter)
                    repeats &= ~(1 &<< UInt64(truncatingIfNeeded: depth &- 1))
                }
                i &+= 1
                Self.skipWhitespace(p, &i, end, &spaced)
                if i < end && p[i] == (isObject ? 0x7D : 0x5D) {
                    i &+= 1
                    top = try keys.close(top, at: i, count: count, mayRepeat: false)
                    depth &-= 1
                    break
                }
                wantsKey = isObject
                continue step
            case 0x2D, 0x30...0x39:
                let s = i
                let flags = try Self.scanNumber(p, &i, end, base)
                tape[count] = JSONNode(kind: .number, flags: flags, start: s, end: i, next: count &+ 1)
                count &+= 1
            case 0x74:  // t
                guard i &+ 4 <= end && Self.load32(p + i) == 0x6575_7274 else { throw Self.unexpected(p, i, end, base) }
                tape[count] = JSONNode(kind: .true, start: i, end: i &+ 4, next: count &+ 1)
                count &+= 1
                i &+= 4
            case 0x66:  // f
                guard i &+ 5 <= end && Self.load32(p + (i &+ 1)) == 0x6573_6C61 else {
                    throw Self.unexpected(p, i, end, base)
                }
                tape[count] = JSONNode(kind: .false, start: i, end: i &+ 5, next: count &+ 1)
                count &+= 1
                i &+= 5
            case 0x6E:  // n
                guard i &+ 4 <= end && Self.load32(p + i) == 0x6C6C_756E else { throw Self.unexpected(p, i, end, base) }
                tape[count] = JSONNode(kind: .null, start: i, end: i &+ 4, next: count &+ 1)
                count &+= 1
                i &+= 4
            case 0x4E, 0x49:  // N, I
                throw Self.failure(
                    .nanOrInfinity, "NaN and Infinity are not JSON numbers; send null or a string", at: i, base)
            default:
                throw Self.unexpected(p, i, end, base)
            }

            // After a complete value: continue the enclosing container, or finish.
            while top >= 0 {
                tape[top].count &+= 1
                Self.skipWhitespace(p, &i, end, &spaced)
                guard i < end else { throw Self.unexpected(p, i, end, base) }
                let c = p[i]
                let inObject = tape[top].kind == .object
                if c == 0x2C {
                    i &+= 1
                    Self.skipWhitespace(p, &i, end, &spaced)
                    wantsKey = inObject
                    continue step
                }
                guard c == (inObject ? 0x7D : 0x5D) else {
                    throw Self.missingSeparator(p, i, end, base, inObject: inObject)
                }
                i &+= 1
                let mayRepeat =
                    inObject
                    && (depth > Self.filteredDepth || repeats & 1 &<< UInt64(truncatingIfNeeded: depth &- 1) != 0)
                top = try keys.close(top, at: i, count: count, mayRepeat: mayRepeat)
                depth &-= 1
            }
            if spaced && tape[0].kind.rawValue >= JSONKind.array.rawValue {
                tape[0].flags |= JSONNode.Flags.spaced
            }
            self.i = i
            self.count = count
            return i
        }
    }

    /// The word and bit of a 256-bit key filter that a key signature picks.
    @inline(__always)
    static func filterBit(_ signature: UInt64) -> (word: Int, bit: UInt64) {
        let h = signature &* 0x9E37_79B9_7F4A_7C15
        return (Int(truncatingIfNeeded: h &>> 62), 1 &<< (h &>> 56 & 63))
    }

    // MARK: Tokens

    @inline(__always)
    static func load32(_ s: UnsafePointer<UInt8>) -> UInt32 {
        UInt32(littleEndian: UnsafeRawPointer(s).loadUnaligned(as: UInt32.self))
    }

    @inline(__always)
    static func load64(_ s: UnsafePointer<UInt8>) -> UInt64 {
        UInt64(littleEndian: UnsafeRawPointer(s).loadUnaligned(as: UInt64.self))
    }

    /// Moves `i` past whitespace, noting in `spaced` that there was some.
    @inline(__always)
    static func skipWhitespace(_ p: UnsafePointer<UInt8>, _ i: inout Int, _ end: Int, _ spaced: inout Bool) {
        if i < end && p[i] <= 0x20 {
            let j = skipSpaces(p, i, end)
            if j != i {
                spaced = true
                i = j
            }
        }
    }

    static func skipSpaces(_ p: UnsafePointer<UInt8>, _ from: Int, _ end: Int) -> Int {
        var i = from
        while i < end {
            let c = p[i]
            if c == 0x20 || c == 0x0A || c == 0x0D || c == 0x09 { i &+= 1 } else { break }
        }
        return i
    }

    /// The high bit of each byte of `w` that ends the plain part of a string: a quote,
    /// a backslash, a control character or a non-ASCII byte. Bits above the lowest one
    /// may be spurious; the lowest is exact.
    @inline(__always)
    static func stringStops(_ w: UInt64) -> UInt64 {
        let ones: UInt64 = 0x0101_0101_0101_0101
        let q = w ^ (ones &* 0x22)
        let b = w ^ (ones &* 0x5C)
        let stops = ((q &- ones) & ~q) | ((b &- ones) & ~b) | ((w &- ones &* 0x20) & ~w) | w
        return stops & (ones &* 0x80)
    }

    /// Scans a string's content from `s` (just after the opening quote); returns the
    /// offset of the closing quote and the string's flags.
    @inline(__always)
    static func scanString(
        _ p: UnsafePointer<UInt8>, _ s: Int, _ end: Int, _ base: Int
    ) throws(JSONParseError) -> (Int, UInt8) {
        var j = s
        // Fast path: plain printable ASCII, eight bytes at a time, up to a quote.
        let ones: UInt64 = 0x0101_0101_0101_0101
        while j &+ 8 <= end {
            let w = load64(p + j)
            let stops = stringStops(w)
            if stops != 0 {
                // The lowest stop is exact, and is a quote when the quote test has it too.
                let first = stops & (0 &- stops)
                j &+= first.trailingZeroBitCount &>> 3
                let q = w ^ (ones &* 0x22)
                if (q &- ones) & ~q & first != 0 { return (j, 0) }
                return try scanStringSlowly(p, j, end, base)
            }
            j &+= 8
        }
        return try scanStringSlowly(p, j, end, base)
    }

    /// The rest of ``scanString(_:_:_:_:)`` from `j`: escapes, non-ASCII text, the last
    /// few bytes of the text, and errors.
    static func scanStringSlowly(
        _ p: UnsafePointer<UInt8>, _ from: Int, _ end: Int, _ base: Int
    ) throws(JSONParseError) -> (Int, UInt8) {
        var j = from
        var flags: UInt8 = 0
        while true {
            while j &+ 8 <= end {
                let stops = stringStops(load64(p + j))
                if stops != 0 {
                    j &+= stops.trailingZeroBitCount &>> 3
                    break
                }
                j &+= 8
            }
            while j < end {
                let c = p[j]
                if c >= 0x20 && c < 0x80 && c != quote && c != backslash { j &+= 1 } else { break }
            }
            guard j < end else {
                throw failure(.unexpectedEnd, "a string is not closed before the end of the text", at: j, base)
            }
            let c = p[j]
            if c == quote { return (j, flags) }
            if c == backslash {
                flags |= JSONNode.Flags.escaped
                j = try scanEscape(p, j, end, base)
                continue
            }
            if c < 0x20 {
                throw failure(
                    .controlCharacter, "control character 0x\(String(c, radix: 16)) must be escaped inside a string",
                    at: j, base)
            }
            flags |= JSONNode.Flags.nonASCII
            guard let n = JSONText.utf8SequenceLength(p, at: j, end: end) else {
                throw failure(.invalidUTF8, "the text is not valid UTF-8", at: j, base)
            }
            j &+= n
        }
    }

    /// Validates the escape at `j` (a backslash) and returns the offset after it.
    static func scanEscape(_ p: UnsafePointer<UInt8>, _ j: Int, _ end: Int, _ base: Int) throws(JSONParseError) -> Int {
        guard j + 1 < end else { throw failure(.unexpectedEnd, "the text ends inside an escape", at: j, base) }
        switch p[j + 1] {
        case quote, backslash, 0x2F, 0x62, 0x66, 0x6E, 0x72, 0x74:
            return j + 2
        case 0x75:  // u
            guard let unit = hex4(p, j + 2, end) else {
                throw failure(.invalidEscape, "\\u must be followed by four hex digits", at: j, base)
            }
            if unit >= 0xDC00 && unit <= 0xDFFF {
                throw failure(
                    .loneSurrogate, "a low surrogate \\u\(String(unit, radix: 16)) has no high surrogate before it",
                    at: j, base)
            }
            if unit >= 0xD800 && unit <= 0xDBFF {
                guard j + 11 < end, p[j + 6] == backslash, p[j + 7] == 0x75, let low = hex4(p, j + 8, end),
                    low >= 0xDC00 && low <= 0xDFFF
                else {
                    throw failure(
                        .loneSurrogate,
                        "a high surrogate \\u\(String(unit, radix: 16)) is not followed by a low surrogate", at: j,
                        base)
                }
                return j + 12
            }
            return j + 6
        default:
            throw failure(.invalidEscape, "invalid escape sequence in a string", at: j, base)
        }
    }

    static func hex4(_ p: UnsafePointer<UInt8>, _ k: Int, _ end: Int) -> UInt32? {
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

    /// Scans a number per RFC 8259 from `i`, leaving `i` after it; returns its flags.
    @inline(__always)
    static func scanNumber(
        _ p: UnsafePointer<UInt8>, _ i: inout Int, _ end: Int, _ base: Int
    ) throws(JSONParseError) -> UInt8 {
        @inline(__always) func isDigit(_ k: Int) -> Bool { k < end && p[k] &- 0x30 < 10 }
        var flags: UInt8 = 0
        let s = i
        var k = i
        if p[k] == 0x2D {
            flags |= JSONNode.Flags.negative
            k &+= 1
            if k < end && p[k] == 0x49 {
                throw failure(.nanOrInfinity, "NaN and Infinity are not JSON numbers; send null or a string", at: k, base)
            }
        }
        guard isDigit(k) else { throw failure(.invalidNumber, "a number needs at least one digit", at: s, base) }
        if p[k] == 0x30 {
            k &+= 1
            if isDigit(k) { throw failure(.invalidNumber, "numbers may not have leading zeros", at: s, base) }
        } else {
            while isDigit(k) { k &+= 1 }
        }
        if k < end && p[k] == 0x2E {
            flags |= JSONNode.Flags.fractional
            k &+= 1
            guard isDigit(k) else {
                throw failure(.invalidNumber, "a decimal point must be followed by a digit", at: s, base)
            }
            while isDigit(k) { k &+= 1 }
        }
        if k < end && (p[k] == 0x65 || p[k] == 0x45) {
            flags |= JSONNode.Flags.fractional
            k &+= 1
            if k < end && (p[k] == 0x2B || p[k] == 0x2D) { k &+= 1 }
            guard isDigit(k) else { throw failure(.invalidNumber, "an exponent must have a digit", at: s, base) }
            while isDigit(k) { k &+= 1 }
        }
        i = k
        return flags
    }
}

// MARK: - Duplicate keys

/// Closes objects and arrays, and finds duplicate keys in objects.
struct KeyChecker {
    let p: UnsafePointer<UInt8>
    let tape: UnsafeMutablePointer<JSONNode>
    let readable: Int
    let keyHashMask: UInt64
    let base: Int

    /// Closes the container at `index`, which ends just before `i`, with `count` nodes
    /// written; returns its parent, or -1. An object is checked for duplicate keys
    /// only if `mayRepeat` (its key filter saw a repeat, or it kept none).
    @inline(__always)
    func close(_ index: Int, at i: Int, count: Int, mayRepeat: Bool) throws(JSONParseError) -> Int {
        let parent = tape[index].next
        tape[index].end = UInt32(truncatingIfNeeded: i)
        tape[index].next = UInt32(truncatingIfNeeded: count)
        if mayRepeat && tape[index].kind == .object && tape[index].count > 1 {
            try checkDuplicateKeys(object: index)
        }
        return parent == noParent ? -1 : Int(parent)
    }

    /// Objects with at most this many members are checked with a one-word filter;
    /// larger ones with an open-addressing table.
    static let filterLimit = 32

    /// Throws `.duplicateKey` if two members of the object at tape index `object` have
    /// the same name (compared as code points, after escapes are decoded).
    ///
    /// Each key gets a 64-bit signature read straight from its bytes; only keys whose
    /// signatures agree are compared byte for byte, and only keys with escapes are
    /// decoded.
    @inline(never)
    func checkDuplicateKeys(object: Int) throws(JSONParseError) {
        let members = Int(tape[object].count)
        // Each key's signature, and its tape index; in two buffers so that objects of
        // up to 128 members keep both on the stack.
        let found = withUnsafeTemporaryAllocation(of: UInt64.self, capacity: members) { keys in
            withUnsafeTemporaryAllocation(of: UInt32.self, capacity: members) { indexes in
                if members <= Self.filterLimit {
                    return hasDuplicateFiltered(object, keys, indexes)
                }
                var k = object &+ 1
                for m in 0..<members {
                    keys[m] = keySignature(k)
                    indexes[m] = UInt32(truncatingIfNeeded: k)
                    k = Int(tape[k &+ 1].next)
                }
                return hasDuplicateHashed(keys, indexes)
            }
        }
        if found { throw duplicateError(object: object) }
    }

    /// Sets one of 64 bits for each key's signature; a key is compared with the keys
    /// before it only when its bit is already set.
    @inline(__always)
    func hasDuplicateFiltered(
        _ object: Int, _ keys: UnsafeMutableBufferPointer<UInt64>, _ indexes: UnsafeMutableBufferPointer<UInt32>
    ) -> Bool {
        var filter: UInt64 = 0
        var k = object &+ 1
        for m in 0..<keys.count {
            let key = keySignature(k)
            let bit: UInt64 = 1 &<< ((key &* 0x9E37_79B9_7F4A_7C15) &>> 58)
            if filter & bit != 0 {
                for b in 0..<m where keys[b] == key && sameKey(Int(indexes[b]), k) {
                    return true
                }
            }
            filter |= bit
            keys[m] = key
            indexes[m] = UInt32(truncatingIfNeeded: k)
            k = Int(tape[k &+ 1].next)
        }
        return false
    }

    /// The signature of the key at tape index `k`, masked by ``keyHashMask``.
    @inline(__always)
    func keySignature(_ k: Int) -> UInt64 {
        let n = tape[k]
        let start = Int(n.start)
        if n.flags & JSONNode.Flags.escaped != 0 { return decodedKeySignature(n) & keyHashMask }
        return Self.signature(p + start, Int(n.end) &- start, readable: readable &- start) & keyHashMask
    }

    func decodedKeySignature(_ n: JSONNode) -> UInt64 {
        var text = decodeString(n)
        return text.withUTF8 { Self.signature($0.baseAddress ?? p, $0.count, readable: $0.count) }
    }

    /// wyhash's multiply-fold.
    @inline(__always)
    static func fold(_ a: UInt64, _ b: UInt64) -> UInt64 {
        let (high, low) = a.multipliedFullWidth(by: b)
        return high ^ low
    }

    @inline(__always)
    static func word(_ s: UnsafePointer<UInt8>) -> UInt64 {
        UInt64(littleEndian: UnsafeRawPointer(s).loadUnaligned(as: UInt64.self))
    }

    /// A 64-bit signature of `count` bytes at `s`, of which `readable` may be read.
    /// Names of up to 16 bytes are read whole (the first and the last eight bytes, with
    /// the length mixed in); longer ones are hashed word by word. Equal names have equal
    /// signatures; unequal ones rarely do.
    @inline(__always)
    static func signature(_ s: UnsafePointer<UInt8>, _ count: Int, readable: Int) -> UInt64 {
        let length = UInt64(truncatingIfNeeded: count)
        if count <= 8 {
            var w: UInt64 = 0
            if count == 8 {
                w = word(s)
            } else if readable >= 8 {
                let kept: UInt64 = (1 << (length &* 8)) &- 1
                w = word(s) & kept
            } else {
                for t in 0..<count { w |= UInt64(s[t]) << (UInt64(truncatingIfNeeded: t) &* 8) }
            }
            return w ^ length << 59
        }
        if count <= 16 {
            let last = word(s + (count &- 8)) ^ length
            return word(s) &+ last &* 0x9E37_79B9_7F4A_7C15
        }
        var h: UInt64 = 0xA076_1D64_78BD_642F ^ length
        var k = 0
        while k &+ 8 < count {
            h = fold(h ^ word(s + k), 0xE703_7ED1_A0B4_28DB)
            k &+= 8
        }
        return fold(h ^ word(s + (count &- 8)), 0x8EBC_6AF0_9C88_C6E3)
    }

    /// Whether the keys at tape indexes `a` and `b` have equal names.
    @inline(__always)
    func sameKey(_ a: Int, _ b: Int) -> Bool {
        let x = tape[a]
        let y = tape[b]
        if (x.flags | y.flags) & JSONNode.Flags.escaped != 0 {
            return decodeString(x).utf8.elementsEqual(decodeString(y).utf8)
        }
        let length = Int(x.end &- x.start)
        guard length == Int(y.end &- y.start) else { return false }
        return memoryEqual(p + Int(x.start), p + Int(y.start), length)
    }

    /// Inserts every key into an open-addressing table sized for a load of at most
    /// one half. If probing takes far longer than it should (many keys with one
    /// signature), falls back to a set of the decoded names, whose hashing is seeded.
    func hasDuplicateHashed(
        _ keys: UnsafeMutableBufferPointer<UInt64>, _ indexes: UnsafeMutableBufferPointer<UInt32>
    ) -> Bool {
        var size = 16
        while size < keys.count &* 2 { size &<<= 1 }
        let mask = size &- 1
        var budget = keys.count &* 8 &+ 64
        let outcome: Bool? = withUnsafeTemporaryAllocation(of: UInt32.self, capacity: size) { table in
            // Slots hold a key's position plus one; zero is empty.
            table.initialize(repeating: 0)
            for m in 0..<keys.count {
                let key = keys[m]
                var slot = Int(truncatingIfNeeded: Self.fold(key, 0x9E37_79B9_7F4A_7C15)) & mask
                while true {
                    let held = Int(table[slot])
                    if held == 0 {
                        table[slot] = UInt32(truncatingIfNeeded: m &+ 1)
                        break
                    }
                    if keys[held &- 1] == key && sameKey(Int(indexes[held &- 1]), Int(indexes[m])) { return true }
                    budget &-= 1
                    if budget < 0 { return nil }
                    slot = (slot &+ 1) & mask
                }
            }
            return false
        }
        if let outcome { return outcome }
        var seen = Set<[UInt8]>()
        seen.reserveCapacity(keys.count)
        for index in indexes {
            let key = decodeString(tape[Int(index)])
            if !seen.insert(Array(key.utf8)).inserted { return true }
        }
        return false
    }

    /// The error for a duplicate known to exist in `object`. Objects of up to 32 members
    /// report the later twin of the first key that has one; larger objects report the
    /// first key that repeats an earlier one.
    @inline(never)
    func duplicateError(object: Int) -> JSONParseError {
        let members = Int(tape[object].count)
        var keys: [Int] = []
        var k = object + 1
        for _ in 0..<members {
            keys.append(k)
            k = Int(tape[k + 1].next)
        }
        let names = keys.map { Array(decodeString(tape[$0]).utf8) }
        if members > 32 {
            var seen = Set<[UInt8]>()
            for (position, name) in names.enumerated() where !seen.insert(name).inserted {
                return duplicate(tape[keys[position]])
            }
        } else {
            for a in 0..<members - 1 {
                for b in a + 1..<members where names[a] == names[b] { return duplicate(tape[keys[b]]) }
            }
        }
        preconditionFailure("a duplicate key was detected but not found again")
    }

    func duplicate(_ key: JSONNode) -> JSONParseError {
        JSONParseError(
            .duplicateKey, at: Int(key.start) - 1 - base,
            "the key \"\(decodeString(key))\" appears more than once in one object")
    }

    func decodeString(_ node: JSONNode) -> String {
        JSONText.decodeString(UnsafeBufferPointer(start: p + Int(node.start), count: Int(node.end - node.start)))
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
