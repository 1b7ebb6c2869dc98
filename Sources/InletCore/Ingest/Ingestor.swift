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
        var run = Run(body: body, requestId: context.requestId)
        if format == .detect && body[first] == 0x5B {
            run.processArray(self, context)
        } else {
            run.processStream(from: first, self, context)
        }
        var batch = IngestBatch()
        swap(&batch, &run.batch)
        return batch
    }
}

private let ingestKey: [UInt8] = Array("_ingest".utf8)
private let ingestKeySignature = JSONDocument.keySignature(ingestKey)
/// What goes between an event's last member and its id; the comma is dropped for `{}`.
private let enrichmentHead: StaticString = #","_ingest":{"event_id":""#

/// The state of one request's processing. The ingestor and the context are passed
/// to each step rather than kept, which spares a retain and a release of each of
/// their references per request.
private struct Run {
    /// The body, as the text the tape points into.
    var document: JSONDocument
    var batch = IngestBatch()
    let ids: EventIDGenerator
    /// `","received_at":…}}` and a newline: everything after the event id. The first
    /// accepted event's record gets it written in place (`tailInRecords`); it is
    /// copied out when a second event needs it, so one-event requests never allocate it.
    var enrichmentTail: [UInt8] = []
    var tailInRecords: Range<Int>?

    init(body: [UInt8], requestId: String) {
        self.document = JSONDocument(bytes: body)
        self.ids = EventIDGenerator(requestId: requestId)
        batch.records.reserveCapacity(body.count + body.count / 2 + 256)
    }

    var body: [UInt8] { document.bytes }

    /// Appends the enrichment after the event id to the records.
    mutating func appendEnrichmentTail(_ ingestor: Ingestor, _ context: IngestContext) {
        if !enrichmentTail.isEmpty {
            batch.records.append(contentsOf: enrichmentTail)
        } else if let written = tailInRecords {
            enrichmentTail = Array(batch.records[written])
            batch.records.append(contentsOf: enrichmentTail)
        } else {
            let start = batch.records.count
            Self.appendEnrichmentTail(context, contractId: ingestor.contract.id, to: &batch.records)
            tailInRecords = start..<batch.records.count
        }
    }

    /// Appends `","received_at":…}}` and a newline, written in one piece.
    static func appendEnrichmentTail(_ context: IngestContext, contractId: String, to out: inout [UInt8]) {
        let date = UTCDateTime(epochMillis: context.receivedAtMillis)
        // Locals, so that the writing closure borrows them rather than copying the context.
        let requestId = context.requestId
        let sourceIp = context.sourceIp
        let userAgent = context.userAgent
        let head: StaticString = #"","received_at":""#
        let requestIdLabel: StaticString = #"","request_id":"#
        let sourceIpLabel: StaticString = #","source_ip":"#
        let userAgentLabel: StaticString = #","user_agent":"#
        let contractLabel: StaticString = #","contract":"#
        let end: StaticString = "}}\n"
        let limit =
            head.utf8CodeUnitCount + date.iso8601Count + requestIdLabel.utf8CodeUnitCount
            + sourceIpLabel.utf8CodeUnitCount + userAgentLabel.utf8CodeUnitCount + contractLabel.utf8CodeUnitCount
            + end.utf8CodeUnitCount + ByteWriter.quotedLimit(requestId.utf8.count)
            + ByteWriter.quotedLimit(sourceIp?.utf8.count ?? 1) + ByteWriter.quotedLimit(userAgent?.utf8.count ?? 1)
            + ByteWriter.quotedLimit(contractId.utf8.count)
        out.append(writingAtMost: limit) { w in
            w.put(head)
            date.writeISO8601(&w)
            w.put(requestIdLabel)
            w.putQuoted(requestId)
            w.put(sourceIpLabel)
            if let sourceIp { w.putQuoted(sourceIp) } else { w.put("null") }
            w.put(userAgentLabel)
            if let userAgent { w.putQuoted(userAgent) } else { w.put("null") }
            w.put(contractLabel)
            w.putQuoted(contractId)
            w.put(end)
        }
    }

    /// A JSON array whose elements are the events.
    mutating func processArray(_ ingestor: Ingestor, _ context: IngestContext) {
        do {
            try document.parse(0..<body.count, maxDepth: ingestor.limits.maxDepth + 1)
        } catch {
            reject(index: 0, .malformedJSON, [reason(error)], raw: body[...])
            batch.eventCount = 1
            return
        }
        var index = 0
        for element in document.elements(0) {
            handle(element, index: index, ingestor, context)
            index += 1
        }
        batch.eventCount = index
    }

    /// One object, or objects one per line (or concatenated). A malformed event is
    /// rejected on its own and reading resumes at the next line.
    mutating func processStream(from start: Int, _ ingestor: Ingestor, _ context: IngestContext) {
        var i = start
        var index = 0
        let n = body.count
        while i < n {
            do {
                let end = try document.parseValue(from: i, upTo: n, maxDepth: ingestor.limits.maxDepth)
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
                    handle(0, index: index, ingestor, context)
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
    mutating func handle(_ node: Int, index: Int, _ ingestor: Ingestor, _ context: IngestContext) {
        guard document.kind(node) == .object else {
            reject(
                index: index, .notAnObject,
                [ValidationReason(pointer: "", keyword: "type", message: "an event must be a JSON object")],
                raw: document.rawBytes(node))
            return
        }
        // The parser's filter of the root's keys usually rules _ingest out without a look.
        if (node != 0 || document.rootMayHaveMember(signature: ingestKeySignature))
            && document.member(node, named: ingestKey) != nil
        {
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
        // The head without its comma for `{}`, then the id.
        let skip = document.nodes[node].count == 0 ? 1 : 0
        let head = UnsafeBufferPointer(
            start: enrichmentHead.utf8Start + skip, count: enrichmentHead.utf8CodeUnitCount - skip)
        batch.records.append(writing: head.count + 36) { w in
            w.put(head)
            ids.write(index: index, to: &w)
        }
        appendEnrichmentTail(ingestor, context)
        let size = batch.records.count - start
        let limits = ingestor.limits
        if size > limits.maxRecordBytes {
            batch.records.removeSubrange(start...)
            if let written = tailInRecords, written.lowerBound >= start { tailInRecords = nil }
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
