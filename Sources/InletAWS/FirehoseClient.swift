import InletCore
import InletHTTP
import InletSigV4

/// What happened to one record of a ``FirehoseClient/putRecordBatch(streamName:records:deadline:)`` call.
public enum RecordOutcome: Sendable, Hashable {
    /// Firehose accepted the record and gave it this id.
    case delivered(recordId: String)
    /// The record was not accepted. `code` is Firehose's (`ServiceUnavailableException`, …),
    /// the last error's when retries ran out, or the client's own: `record_too_large`
    /// (refused before sending), `deadline_exceeded` (the message keeps the last error),
    /// `invalid_request`, `cancelled`.
    case failed(code: String, message: String)

    /// Whether the record was delivered.
    public var isDelivered: Bool {
        if case .delivered = self { return true }
        return false
    }

    /// The record id, when delivered.
    public var recordId: String? {
        if case .delivered(let id) = self { return id }
        return nil
    }

    /// The error code, when failed.
    public var errorCode: String? {
        if case .failed(let code, _) = self { return code }
        return nil
    }

    /// A record of `size` bytes over Firehose's `limit` per record, refused before sending.
    public static func recordTooLarge(size: Int, limit: Int) -> RecordOutcome {
        .failed(
            code: "record_too_large",
            message: "The record has \(size) bytes; Firehose takes at most \(limit) bytes per record (before base64), "
                + "so it was not sent.")
    }
}

/// The result of ``FirehoseClient/putRecordBatch(streamName:records:deadline:)``: one
/// outcome per input record, in input order, and what it took.
public struct PutRecordBatchOutcome: Sendable, Hashable {
    /// What it took to send the records.
    public struct Statistics: Sendable, Hashable {
        /// HTTP requests sent (batches, resends included).
        public var requests = 0
        /// Rounds of attempts: the first sending, then one per retry.
        public var rounds = 0
        /// Record entries sent over all requests; above the record count when some were resent.
        public var recordsSent = 0
        /// Request body bytes sent over all requests.
        public var bodyBytesSent = 0
        /// Records base64-encoded; each record is encoded once, however often it is resent.
        public var base64Encodings = 0

        /// Empty statistics.
        public init() {}
    }

    /// One outcome per input record, in input order.
    public var records: [RecordOutcome]
    /// What it took.
    public var statistics: Statistics

    /// An outcome from its parts.
    public init(records: [RecordOutcome], statistics: Statistics = Statistics()) {
        self.records = records
        self.statistics = statistics
    }

    /// How many records were delivered.
    public var deliveredCount: Int { records.reduce(0) { $0 + ($1.isDelivered ? 1 : 0) } }
    /// How many records failed.
    public var failedCount: Int { records.count - deliveredCount }
    /// Whether every record was delivered.
    public var allDelivered: Bool { records.allSatisfy(\.isDelivered) }
    /// The input indexes of the records that failed, ascending.
    public var failedIndices: [Int] { records.indices.filter { !records[$0].isDelivered } }
}

/// A Kinesis Data Firehose client for `PutRecordBatch` (JSON 1.1 over SigV4).
///
/// ``putRecordBatch(streamName:records:deadline:)`` takes any number of records and:
/// - refuses a record over ``Limits/recordBytes`` before sending (`record_too_large`);
/// - base64-encodes each record exactly once and writes request bodies straight into bytes;
/// - splits the records into requests of at most 500 records and 4 MiB of body, sent up to
///   ``Limits/concurrentRequests`` at a time;
/// - resends only the entries that a 200 response reports failed (matched by index), and
///   whole requests that failed retryably (throttling, 5xx, timeouts, connection errors),
///   with full-jitter backoff, never validation or authentication errors;
/// - stays within the caller's deadline: each attempt's timeout is the time left, no sleep
///   runs past it, and what is still unsent then fails as `deadline_exceeded`.
///
/// Delivery is at least once, as with Firehose itself: a request that timed out or lost its
/// connection may still have been processed, and its records are sent again.
public struct FirehoseClient: Sendable, CustomStringConvertible {
    /// Firehose's own limits, and how many requests to have in flight.
    public struct Limits: Sendable, Hashable {
        /// Records per request; at most 500 (Firehose's limit).
        public var recordsPerRequest: Int
        /// Request body bytes (base64 and JSON counted); at most 4 MiB (Firehose's limit).
        public var requestBytes: Int
        /// Bytes of one record before base64; at most 1,024,000 (Firehose's limit).
        public var recordBytes: Int
        /// Requests in flight at once for one call. Default 4.
        public var concurrentRequests: Int

