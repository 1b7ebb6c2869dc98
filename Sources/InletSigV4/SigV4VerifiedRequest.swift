/// What a successful verification established about a request.
public struct SigV4VerifiedRequest: Sendable, Hashable {
    /// The access key id that signed.
    public var accessKeyId: String
    /// The region of the credential scope.
    public var region: String
    /// The service (signing name) of the credential scope.
    public var service: String
    /// The signing time.
    public var date: SigV4Date
    /// The signed header names, as the client listed them.
    public var signedHeaders: [String]
    /// The payload hash covered by the signature: a hex SHA-256, `UNSIGNED-PAYLOAD`
    /// or a `STREAMING-…` literal. When the body was not passed to the verifier, compare
    /// its SHA-256 with this value once it has arrived.
    public var payloadHash: String
    /// Whether the signature came in the query string (presigned URL).
    public var isPresigned: Bool
}
