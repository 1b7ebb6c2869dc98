/// The headers a signature adds to a request, and the signature itself.
public struct SigV4SignedHeaders: Sendable, Hashable {
    /// The `Authorization` header value: `AWS4-HMAC-SHA256 Credential=…, SignedHeaders=…, Signature=…`.
    public var authorization: String
    /// The `X-Amz-Date` header value, `yyyyMMdd'T'HHmmss'Z'`.
    public var amzDate: String
    /// The `X-Amz-Security-Token` header value when the credentials carry a session token.
    public var securityToken: String?
    /// The `x-amz-content-sha256` header value when the options or payload call for it.
    public var contentSHA256: String?
    /// The `;`-separated lowercase names of the signed headers.
    public var signedHeaders: String
    /// The signature, 64 lowercase hex digits.
    public var signature: String

    /// Every header to add, in the order the AWS test suite writes them:
    /// `X-Amz-Security-Token`, `X-Amz-Date`, `x-amz-content-sha256`, `Authorization`.
    public var all: [(name: String, value: String)] {
        var headers: [(name: String, value: String)] = []
        headers.reserveCapacity(4)
        if let securityToken { headers.append(("X-Amz-Security-Token", securityToken)) }
        headers.append(("X-Amz-Date", amzDate))
        if let contentSHA256 { headers.append(("x-amz-content-sha256", contentSHA256)) }
        headers.append(("Authorization", authorization))
        return headers
    }
}