        /// Limits clamped to Firehose's: lower values are allowed, higher ones are lowered.
        public init(
            recordsPerRequest: Int = FirehoseClient.maximumRecordsPerRequest,
            requestBytes: Int = FirehoseClient.maximumRequestBytes,
            recordBytes: Int = FirehoseClient.maximumRecordBytes, concurrentRequests: Int = 4
        ) {
            self.recordsPerRequest = min(max(1, recordsPerRequest), FirehoseClient.maximumRecordsPerRequest)
            self.requestBytes = min(max(1, requestBytes), FirehoseClient.maximumRequestBytes)
            self.recordBytes = min(max(0, recordBytes), FirehoseClient.maximumRecordBytes)
            self.concurrentRequests = max(1, concurrentRequests)
        }

        /// Firehose's limits and 4 requests in flight.
        public static let `default` = Limits()
    }

    /// Firehose's limit of records per `PutRecordBatch` request.
    public static let maximumRecordsPerRequest = 500
    /// Firehose's limit of bytes per `PutRecordBatch` request (4 MiB).
    public static let maximumRequestBytes = 4 * 1024 * 1024
    /// Firehose's limit of bytes per record, before base64 (1,000 KiB).
    public static let maximumRecordBytes = 1_024_000

    /// The configuration the client was made with.
    public let configuration: AWSConfiguration
    /// Where requests go (``AWSConfiguration/resolvedFirehoseEndpoint``).
    public let endpoint: AWSEndpoint
    /// The limits in force.
    public let limits: Limits
    /// The retry policy in force.
    public var retry: RetryPolicy { sender.retry }
    let sender: RequestSender

    /// A client that sends through `transport`.
    ///
    /// - Parameters:
    ///   - retry: attempts and backoff; the deadline of each call bounds them too.
    ///   - limits: lower request caps for tests, and the concurrency.
    ///   - environment: clock, sleep, jitter and wall clock; substitute them in tests.
    public init(
        configuration: AWSConfiguration, transport: any HTTPTransport, retry: RetryPolicy = .default,
        limits: Limits = .default, environment: AWSClientEnvironment = .system
    ) {
        self.configuration = configuration
        self.endpoint = configuration.resolvedFirehoseEndpoint
        self.limits = limits
        self.sender = RequestSender(
            transport: transport,
            signer: SigV4Signer(
                credentials: configuration.credentials, service: "firehose", region: configuration.region,
                options: .standard),
            environment: environment, retry: retry)
    }

    /// The endpoint, region and access key id; never the secret or the token.
    public var description: String {
        "FirehoseClient(endpoint: \(endpoint), region: \(configuration.region), credentials: \(configuration.credentials))"
    }

    static let target = "Firehose_20150804.PutRecordBatch"
    static let contentType = "application/x-amz-json-1.1"

    // MARK: PutRecordBatch

