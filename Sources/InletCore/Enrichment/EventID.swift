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
        for byte in requestId.utf8 {
            a = (a ^ UInt64(byte)) &* 0x0000_0100_0000_01B3
            b = (b &+ UInt64(byte)) &* 0x9E37_79B9_7F4A_7C15
            b ^= b >> 29
        }
        seedA = Self.mix(a)
        seedB = Self.mix(b ^ UInt64(requestId.utf8.count))
    }

    /// SplitMix64's finaliser: a bijection that spreads every input bit.
    @inline(__always)
    static func mix(_ x: UInt64) -> UInt64 {
        var z = x &+ 0x9E37_79B9_7F4A_7C15
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    private static let hex: [UInt8] = Array("0123456789abcdef".utf8)

    /// Appends the 36-character id of event `index` to `out`.
    @inline(__always)
    public func append(index: Int, to out: inout [UInt8]) {
        let hi = Self.mix(seedA ^ UInt64(truncatingIfNeeded: index))
        let lo = Self.mix(seedB &+ UInt64(truncatingIfNeeded: index) &* 0xD6E8_FEB8_6659_FD93)
        // Version 8 in the top nibble of byte 6, variant 0b10 in byte 8.
        let h = (hi & 0xFFFF_FFFF_FFFF_0FFF) | 0x0000_0000_0000_8000
        let l = (lo & 0x3FFF_FFFF_FFFF_FFFF) | 0x8000_0000_0000_0000
        Self.hex.withUnsafeBufferPointer { hex in
            func put(_ v: UInt64, _ shift: Int, _ nibbles: Int, _ out: inout [UInt8]) {
                var s = shift
                for _ in 0..<nibbles {
                    s -= 4
                    out.append(hex[Int((v >> UInt64(s)) & 0xF)])
                }
            }
            put(h, 64, 8, &out)
            out.append(0x2D)
            put(h, 32, 4, &out)
            out.append(0x2D)
            put(h, 16, 4, &out)
            out.append(0x2D)
            put(l, 64, 4, &out)
            out.append(0x2D)
            put(l, 48, 12, &out)
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
