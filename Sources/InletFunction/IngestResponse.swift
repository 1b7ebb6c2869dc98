import InletAPIGateway
import InletCore

/// What happened to one request, and the HTTP response that tells the sender.
///
/// | outcome | status |
/// | --- | --- |
/// | every event accepted and delivered | 200 |
/// | some events rejected, the rest delivered | 207, listing the rejected indexes and reasons |
/// | every event rejected | 400 |
/// | body too large / unsupported type / bad encoding | 413 / 415 / 400 |
/// | Firehose did not take every valid record, or the error bucket could not be written | 503 with `Retry-After` |
public struct IngestOutcome: Sendable, Equatable {
    /// The request id the response names.
    public var requestId: String
    /// How many events the body held.
    public var eventCount: Int
    /// How many records Firehose took.
    public var delivered: Int
    /// Events rejected for their content (not for delivery).
    public var rejected: [RejectedEvent]
    /// Indexes of valid events Firehose did not take before the deadline.
    public var deliveryFailed: [Int]
    /// Whether the error bucket holds every envelope owed (true when none were owed).
    public var errorsStored: Bool

    /// An outcome.
    public init(
        requestId: String, eventCount: Int, delivered: Int, rejected: [RejectedEvent], deliveryFailed: [Int],
        errorsStored: Bool
    ) {
        self.requestId = requestId
        self.eventCount = eventCount
        self.delivered = delivered
        self.rejected = rejected
        self.deliveryFailed = deliveryFailed
        self.errorsStored = errorsStored
    }

    /// The HTTP status for this outcome.
    public var statusCode: Int {
        if !deliveryFailed.isEmpty || !errorsStored { return 503 }
        if rejected.isEmpty { return 200 }
        if delivered == 0 { return 400 }
        return 207
    }

    /// The JSON response.
    public var response: APIGatewayResponse {
        var out: [UInt8] = Array(#"{"requestId":"#.utf8)
        JSONText.appendQuoted(requestId, to: &out)
        out.append(contentsOf: #","events":\#(eventCount),"accepted":\#(delivered),"rejected":\#(rejected.count)"#.utf8)
        if !deliveryFailed.isEmpty {
            out.append(contentsOf: #","deliveryFailed":["#.utf8)
            out.append(contentsOf: deliveryFailed.map(String.init).joined(separator: ",").utf8)
            out.append(0x5D)
        }
        if !errorsStored {
            out.append(contentsOf: #","error":"error_store_unavailable","message":"#.utf8)
            JSONText.appendQuoted(
                "the error bucket could not be written; rejected events were not recorded, so send the request again",
                to: &out)
        } else if !deliveryFailed.isEmpty {
            out.append(contentsOf: #","error":"delivery_failed","message":"#.utf8)
            JSONText.appendQuoted(
                "Firehose did not accept every valid event in time; they are kept in the error bucket, send them again",
                to: &out)
        }
        out.append(contentsOf: #","errors":["#.utf8)
        for (k, event) in rejected.enumerated() {
            if k > 0 { out.append(0x2C) }
            out.append(contentsOf: #"{"index":\#(event.index),"error":"#.utf8)
            JSONText.appendQuoted(event.code.rawValue, to: &out)
            out.append(contentsOf: #","reasons":"#.utf8)
            ErrorEnvelope.appendReasons(event.reasons, to: &out)
            out.append(0x7D)
        }
        out.append(contentsOf: "]}".utf8)
        let extra: [(String, String)] = statusCode == 503 ? [("retry-after", "1")] : []
        return .json(statusCode, out, headers: extra)
    }

    /// The response for a request refused as a whole.
    public static func refused(_ error: IngestError, requestId: String) -> APIGatewayResponse {
        var out: [UInt8] = Array(#"{"requestId":"#.utf8)
        JSONText.appendQuoted(requestId, to: &out)
        out.append(contentsOf: #","error":"#.utf8)
        JSONText.appendQuoted(error.code.rawValue, to: &out)
        out.append(contentsOf: #","message":"#.utf8)
        JSONText.appendQuoted(error.message, to: &out)
        out.append(0x7D)
        return .json(error.httpStatus, out)
    }
}
