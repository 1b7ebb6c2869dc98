import COpenSSL

/// One libcrypto digest context, reused for every hash and HMAC of a single
/// signing or verification, so a signature costs one allocation of it.
final class DigestContext {
    let ctx: OpaquePointer

    init() {
        guard let ctx = inlet_digest_ctx_new() else {
            fatalError("InletSigV4: libcrypto could not allocate a digest context (out of memory)")
        }
        self.ctx = ctx
    }

    deinit { inlet_digest_ctx_free(ctx) }

    /// SHA-256 of `bytes` written into `out` (32 bytes).
    func sha256(_ bytes: UnsafeRawBufferPointer, into out: UnsafeMutablePointer<UInt8>) {
        let ok = inlet_sha256_init(ctx) == 1
            && inlet_digest_update(ctx, bytes.baseAddress, bytes.count) == 1
            && inlet_digest_final(ctx, out) == 1
        precondition(ok, "InletSigV4: libcrypto SHA-256 failed")
    }

    /// HMAC-SHA256 of `data` under `key`, written into `out` (32 bytes).
    func hmac(key: UnsafeRawBufferPointer, data: UnsafeRawBufferPointer, into out: UnsafeMutablePointer<UInt8>) {
        let ok = inlet_hmac_sha256_with(ctx, key.baseAddress, key.count, data.baseAddress, data.count, out) == 1
        precondition(ok, "InletSigV4: libcrypto HMAC-SHA256 failed")
    }

    /// HMAC-SHA256 of the UTF-8 bytes of `data` under `key`, written into `out` (32 bytes).
    func hmac(key: UnsafeRawBufferPointer, data: String, into out: UnsafeMutablePointer<UInt8>) {
        withContiguousBytes(data.utf8) { hmac(key: key, data: $0, into: out) }
    }

    /// HMAC-SHA256 of `data` under `key`, as a new 32-byte array.
    func hmac(key: [UInt8], data: some Collection<UInt8>) -> [UInt8] {
        key.withUnsafeBytes { keyBytes in
            withContiguousBytes(data) { dataBytes in
                [UInt8](unsafeUninitializedCapacity: 32) { out, count in
                    hmac(key: keyBytes, data: dataBytes, into: out.baseAddress!)
                    count = 32
                }
            }
        }
    }
}

/// Calls `body` with the bytes of `bytes`, copying only when the collection has
/// no contiguous storage (a native String's UTF-8 view and arrays have it).
@inline(__always)
func withContiguousBytes<C: Collection<UInt8>, R>(_ bytes: C, _ body: (UnsafeRawBufferPointer) -> R) -> R {
    if let result = bytes.withContiguousStorageIfAvailable({ body(UnsafeRawBufferPointer($0)) }) {
        return result
    }
    return Array(bytes).withUnsafeBytes(body)
}
