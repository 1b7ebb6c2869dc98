import ArgumentParser
import InletCompression
import InletCore

/// `inlet validate FILE|-`: runs one request body through the core.
struct ValidateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "validate",
        abstract: "Validate and enrich the events in a file, as the function would.",
        discussion: """
            Prints each accepted event as its enriched NDJSON record, and each rejected event as
            its error envelope, on standard output; a summary goes to standard error.
            Exit codes: 0 all events accepted, 1 some event rejected, 2 the body as a whole refused.
            """)

    @Argument(help: "A file holding a JSON object, an array of objects or NDJSON; '-' reads standard input.")
    var file: String

    @Option(name: .customLong("contract"), help: "A JSON Schema (draft 2020-12) file; the built-in contract by default.")
    var contractPath: String?

    @Option(help: "The Content-Type to treat the body as (default: detect the framing).")
    var contentType: String?

    @Option(help: "The Content-Encoding of the file; gzip is also detected by its magic bytes.")
    var contentEncoding: String?

    @Option(help: "The request id that event ids derive from (default: a fresh one).")
    var requestId: String?

    @Option(help: "The source IP to record in _ingest.")
    var sourceIp: String?

    mutating func run() throws {
        let raw = try CLIInput.read(file)
        let contract = try CLIInput.contract(contractPath)
        let ingestor = Ingestor(contract: contract)
        let encoding = contentEncoding ?? (Gzip.hasGzipHeader(raw) ? "gzip" : nil)
        let context = IngestContext(
            requestId: requestId ?? CLIInput.newRequestId(), receivedAtMillis: CLIInput.nowMillis(),
            sourceIp: sourceIp, userAgent: "inlet-cli")
        let batch: IngestBatch
        do {
            let body = try BodyDecoder.decode(raw, isBase64Encoded: false, contentEncoding: encoding, limits: ingestor.limits)
            batch = try ingestor.process(body: body, format: try BodyFormat.forContentType(contentType), context: context)
        } catch {
            printError("refused: \(error.message) [\(error.code.rawValue), HTTP \(error.httpStatus)]")
            throw ExitCode(2)
        }
        var out = batch.records
        out.append(contentsOf: ErrorEnvelope.encode(batch.rejected, context: context, contractId: contract.id))
        writeStdout(out)
        for event in batch.rejected {
            for reason in event.reasons {
                let at = reason.pointer.isEmpty ? "(root)" : reason.pointer
                printError("event \(event.index) rejected: \(event.code.rawValue): \(at) \(reason.keyword): \(reason.message)")
            }
        }
        printError("\(batch.eventCount) events: \(batch.accepted.count) accepted, \(batch.rejected.count) rejected")
        if !batch.rejected.isEmpty { throw ExitCode(1) }
    }
}
