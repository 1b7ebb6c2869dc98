/// Deterministic event ids: the same request id and index always give the same id,
/// so a retried invocation produces the same ids and the dedup view can collapse it.
///
/// The id is formatted as an RFC 9562 version-8 UUID whose 122 free bits come from two
/// independent 64-bit hashes of the request id, mixed with the event's index.
public struct EventIDGenerator: Sendable {
    private let seedA: UInt64
    private let seedB: UInt64

    /// A generator for the events of one request.
    public init(requestId: String) {
        var a: UInt64 = 0xcbf2_9ce4_8422_2325
        var b: UInt64 = 0x8422_2325_cbf2_9ce4
        var text = requestId
        let count = text.withUTF8 { bytes in
            for byte in bytes {
                a = (a ^ UInt64(byte)) &* 0x0000_0100_0000_01B3
                b = (b &+ UInt64(byte)) &* 0x9E37_79B9_7F4A_7C15
                b ^= b >> 29
            }
            return bytes.count
        }
        seedA = Self.mix(a)
        seedB = Self.mix(b ^ UInt64(count))
    }

    /// SplitMix64's finaliser: a bijection that spreads every input bit.
    @inline(__always)
    static func mix(_ x: UInt64) -> UInt64 {
        var z = x &+ 0x9E37_79B9_7F4A_7C15
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// Appends the 36-character id of event `index` to `out`.
    @inline(__always)
    public func append(index: Int, to out: inout [UInt8]) {
        out.append(writing: 36) { write(index: index, to: &$0) }
    }

    /// Writes the 36-character id of event `index`.
    @inline(__always)
    func write(index: Int, to w: inout ByteWriter) {
        let hi = Self.mix(seedA ^ UInt64(truncatingIfNeeded: index))
        let lo = Self.mix(seedB &+ UInt64(truncatingIfNeeded: index) &* 0xD6E8_FEB8_6659_FD93)
        // Version 8 in the top nibble of byte 6, variant 0b10 in byte 8.
        let h = (hi & 0xFFFF_FFFF_FFFF_0FFF) | 0x0000_0000_0000_8000
        let l = (lo & 0x3FFF_FFFF_FFFF_FFFF) | 0x8000_0000_0000_0000
        Self.hex(h >> 32, 8, &w)
        w.put(0x2D)
        Self.hex(h >> 16, 4, &w)
        w.put(0x2D)
        Self.hex(h, 4, &w)
        w.put(0x2D)
        Self.hex(l >> 48, 4, &w)
        w.put(0x2D)
        Self.hex(l, 12, &w)
    }

    /// Writes the low `nibbles` (an even number) hex digits of `v`, most significant
    /// first, a byte at a time from a table of the 256 two-digit pairs.
    @inline(__always)
    static func hex(_ v: UInt64, _ nibbles: Int, _ w: inout ByteWriter) {
        let pairs: StaticString = """
            000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f\
            202122232425262728292a2b2c2d2e2f303132333435363738393a3b3c3d3e3f\
            404142434445464748494a4b4c4d4e4f505152535455565758595a5b5c5d5e5f\
            606162636465666768696a6b6c6d6e6f707172737475767778797a7b7c7d7e7f\
            808182838485868788898a8b8c8d8e8f909192939495969798999a9b9c9d9e9f\
            a0a1a2a3a4a5a6a7a8a9aaabacadaeafb0b1b2b3b4b5b6b7b8b9babbbcbdbebf\
            c0c1c2c3c4c5c6c7c8c9cacbcccdcecfd0d1d2d3d4d5d6d7d8d9dadbdcdddedf\
            e0e1e2e3e4e5e6e7e8e9eaebecedeeeff0f1f2f3f4f5f6f7f8f9fafbfcfdfeff
            """
        var shift = nibbles &* 4
        while shift > 0 {
            shift &-= 8
            let pair = pairs.utf8Start + Int(truncatingIfNeeded: (v &>> UInt64(shift)) & 0xFF) &* 2
            w.put(pair[0])
            w.put(pair[1])
        }
    }

    /// The id of event `index`.
    public func id(index: Int) -> String {
        var out: [UInt8] = []
        out.reserveCapacity(36)
        append(index: index, to: &out)
        return String(decoding: out, as: UTF8.self)
    }
}
