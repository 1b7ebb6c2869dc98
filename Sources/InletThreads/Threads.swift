#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

// Threads and locks built directly on pthreads, so this module needs neither
// Foundation nor an availability floor above the package's (macOS 14, for ExecutorJob).

/// A value protected by a pthread mutex (which ThreadSanitizer understands, unlike the
/// standard library's futex-based `Mutex`).
public final class LockedState<State>: @unchecked Sendable {
    private let mutex: UnsafeMutablePointer<pthread_mutex_t>
    private var state: State

    /// A lock around `state`.
    public init(_ state: State) {
        self.state = state
        mutex = .allocate(capacity: 1)
        mutex.initialize(to: pthread_mutex_t())
        let rc = pthread_mutex_init(mutex, nil)
        precondition(rc == 0, "pthread_mutex_init failed: \(rc)")
    }

    deinit {
        pthread_mutex_destroy(mutex)
        mutex.deinitialize(count: 1)
        mutex.deallocate()
    }

    /// Runs `body` with exclusive access to the state. Keep `body` short and non-blocking.
    @inline(__always)
    public func withLock<R>(_ body: (inout State) -> R) -> R {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        return body(&state)
    }
}

/// A growable set of dedicated pthreads that run blocking jobs in FIFO order.
///
/// Threads start lazily, one per queued job that no idle thread can take, up to
/// `maximumThreads`; beyond that, jobs wait in the queue. Idle threads sleep on a
/// condition variable. ``shutdown()`` lets every thread finish the queue and exit.
public final class WorkerPool: @unchecked Sendable {
    /// A job: blocking work that must not hold a thread of Swift's cooperative pool.
    public typealias Job = @Sendable () -> Void

    private let mutex: UnsafeMutablePointer<pthread_mutex_t>
    private let condition: UnsafeMutablePointer<pthread_cond_t>
    private let maximumThreads: Int
    private let niceness: Int32
    // Guarded by `mutex`:
    private var queue: [Job?] = []
    private var head = 0
    private var idleThreads = 0
    private var threads = 0
    private var shuttingDown = false

    /// A pool of at most `maximumThreads` threads (at least one).
    ///
    /// - Parameter niceness: the threads' nice value on Linux with glibc (0 to 19; ignored elsewhere). A
    ///   background pool whose threads share a core with request-serving threads (an `inlet
    ///   local` pinned to one CPU) takes a higher one, so that the scheduler gives that core
    ///   to the requests first and background work only when they leave it idle.
    public init(maximumThreads: Int, niceness: Int32 = 0) {
        self.maximumThreads = max(1, maximumThreads)
        self.niceness = min(max(niceness, 0), 19)
        mutex = .allocate(capacity: 1)
        mutex.initialize(to: pthread_mutex_t())
        condition = .allocate(capacity: 1)
        condition.initialize(to: pthread_cond_t())
        precondition(pthread_mutex_init(mutex, nil) == 0, "pthread_mutex_init failed")
        precondition(pthread_cond_init(condition, nil) == 0, "pthread_cond_init failed")
    }

    deinit {
        pthread_cond_destroy(condition)
        pthread_mutex_destroy(mutex)
        condition.deinitialize(count: 1)
        condition.deallocate()
        mutex.deinitialize(count: 1)
        mutex.deallocate()
    }

    /// The number of threads started and not yet exited (for tests).
    public var threadCount: Int {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        return threads
    }

    /// Runs `body` on one of the pool's threads and returns its result; the calling task
    /// is suspended meanwhile, so blocking calls (fsync, say) never hold a thread of the
    /// cooperative pool.
    public func run<T: Sendable>(_ body: @escaping @Sendable () -> T) async -> T {
        await withCheckedContinuation { continuation in
            submit { continuation.resume(returning: body()) }
        }
    }

    /// Queues `job` to run on one of the pool's threads.
    public func submit(_ job: @escaping Job) {
        pthread_mutex_lock(mutex)
        queue.append(job)
        let waiting = queue.count - head
        let spawn = waiting > idleThreads && threads < maximumThreads
        if spawn { threads += 1 }
        pthread_cond_signal(condition)
        pthread_mutex_unlock(mutex)
        if spawn { startThread() }
    }

