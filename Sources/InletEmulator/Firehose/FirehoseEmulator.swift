import Glibc
import InletCompression
import InletCore
import InletThreads

/// Kinesis Data Firehose for `inlet local`: DirectPut delivery streams to an ``ObjectSink``
/// that buffer, compress and name objects as AWS does.
///
/// Durability: ``putRecords(stream:records:injectFaults:)`` returns only after the accepted
/// records are appended to the stream's write-ahead segment under
/// `<dataDirectory>/firehose/<stream>/` and fsynced. Concurrent calls share fsyncs (group
/// commit). ``recover()`` reads the configs and segments back after a crash and delivers
/// them; ``shutdown()`` delivers every buffer. A segment is deleted only after its records
/// were put to the sink, so delivery is at least once: a crash between the put and the
/// deletion delivers those records again on recovery, in a new object with a new key.
///
/// Time comes from an injectable `now` (epoch milliseconds); ``flushDue()`` delivers the
/// buffers whose interval elapsed, and ``startTimer(period:)`` calls it periodically. A put
/// whose records bring a buffer to a hint starts its delivery in a task of its own and
/// returns without waiting for it (``deliveriesSettled()`` waits). A stream whose
/// deliveries fall behind refuses puts at ``backlogLimit(_:)``.
///
/// The actor runs on the executor given at init: `inlet local` gives it an event loop, so
/// that a request read on that loop can put its records without a task
/// (``putRecordsNow(stream:records:whenDurable:)``).
public actor FirehoseEmulator {
    /// Counters for tests and diagnostics.
    public struct Statistics: Sendable, Equatable {
        /// Group commits: each syncs every segment written since the previous one.
        public var groupCommits = 0
        /// `putRecords` calls that appended at least one record.
        public var appendCalls = 0
        /// Objects put to the sink.
        public var objectsDelivered = 0
        /// Failed puts to the sink (the records stay buffered).
        public var deliveryFailures = 0
        /// Puts refused whole because the stream's undelivered bytes reached ``FirehoseEmulator/backlogLimit(_:)``.
        public var throttledCalls = 0
    }

    /// The outcome of one record of a put.
    public enum RecordResult: Sendable, Equatable {
        /// Accepted and durable, with its record id.
        case accepted(recordId: String)
        /// Refused, e.g. by fault injection (`ServiceUnavailableException`).
        case failed(code: String, message: String)
    }

    /// What ``describe(_:)`` reports of a stream.
    public struct StreamDescription: Sendable, Equatable {
        /// The configuration.
        public var config: DeliveryStreamConfig
        /// When the stream was created, epoch milliseconds.
        public var createdMillis: Int64
        /// The version id (1: the emulator has no UpdateDestination).
        public var versionId: Int
    }

    struct Stream {
        var config: DeliveryStreamConfig
        var createdMillis: Int64
        var records: [[UInt8]] = []  // as delivered (delimiter appended)
        var arrivals: [Int64] = []
        var bufferedBytes = 0
        var segments: [Int] = []  // segment numbers holding the buffered records
        var current: SegmentFile?
        var currentNumber = 0
        var currentSize = 0
        /// How much of the current segment's file exists (frames, then zeros written ahead).
        var currentAllocated = 0
        var nextSegment = 1
        /// Segments from this number on were written by this run (never re-read by recovery).
        var ownSegmentsFrom = Int.max
        var delivering = false
        var nextRecordId: UInt64 = 0
    }

    /// The data directory given at init.
    public let dataDirectory: String
    let sink: any ObjectSink
    let now: @Sendable () -> Int64
    var streams: [String: Stream] = [:]
    /// Counters.
    public private(set) var statistics = Statistics()

    // Group commit.
    var writeSequence = 0
    var syncedSequence = 0
    var syncing = false
    var dirty: [ObjectIdentifier: SegmentFile] = [:]
    /// Runs the fsyncs of group commits.
    let syncThread = WorkerPool(maximumThreads: 1)
    /// Joins (and compresses) the objects it delivers.
    let deliveryThread = WorkerPool(maximumThreads: 1)
    /// A put waiting for the group commit that covers its write `sequence` to `stream`.
    struct Waiter {
        var sequence: Int
        var stream: String
        /// Called on this actor's executor: nil once durable, or the commit's error.
        var done: @Sendable (FirehoseError?) -> Void
    }
    var waiters: [Waiter] = []

    // Fault injection and randomness.
    var faultFraction = 0.0
    var faultRandom = SplitMix64(seed: 0)
    var random: SplitMix64
    var timer: Task<Void, Never>?

    /// Where the emulator's code runs.
    nonisolated let executor: any SerialExecutor
    /// Room for bursts above twice the size hint in ``backlogLimit(_:)``.
    public nonisolated let backlogHeadroomBytes: Int

    /// An emulator keeping its files under `dataDirectory`.
    ///
    /// - Parameters:
    ///   - now: the wall clock in epoch milliseconds (tests inject a manual one).
    ///   - seed: seeds the generator of object UUIDs, random strings and record ids;
    ///     nil seeds it from the system.
    ///   - executor: where the emulator runs; nil gives it a thread of its own
    ///     (``ThreadExecutor``). `inlet local` passes an event loop, so that a request read
    ///     on that loop can put its records synchronously (``putRecordsNow(stream:records:whenDurable:)``).
    ///   - backlogHeadroomBytes: room for bursts in ``backlogLimit(_:)``. The default,
    ///     128 MiB, lets a 64 MiB buffer's delivery lag a 100 MB/s load by over a second
    ///     (on a shared core it does) before puts are refused.
    public init(
        dataDirectory: String, sink: any ObjectSink, now: @escaping @Sendable () -> Int64 = FirehoseEmulator.systemMillis,
        seed: UInt64? = nil, executor: (any SerialExecutor)? = nil, backlogHeadroomBytes: Int = 128 * 1_048_576
    ) {
        self.backlogHeadroomBytes = backlogHeadroomBytes
        self.dataDirectory = dataDirectory
        self.sink = sink
        self.now = now
        self.random = SplitMix64(seed: seed ?? UInt64.random(in: 0...UInt64.max))
        self.executor = executor ?? ThreadExecutor()
    }

    public nonisolated var unownedExecutor: UnownedSerialExecutor { executor.asUnownedSerialExecutor() }

    deinit {
        syncThread.shutdown()
        deliveryThread.shutdown()
    }

    /// Epoch milliseconds from the system's real-time clock.
    @Sendable public static func systemMillis() -> Int64 {
        var spec = timespec()
        clock_gettime(CLOCK_REALTIME, &spec)
        return Int64(spec.tv_sec) * 1000 + Int64(spec.tv_nsec) / 1_000_000
    }

    var firehoseDirectory: String { dataDirectory + "/firehose" }
    func streamDirectory(_ name: String) -> String { firehoseDirectory + "/" + name }
    func segmentPath(_ name: String, _ number: Int) -> String {
        streamDirectory(name) + "/segment-" + String(number) + ".wal"
    }

    // MARK: Streams

    /// Creates a stream (from code or CreateDeliveryStream) and persists its configuration.
    public func createStream(_ config: DeliveryStreamConfig) throws(FirehoseError) {
        try config.validate()
        guard streams[config.name] == nil else {
            throw FirehoseError("ResourceInUseException", "Firehose \(config.name) under account 000000000000 already exists.")
        }
        let created = now()
        do {
            try Files.makeDirectories(streamDirectory(config.name))
            try Files.writeAtomically(
                config.json(createdMillis: created), to: streamDirectory(config.name) + "/config.json",
                directory: streamDirectory(config.name))
        } catch {
            throw FirehoseError("ServiceUnavailableException", "The emulator could not persist the stream: \(error)")
        }
        var stream = Stream(config: config, createdMillis: created)
        // Segments left by a previous run stay for recover(); new records never join them.
        stream.nextSegment = (existingSegments(config.name).last ?? 0) + 1
        stream.ownSegmentsFrom = stream.nextSegment
        streams[config.name] = stream
    }

    /// The numbers of the segment files in a stream's directory, ascending.
    func existingSegments(_ name: String) -> [Int] {
        let files = (try? Files.list(streamDirectory(name))) ?? []
        return files.compactMap { file in
            guard file.hasPrefix("segment-"), file.hasSuffix(".wal") else { return nil }
            return Int(file.dropFirst("segment-".count).dropLast(".wal".count))
        }.sorted()
    }

    /// Declares a stream from code, idempotently: creates it, or, when it exists (say,
    /// recovered from the data directory), replaces and persists its configuration while
    /// keeping its buffered records.
    public func declareStream(_ config: DeliveryStreamConfig) throws(FirehoseError) {
        guard let existing = streams[config.name] else { return try createStream(config) }
        try config.validate()
        guard existing.config != config else { return }
        do {
            try Files.writeAtomically(
                config.json(createdMillis: existing.createdMillis), to: streamDirectory(config.name) + "/config.json",
                directory: streamDirectory(config.name))
        } catch {
            throw FirehoseError("ServiceUnavailableException", "The emulator could not persist the stream: \(error)")
        }
        streams[config.name]!.config = config
    }

    /// A stream's description.
    public func describe(_ name: String) throws(FirehoseError) -> StreamDescription {
        guard let stream = streams[name] else { throw Self.notFound(name) }
        return StreamDescription(config: stream.config, createdMillis: stream.createdMillis, versionId: 1)
    }

    /// The stream names, sorted as AWS lists them.
    public func streamNames() -> [String] { streams.keys.sorted() }

    /// Deletes a stream: its buffer is delivered first (best effort), then its files go.
    public func deleteStream(_ name: String) async throws(FirehoseError) {
        guard streams[name] != nil else { throw Self.notFound(name) }
        await deliveriesSettled()
        await deliver(name)
        await deliveriesSettled()
        guard let stream = streams.removeValue(forKey: name) else { return }
        let directory = streamDirectory(name)
        for number in stream.segments { try? Files.remove(segmentPath(name, number)) }
        try? Files.remove(directory + "/config.json")
        for leftover in (try? Files.list(directory)) ?? [] { try? Files.remove(directory + "/" + leftover) }
        try? Files.removeDirectory(directory)
    }

    static func notFound(_ name: String) -> FirehoseError {
        FirehoseError("ResourceNotFoundException", "Firehose \(name) under account 000000000000 not found.")
    }

    // MARK: Fault injection

    /// Makes `fraction` (0–1) of the records of later batch puts fail with
    /// `ServiceUnavailableException`, chosen by a generator seeded with `seed`.
    public func setFaultInjection(fraction: Double, seed: UInt64 = 1) {
        faultFraction = min(max(fraction, 0), 1)
        faultRandom = SplitMix64(seed: seed)
    }

    // MARK: Putting records

    /// Appends records (raw, decoded) to a stream and returns once the accepted ones are durable.
    ///
    /// - Parameters:
    ///   - injectFaults: whether fault injection applies (PutRecordBatch).
    ///   - recordIds: whether accepted records get Firehose's record ids (64 random hex
    ///     digits and a sequence); without them ``RecordResult/accepted(recordId:)`` carries
    ///     an empty id, for a caller that does not read them (the in-process function).
    /// - Throws: `ResourceNotFoundException`, or `ServiceUnavailableException` when the
    ///   write-ahead file could not be written or synced (nothing is acknowledged then) or
    ///   the stream's undelivered bytes reached ``backlogLimit(_:)`` (nothing is appended).
    public func putRecords(
        stream name: String, records: [[UInt8]], injectFaults: Bool = true, recordIds: Bool = true
    ) async throws(FirehoseError) -> [RecordResult] {
        let (results, sequence) = try append(
            stream: name, records: records, injectFaults: injectFaults, recordIds: recordIds)
        guard let sequence else { return results }
        let failure = await withCheckedContinuation { continuation in
            onDurable(sequence, stream: name) { continuation.resume(returning: $0) }
        }
        if let failure { throw failure }
        return results
    }

    /// ``putRecords(stream:records:injectFaults:recordIds:)`` for a caller already running on
    /// the emulator's executor (`assumeIsolated`), without a task or a suspension: the
    /// records are appended now, and `whenDurable` is called on the executor once they are
    /// fsynced (nil), or with the error that kept them from being acknowledged. Records get
    /// no record ids.
    ///
    /// - Returns: the number of records appended; nil, with nothing appended, while fault
    ///   injection is on (the caller takes ``putRecords(stream:records:injectFaults:recordIds:)``,
    ///   whose per-record failures it retries).
    /// - Throws: as ``putRecords(stream:records:injectFaults:recordIds:)``; nothing was
    ///   appended then, and `whenDurable` is not called.
    public func putRecordsNow(
        stream name: String, records: [[UInt8]], whenDurable: @escaping @Sendable (FirehoseError?) -> Void
    ) throws(FirehoseError) -> Int? {
        guard faultFraction == 0 else { return nil }
        let (_, sequence) = try append(stream: name, records: records, injectFaults: false, recordIds: false)
        guard let sequence else {
            whenDurable(nil)
            return 0
        }
        onDurable(sequence, stream: name, whenDurable)
        return records.count
    }

    /// The synchronous half of ``putRecords(stream:records:injectFaults:)``: frames the
    /// records into the stream's segment and appends them to its buffer, without a
    /// suspension. It is a function of its own so that its copy of the stream ends when it
    /// returns: a copy kept alive across the caller's `await` would share the buffer with
    /// the dictionary's, and the next call's append would copy the whole buffer.
    ///
    /// - Returns: the per-record results, and the write sequence to wait for (nil when
    ///   nothing was written).
    func append(stream name: String, records: [[UInt8]], injectFaults: Bool, recordIds: Bool = true) throws(FirehoseError)
        -> (results: [RecordResult], sequence: Int?)
    {
        // Taken out of the dictionary (and put back before returning) so that appending to
        // its buffer does not copy the buffer.
        guard var stream = streams.removeValue(forKey: name) else { throw Self.notFound(name) }
        let limit = backlogLimit(stream.config)
        guard stream.bufferedBytes < limit else {
            let backlog = stream.bufferedBytes
            streams[name] = stream
            statistics.throttledCalls += 1
            throw FirehoseError(
                "ServiceUnavailableException",
                "Slow down. The stream \(name) holds \(backlog) bytes not yet delivered to S3 (the emulator's limit is "
                    + "\(limit)); retry with backoff.")
        }
        let arrival = now()
        var results: [RecordResult] = []
        results.reserveCapacity(records.count)
        var frames: [UInt8] = []
        var accepted: [[UInt8]] = []
        for data in records {
            if injectFaults, faultFraction > 0, faultRandom.nextDouble() < faultFraction {
                results.append(.failed(code: "ServiceUnavailableException", message: "Slow down."))
                continue
            }
            SegmentFormat.appendFrame(data: data, arrival: arrival, to: &frames)
            stream.nextRecordId += 1
            results.append(.accepted(recordId: recordIds ? recordId(stream.nextRecordId) : ""))
            accepted.append(stream.config.appendDelimiterToRecord ? data + [0x0A] : data)
        }
        guard !accepted.isEmpty else {
            streams[name] = stream
            return (results, nil)
        }
        do {
            if stream.current == nil {
                let number = stream.nextSegment
                let handle = try SegmentFile.openSegment(segmentPath(name, number))
                try Files.syncDirectory(streamDirectory(name))
                stream.nextSegment += 1
                stream.current = handle
                stream.currentNumber = number
                stream.currentSize = 0
                stream.currentAllocated = 0
                stream.segments.append(number)
            }
            let handle = stream.current!
            let end = stream.currentSize + frames.count
            if frames.count < SegmentFormat.preallocationBelow && end > stream.currentAllocated {
                // Best effort: on a full disk the frames may still fit without the zeros.
                let start = stream.currentAllocated
                if (try? handle.write(SegmentFormat.preallocatedZeros, at: start)) != nil {
                    stream.currentAllocated = start + SegmentFormat.preallocationBytes
                }
            }
            do {
                try handle.write(frames, at: stream.currentSize)
            } catch {
                // Drop a partial frame (and the zeros after it, written again when needed).
                _ = ftruncate(handle.fd, off_t(stream.currentSize))
                stream.currentAllocated = stream.currentSize
                throw error
            }
            stream.currentSize = end
            stream.currentAllocated = max(stream.currentAllocated, end)
            dirty[ObjectIdentifier(handle)] = handle
        } catch {
            streams[name] = stream
            throw FirehoseError("ServiceUnavailableException", "The emulator could not write the buffer: \(error)")
        }
        for data in accepted {
            if stream.records.isEmpty { stream.bufferedBytes = 0 }
            stream.records.append(data)
            stream.arrivals.append(arrival)
            stream.bufferedBytes += data.count
        }
        streams[name] = stream
        statistics.appendCalls += 1
        writeSequence += 1
        return (results, writeSequence)
    }

    /// How many undelivered bytes a stream's buffer may hold before puts are refused with
    /// `ServiceUnavailableException` ("Slow down."): twice the size hint plus
    /// ``backlogHeadroomBytes``. A buffer passes its hint only while its delivery cannot
    /// keep up (one is already running, or S3 refuses the objects); without a bound it
    /// would grow until the process runs out of memory. One put may take it past the limit
    /// by at most its own 4 MiB.
    public nonisolated func backlogLimit(_ config: DeliveryStreamConfig) -> Int {
        2 * config.bufferingSizeBytes + backlogHeadroomBytes
    }

    /// A record id as Firehose's look: 64 random hex digits, then the record's sequence in hex.
    func recordId(_ n: UInt64) -> String {
        let digits: StaticString = "0123456789abcdef"
        var words = (random.next() | 1 << 63, random.next() | 1 << 63, random.next() | 1 << 63, random.next() | 1 << 63)
        let sequenceDigits = max(1, (64 - n.leadingZeroBitCount + 3) / 4)
        return String(unsafeUninitializedCapacity: 64 + sequenceDigits) { out in
            digits.withUTF8Buffer { hex in
                withUnsafeBytes(of: &words) { raw in
                    let words = raw.bindMemory(to: UInt64.self)
                    for w in 0..<4 {
                        for d in 0..<16 { out[w * 16 + d] = hex[Int(words[w] >> UInt64(60 - 4 * d) & 0xF)] }
                    }
                }
                for d in 0..<sequenceDigits {
                    out[64 + d] = hex[Int(n >> UInt64(4 * (sequenceDigits - 1 - d)) & 0xF)]
                }
            }
            return 64 + sequenceDigits
        }
    }

    /// Calls `done` once a group commit covers write `sequence` (a new write's sequence is
    /// past every fsync so far, so it always waits for the next): with nil once the records
    /// are durable (and, after the commit, a stream whose buffer reached a hint starts its
    /// delivery), or with `ServiceUnavailableException` when the fsync failed.
    func onDurable(_ sequence: Int, stream name: String, _ done: @escaping @Sendable (FirehoseError?) -> Void) {
        waiters.append(Waiter(sequence: sequence, stream: name, done: done))
        startSyncIfIdle()
    }

    /// Starts a group commit when none is running. It covers every write made so far, and
    /// the writes made while its fsync runs wait for the next one: under load each fsync
    /// covers the requests that arrived during the one before. It starts at once, without
    /// waiting for more writes to gather: a wait only adds latency when every client is
    /// already waiting (on this machine a 500 µs gather left a fifth of the core idle and
    /// cost a sixth of the single-event throughput, with fsyncs of about 0.2 ms).
    func startSyncIfIdle() {
        guard !syncing, !waiters.isEmpty else { return }
        syncing = true
        beginSync()
    }

    func beginSync() {
        let target = writeSequence
        let files = Array(dirty.values)
        dirty = [:]
        Task { await self.runSync(files, target: target) }
    }

    func runSync(_ files: [SegmentFile], target: Int) async {
        // On the emulator's own thread: an fsync takes milliseconds, which would otherwise
        // hold one of the few threads of Swift's cooperative pool.
        let failure = await syncThread.run { () -> FileError? in
            do throws(FileError) {
                for file in files { try file.sync() }
                return nil
            } catch {
                return error
            }
        }
        statistics.groupCommits += 1
        if failure == nil { syncedSequence = max(syncedSequence, target) }
        var remaining: [Waiter] = []
        var settled: [Waiter] = []
        for waiter in waiters {
            if waiter.sequence <= target { settled.append(waiter) } else { remaining.append(waiter) }
        }
        waiters = remaining
        let error = failure.map {
            FirehoseError("ServiceUnavailableException", "The emulator could not sync the buffer: \($0)")
        }
        for waiter in settled { waiter.done(error) }
        if failure == nil {
            // Once per stream the commit covered, not once per put.
            var names: [String] = []
            for waiter in settled where !names.contains(waiter.stream) { names.append(waiter.stream) }
            for name in names { scheduleDeliveryIfDue(name) }
        }
        syncing = false
        startSyncIfIdle()
    }

    // MARK: Flushing

    /// Delivers the buffers whose size or interval hint is reached (the timer calls this).
    public func flushDue() async {
        for name in streams.keys.sorted() { await flushIfDue(name) }
    }

    /// Delivers every buffer now, whatever the hints (after the deliveries already running).
    public func flushAll() async {
        await deliveriesSettled()
        for name in streams.keys.sorted() { await deliver(name) }
        // Records put while those ran may have started deliveries of their own.
        await deliveriesSettled()
    }

    func flushIfDue(_ name: String) async {
        if isDue(name) { await deliver(name) }
    }

    /// Starts delivering a stream's buffer in a task of its own once a hint is reached. The
    /// request whose records reached it is answered as soon as they are durable, as Firehose
    /// answers: it does not wait while tens of MiB are joined, hashed and written to S3 (up
    /// to seconds, past many clients' timeouts, whose retries would duplicate the records).
    /// The buffer is taken (and the stream marked delivering) before this returns, so the
    /// next put neither starts a second delivery nor appends to the buffer being shipped.
    func scheduleDeliveryIfDue(_ name: String) {
        guard isDue(name), let buffer = takeBuffer(name) else { return }
        Task { await self.ship(buffer, of: name) }
    }

    /// Returns once no delivery is running (tests, and before delivering everything).
    public func deliveriesSettled() async {
        while streams.values.contains(where: \.delivering) {
            try? await Task.sleep(for: .milliseconds(1))
        }
    }

    /// Whether a stream's size or interval hint is reached (synchronous, so that no copy of
    /// the stream outlives the check).
    func isDue(_ name: String) -> Bool {
        guard let stream = streams[name], !stream.records.isEmpty else { return false }
        let sizeReached = stream.bufferedBytes >= stream.config.bufferingSizeBytes
        let intervalReached = now() - stream.arrivals[0] >= Int64(stream.config.bufferingIntervalSeconds) * 1000
        return sizeReached || intervalReached
    }

    /// Starts a task calling ``flushDue()`` every `period` until ``shutdown()``.
    public func startTimer(period: Duration = .seconds(1)) {
        timer?.cancel()
        timer = Task { [weak self] in
            while !Task.isCancelled {
                try? await Task.sleep(for: period)
                guard let self else { return }
                await self.flushDue()
            }
        }
    }

    /// Stops the timer and delivers every buffer. Records whose delivery fails stay on
    /// disk for ``recover()``.
    public func shutdown() async {
        timer?.cancel()
        timer = nil
        await flushAll()
    }

    /// Delivers a stream's whole buffer as objects of at most about the size hint each,
    /// then deletes the segments that held it. On a sink failure the undelivered records
    /// go back to the front of the buffer (and stay in their segments).
    func deliver(_ name: String) async {
        guard let buffer = takeBuffer(name) else { return }
        await ship(buffer, of: name)
    }

    /// A buffer taken out of its stream for delivery.
    struct TakenBuffer {
        var records: [[UInt8]]
        var arrivals: [Int64]
        var segments: [Int]
        var config: DeliveryStreamConfig
    }

    /// Takes a stream's buffer for delivery and marks the stream delivering; nil when it is
    /// empty or already being delivered. New records go into a fresh buffer and segment.
    func takeBuffer(_ name: String) -> TakenBuffer? {
        guard var stream = streams[name], !stream.delivering, !stream.records.isEmpty else { return nil }
        let buffer = TakenBuffer(
            records: stream.records, arrivals: stream.arrivals, segments: stream.segments, config: stream.config)
        stream.records = []
        stream.arrivals = []
        stream.bufferedBytes = 0
        stream.segments = []
        stream.current = nil
        stream.delivering = true
        streams[name] = stream
        return buffer
    }

    /// Puts a taken buffer to the sink as objects, then ends the stream's delivery: the
    /// segments go, or on a failure the undelivered records return to the buffer's front.
    func ship(_ buffer: TakenBuffer, of name: String) async {
        let (records, arrivals, segments, config) = (buffer.records, buffer.arrivals, buffer.segments, buffer.config)
        var start = 0
        var failedFrom: Int?
        while start < records.count {
            var end = start
            var size = 0
            while end < records.count && (end == start || size < config.bufferingSizeBytes) {
                size += records[end].count
                end += 1
            }
            let gzip = config.compression == .gzip
            // Tens of MiB to join (and to compress): on a thread of their own, not this
            // actor's executor (in `inlet local`, the event loop that serves requests).
            let chunk = Array(records[start..<end])
            let body = await deliveryThread.run { Self.objectBody(chunk, gzip: gzip) }
            let key = objectKey(config, firstArrival: arrivals[start], gzip: gzip)
            do {
                try await sink.putObject(bucket: config.bucket, key: key, body: body, contentType: "application/octet-stream")
                statistics.objectsDelivered += 1
            } catch {
                statistics.deliveryFailures += 1
                failedFrom = start
                break
            }
            start = end
        }

        guard var after = streams[name] else { return }
        after.delivering = false
        if let failedFrom {
            after.records = Array(records[failedFrom...]) + after.records
            after.arrivals = Array(arrivals[failedFrom...]) + after.arrivals
            after.bufferedBytes = after.records.reduce(0) { $0 + $1.count }
            after.segments = segments + after.segments
        } else {
            for number in segments { try? Files.remove(segmentPath(name, number)) }
        }
        streams[name] = after
        // What arrived meanwhile may be due already (a backlog refuses puts until delivered);
        // after a failure, the timer retries.
        if failedFrom == nil { scheduleDeliveryIfDue(name) }
    }

    /// An object's bytes: the records one after another, gzip-compressed when asked.
    static func objectBody(_ records: [[UInt8]], gzip: Bool) -> [UInt8] {
        // One copy per record into an array allocated once (appending record by record cost
        // about 65 ms for a 64 MiB object of 515-byte records; copying, about a fifth).
        let total = records.reduce(0) { $0 + $1.count }
        let body = [UInt8](unsafeUninitializedCapacity: total) { buffer, count in
            var offset = 0
            for record in records where !record.isEmpty {
                record.withUnsafeBufferPointer { source in
                    (buffer.baseAddress! + offset).initialize(from: source.baseAddress!, count: source.count)
                }
                offset += record.count
            }
            count = offset
        }
        return gzip ? Gzip.compress(body) : body
    }

    /// The key of an object whose oldest record arrived at `firstArrival`.
    func objectKey(_ config: DeliveryStreamConfig, firstArrival: Int64, gzip: Bool) -> String {
        let prefix =
            (try? FirehoseNaming.evaluate(config.prefix, epochMillis: firstArrival, random: { self.random.next(below: $0) }))
            ?? FirehoseNaming.defaultPrefix(epochMillis: firstArrival)
        let uuid = FirehoseNaming.uuidV4(random: { self.random.next(below: $0) })
        return prefix
            + FirehoseNaming.suffix(stream: config.name, version: 1, epochMillis: firstArrival, uuid: uuid, gzip: gzip)
    }

    // MARK: Recovery

    /// Reads back every stream's configuration and write-ahead segments (dropping a torn
    /// tail), then delivers the recovered records. Call once, before serving.
    ///
    /// - Returns: the number of records recovered.
    @discardableResult
    public func recover() async throws(FirehoseError) -> Int {
        var recovered = 0
        var names: [String] = []
        do {
            for name in try Files.list(firehoseDirectory).sorted() {
                let directory = streamDirectory(name)
                guard let bytes = try Files.read(directory + "/config.json"),
                    let parsed = DeliveryStreamConfig.parse(json: bytes)
                else { continue }
                var stream = streams[name] ?? Stream(config: parsed.config, createdMillis: parsed.createdMillis)
                // Only segments of a previous run not buffered yet: this run's are in memory.
                let numbers = existingSegments(name).filter { $0 < stream.ownSegmentsFrom && !stream.segments.contains($0) }
                var records: [[UInt8]] = []
                var arrivals: [Int64] = []
                for number in numbers {
                    let path = segmentPath(name, number)
                    let bytes = try Files.read(path) ?? []
                    let (frames, valid) = SegmentFormat.readFrames(bytes)
                    if valid < bytes.count { try Files.truncate(path, to: valid) }
                    for frame in frames {
                        records.append(stream.config.appendDelimiterToRecord ? frame.data + [0x0A] : frame.data)
                        arrivals.append(frame.arrival)
                    }
                }
                recovered += records.count
                stream.records = records + stream.records
                stream.arrivals = arrivals + stream.arrivals
                stream.bufferedBytes = stream.records.reduce(0) { $0 + $1.count }
                stream.segments = numbers + stream.segments
                stream.nextSegment = max(stream.nextSegment, (numbers.last ?? 0) + 1)
                stream.ownSegmentsFrom = min(stream.ownSegmentsFrom, stream.nextSegment)
                streams[name] = stream
                names.append(name)
            }
        } catch {
            throw FirehoseError("ServiceUnavailableException", "The emulator could not recover its buffers: \(error)")
        }
        for name in names { await deliver(name) }
        return recovered
    }
}

/// A small seeded generator (SplitMix64), for reproducible faults and names.
struct SplitMix64: Sendable {
    var state: UInt64
    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// A value in `0..<bound`.
    mutating func next(below bound: Int) -> Int { Int(next() % UInt64(bound)) }

    /// A value in `[0, 1)`.
    mutating func nextDouble() -> Double { Double(next() >> 11) / Double(UInt64(1) << 53) }
}
