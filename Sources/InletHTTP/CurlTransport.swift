import CCurl
import InletThreads

/// An ``HTTPTransport`` built on libcurl's easy interface.
///
/// - Connections are kept alive and reused: easy handles (each holding its own cache of
///   open connections) are pooled and handed out most-recently-used first, so sequential
///   requests to one host use one TCP connection. Handles are never created per request.
/// - ``send(_:timeout:)`` runs each blocking transfer on one of the transport's own
///   pthreads (at most ``Configuration/maximumConcurrentRequests``; further requests
///   queue), never on Swift's cooperative thread pool, and resumes the caller when done.
///   Cancelling the calling task aborts the transfer (within about a second).
/// - ``sendBlocking(_:timeout:)`` runs the transfer on the calling thread with no
///   scheduling at all, for a synchronous loop such as the Lambda runtime's.
/// - Every request carries an empty `Expect:` header, HTTP/1.1, `TCP_NODELAY`, TCP
///   keep-alive probes and `CURLOPT_NOSIGNAL`; only `http` and `https` URLs are allowed;
///   redirects are not followed; proxy environment variables are honoured as by libcurl.
///   The transport does not touch the process's signal dispositions.
public final class CurlTransport: HTTPTransport {
    /// Timeouts and limits of a ``CurlTransport``.
    public struct Configuration: Sendable, Equatable {
        /// The limit for establishing a connection (TCP and TLS). Default 10 seconds.
        public var connectTimeout: Duration
        /// The default limit for a whole request, used when ``CurlTransport/send(_:timeout:)``
        /// gets no timeout; nil means no limit. Default nil, which suits the Lambda
        /// runtime's long-polling `next` request; AWS clients pass their own timeout.
        public var timeout: Duration?
        /// How many ``CurlTransport/send(_:timeout:)`` transfers run at once, which is also
        /// the most threads the transport starts. Further requests wait, and the wait
        /// counts against their timeout. Default 16.
        public var maximumConcurrentRequests: Int
        /// The largest response body accepted, in bytes; a larger one fails with
        /// ``TransportError/Code/responseTooLarge``. Default 1 GiB.
        public var maximumResponseBodySize: Int

        /// Creates a configuration; every parameter has the documented default.
        public init(
            connectTimeout: Duration = .seconds(10),
            timeout: Duration? = nil,
            maximumConcurrentRequests: Int = 16,
            maximumResponseBodySize: Int = 1 << 30
        ) {
            self.connectTimeout = connectTimeout
            self.timeout = timeout
            self.maximumConcurrentRequests = maximumConcurrentRequests
            self.maximumResponseBodySize = maximumResponseBodySize
        }

        /// The defaults.
        public static var `default`: Configuration { Configuration() }

        /// A copy changed by `change`, e.g. `.default.with { $0.timeout = .seconds(5) }`.
        public func with(_ change: (inout Configuration) -> Void) -> Configuration {
            var copy = self
            change(&copy)
            return copy
        }
    }

    /// The configuration the transport was created with.
    public let configuration: Configuration

    private let workers: WorkerPool
    private let handles: HandlePool

    /// Creates a transport. Cheap: threads and curl handles are created on first use.
    public init(configuration: Configuration = .default) {
        var configuration = configuration
        configuration.maximumConcurrentRequests = max(1, configuration.maximumConcurrentRequests)
        configuration.maximumResponseBodySize = max(0, configuration.maximumResponseBodySize)
        self.configuration = configuration
        workers = WorkerPool(maximumThreads: configuration.maximumConcurrentRequests)
        // One idle handle per worker, plus two for blocking callers.
        handles = HandlePool(capacity: configuration.maximumConcurrentRequests + 2)
    }

    deinit {
        workers.shutdown()
    }

