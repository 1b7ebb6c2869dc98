import InletCore
import Logging

/// A local Snowpipe: loads every object created under its stage into its table, with
/// Snowpipe's rules (see ``Warehouse/load(_:into:receivedAtMillis:)``).
///
/// The S3 side calls ``notify(bucket:key:)`` in process, as S3 event notifications reach
/// Snowpipe through SQS. The call only queues the key and returns at once, so the S3
/// writer never waits for a load; one loader task reads queued files from the
/// ``StageStore`` and loads them one at a time, oldest first. ``start()`` and ``refresh()``
/// queue the stage's files that the load history does not hold yet, as
/// `ALTER PIPE … REFRESH` does (files modified in the last 7 days).
public actor Snowpipe {
    /// The pipe's definition.
    public nonisolated let definition: PipeDefinition
    private let warehouse: Warehouse
    private let stage: any StageStore
    private let now: @Sendable () -> Int64
    private let logger: Logger
    private let notices: AsyncStream<Notice>.Continuation
    private let noticeStream: AsyncStream<Notice>
    private let kicks: AsyncStream<Void>.Continuation
    private let kickStream: AsyncStream<Void>

    private var queue: [String] = []
    private var queueHead = 0
    private var queued: [String: Int64] = [:]
    private var loading: String?
    private var paused = false
    private var started = false
    private var stopping = false
    private var idleWaiters: [CheckedContinuation<Void, Never>] = []
    private var tasks: [Task<Void, Never>] = []
    private var lastReceived: Int64?
    private var lastError: String?

    /// How far back REFRESH looks, as Snowflake's does: 7 days.
    public static let refreshWindowMillis: Int64 = 7 * 86_400_000

    private enum Notice {
        case created(key: String, at: Int64)
        case barrier(CheckedContinuation<Void, Never>)
    }

    /// A pipe over `warehouse` reading `stage`; nothing loads until ``start()``.
    ///
    /// - Parameter now: the clock, milliseconds since 1970 (the system clock when nil).
    public init(
        definition: PipeDefinition, warehouse: Warehouse, stage: any StageStore, now: (@Sendable () -> Int64)? = nil,
        logger: Logger = Logger(label: "inlet.snowpipe")
    ) {
        self.definition = definition
        self.warehouse = warehouse
        self.stage = stage
        self.now = now ?? { Warehouse.systemMillis() }
        self.logger = logger
        (noticeStream, notices) = AsyncStream.makeStream(of: Notice.self)
        (kickStream, kicks) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
    }

    /// A pipe released without ``stop()`` ends its loader tasks: they hold the pipe weakly and
    /// would otherwise wait on its streams for ever.
    deinit {
        notices.finish()
        kicks.finish()
    }

    // MARK: Notifications

    /// Queues `key` when it is under the stage; returns at once (an S3 event notification).
    /// Keys already queued, or already in the load history, load once.
    public nonisolated func notify(bucket: String, key: String) {
        guard definition.covers(bucket: bucket, key: key) else { return }
        notices.yield(.created(key: key, at: now()))
    }

    /// Returns once every notification sent before the call is loaded (or skipped), nothing is
    /// queued and no load is running, or at once when the pipe is paused or stopped.
    public nonisolated func waitUntilIdle() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            if case .terminated = notices.yield(.barrier(continuation)) { continuation.resume() }
        }
    }

    // MARK: Life cycle

    /// Declares the pipe in the warehouse, forgets history older than 14 days, starts the loader
    /// and queues the stage's files not loaded yet. Returns the keys it queued.
    @discardableResult
    public func start() async throws(WarehouseError) -> [String] {
        guard !started else { return [] }
        started = true
        try await warehouse.define(definition)
        try await warehouse.purgeHistory()
        paused = try await warehouse.executionState(pipe: definition.name) == "PAUSED"
        tasks.append(Task { [weak self, noticeStream] in
            for await notice in noticeStream {
                guard let self else { return }
                await self.receive(notice)
            }
        })
        tasks.append(Task { [weak self, kickStream] in
            for await _ in kickStream {
                guard let self else { return }
                await self.drain()
            }
        })
        return try await refresh()
    }

    /// Queues the stage's files modified in the last 7 days that the load history does not hold
    /// (`ALTER PIPE … REFRESH`); returns the keys queued, oldest first.
    @discardableResult
    public func refresh() async throws(WarehouseError) -> [String] {
        let fresh = try await unloadedStagedFiles()
        let received = now()
        return fresh.map(\.key).filter { enqueue($0, receivedAt: received) }
    }

    /// The stage's files modified within the refresh window that the load history does not
    /// hold, oldest first: what a refresh queues.
    private func unloadedStagedFiles() async throws(WarehouseError) -> [StagedObjectInfo] {
        let listed: [StagedObjectInfo]
        do {
            listed = try await stage.list(bucket: definition.bucket, prefix: definition.prefix)
        } catch {
            throw WarehouseError(.stageFailed, "cannot list \(definition.stageLocation) for \(definition.name): \(error)")
        }
        let loaded = try await warehouse.loadedFiles(pipe: definition.name)
        let since = now() - Self.refreshWindowMillis
        return listed.filter {
            definition.covers(bucket: definition.bucket, key: $0.key) && $0.lastModifiedMillis >= since
                && !loaded.contains($0.key)
        }.sorted { ($0.lastModifiedMillis, $0.key) < ($1.lastModifiedMillis, $1.key) }
    }

    /// Stops loading after the file in progress; files still queued stay unloaded until the next
    /// start or refresh.
    public func stop() async {
        stopping = true
        notices.finish()
        kicks.finish()
        let running = tasks
        tasks = []
        for task in running { await task.value }
        resumeIdleWaiters()
    }

    /// `ALTER PIPE … SET PIPE_EXECUTION_PAUSED = TRUE|FALSE`: a paused pipe queues but does not load.
    public func setPaused(_ paused: Bool) async throws(WarehouseError) {
        try await warehouse.setPaused(pipe: definition.name, paused)
        self.paused = paused
        if paused {
            resumeIdleWaiters()
        } else {
            kicks.yield()
        }
    }

    // MARK: Status

    /// SYSTEM$PIPE_STATUS: the queue of this process, and the last file loaded.
    public func status() async -> PipeStatus {
        var pending = queue.count - queueHead
        if loading != nil { pending += 1 }
        return await status(pending: pending, oldest: loading ?? (queueHead < queue.count ? queue[queueHead] : nil))
    }

    /// SYSTEM$PIPE_STATUS from another process: the pending files are the stage's files that a
    /// refresh would queue.
    public func statusFromStage() async throws(WarehouseError) -> PipeStatus {
        let pending = try await unloadedStagedFiles()
        paused = (try? await warehouse.executionState(pipe: definition.name)) == "PAUSED"
        return await status(pending: pending.count, oldest: pending.first?.key)
    }

    private func status(pending: Int, oldest: String?) async -> PipeStatus {
        let last = try? await warehouse.lastIngested(pipe: definition.name)
        return PipeStatus(
            executionState: paused ? "PAUSED" : "RUNNING", pendingFileCount: pending,
            oldestPendingFilePath: pending > 0 ? oldest : nil, lastIngestedTimestamp: last?.time,
            lastIngestedFilePath: last?.file, lastReceivedMessageTimestamp: lastReceived.map { UTCDateTime(epochMillis: $0).iso8601 },
            error: lastError)
    }

    // MARK: Loading

    private func receive(_ notice: Notice) {
        switch notice {
        case .created(let key, let at):
            lastReceived = at
            enqueue(key, receivedAt: at)
        case .barrier(let continuation):
            if isIdle || paused {
                continuation.resume()
            } else {
                idleWaiters.append(continuation)
            }
        }
    }

    @discardableResult
    private func enqueue(_ key: String, receivedAt: Int64) -> Bool {
        guard queued[key] == nil, loading != key else { return false }
        queued[key] = receivedAt
        queue.append(key)
        kicks.yield()
        return true
    }

    private var isIdle: Bool { loading == nil && queueHead == queue.count }

    /// Loads queued files until none is left (or the pipe is paused).
    private func drain() async {
        while !paused, !stopping, queueHead < queue.count {
            let key = queue[queueHead]
            queueHead += 1
            if queueHead > 1024 && queueHead * 2 > queue.count {
                queue.removeFirst(queueHead)
                queueHead = 0
            }
            let receivedAt = queued.removeValue(forKey: key) ?? now()
            loading = key
            await load(key, receivedAt: receivedAt)
            loading = nil
        }
        if isIdle || paused || stopping { resumeIdleWaiters() }
    }

    private func load(_ key: String, receivedAt: Int64) async {
        do {
            guard let object = try await stage.read(bucket: definition.bucket, key: key) else {
                logger.debug("skipped a file deleted before it loaded", metadata: ["pipe": "\(definition.name)", "key": "\(key)"])
                return
            }
            if let entry = try await warehouse.load(object, into: definition, receivedAtMillis: receivedAt) {
                let level: Logger.Level = entry.status == .loaded ? .debug : .warning
                logger.log(
                    level: level, "loaded a file",
                    metadata: [
                        "pipe": "\(definition.name)", "key": "\(key)", "status": "\(entry.status.rawValue)",
                        "rows": "\(entry.rowCount)", "errors": "\(entry.errorCount)",
                        "first_error": "\(entry.firstErrorMessage ?? "")",
                    ])
            }
        } catch {
            // Not the file's fault (a read or SQLite failure): it stays out of the load history,
            // so the next refresh loads it.
            lastError = "\(key): \(error)"
            logger.error(
                "could not load a file; the next refresh retries it",
                metadata: ["pipe": "\(definition.name)", "key": "\(key)", "error": "\(error)"])
        }
    }

    private func resumeIdleWaiters() {
        let waiting = idleWaiters
        idleWaiters = []
        for waiter in waiting { waiter.resume() }
    }
}
