/// Why a request's SigV4 signature was not accepted.
public struct SigV4VerificationError: Error, Sendable, Hashable, CustomStringConvertible {
    /// A stable reason; map it to the service's own error (e.g. S3 `SignatureDoesNotMatch`).
    public enum Code: String, Sendable, Hashable, CaseIterable {
        /// Neither an `Authorization` header nor `X-Amz-Algorithm` in the query.
        case missingAuthorization
        /// The `Authorization` header or presigned query items are not well-formed SigV4.
        case malformedAuthorization
        /// Signed with something other than `AWS4-HMAC-SHA256` (SigV2, SigV4a, …).
        case unsupportedAlgorithm
        /// No `X-Amz-Date` (or `Date`) to sign with.
        case missingDate
        /// The date is not in `yyyyMMdd'T'HHmmss'Z'` (or HTTP-date) form.
        case malformedDate
        /// The access key id is not known to the verifier.
        case unknownAccessKey
        /// The session token is missing or is not the one issued with the access key.
        case invalidSecurityToken
        /// The credential scope's date, region or service does not match the request or the server.
        case scopeMismatch
        /// A header that must be signed (`host`, the date, `x-amz-content-sha256`, `x-amz-security-token`) is not.
        case unsignedHeader
        /// `SignedHeaders` names a header the request does not carry.
        case missingSignedHeader
        /// The request's date is too far from the server's clock.
        case clockSkew
        /// The presigned URL's `X-Amz-Expires` has passed.
        case requestExpired
        /// The body's SHA-256 differs from `x-amz-content-sha256`.
        case payloadHashMismatch
        /// The signature differs from the one computed with the stored secret.
        case signatureMismatch
    }

    /// The reason.
    public var code: Code
    /// What went wrong and what to check, for the client's error response and the server log.
    public var message: String
    /// For `.signatureMismatch`: the canonical request the server signed, to compare with the client's.
    public var canonicalRequest: String?
    /// For `.signatureMismatch`: the string to sign the server computed.
    public var stringToSign: String?

    /// An error with `code`, `message` and, for signature mismatches, what the server computed.
    public init(_ code: Code, _ message: String, canonicalRequest: String? = nil, stringToSign: String? = nil) {
        self.code = code
        self.message = message
        self.canonicalRequest = canonicalRequest
        self.stringToSign = stringToSign
    }

    /// `code: message`.
    public var description: String { "\(code.rawValue): \(message)" }
}