    /// Sends `request` on one of the transport's threads and returns the response.
    ///
    /// - Parameter timeout: The limit for the whole request, counted from this call
    ///   (including any wait for a free thread); nil means ``Configuration/timeout``.
    ///   A limit that is already zero or negative fails at once with
    ///   ``TransportError/Code/timedOut`` without sending anything.
    /// - Throws: ``TransportError``; an HTTP error status is a response, not an error.
    public func send(_ request: HTTPRequest, timeout: Duration? = nil) async throws(TransportError) -> HTTPResponse {
        let deadline = Deadline(timeout ?? configuration.timeout)
        if Task.isCancelled { throw cancelledError(request) }
        let cancellation = CancellationFlag()
        let result = await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Result<HTTPResponse, TransportError>, Never>) in
                workers.submit {
                    continuation.resume(returning: self.perform(request, deadline: deadline, cancellation: cancellation))
                }
            }
        } onCancel: {
            cancellation.cancel()
        }
        return try result.get()
    }

    /// Sends `request` on the calling thread, blocking it until the response is complete.
    ///
    /// Meant for a synchronous loop on a thread of its own, such as the Lambda runtime's
    /// main thread. Do not call it from async code: it would block a thread of Swift's
    /// cooperative pool; use ``send(_:timeout:)`` there.
    ///
    /// - Parameter timeout: The limit for the whole request; nil means ``Configuration/timeout``.
    /// - Throws: ``TransportError``; an HTTP error status is a response, not an error.
    @available(*, noasync, message: "blocks the calling thread; use send(_:timeout:) from async code")
    public func sendBlocking(_ request: HTTPRequest, timeout: Duration? = nil) throws(TransportError) -> HTTPResponse {
        try perform(request, deadline: Deadline(timeout ?? configuration.timeout), cancellation: nil).get()
    }

    /// The number of idle pooled curl handles (for tests and diagnostics).
    var idleHandleCount: Int { handles.idleCount }

    /// The number of worker threads currently alive (for tests and diagnostics).
    var workerThreadCount: Int { workers.threadCount }

    private func perform(
        _ request: HTTPRequest, deadline: Deadline, cancellation: CancellationFlag?
    ) -> Result<HTTPResponse, TransportError> {
        if let cancellation, cancellation.isCancelled { return .failure(cancelledError(request)) }
        let remaining = deadline.remaining
        if let remaining, remaining <= .zero {
            return .failure(TransportError(
                .timedOut,
                "The request to \(authority(of: request.url)) timed out before it could start "
                    + "(its time budget was used up waiting for a free connection); raise the timeout "
                    + "or Configuration.maximumConcurrentRequests."))
        }
        let handle: EasyHandle
        switch handles.checkOut() {
        case .success(let h): handle = h
        case .failure(let error): return .failure(error)
        }
        let result = handle.perform(
            request,
            options: EasyHandle.Options(
                connectTimeout: configuration.connectTimeout,
                timeout: remaining,
                maximumResponseBodySize: configuration.maximumResponseBodySize,
                cancellation: cancellation))
        handles.checkIn(handle)
        return result
    }

    private func cancelledError(_ request: HTTPRequest) -> TransportError {
        TransportError(.cancelled, "The task sending the request to \(authority(of: request.url)) was cancelled.")
    }
}

/// A point in time by which a request must finish, or none.
struct Deadline: Sendable {
    private let start: ContinuousClock.Instant
    private let timeout: Duration?

    init(_ timeout: Duration?) {
        start = .now
        self.timeout = timeout
    }

    /// The time left, or nil when there is no limit.
    var remaining: Duration? {
        guard let timeout else { return nil }
        return timeout - start.duration(to: .now)
    }
}

/// Idle easy handles, most recently used last, shared by all of a transport's threads.
final class HandlePool: Sendable {
    private let idle: LockedState<[EasyHandle]>
    private let capacity: Int

    init(capacity: Int) {
        self.capacity = capacity
        idle = LockedState([])
        idle.withLock { $0.reserveCapacity(capacity) }
    }

    var idleCount: Int { idle.withLock { $0.count } }

    /// The most recently used idle handle (whose connections are the likeliest to be
    /// alive), or a new one.
    func checkOut() -> Result<EasyHandle, TransportError> {
        if let handle = idle.withLock({ $0.popLast() }) { return .success(handle) }
        guard let handle = EasyHandle() else {
            return .failure(TransportError(
                .other,
                "libcurl could not be initialised (curl_global_init or curl_easy_init failed); "
                    + "check that libcurl and its TLS library are installed and memory is available."))
        }
        return .success(handle)
    }

    /// Returns a handle for reuse; beyond capacity it is closed with its connections.
    func checkIn(_ handle: EasyHandle) {
        let surplus: EasyHandle? = idle.withLock { idle in
            guard idle.count < capacity else { return handle }
            idle.append(handle)
            return nil
        }
        _ = surplus  // released (and cleaned up) outside the lock
    }
}

/// A flag one thread sets and another polls; used to carry task cancellation into a
/// libcurl progress callback running on a worker thread.
final class CancellationFlag: Sendable {
    private let flag = LockedState(false)
    var isCancelled: Bool { flag.withLock { $0 } }
    func cancel() { flag.withLock { $0 = true } }
}
