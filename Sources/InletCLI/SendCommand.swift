import ArgumentParser
import Foundation
import InletHTTP
import InletLocal

/// `inlet send FILE|-`: posts a file of events to the HTTP API in NDJSON batches and says
/// what became of them.
struct SendCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "send",
        abstract: "Post events from a file (JSON array, one JSON value, or NDJSON) to the HTTP API in batches.",
        discussion: """
            Events are posted as application/x-ndjson, --batch-size at a time, with
            --concurrency requests in flight. 503, 429 and other 5xx answers and connection
            failures are retried with backoff (Retry-After honoured), resending only the
            events the answer did not settle.

            At the end a summary counts accepted, rejected (invalid: their reasons are in
            the error bucket) and failed events (never acknowledged). Exit status: 0 when
            no event failed, 1 when some did, 2 when nothing could be read.
            """)

    @Argument(help: "The file of events, or - for standard input.")
    var file: String

    @Option(help: "The HTTP API route to post to.")
    var url: String = "http://127.0.0.1:4577/events"

    @Option(name: .customLong("batch-size"), help: "Events per request (1–10000).")
    var batchSize: Int = 500

    @Option(help: "Requests in flight at once (1–64).")
    var concurrency: Int = 4

    @Option(help: "Retries of a request before its events count as failed.")
    var retries: Int = 5

    @Flag(help: "No progress bar, even on a terminal.")
    var quiet = false

    func validate() throws {
        guard (1...10_000).contains(batchSize) else { throw ValidationError("--batch-size must be 1–10000") }
        guard (1...64).contains(concurrency) else { throw ValidationError("--concurrency must be 1–64") }
        guard retries >= 0 else { throw ValidationError("--retries must be 0 or more") }
        guard url.hasPrefix("http://") || url.hasPrefix("https://") else {
            throw ValidationError("--url must be an http:// or https:// URL, such as http://127.0.0.1:4577/events")
        }
    }

    func run() async throws {
        let bytes: [UInt8]
        do {
            bytes = try CLIInput.read(file)
        } catch {
            printError("inlet send: \(error)")
            throw ExitCode(2)
        }
        let summary = try await Self.send(
            bytes, url: url, batchSize: batchSize, concurrency: concurrency, retries: retries,
            progress: !quiet && isatty(STDERR_FILENO) == 1)
        if summary.failed > 0 { throw ExitCode(1) }
    }

    /// Sends `bytes` and prints the summary; shared with `inlet demo`.
    static func send(
        _ bytes: [UInt8], url: String, batchSize: Int = 500, concurrency: Int = 4, retries: Int = 5, progress: Bool
    ) async throws -> SendSummary {
        let events = EventBatches(bytes)
        let batches = events.batches(maximumEvents: batchSize, maximumBytes: 1 << 20)
        let total = events.events.count
        let sender = EventSender(
            url: url, transport: CurlTransport(configuration: .default.with { $0.connectTimeout = .seconds(5) }),
            concurrency: concurrency, retries: retries)
        let started = ContinuousClock.now
        let bar = ProgressBar(total: total, started: started, enabled: progress)
        let summary = await sender.send(batches) { bar.draw($0) }
        bar.finish()
        let elapsed = (ContinuousClock.now - started).components
        let seconds = max(0.001, Double(elapsed.seconds) + Double(elapsed.attoseconds) / 1e18)
        func count(_ n: Int, _ noun: String) -> String { "\(n) \(noun)\(n == 1 ? "" : "s")" }
        var lines = [
            "sent \(count(total, "event")) in \(count(summary.requests, "request")) "
                + "(\(count(summary.retries, "retry").replacingOccurrences(of: "retrys", with: "retries"))) in "
                + String(format: "%.2f s (%.0f events/s)", seconds, Double(total) / seconds),
            "  accepted \(summary.accepted)   rejected \(summary.rejected)   failed \(summary.failed)",
        ]
        for sample in summary.sampleRejections { lines.append("  rejected \(sample)") }
        if summary.rejected > summary.sampleRejections.count && !summary.sampleRejections.isEmpty {
            lines.append("  … the error bucket holds every rejected event with its reasons")
        }
        if let failure = summary.lastFailure, summary.failed > 0 { lines.append("  last failure: \(failure)") }
        print(lines.joined(separator: "\n"))
        return summary
    }
}

/// A one-line progress bar on standard error: `[=====>    ] 45% 12,345/27,000 8,123 events/s`.
final class ProgressBar: @unchecked Sendable {
    let total: Int
    let started: ContinuousClock.Instant
    let enabled: Bool
    private let lock = NSLock()
    private var lastDraw = ContinuousClock.now - .seconds(1)

    init(total: Int, started: ContinuousClock.Instant, enabled: Bool) {
        self.total = total
        self.started = started
        self.enabled = enabled
    }

    func draw(_ summary: SendSummary) {
        guard enabled else { return }
        lock.lock()
        defer { lock.unlock() }
        let now = ContinuousClock.now
        guard now - lastDraw >= .milliseconds(100) || summary.total == total else { return }
        lastDraw = now
        let done = summary.total
        let fraction = total == 0 ? 1 : Double(done) / Double(total)
        let width = 30
        let filled = Int(fraction * Double(width))
        let bar = String(repeating: "=", count: filled) + (filled < width ? ">" : "")
            + String(repeating: " ", count: max(0, width - filled - 1))
        let elapsed = now - started
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        let rate = seconds > 0 ? Double(done) / seconds : 0
        let text = String(format: "\r[%@] %3.0f%% %d/%d events  %.0f events/s ", bar, fraction * 100, done, total, rate)
        FileHandle.standardError.write(Data(text.utf8))
    }

    func finish() {
        guard enabled else { return }
        FileHandle.standardError.write(Data("\n".utf8))
    }
}
