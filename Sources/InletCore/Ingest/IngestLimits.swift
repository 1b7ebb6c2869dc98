/// The size limits every request is held to. They mirror AWS's own limits so that
/// what passes locally also passes in AWS.
public struct IngestLimits: Sendable, Equatable {
    /// The largest request body, as received: Lambda's synchronous payload limit (6 MiB).
    public var maxBodyBytes: Int = 6 * 1024 * 1024
    /// The largest body after base64 and gzip decoding; guards against zip bombs.
    public var maxDecodedBodyBytes: Int = 32 * 1024 * 1024
    /// The largest enriched record: Firehose's record limit (1,000 KiB).
    public var maxRecordBytes: Int = 1_024_000
    /// The deepest nesting of objects and arrays inside one event.
    public var maxDepth: Int = JSONDocument.defaultMaxDepth

    /// The defaults above.
    public init() {}

    /// A copy with some limits changed.
    public func with(
        maxBodyBytes: Int? = nil, maxDecodedBodyBytes: Int? = nil, maxRecordBytes: Int? = nil, maxDepth: Int? = nil
    ) -> IngestLimits {
        var copy = self
        if let maxBodyBytes { copy.maxBodyBytes = maxBodyBytes }
        if let maxDecodedBodyBytes { copy.maxDecodedBodyBytes = maxDecodedBodyBytes }
        if let maxRecordBytes { copy.maxRecordBytes = maxRecordBytes }
        if let maxDepth { copy.maxDepth = maxDepth }
        return copy
    }
}
