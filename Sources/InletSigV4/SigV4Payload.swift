/// What the signature says about the request body: its SHA-256, or that it is unsigned.
public enum SigV4Payload: Sendable, Hashable {
    /// No body: the payload hash is the SHA-256 of zero bytes.
    case empty
    /// The whole body; the signer hashes it.
    case bytes([UInt8])
    /// The body's SHA-256 in lowercase hex, computed by the caller (e.g. with `SHA256Hasher` while streaming).
    case sha256Hex(String)
    /// `UNSIGNED-PAYLOAD`: the body is not covered by the signature (S3 over TLS, presigned URLs).
    case unsigned

    /// The literal SigV4 uses in place of a payload hash for `.unsigned`.
    public static let unsignedPayloadLiteral = "UNSIGNED-PAYLOAD"

    /// The value that goes on the last line of the canonical request.
    public var hashValueForSigning: String {
        switch self {
        case .empty: return Digest.emptySHA256Hex
        case .bytes(let body): return body.isEmpty ? Digest.emptySHA256Hex : Digest.sha256Hex(body)
        case .sha256Hex(let hex): return hex
        case .unsigned: return Self.unsignedPayloadLiteral
        }
    }
}
