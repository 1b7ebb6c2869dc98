/// Writes bytes through a pointer into room made beforehand, so that a short output
/// built from many pieces costs one allocation and plain stores rather than one
/// array append per piece. The caller sizes the room; the writer does not check it.
struct ByteWriter {
    private(set) var p: UnsafeMutablePointer<UInt8>

    init(_ p: UnsafeMutablePointer<UInt8>) { self.p = p }

    @inline(__always)
    mutating func put(_ byte: UInt8) {
        p.initialize(to: byte)
        p += 1
    }

    @inline(__always)
    mutating func put(_ text: StaticString) {
        copy(text.utf8Start, text.utf8CodeUnitCount)
    }

    @inline(__always)
    mutating func put(_ bytes: UnsafeBufferPointer<UInt8>) {
        guard let base = bytes.baseAddress else { return }
        copy(base, bytes.count)
    }

    /// Copies `n` bytes; up to 16 with two overlapping loads and stores rather than a
    /// call to memcpy, since most pieces of a record's enrichment are that short.
    @inline(__always)
    mutating func copy(_ source: UnsafePointer<UInt8>, _ n: Int) {
        let from = UnsafeRawPointer(source)
        let to = UnsafeMutableRawPointer(p)
        if n >= 8 && n <= 16 {
            let first = from.loadUnaligned(as: UInt64.self)
            let last = from.loadUnaligned(fromByteOffset: n &- 8, as: UInt64.self)
            to.storeBytes(of: first, as: UInt64.self)
            to.storeBytes(of: last, toByteOffset: n &- 8, as: UInt64.self)
        } else if n >= 4 && n < 8 {
            let first = from.loadUnaligned(as: UInt32.self)
            let last = from.loadUnaligned(fromByteOffset: n &- 4, as: UInt32.self)
            to.storeBytes(of: first, as: UInt32.self)
            to.storeBytes(of: last, toByteOffset: n &- 4, as: UInt32.self)
        } else if n < 4 {
            var k = 0
            while k < n {
                p[k] = source[k]
                k &+= 1
            }
        } else {
            p.initialize(from: source, count: n)
        }
        p += n
    }

    /// `v` (at least 0) in decimal, zero-padded to `width` digits.
    mutating func putDecimal(_ v: Int, width: Int) {
        let n = Self.decimalCount(v, width: width)
        var v = v
        var k = n
        while k > 0 {
            k -= 1
            p[k] = UInt8(truncatingIfNeeded: 0x30 + v % 10)
            v /= 10
        }
        p += n
    }

    /// `v` (0-99) as two decimal digits.
    @inline(__always)
    mutating func putTwoDigits(_ v: Int) {
        let pairs: StaticString = """
            00010203040506070809101112131415161718192021222324252627282930313233343536373839\
            40414243444546474849505152535455565758596061626364656667686970717273747576777879\
            8081828384858687888990919293949596979899
            """
        p.initialize(from: pairs.utf8Start + v &* 2, count: 2)
        p += 2
    }

    /// How many bytes ``putDecimal(_:width:)`` writes.
    static func decimalCount(_ v: Int, width: Int) -> Int {
        var n = 1
        var rest = v / 10
        while rest > 0 {
            n += 1
            rest /= 10
        }
        return Swift.max(n, width)
    }

    /// Whether JSON must escape `c` inside a string.
    @inline(__always)
    static func needsEscape(_ c: UInt8) -> Bool { c < 0x20 || c == 0x22 || c == 0x5C }

    /// The high bit of each byte of `w` that JSON must escape inside a string: a quote,
    /// a backslash or a control character. Bits above the lowest one may be spurious.
    @inline(__always)
    static func escapeStops(_ w: UInt64) -> UInt64 {
        let ones: UInt64 = 0x0101_0101_0101_0101
        let q = w ^ (ones &* 0x22)
        let b = w ^ (ones &* 0x5C)
        return (((q &- ones) & ~q) | ((b &- ones) & ~b) | ((w &- ones &* 0x20) & ~w)) & (ones &* 0x80)
    }

    /// The offset of the first byte at or after `from` that JSON must escape, or `bytes.count`.
    @inline(__always)
    static func firstEscape(_ bytes: UnsafeBufferPointer<UInt8>, from: Int) -> Int {
        guard let base = bytes.baseAddress else { return 0 }
        var k = from
        while k &+ 8 <= bytes.count {
            let stops = escapeStops(UInt64(littleEndian: UnsafeRawPointer(base + k).loadUnaligned(as: UInt64.self)))
            if stops != 0 { return k &+ stops.trailingZeroBitCount &>> 3 }
            k &+= 8
        }
        while k < bytes.count && !needsEscape(base[k]) { k &+= 1 }
        return k
    }

    /// `bytes` (well-formed UTF-8) as a quoted JSON string, escaped as
    /// ``JSONText/appendQuoted(bytes:to:)`` does.
    mutating func putQuoted(_ bytes: UnsafeBufferPointer<UInt8>) {
        put(0x22)
        var runStart = 0
        var k = Self.firstEscape(bytes, from: 0)
        while k < bytes.count {
            put(UnsafeBufferPointer(rebasing: bytes[runStart..<k]))
            let c = bytes[k]
            put(0x5C)
            switch c {
            case 0x22: put(0x22)
            case 0x5C: put(0x5C)
            case 0x0A: put(0x6E)
            case 0x0D: put(0x72)
            case 0x09: put(0x74)
            case 0x08: put(0x62)
            case 0x0C: put(0x66)
            default:
                let digits = ("0123456789abcdef" as StaticString).utf8Start
                put("u00")
                put(digits[Int(c >> 4)])
                put(digits[Int(c & 0xF)])
            }
            runStart = k + 1
            k = Self.firstEscape(bytes, from: runStart)
        }
        put(UnsafeBufferPointer(rebasing: bytes[runStart...]))
        put(0x22)
    }

    /// `text` as a quoted JSON string; see ``putQuoted(_:)``.
    @inline(__always)
    mutating func putQuoted(_ text: String) {
        if text.utf8.withContiguousStorageIfAvailable({ putQuoted($0) }) == nil {
            var copy = text
            copy.withUTF8 { putQuoted($0) }
        }
    }

    /// The most bytes ``putQuoted(_:)`` writes for `count` bytes: each may become `\u00XX`.
    static func quotedLimit(_ count: Int) -> Int { count * 6 + 2 }
}

extension Array where Element == UInt8 {
    /// Appends `count` bytes written by `body`, which must write exactly that many.
    @inline(__always)
    mutating func append(writing count: Int, _ body: (inout ByteWriter) -> Void) {
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: count) { room in
            var writer = ByteWriter(room.baseAddress!)
            body(&writer)
            assert(writer.p == room.baseAddress! + count, "the writer wrote a different count")
            append(contentsOf: UnsafeBufferPointer(room))
        }
    }

    /// Appends what `body` writes, which must be at most `limit` bytes.
    @inline(__always)
    mutating func append(writingAtMost limit: Int, _ body: (inout ByteWriter) -> Void) {
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: limit) { room in
            var writer = ByteWriter(room.baseAddress!)
            body(&writer)
            let count = writer.p - room.baseAddress!
            precondition(count <= limit, "the writer wrote past its room")
            append(contentsOf: UnsafeBufferPointer(rebasing: room[..<count]))
        }
    }
}
