import InletCore
import InletHTTP

/// What became of the events `inlet send` posted.
public struct SendSummary: Sendable, Equatable {
    /// Events the gateway acknowledged as delivered (2xx, accepted).
    public var accepted = 0
    /// Events the gateway acknowledged as invalid (their reasons are in the error bucket).
    public var rejected = 0
    /// Events never acknowledged: refused bodies (413, 415, other 4xx) and requests that
    /// still failed after the retries. These are the lost ones.
    public var failed = 0
    /// Requests sent, retries included.
    public var requests = 0
    /// Requests sent again after a 429, a 5xx or a connection failure.
    public var retries = 0
    /// The reason of the last failure, for the report.
    public var lastFailure: String?
    /// Up to ten rejected events: their file index, code and first reason.
    public var sampleRejections: [String] = []

    /// A summary with nothing counted.
    public init() {}

    /// Events accounted for.
    public var total: Int { accepted + rejected + failed }
}

/// Posts batches of events to the HTTP API as NDJSON, a few requests at a time, and counts
/// what the function answered. A 503 (Firehose did not take every record in time, or the
/// error bucket was down), a 429, another 5xx or a connection failure is retried with
/// backoff, honouring `Retry-After`; a retry sends only the events the answer did not
/// settle (`deliveryFailed`, and the rejected ones when their envelopes were not stored),
/// so an accepted event is not sent twice.
public struct EventSender: Sendable {
    /// The gateway route, e.g. `http://127.0.0.1:4577/events`.
    public var url: String
    /// The transport.
    public var transport: any HTTPTransport
    /// Requests in flight at once.
    public var concurrency: Int
    /// Retries per request before its events count as failed.
    public var retries: Int
    /// The limit of one request.
    public var timeout: Duration

    /// A sender to `url`.
    public init(
        url: String, transport: any HTTPTransport, concurrency: Int = 4, retries: Int = 5, timeout: Duration = .seconds(35)
    ) {
        self.url = url
        self.transport = transport
        self.concurrency = max(1, concurrency)
        self.retries = max(0, retries)
        self.timeout = timeout
    }

    /// Sends every batch; `progress` gets the running summary after each request settles.
    public func send(
        _ batches: [EventBatches.Batch], progress: @escaping @Sendable (SendSummary) -> Void = { _ in }
    ) async -> SendSummary {
        var summary = SendSummary()
        await withTaskGroup(of: SendSummary.self) { group in
            var next = 0
            func startOne() {
                guard next < batches.count else { return }
                let batch = batches[next]
                next += 1
                group.addTask { await self.send(batch) }
            }
            for _ in 0..<concurrency { startOne() }
            for await part in group {
                summary.accepted += part.accepted
                summary.rejected += part.rejected
                summary.failed += part.failed
                summary.requests += part.requests
                summary.retries += part.retries
                if let failure = part.lastFailure { summary.lastFailure = failure }
                for sample in part.sampleRejections where summary.sampleRejections.count < 10 {
                    summary.sampleRejections.append(sample)
                }
                progress(summary)
                startOne()
            }
        }
        return summary
    }

