import COpenSSL

/// SHA-256, HMAC-SHA256 and MD5 from libcrypto, so other Inlet modules can hash
/// without importing `COpenSSL`.
public enum Digest {
    /// The SHA-256 of zero bytes, in lowercase hex: the payload hash of an empty body.
    public static let emptySHA256Hex = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"

    /// The 32-byte SHA-256 digest of `bytes`.
    public static func sha256(_ bytes: some Collection<UInt8>) -> [UInt8] {
        withContiguousBytes(bytes) { input in
            [UInt8](unsafeUninitializedCapacity: 32) { out, count in
                let ok = inlet_sha256(input.baseAddress, input.count, out.baseAddress) == 1
                precondition(ok, "InletSigV4: libcrypto SHA-256 failed")
                count = 32
            }
        }
    }

    /// The SHA-256 digest of `bytes` as 64 lowercase hex digits (the SigV4 payload hash form).
    public static func sha256Hex(_ bytes: some Collection<UInt8>) -> String {
        ByteEncoding.hex(sha256(bytes))
    }

    /// The SHA-256 digest of the UTF-8 bytes of `string`, as 64 lowercase hex digits.
    public static func sha256Hex(_ string: String) -> String {
        sha256Hex(string.utf8)
    }

    /// The 32-byte HMAC-SHA256 of `data` under `key` (OpenSSL's one-shot `HMAC()`).
    public static func hmacSHA256(key: some Collection<UInt8>, data: some Collection<UInt8>) -> [UInt8] {
        withContiguousBytes(key) { keyBytes in
            withContiguousBytes(data) { dataBytes in
                [UInt8](unsafeUninitializedCapacity: 32) { out, count in
                    let ok = inlet_hmac_sha256(
                        keyBytes.baseAddress, keyBytes.count, dataBytes.baseAddress, dataBytes.count,
                        out.baseAddress) == 1
                    precondition(ok, "InletSigV4: libcrypto HMAC-SHA256 failed")
                    count = 32
                }
            }
        }
    }

    /// The 16-byte MD5 digest of `bytes`. For integrity checks only (S3 `Content-MD5`), never for security.
    public static func md5(_ bytes: some Collection<UInt8>) -> [UInt8] {
        withContiguousBytes(bytes) { input in
            [UInt8](unsafeUninitializedCapacity: 16) { out, count in
                let ok = inlet_md5(input.baseAddress, input.count, out.baseAddress) == 1
                precondition(ok, "InletSigV4: libcrypto MD5 failed (is MD5 disabled by the OpenSSL configuration?)")
                count = 16
            }
        }
    }

    /// The MD5 digest of `bytes` in standard Base64: the value of an S3 `Content-MD5` header.
    public static func md5Base64(_ bytes: some Collection<UInt8>) -> String {
        ByteEncoding.base64(md5(bytes))
    }
}