    /// Sends `records` to the delivery stream `streamName` and returns what became of each.
    ///
    /// Never throws: every failure is reported per record (see ``RecordOutcome``), so the
    /// caller can route undelivered records elsewhere before `deadline`.
    public func putRecordBatch(
        streamName: String, records: [ArraySlice<UInt8>], deadline: ContinuousClock.Instant
    ) async -> PutRecordBatchOutcome {
        var outcomes = [RecordOutcome?](repeating: nil, count: records.count)
        var statistics = PutRecordBatchOutcome.Statistics()
        func finish() -> PutRecordBatchOutcome {
            PutRecordBatchOutcome(
                records: outcomes.map {
                    $0 ?? .failed(code: "internal_error", message: "The client lost track of this record.")
                },
                statistics: statistics)
        }
        guard !records.isEmpty else { return finish() }
        guard Self.isValidStreamName(streamName) else {
            let message = "\"\(streamName)\" is not a delivery stream name (1 to 64 letters, digits, '_', '.' or '-')."
            for index in records.indices { outcomes[index] = .failed(code: "invalid_request", message: message) }
            return finish()
        }

        let prefix = FirehoseRequestBody.prefix(streamName: streamName)
        // The largest record whose request body (alone) still fits the byte cap.
        let singleRecordBase = prefix.count + FirehoseRequestBody.suffix.count + FirehoseRequestBody.perRecordOverhead
        let limits = self.limits
        let encoded = EncodedRecords(records) { _, count in
            count <= limits.recordBytes && singleRecordBase + Base64.encodedLength(count) <= limits.requestBytes
        }
        statistics.base64Encodings = encoded.encodings
        var pending: [Int] = []
        pending.reserveCapacity(records.count)
        for index in records.indices {
            if encoded.ranges[index] == nil {
                outcomes[index] = .recordTooLarge(size: records[index].count, limit: limits.recordBytes)
            } else {
                pending.append(index)
            }
        }

        var lastErrors = [AWSError?](repeating: nil, count: records.count)
        func failPending(_ outcome: (Int) -> RecordOutcome) {
            for index in pending { outcomes[index] = outcome(index) }
            pending.removeAll()
        }
        func failForDeadline() {
            failPending { index in
                let error = RequestSender.deadlineError(lastError: lastErrors[index], attempts: statistics.rounds)
                return .failed(code: error.code, message: error.message)
            }
        }

        while !pending.isEmpty {
            if sender.remaining(until: deadline) <= .zero {
                failForDeadline()
                break
            }
            statistics.rounds += 1
            let batches = FirehoseBatchPlanner.plan(
                pending, encodedLength: encoded.encodedLength, prefixCount: prefix.count,
                maximumRecords: limits.recordsPerRequest, maximumBytes: limits.requestBytes)
            let results = await send(batches, prefix: prefix, encoded: encoded, deadline: deadline)

            var retryable: [Int] = []
            for (batch, result) in zip(batches, results) {
                switch result {
                case .notSent:
                    retryable.append(contentsOf: batch)
                case .sent(let bodyBytes, let answer):
                    statistics.requests += 1
                    statistics.recordsSent += batch.count
                    statistics.bodyBytesSent += bodyBytes
                    switch answer {
                    case .failure(let error):
                        for index in batch {
                            if error.isRetryable {
                                lastErrors[index] = error
                                retryable.append(index)
                            } else {
                                outcomes[index] = .failed(code: error.code, message: error.message)
                            }
                        }
                    case .success(let entries):
                        for (index, entry) in zip(batch, entries) {
                            switch entry {
                            case .delivered(let recordId):
                                outcomes[index] = .delivered(recordId: recordId)
                            case .failed(let error):
                                if AWSError.isRetryableRecordError(code: error.code) {
                                    lastErrors[index] = error
                                    retryable.append(index)
                                } else {
                                    outcomes[index] = .failed(code: error.code, message: error.message)
                                }
                            }
                        }
                    }
                }
            }
            pending = retryable.sorted()
            if pending.isEmpty { break }
            if Task.isCancelled {
                failPending { _ in .failed(code: "cancelled", message: "The calling task was cancelled.") }
                break
            }
            if statistics.rounds >= sender.retry.maximumAttempts {
                let rounds = statistics.rounds
                failPending { index in
                    guard let error = lastErrors[index] else {
                        return .failed(code: "deadline_exceeded", message: "The record could not be sent in time.")
                    }
                    return .failed(code: error.code, message: "\(error) (gave up after \(rounds) attempts)")
                }
                break
            }
            let delay = sender.retry.delay(afterAttempt: statistics.rounds, random: sender.environment.random)
            if sender.environment.now().advanced(by: delay) >= deadline {
                failForDeadline()
                break
            }
            await sender.environment.sleep(delay)
        }
        return finish()
    }

    /// Sends one record; see ``putRecordBatch(streamName:records:deadline:)``.
    ///
    /// - Returns: the record id.
    /// - Throws: ``AWSError`` with the record's failure code (`deadline_exceeded` as
    ///   ``AWSError/Kind/deadlineExceeded``, `record_too_large` and `invalid_request` as
    ///   ``AWSError/Kind/invalidRequest``, anything else as ``AWSError/Kind/service``).
    public func putRecord(
        streamName: String, record: ArraySlice<UInt8>, deadline: ContinuousClock.Instant
    ) async throws(AWSError) -> String {
        let outcome = await putRecordBatch(streamName: streamName, records: [record], deadline: deadline)
        switch outcome.records[0] {
        case .delivered(let recordId):
            return recordId
        case .failed(let code, let message):
            let kind: AWSError.Kind
            switch code {
            case "deadline_exceeded": kind = .deadlineExceeded
            case "record_too_large", "invalid_request": kind = .invalidRequest
            default: kind = .service
            }
            throw AWSError(kind: kind, code: code, message: message)
        }
    }