    /// Sends one batch until every event in it is settled or the retries are used up.
    func send(_ batch: EventBatches.Batch) async -> SendSummary {
        var summary = SendSummary()
        var pending = Array(batch.events.indices)
        var attempt = 0
        while !pending.isEmpty {
            let request = HTTPRequest(
                method: .post, url: url, headers: HTTPHeaders([("Content-Type", "application/x-ndjson")]),
                body: batch.body(pending))
            summary.requests += 1
            var retryAfter: Duration? = nil
            var failure: String
            do {
                let response = try await transport.send(request, timeout: timeout)
                let answer = Answer(response.body)
                switch response.status {
                case 200, 202, 207,
                    400 where answer.events != nil:  // 400 with counts: every event rejected (not a refused body)
                    summary.accepted += answer.accepted
                    summary.rejected += answer.rejected
                    for error in answer.errors where summary.sampleRejections.count < 10 {
                        let index = error.index < pending.count ? batch.firstIndex + pending[error.index] : -1
                        summary.sampleRejections.append("event \(index): \(error.text)")
                    }
                    return summary
                case 503 where answer.events != nil:
                    // Settled: the accepted ones, and the rejected ones whose envelopes were stored.
                    summary.accepted += answer.accepted
                    var again = answer.deliveryFailed
                    if answer.errorStoreUnavailable {
                        again += answer.errors.map(\.index)
                    } else {
                        summary.rejected += answer.rejected
                    }
                    pending = Set(again).sorted().compactMap { $0 < pending.count ? pending[$0] : nil }
                    failure = "503 \(answer.error ?? "service unavailable")"
                    retryAfter = response.headers["retry-after"].flatMap { Int($0) }.map { .seconds($0) }
                case 429, 500...599:
                    failure = "\(response.status) \(String(decoding: response.body.prefix(200), as: UTF8.self))"
                    retryAfter = response.headers["retry-after"].flatMap { Int($0) }.map { .seconds($0) }
                default:
                    // Refused as a whole (413, 415, 400 for the body, 404 …): not retried.
                    summary.failed += pending.count
                    summary.lastFailure =
                        "\(response.status) \(String(decoding: response.body.prefix(300), as: UTF8.self))"
                    return summary
                }
            } catch {
                failure = "\(error)"
            }
            attempt += 1
            if pending.isEmpty { return summary }
            guard attempt <= retries else {
                summary.failed += pending.count
                summary.lastFailure = failure
                return summary
            }
            summary.retries += 1
            // Full-jitter backoff from 100 ms, doubling to 3.2 s; Retry-After wins when longer.
            let cap = 100 << min(attempt - 1, 5)
            var wait = Duration.milliseconds(Int.random(in: cap / 2...cap))
            if let retryAfter, retryAfter > wait { wait = retryAfter }
            try? await Task.sleep(for: wait)
        }
        return summary
    }

    /// The fields of the function's JSON answer that the sender needs.
    struct Answer {
        var events: Int?
        var accepted = 0
        var rejected = 0
        var deliveryFailed: [Int] = []
        var errors: [(index: Int, text: String)] = []
        var error: String?

        var errorStoreUnavailable: Bool { error == "error_store_unavailable" }

        init(_ body: [UInt8]) {
            guard let document = try? JSONDocument(parsing: body), document.kind(0) == .object else { return }
            func int(_ node: Int?) -> Int? {
                guard let node, document.kind(node) == .number else { return nil }
                return Int(document.numberText(node))
            }
            events = int(document.member(0, named: Array("events".utf8)))
            accepted = int(document.member(0, named: Array("accepted".utf8))) ?? 0
            rejected = int(document.member(0, named: Array("rejected".utf8))) ?? 0
            if let node = document.member(0, named: Array("error".utf8)), document.kind(node) == .string {
                error = document.string(node)
            }
            if let node = document.member(0, named: Array("deliveryFailed".utf8)), document.kind(node) == .array {
                deliveryFailed = document.elements(node).compactMap { int($0) }
            }
            if let node = document.member(0, named: Array("errors".utf8)), document.kind(node) == .array {
                for entry in document.elements(node) where document.kind(entry) == .object {
                    guard let index = int(document.member(entry, named: Array("index".utf8))) else { continue }
                    var text = ""
                    if let code = document.member(entry, named: Array("error".utf8)), document.kind(code) == .string {
                        text = document.string(code)
                    }
                    if let reasons = document.member(entry, named: Array("reasons".utf8)),
                        document.kind(reasons) == .array,
                        let first = document.elements(reasons).first(where: { _ in true }),
                        let message = document.member(first, named: Array("message".utf8)),
                        document.kind(message) == .string
                    {
                        text += ": " + document.string(message)
                    }
                    errors.append((index, text))
                }
            }
        }
    }
}
