/// What the core knows about the request an event arrived in. Time and ids are given
/// here, never read inside the core, so the same inputs always give the same records.
public struct IngestContext: Sendable, Equatable {
    /// The gateway's or Lambda's request id; event ids derive from it.
    public var requestId: String
    /// When the request was received, in milliseconds since the Unix epoch (UTC).
    public var receivedAtMillis: Int64
    /// The caller's address, if known.
    public var sourceIp: String?
    /// The caller's User-Agent, if known.
    public var userAgent: String?

    /// A context for one request.
    public init(requestId: String, receivedAtMillis: Int64, sourceIp: String? = nil, userAgent: String? = nil) {
        self.requestId = requestId
        self.receivedAtMillis = receivedAtMillis
        self.sourceIp = sourceIp
        self.userAgent = userAgent
    }
}
