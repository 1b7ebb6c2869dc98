/// The per-request pipeline: frame the body into events, parse each one, check it
/// against the contract, enrich it with `_ingest`, and encode it as an NDJSON record.
///
/// Every event gets exactly one outcome, accepted or rejected with reasons, so nothing
/// the caller hands in is silently dropped.
public struct Ingestor: Sendable {
    /// The contract events are checked against.
    public let contract: Contract
    /// The limits requests are held to.
    public let limits: IngestLimits

    /// A pipeline for one contract.
    public init(contract: Contract = .default, limits: IngestLimits = IngestLimits()) {
        self.contract = contract
        self.limits = limits
    }

    /// Processes a decoded request body (after base64 and Content-Encoding).
    public func process(body: [UInt8], format: BodyFormat, context: IngestContext) throws(IngestError) -> IngestBatch {
        if body.count > limits.maxDecodedBodyBytes {
            throw IngestError(
                .decodedBodyTooLarge,
                "the decoded body is \(body.count) bytes; the limit is \(limits.maxDecodedBodyBytes)")
        }
        let first = JSONDocument.skipWhitespace(body, from: 0, upTo: body.count)
        if first == body.count {
            throw IngestError(.emptyBody, "the body holds no events; send a JSON object, an array or NDJSON")
        }
        var run = Run(ingestor: self, body: body, context: context)
        if format == .detect && body[first] == 0x5B {
            run.processArray()
        } else {
            run.processStream(from: first)
        }
        return run.batch
    }
}

private let ingestKey: [UInt8] = Array("_ingest".utf8)

/// The state of one request's processing.
private struct Run {
    let ingestor: Ingestor
    let limits: IngestLimits
    let body: [UInt8]
    var document: JSONDocument
    var batch = IngestBatch()
    let ids: EventIDGenerator
    /// `,"_ingest":{"event_id":"`; the leading comma is dropped for `{}`.
    let enrichmentHead: [UInt8]
    /// `","received_at":…}}` and a newline: everything after the event id.
    let enrichmentTail: [UInt8]

    init(ingestor: Ingestor, body: [UInt8], context: IngestContext) {
        self.ingestor = ingestor
        self.limits = ingestor.limits
        self.body = body
        self.document = JSONDocument(bytes: body)
        self.ids = EventIDGenerator(requestId: context.requestId)
        self.enrichmentHead = Array(#","_ingest":{"event_id":""#.utf8)
        var tail: [UInt8] = []
        tail.reserveCapacity(160 + context.requestId.utf8.count + (context.userAgent?.utf8.count ?? 0))
        tail.append(contentsOf: #"","received_at":""#.utf8)
        UTCDateTime(epochMillis: context.receivedAtMillis).appendISO8601(to: &tail)
        tail.append(contentsOf: #"","request_id":"#.utf8)
        JSONText.appendQuoted(context.requestId, to: &tail)
        tail.append(contentsOf: #","source_ip":"#.utf8)
        ErrorEnvelope.appendOptional(context.sourceIp, to: &tail)
        tail.append(contentsOf: #","user_agent":"#.utf8)
        ErrorEnvelope.appendOptional(context.userAgent, to: &tail)
        tail.append(contentsOf: #","contract":"#.utf8)
        JSONText.appendQuoted(ingestor.contract.id, to: &tail)
        tail.append(contentsOf: "}}\n".utf8)
        self.enrichmentTail = tail
        batch.records.reserveCapacity(body.count + body.count / 2 + 256)
    }

    /// A JSON array whose elements are the events.
    mutating func processArray() {
        do {
            try document.parse(0..<body.count, maxDepth: limits.maxDepth + 1)
        } catch {
            reject(index: 0, .malformedJSON, [reason(error)], raw: body[...])
            batch.eventCount = 1
            return
        }
        var index = 0
        for element in document.elements(0) {
            handle(element, index: index)
            index += 1
        }
        batch.eventCount = index
    }

    /// One object, or objects one per line (or concatenated). A malformed event is
    /// rejected on its own and reading resumes at the next line.
    mutating func processStream(from start: Int) {
        var i = start
        var index = 0
        let n = body.count
        while i < n {
            do {
                let end = try document.parseValue(from: i, upTo: n, maxDepth: limits.maxDepth)
                // What follows a value on its line must be whitespace or another value.
                var j = end
                while j < n, body[j] == 0x20 || body[j] == 0x09 || body[j] == 0x0D { j += 1 }
                if j < n && body[j] != 0x0A && body[j] != 0x7B && body[j] != 0x5B {
                    let lineEnd = endOfLine(from: j)
                    let error = JSONParseError(
                        .trailingData, at: j - i, "unexpected data after the event on the same line")
                    reject(index: index, .malformedJSON, [reason(error)], raw: body[i..<lineEnd])
                    i = lineEnd
                } else {
                    handle(0, index: index)
                    i = end
                }
            } catch {
                let lineEnd = endOfLine(from: i)
                reject(index: index, .malformedJSON, [reason(error)], raw: body[i..<lineEnd])
                i = lineEnd
            }
            index += 1
            i = JSONDocument.skipWhitespace(body, from: i, upTo: n)
        }
        batch.eventCount = index
    }

    func endOfLine(from i: Int) -> Int {
        var k = i
        while k < body.count && body[k] != 0x0A { k += 1 }
        return k
    }

    /// Validates, enriches and encodes the event at tape `node`.
    mutating func handle(_ node: Int, index: Int) {
        guard document.kind(node) == .object else {
            reject(
                index: index, .notAnObject,
                [ValidationReason(pointer: "", keyword: "type", message: "an event must be a JSON object")],
                raw: document.rawBytes(node))
            return
        }
        if document.member(node, named: ingestKey) != nil {
            reject(
                index: index, .reservedField,
                [ValidationReason(
                    pointer: "/_ingest", keyword: "reserved",
                    message: "_ingest is written by Inlet and may not be sent; rename the field")],
                raw: document.rawBytes(node))
            return
        }
        let reasons = ingestor.contract.validate(document, node)
        if !reasons.isEmpty {
            reject(index: index, .contractViolation, reasons, raw: document.rawBytes(node))
            return
        }
        let start = batch.records.count
        document.writeCompact(node, into: &batch.records)
        batch.records.removeLast()  // the closing brace; enrichment closes the object
        if document.nodes[node].count == 0 {
            batch.records.append(contentsOf: enrichmentHead[1...])
        } else {
            batch.records.append(contentsOf: enrichmentHead)
        }
        ids.append(index: index, to: &batch.records)
        batch.records.append(contentsOf: enrichmentTail)
        let size = batch.records.count - start
        if size > limits.maxRecordBytes {
            batch.records.removeSubrange(start...)
            reject(
                index: index, .recordTooLarge,
                [ValidationReason(
                    pointer: "", keyword: "maxRecordBytes",
                    message: "the enriched record is \(size) bytes; Firehose accepts at most \(limits.maxRecordBytes)")],
                raw: document.rawBytes(node))
            return
        }
        batch.accepted.append(AcceptedRecord(index: index, range: start..<batch.records.count))
    }

    mutating func reject(index: Int, _ code: RejectionCode, _ reasons: [ValidationReason], raw: ArraySlice<UInt8>) {
        batch.rejected.append(RejectedEvent(index: index, code: code, reasons: reasons, raw: Array(raw)))
    }

    func reason(_ error: JSONParseError) -> ValidationReason {
        ValidationReason(pointer: "", keyword: error.code.rawValue, message: "\(error.message) (at byte \(error.offset))")
    }
}
