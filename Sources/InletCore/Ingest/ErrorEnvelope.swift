/// The JSON line written to the error bucket for each rejected event.
///
/// `{"error":"contract_violation","event_index":0,"reasons":[{"pointer":"/Id","keyword":"minLength","message":"…"}],
///   "received_at":"…","request_id":"…","source_ip":"…","user_agent":"…","contract":"…","raw_event":"…"}`
///
/// The original event is kept as a JSON string in `raw_event`, or in
/// `raw_event_base64` when its bytes are not valid UTF-8.
public enum ErrorEnvelope {
    /// Appends the envelope of `event`, followed by `\n`, to `out`.
    public static func append(
        _ event: RejectedEvent, context: IngestContext, contractId: String, to out: inout [UInt8]
    ) {
        out.append(contentsOf: #"{"error":"#.utf8)
        JSONText.appendQuoted(event.code.rawValue, to: &out)
        out.append(contentsOf: #","event_index":"#.utf8)
        out.append(contentsOf: String(event.index).utf8)
        out.append(contentsOf: #","reasons":"#.utf8)
        appendReasons(event.reasons, to: &out)
        out.append(contentsOf: #","received_at":"#.utf8)
        JSONText.appendQuoted(UTCDateTime(epochMillis: context.receivedAtMillis).iso8601, to: &out)
        out.append(contentsOf: #","request_id":"#.utf8)
        JSONText.appendQuoted(context.requestId, to: &out)
        out.append(contentsOf: #","source_ip":"#.utf8)
        appendOptional(context.sourceIp, to: &out)
        out.append(contentsOf: #","user_agent":"#.utf8)
        appendOptional(context.userAgent, to: &out)
        out.append(contentsOf: #","contract":"#.utf8)
        JSONText.appendQuoted(contractId, to: &out)
        if JSONText.isValidUTF8(event.raw[...]) {
            out.append(contentsOf: #","raw_event":"#.utf8)
            event.raw.withUnsafeBufferPointer { JSONText.appendQuoted(bytes: $0, to: &out) }
        } else {
            out.append(contentsOf: #","raw_event_base64":""#.utf8)
            Base64.encode(event.raw, into: &out)
            out.append(0x22)
        }
        out.append(contentsOf: "}\n".utf8)
    }

    /// The envelopes of all `events` as NDJSON.
    public static func encode(_ events: [RejectedEvent], context: IngestContext, contractId: String) -> [UInt8] {
        var out: [UInt8] = []
        for event in events { append(event, context: context, contractId: contractId, to: &out) }
        return out
    }

    /// Appends `reasons` as a JSON array of `{"pointer","keyword","message"}` objects.
    public static func appendReasons(_ reasons: [ValidationReason], to out: inout [UInt8]) {
        out.append(0x5B)
        for (k, reason) in reasons.enumerated() {
            if k > 0 { out.append(0x2C) }
            out.append(contentsOf: #"{"pointer":"#.utf8)
            JSONText.appendQuoted(reason.pointer, to: &out)
            out.append(contentsOf: #","keyword":"#.utf8)
            JSONText.appendQuoted(reason.keyword, to: &out)
            out.append(contentsOf: #","message":"#.utf8)
            JSONText.appendQuoted(reason.message, to: &out)
            out.append(0x7D)
        }
        out.append(0x5D)
    }

    static func appendOptional(_ value: String?, to out: inout [UInt8]) {
        if let value { JSONText.appendQuoted(value, to: &out) } else { out.append(contentsOf: "null".utf8) }
    }
}
