import Synchronization

/// Random bits for the identifiers the emulator makes on every request (API Gateway request
/// ids, Lambda request ids, trace ids, Firehose record ids): SplitMix64 over an atomic
/// counter seeded once from the system's generator. Each draw is a few instructions and
/// never a system call (`SystemRandomNumberGenerator` makes one `getrandom` per draw, which
/// showed in the gateway's profile). The values are unique and well mixed but predictable
/// to whoever learns the seed: identifiers, never secrets or keys.
enum IdentifierRandom {
    private static let counter = Atomic<UInt64>(UInt64.random(in: 0...UInt64.max))

    /// 64 random bits.
    static func next() -> UInt64 {
        let (_, value) = counter.wrappingAdd(0x9E37_79B9_7F4A_7C15, ordering: .relaxed)
        var z = value
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// Appends `count` lower-case hex digits of random bits (at most 16) to `out`.
    static func appendHex(_ count: Int, to out: inout [UInt8]) {
        let bits = next()
        for d in 0..<count {
            out.append(hexDigits[Int(bits >> UInt64(4 * (15 - d)) & 0xF)])
        }
    }

    static let hexDigits: [UInt8] = Array("0123456789abcdef".utf8)
}
