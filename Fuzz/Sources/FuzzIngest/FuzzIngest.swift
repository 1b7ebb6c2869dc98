import FuzzSupport
import InletCore

/// Feeds each input to the core as a request body, as `inlet validate` and the function do:
/// framing (a JSON object, an array, NDJSON), parsing, the contract and enrichment. The
/// contract is one that uses every keyword the compiler supports (``wideContract``); arrays
/// are also framed as NDJSON under the built-in contract.
///
/// Checks that every event gets exactly one outcome, that records are compact JSON objects
/// with `_ingest` within Firehose's record limit, that error envelopes are JSON objects, that
/// compact JSON re-parses to itself, and that the validator's yes/no and reason-collecting
/// modes agree.
@main
enum FuzzIngest {
    static let checkedPerBatch = 8
    static let ingestors = [Ingestor(contract: .default), Ingestor(contract: wideContract)]
    static let context = IngestContext(
        requestId: "c0ffee00-0000-4000-8000-000000000000", receivedAtMillis: 1_717_000_000_123, sourceIp: "127.0.0.1",
        userAgent: "fuzz")

    static func main() {
        _ = ingestors
        Fuzzer.run { data, size in
            FuzzIngest.test(Fuzzer.bytes(data, size))
            return 0
        }
    }

    static func test(_ body: [UInt8]) {
        let first = JSONDocument.skipWhitespace(body, from: 0, upTo: body.count)
        process(body, ingestors[1], .detect)
        // NDJSON framing reads an array as one value; the same as detection otherwise.
        if first < body.count && body[first] == UInt8(ascii: "[") { process(body, ingestors[0], .ndjson) }
        guard let document = try? JSONDocument(parsing: body) else { return }
        checkCompactRoundTrip(document)
        checkValidatorModesAgree(document)
    }

    static func process(_ body: [UInt8], _ ingestor: Ingestor, _ format: BodyFormat) {
        let batch: IngestBatch
        do {
            batch = try ingestor.process(body: body, format: format, context: context)
        } catch {
            Fuzzer.require(
                error.code == .emptyBody && JSONDocument.skipWhitespace(body, from: 0, upTo: body.count) == body.count,
                "a non-blank body was refused as a whole: \(error.code)")
            return
        }
        check(batch, ingestor)
    }

    static func check(_ batch: IngestBatch, _ ingestor: Ingestor) {
        var outcomes = [Int](repeating: 0, count: batch.eventCount)
        for index in batch.accepted.map(\.index) + batch.rejected.map(\.index) {
            Fuzzer.require(outcomes.indices.contains(index), "event index \(index) outside 0..<\(batch.eventCount)")
            outcomes[index] += 1
        }
        Fuzzer.require(outcomes.allSatisfy { $0 == 1 }, "an event has no outcome or more than one: \(outcomes)")
        // The first records and envelopes are enough to check their form; encoding and parsing
        // back hundreds per input would slow the fuzzer down several times.
        for accepted in batch.accepted.prefix(checkedPerBatch) {
            let record = batch.record(accepted)
            Fuzzer.require(record.last == 0x0A, "a record does not end with a newline")
            Fuzzer.require(record.count <= ingestor.limits.maxRecordBytes, "a record exceeds the record limit")
            let json = Array(record.dropLast())
            Fuzzer.require(!json.contains(0x0A), "a record holds a raw newline")
            guard let document = try? JSONDocument(parsing: json) else {
                Fuzzer.require(false, "a record is not JSON: \(String(decoding: json.prefix(200), as: UTF8.self))")
                return
            }
            Fuzzer.require(document.kind(0) == .object, "a record is not an object")
            let ingest = document.member(0, named: Array("_ingest".utf8))
            Fuzzer.require(ingest.map { document.kind($0) == .object } ?? false, "a record has no _ingest object")
        }
        let rejected = Array(batch.rejected.prefix(checkedPerBatch))
        let envelopes = ErrorEnvelope.encode(rejected, context: context, contractId: ingestor.contract.id)
        var lines = 0
        var start = 0
        for end in envelopes.indices where envelopes[end] == 0x0A {
            let document = try? JSONDocument(parsing: Array(envelopes[start..<end]))
            Fuzzer.require(document?.kind(0) == .object, "an error envelope is not a JSON object")
            lines += 1
            start = end + 1
        }
        Fuzzer.require(lines == rejected.count && start == envelopes.count, "\(lines) envelopes for \(rejected.count) rejections")
    }

    /// Compact JSON is a fixed point: writing a parsed value compactly and parsing that again
    /// gives the same bytes.
    static func checkCompactRoundTrip(_ document: JSONDocument) {
        var once: [UInt8] = []
        document.writeCompact(0, into: &once)
        guard let again = try? JSONDocument(parsing: once) else {
            Fuzzer.require(false, "compact JSON does not parse: \(String(decoding: once.prefix(200), as: UTF8.self))")
            return
        }
        var twice: [UInt8] = []
        again.writeCompact(0, into: &twice)
        Fuzzer.require(once == twice, "compact JSON is not a fixed point")
    }

    /// The evaluator's two modes, the yes/no check and the one that collects reasons, agree
    /// on every event (the root, or the first elements of a root array).
    static func checkValidatorModesAgree(_ document: JSONDocument) {
        let events = document.kind(0) == .array ? Array(document.elements(0).prefix(checkedPerBatch)) : [0]
        for event in events {
            for ingestor in ingestors {
                let valid = ingestor.contract.isValid(document, event)
                let reasons = ingestor.contract.validate(document, event)
                Fuzzer.require(valid == reasons.isEmpty, "isValid is \(valid) but validate gives \(reasons.count) reasons")
            }
        }
    }
}
