import InletAWS

/// The in-process function's Firehose: records go straight into the ``FirehoseEmulator``'s
/// buffer, with no request to encode, sign and parse (that round trip was a fifth of the
/// local gateway's CPU per request). What a caller sees is what ``FirehoseClient`` reports
/// against the emulator's HTTP API: a record over 1,000 KiB is refused unsent
/// (`record_too_large`); records refused with a retryable error (fault injection's
/// `ServiceUnavailableException`, a buffer that could not be written) are retried with the
/// same full-jitter backoff until `maximumAttempts` or the deadline; what is left fails as
/// `deadline_exceeded` with the last error. Delivered records are durable (fsynced) as
/// with `PutRecordBatch`; their outcomes carry no record id (an empty one), which the
/// function does not read.
public struct EmulatorRecordDelivery: RecordDelivery {
    /// The emulator.
    public let emulator: FirehoseEmulator
    /// Attempts and backoff.
    public var retry: RetryPolicy
    /// Clock, sleep and randomness.
    public var environment: AWSClientEnvironment

    /// Delivery into `emulator`.
    public init(emulator: FirehoseEmulator, retry: RetryPolicy = .default, environment: AWSClientEnvironment = .system) {
        self.emulator = emulator
        self.retry = retry
        self.environment = environment
    }

    public func putRecordBatch(streamName: String, records: [ArraySlice<UInt8>], deadline: ContinuousClock.Instant) async
        -> PutRecordBatchOutcome
    {
        var outcomes = [RecordOutcome?](repeating: nil, count: records.count)
        var statistics = PutRecordBatchOutcome.Statistics()
        var lastErrors = [(code: String, message: String)?](repeating: nil, count: records.count)
        var pending: [Int] = []
        for index in records.indices {
            if records[index].count > FirehoseClient.maximumRecordBytes {
                outcomes[index] = .recordTooLarge(size: records[index].count, limit: FirehoseClient.maximumRecordBytes)
            } else {
                pending.append(index)
            }
        }
        func failPending(_ outcome: (Int) -> RecordOutcome) {
            for index in pending { outcomes[index] = outcome(index) }
            pending.removeAll()
        }
        func failForDeadline() {
            let rounds = statistics.rounds
            failPending { index in
                var message = "The deadline passed before the request succeeded (\(rounds) attempt\(rounds == 1 ? "" : "s"))"
                if let last = lastErrors[index] { message += "; last error: \(last.code): \(last.message)" }
                return .failed(code: "deadline_exceeded", message: message)
            }
        }

        while !pending.isEmpty {
            if environment.now() >= deadline {
                failForDeadline()
                break
            }
            statistics.rounds += 1
            statistics.requests += 1
            statistics.recordsSent += pending.count
            var retryable: [Int] = []
            do {
                // No record ids: the function does not read them (each is a 70-byte string).
                let results = try await emulator.putRecords(
                    stream: streamName, records: pending.map { Array(records[$0]) }, injectFaults: true, recordIds: false)
                for (index, result) in zip(pending, results) {
                    switch result {
                    case .accepted(let recordId):
                        outcomes[index] = .delivered(recordId: recordId)
                    case .failed(let code, let message):
                        if AWSError.isRetryableRecordError(code: code) {
                            lastErrors[index] = (code, message)
                            retryable.append(index)
                        } else {
                            outcomes[index] = .failed(code: code, message: message)
                        }
                    }
                }
            } catch {
                for index in pending {
                    if AWSError.isRetryableRecordError(code: error.type) {
                        lastErrors[index] = (error.type, error.message)
                        retryable.append(index)
                    } else {
                        outcomes[index] = .failed(code: error.type, message: error.message)
                    }
                }
            }
            pending = retryable
            if pending.isEmpty { break }
            if Task.isCancelled {
                failPending { _ in .failed(code: "cancelled", message: "The calling task was cancelled.") }
                break
            }
            if statistics.rounds >= retry.maximumAttempts {
                let rounds = statistics.rounds
                failPending { index in
                    let last = lastErrors[index] ?? (code: "deadline_exceeded", message: "The record could not be sent in time.")
                    return .failed(code: last.code, message: "\(last.code): \(last.message) (gave up after \(rounds) attempts)")
                }
                break
            }
            let delay = retry.delay(afterAttempt: statistics.rounds, random: environment.random)
            if environment.now().advanced(by: delay) >= deadline {
                failForDeadline()
                break
            }
            await environment.sleep(delay)
        }
        return PutRecordBatchOutcome(
            records: outcomes.map { $0 ?? .failed(code: "internal_error", message: "The record was lost track of.") },
            statistics: statistics)
    }
}