    /// Lets the threads drain the queue and exit. Call once, when no more jobs will come.
    public func shutdown() {
        pthread_mutex_lock(mutex)
        shuttingDown = true
        pthread_cond_broadcast(condition)
        pthread_mutex_unlock(mutex)
    }

    private func startThread() {
        var attributes = pthread_attr_t()
        pthread_attr_init(&attributes)
        defer { pthread_attr_destroy(&attributes) }
        pthread_attr_setdetachstate(&attributes, Int32(PTHREAD_CREATE_DETACHED))
        // libcurl and OpenSSL need more than musl's 128 KiB default; 2 MiB is only reserved.
        pthread_attr_setstacksize(&attributes, 2 << 20)
        let context = Unmanaged.passRetained(self).toOpaque()
        #if canImport(Darwin)
        var thread: pthread_t? = nil
        #else
        var thread = pthread_t()
        #endif
        let rc = pthread_create(&thread, &attributes, { raw in
            #if canImport(Darwin)
            let pool = Unmanaged<WorkerPool>.fromOpaque(raw).takeRetainedValue()
            #else
            let pool = Unmanaged<WorkerPool>.fromOpaque(raw!).takeRetainedValue()
            #endif
            pool.run()
            return nil
        }, context)
        guard rc != 0 else { return }
        // No thread: undo, and if no thread at all is left to run the queue, run it here
        // rather than leave callers suspended forever.
        Unmanaged<WorkerPool>.fromOpaque(context).release()
        pthread_mutex_lock(mutex)
        threads -= 1
        var orphans: [Job] = []
        if threads == 0 {
            while head < queue.count {
                if let job = queue[head] { orphans.append(job) }
                head += 1
            }
            queue.removeAll()
            head = 0
        }
        pthread_mutex_unlock(mutex)
        for job in orphans { job() }
    }

    private func run() {
        #if canImport(Glibc)
        // Linux keeps a nice value per thread, and `who` 0 names the calling thread; failing to
        // set one (a sandbox) changes nothing else.
        if niceness > 0 { _ = setpriority(__priority_which_t(PRIO_PROCESS.rawValue), 0, niceness) }
        #endif
        pthread_mutex_lock(mutex)
        while true {
            if head < queue.count {
                var job = queue[head]
                queue[head] = nil
                head += 1
                if head == queue.count {
                    queue.removeAll(keepingCapacity: true)
                    head = 0
                } else if head >= 64 && head * 2 >= queue.count {
                    queue.removeFirst(head)
                    head = 0
                }
                pthread_mutex_unlock(mutex)
                job?()
                // Release the closure before re-locking: it may hold the last reference
                // to the transport, whose deinit calls shutdown(), which takes the lock.
                job = nil
                pthread_mutex_lock(mutex)
                continue
            }
            if shuttingDown { break }
            idleThreads += 1
            pthread_cond_wait(condition, mutex)
            idleThreads -= 1
        }
        threads -= 1
        pthread_mutex_unlock(mutex)
    }
}

/// A serial executor on one dedicated thread, for an actor whose work blocks: file writes
/// with fsync, reads of large files, SQLite. Such an actor would otherwise run on whatever
/// runs Swift concurrency's jobs (in `inlet local`, the HTTP server's event loop) and stop
/// it for as long as the disk takes.
///
/// The thread starts with the first job and ends once the executor is released (after the
/// jobs queued by then).
public final class ThreadExecutor: SerialExecutor, @unchecked Sendable {
    private let thread: WorkerPool

    /// An executor; its thread starts with the first job.
    ///
    /// - Parameter niceness: the thread's nice value on Linux (see ``WorkerPool/init(maximumThreads:niceness:)``).
    public init(niceness: Int32 = 0) {
        thread = WorkerPool(maximumThreads: 1, niceness: niceness)
    }

    deinit { thread.shutdown() }

    public func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        thread.submit { job.runSynchronously(on: self.asUnownedSerialExecutor()) }
    }

    public func asUnownedSerialExecutor() -> UnownedSerialExecutor {
        UnownedSerialExecutor(ordinary: self)
    }
}
