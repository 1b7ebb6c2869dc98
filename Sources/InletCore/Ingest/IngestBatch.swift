/// Why one event was not accepted.
public enum RejectionCode: String, Sendable {
    /// The event is not well-formed JSON.
    case malformedJSON = "malformed_json"
    /// The event is well-formed JSON but not an object.
    case notAnObject = "not_an_object"
    /// The event breaks the contract.
    case contractViolation = "contract_violation"
    /// The enriched record is larger than Firehose accepts.
    case recordTooLarge = "record_too_large"
    /// The event sets a field that Inlet writes itself (`_ingest`).
    case reservedField = "reserved_field"
    /// The event was valid but Firehose did not take it before the deadline.
    case deliveryFailed = "delivery_failed"
}

/// An accepted event: its position in the request and its record in ``IngestBatch/records``.
public struct AcceptedRecord: Sendable, Equatable {
    /// The event's zero-based position in the request.
    public var index: Int
    /// The record's bytes in ``IngestBatch/records``, trailing newline included.
    public var range: Range<Int>
}

/// A rejected event with every reason found.
public struct RejectedEvent: Sendable, Equatable {
    /// The event's zero-based position in the request.
    public var index: Int
    /// The kind of rejection.
    public var code: RejectionCode
    /// Each reason, with a JSON pointer into the event, the keyword and a message.
    public var reasons: [ValidationReason]
    /// The event's original bytes, exactly as sent.
    public var raw: [UInt8]

    /// A rejection.
    public init(index: Int, code: RejectionCode, reasons: [ValidationReason], raw: [UInt8]) {
        self.index = index
        self.code = code
        self.reasons = reasons
        self.raw = raw
    }
}

/// What the core made of one request body.
public struct IngestBatch: Sendable, Equatable {
    /// How many events the body held.
    public var eventCount = 0
    /// The accepted events' records as NDJSON: one compact object and `\n` each.
    public var records: [UInt8] = []
    /// Where each accepted record is in ``records``, in request order.
    public var accepted: [AcceptedRecord] = []
    /// The rejected events, in request order.
    public var rejected: [RejectedEvent] = []

    /// An empty batch.
    public init() {}

    /// The bytes of one accepted record, trailing newline included.
    public func record(_ accepted: AcceptedRecord) -> ArraySlice<UInt8> { records[accepted.range] }
}
