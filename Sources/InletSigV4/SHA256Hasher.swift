import COpenSSL

/// An incremental SHA-256, for hashing a payload that arrives in pieces
/// (a streamed upload body) without holding it all in memory.
///
/// Not thread-safe: use one hasher per stream.
public final class SHA256Hasher {
    private let context = DigestContext()

    /// Starts an empty hash.
    public init() {
        reset()
    }

    /// Feeds `bytes` to the hash.
    public func update(_ bytes: some Collection<UInt8>) {
        withContiguousBytes(bytes) { update(rawBytes: $0) }
    }

    /// Feeds the bytes in `rawBytes` to the hash.
    public func update(rawBytes: UnsafeRawBufferPointer) {
        let ok = inlet_digest_update(context.ctx, rawBytes.baseAddress, rawBytes.count) == 1
        precondition(ok, "InletSigV4: libcrypto SHA-256 update failed")
    }

    /// Returns the 32-byte digest of everything fed so far and starts a new, empty hash.
    public func finalize() -> [UInt8] {
        let digest = [UInt8](unsafeUninitializedCapacity: 32) { out, count in
            let ok = inlet_digest_final(context.ctx, out.baseAddress) == 1
            precondition(ok, "InletSigV4: libcrypto SHA-256 final failed")
            count = 32
        }
        reset()
        return digest
    }

    /// Returns the digest as 64 lowercase hex digits and starts a new, empty hash.
    public func finalizeHex() -> String {
        ByteEncoding.hex(finalize())
    }

    private func reset() {
        let ok = inlet_sha256_init(context.ctx) == 1
        precondition(ok, "InletSigV4: libcrypto SHA-256 init failed")
    }
}