    /// Whether `name` is a delivery stream name: 1–64 of `a-z A-Z 0-9 _ . -`.
    static func isValidStreamName(_ name: String) -> Bool {
        let bytes = name.utf8
        guard (1...64).contains(bytes.count) else { return false }
        return bytes.allSatisfy { byte in
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
                UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "_"), UInt8(ascii: "."), UInt8(ascii: "-"):
                return true
            default:
                return false
            }
        }
    }

    // MARK: Requests

    /// What became of one entry in a 200 response.
    enum EntryResult: Sendable {
        case delivered(String)
        case failed(AWSError)
    }

    /// What became of one request.
    enum BatchResult: Sendable {
        /// The deadline had passed before it could start.
        case notSent
        /// Sent with a body of `bodyBytes`; the per-entry results or the request's error.
        case sent(bodyBytes: Int, Result<[EntryResult], AWSError>)
    }

    /// Sends `batches`, up to ``Limits/concurrentRequests`` at once, and returns their results in order.
    private func send(
        _ batches: [[Int]], prefix: [UInt8], encoded: EncodedRecords, deadline: ContinuousClock.Instant
    ) async -> [BatchResult] {
        if batches.count == 1 || limits.concurrentRequests == 1 {
            var results: [BatchResult] = []
            results.reserveCapacity(batches.count)
            for batch in batches {
                results.append(await sendBatch(batch, prefix: prefix, encoded: encoded, deadline: deadline))
            }
            return results
        }
        return await withTaskGroup(of: (Int, BatchResult).self) { group in
            var results = [BatchResult](repeating: .notSent, count: batches.count)
            var next = 0
            func startNext() {
                let position = next
                let batch = batches[position]
                group.addTask {
                    (position, await self.sendBatch(batch, prefix: prefix, encoded: encoded, deadline: deadline))
                }
                next += 1
            }
            while next < min(limits.concurrentRequests, batches.count) { startNext() }
            for await (position, result) in group {
                results[position] = result
                if next < batches.count { startNext() }
            }
            return results
        }
    }

    /// Sends one request for the records at `batch` and reads the answer.
    private func sendBatch(
        _ batch: [Int], prefix: [UInt8], encoded: EncodedRecords, deadline: ContinuousClock.Instant
    ) async -> BatchResult {
        let remaining = sender.remaining(until: deadline)
        guard remaining > .zero, !Task.isCancelled else { return .notSent }
        let body = FirehoseRequestBody.build(prefix: prefix, indices: batch, encoded: encoded)
        let request = sender.signedRequest(
            method: .post, endpoint: endpoint, path: endpoint.pathPrefix + "/",
            headers: [("Content-Type", Self.contentType), ("X-Amz-Target", Self.target)], body: body)
        let response: HTTPResponse
        do {
            response = try await sender.transport.send(request, timeout: remaining)
        } catch {
            return .sent(bodyBytes: body.count, .failure(AWSError(transport: error)))
        }
        guard response.isSuccess else {
            return .sent(bodyBytes: body.count, .failure(AWSError.fromJSONResponse(response)))
        }
        return .sent(bodyBytes: body.count, Self.parseResponse(response, expectedEntries: batch.count))
    }

    private static let requestResponsesKey = Array("RequestResponses".utf8)
    private static let recordIdKey = Array("RecordId".utf8)
    private static let errorCodeKey = Array("ErrorCode".utf8)
    private static let errorMessageKey = Array("ErrorMessage".utf8)

    /// The per-entry results of a 200 `PutRecordBatch` response, matched to the request's
    /// entries by index; an unusable body is an `InvalidResponse` error (retryable).
    static func parseResponse(_ response: HTTPResponse, expectedEntries: Int) -> Result<[EntryResult], AWSError> {
        let requestId = AWSError.requestId(of: response)
        func invalid(_ why: String) -> Result<[EntryResult], AWSError> {
            .failure(
                AWSError(
                    kind: .service, code: "InvalidResponse",
                    message: "Firehose answered HTTP \(response.status) with an unusable body: \(why).",
                    httpStatus: response.status, requestId: requestId))
        }
        let document: JSONDocument
        do {
            document = try JSONDocument(parsing: response.body)
        } catch {
            return invalid("not JSON (\(error))")
        }
        guard document.kind(0) == .object,
            let list = document.member(0, named: requestResponsesKey), document.kind(list) == .array
        else { return invalid("no RequestResponses array") }
        var entries: [EntryResult] = []
        entries.reserveCapacity(expectedEntries)
        for element in document.elements(list) {
            guard document.kind(element) == .object else { return invalid("a RequestResponses entry is not an object") }
            if let id = document.member(element, named: recordIdKey), document.kind(id) == .string {
                entries.append(.delivered(document.string(id)))
                continue
            }
            var code = "InvalidResponse"
            var message = "The entry has neither RecordId nor ErrorCode."
            if let value = document.member(element, named: errorCodeKey), document.kind(value) == .string {
                code = AWSError.normalizeCode(document.string(value))
                message = ""
            }
            if let value = document.member(element, named: errorMessageKey), document.kind(value) == .string {
                message = document.string(value)
            }
            entries.append(
                .failed(
                    AWSError(kind: .service, code: code, message: message, httpStatus: response.status, requestId: requestId)))
        }
        guard entries.count == expectedEntries else {
            return invalid("RequestResponses has \(entries.count) entries for \(expectedEntries) records")
        }
        return .success(entries)
    }
}
