import Glibc
import InletCore
import InletLambdaRuntime

/// Runs the function as child processes that speak the Lambda Runtime API, which this host
/// serves (``handle(_:)``, routed on the local cloud's one port): any custom runtime
/// (Inlet's `bootstrap`) or managed runtime's interface client (`python -m awslambdaric`).
///
/// - **Pool.** Up to ``RuntimeAPIConfiguration/concurrency`` processes, started when an
///   invocation finds none free; each takes one invocation at a time, and invocations
///   beyond the pool wait in order. A process that exits or is killed is replaced by the
///   next invocation that needs one.
/// - **Addresses.** With a pool of one, the process gets `AWS_LAMBDA_RUNTIME_API=host:port`,
///   as on AWS, so every runtime works. In a larger pool each process gets its own path,
///   `host:port/_runtime/N`, so that the host knows which process asks for work and can kill
///   the right one at a timeout. AWS documents the API URL as `http://` +
///   `AWS_LAMBDA_RUNTIME_API` + the path, which Inlet's bootstrap and AWS's C++, Go and Java
///   clients do; a runtime that splits the variable into host and port instead (Python's
///   `http.client`, which awslambdaric uses only to report init errors) cannot use a pool.
/// - **Deadline.** Past `deadlineMillis` the process is killed (SIGKILL, with its process
///   group), the invocation is ``FunctionResult/timedOut``, and the next one starts a fresh
///   process. The deadline runs from the call, so time spent queued or starting counts.
/// - **Limits.** Requests over ``LambdaLimits/maximumRequestBytes`` are refused before any
///   process sees them; a response over ``LambdaLimits/maximumResponseBytes`` is answered
///   413 to the runtime and `Function.ResponseSizeTooLarge` to the caller, as Lambda does.
/// - **Failures**, as Lambda and RIE report them: `/runtime/init/error` fails the waiting
///   invocation with the runtime's report; a process that exits before its first `/next`,
///   or during an invocation, fails it with `Runtime.ExitError` (`RequestId: … Error:
///   Runtime exited with error: exit status 1`); a command that cannot be started, with
///   `Runtime.InvalidEntrypoint`. These are ``FunctionResult/runtimeFailed(_:)``.
/// - **Output.** Each process's stdout and stderr go, line by line and prefixed
///   `[function N] `, to ``RuntimeAPIConfiguration/output`` (stderr), never into responses.
/// - **Stopping.** ``shutdown()`` fails what is queued, sends SIGTERM, then SIGKILL after
///   ``RuntimeAPIConfiguration/shutdownGrace``, and reaps every process.
///
/// The host needs the address the server is bound to before it can start a process:
/// ``listening(at:)`` gives it (``LocalServer`` calls it once bound); invocations wait until then.
public actor RuntimeAPIFunctionHost: FunctionHost {
    /// What runs, and how.
    public nonisolated let configuration: RuntimeAPIConfiguration

    /// One process of the pool.
    struct Worker {
        /// Where a process is in its life, as the Runtime API sees it.
        enum State: Equatable {
            /// Started; it has not asked for an invocation yet.
            case initializing
            /// Its `/next` is waiting for an invocation.
            case waiting
            /// It holds this invocation.
            case running(String)
            /// It answered its invocation and has not asked for the next yet.
            case finishing
            /// It reported an init error.
            case initFailed
            /// The host killed or is stopping it.
            case stopping
        }
        let id: Int
        let process: ChildProcess
        let startedMillis: Int64
        var state: State = .initializing
        /// The waiting `/next`.
        var poll: CheckedContinuation<LocalResponse, Never>?
        /// The invocation it holds or held last.
        var lastRequestId: String?
    }

    /// One call of ``invoke(_:requestId:deadlineMillis:)`` until it has its result.
    struct Invocation {
        let requestId: String
        let payload: [UInt8]
        let deadlineMillis: Int64
        let traceId: String
        let continuation: CheckedContinuation<FunctionResult, Never>
        var timer: Task<Void, Never>?
        /// The process holding it; nil while it waits in the queue.
        var worker: Int?
    }

    /// The server's base URL (`http://127.0.0.1:4577`), once it is listening.
    var endpointURL: String?
    /// The live processes (until reaped), by id.
    var workers: [Int: Worker] = [:]
    var nextWorkerId = 1
    /// Invocations waiting for a process, oldest first.
    var queue: [String] = []
    /// Every invocation without a result yet.
    var invocations: [String: Invocation] = [:]
    /// Whether the supervisor task (output and reaping) runs.
    var supervising = false
    /// Set by ``shutdown()``: nothing new starts.
    var stopping = false

    /// The most processes alive at once so far.
    public private(set) var peakProcessCount = 0
    /// How many processes were started so far.
    public private(set) var startedProcessCount = 0
    /// The process ids of the live processes.
    public var processIDs: [Int32] { workers.values.map(\.process.pid).sorted() }

    /// A host for `configuration`.
    public init(configuration: RuntimeAPIConfiguration) {
        self.configuration = configuration
    }

    /// The server is bound: processes reach it (and the emulated AWS services) at
    /// `endpointURL`, e.g. `http://127.0.0.1:4577`. Queued invocations start now.
    public func listening(at endpointURL: String) {
        self.endpointURL = endpointURL
        dispatch()
    }

    // MARK: FunctionHost

    public func invoke(_ payload: [UInt8], requestId: String, deadlineMillis: Int64) async -> FunctionResult {
        guard payload.count <= LambdaLimits.maximumRequestBytes else {
            return .functionError(LambdaLimits.requestTooLarge(payload.count))
        }
        guard !stopping else { return .runtimeFailed(Self.stoppedReport) }
        // Lambda runs a function for 15 minutes at most.
        let remaining = min(deadlineMillis - configuration.now(), 900_000)
        guard remaining > 0 else { return .timedOut }
        guard invocations[requestId] == nil else {
            return .functionError(
                LambdaErrorReport(
                    errorMessage: "An invocation with request id \(requestId) is in progress.",
                    errorType: "InvalidRequestID"))
        }
        let traceId = Self.traceId(epochSeconds: configuration.now() / 1000)
        return await withCheckedContinuation { continuation in
            let timer = Task { [weak self] in
                try? await Task.sleep(for: .milliseconds(remaining))
                guard !Task.isCancelled else { return }
                await self?.deadlinePassed(requestId)
            }
            invocations[requestId] = Invocation(
                requestId: requestId, payload: payload, deadlineMillis: deadlineMillis, traceId: traceId,
                continuation: continuation, timer: timer)
            queue.append(requestId)
            dispatch()
        }
    }

    // MARK: The pool

    /// Hands queued invocations to waiting processes, then starts processes for the rest,
    /// up to the pool's size. Processes that are starting, or finishing an invocation, will
    /// ask for work soon, so they count as coming.
    func dispatch() {
        guard !stopping else { return }
        while !queue.isEmpty, let workerId = workers.values.filter({ $0.state == .waiting }).map(\.id).min() {
            let requestId = queue.removeFirst()
            guard var invocation = invocations[requestId], var worker = workers[workerId] else { continue }
            invocation.worker = workerId
            invocations[requestId] = invocation
            let poll = worker.poll
            worker.poll = nil
            worker.state = .running(requestId)
            worker.lastRequestId = requestId
            workers[workerId] = worker
            poll?.resume(returning: nextResponse(invocation))
        }
        guard let endpointURL else { return }
        while true {
            let coming = workers.values.filter { $0.state == .initializing || $0.state == .finishing }.count
            guard queue.count > coming, workers.count < configuration.concurrency else { break }
            startWorker(endpointURL: endpointURL)
        }
    }

    /// Starts one process; when it cannot start, the oldest queued invocation fails with
    /// `Runtime.InvalidEntrypoint`, as Lambda reports a bootstrap it cannot run.
    func startWorker(endpointURL: String) {
        let id = nextWorkerId
        nextWorkerId += 1
        let authority = endpointURL.hasPrefix("http://") ? endpointURL.dropFirst(7) : Substring(endpointURL)
        let runtimeAPI = configuration.concurrency == 1 ? String(authority) : "\(authority)\(Self.workerPathPrefix)\(id)"
        let environment = configuration.processEnvironment(
            runtimeAPI: runtimeAPI, endpointURL: endpointURL, taskRoot: RuntimeAPIConfiguration.currentDirectory())
        do {
            let process = try ChildProcess.spawn(configuration.command, environment: environment)
            workers[id] = Worker(id: id, process: process, startedMillis: configuration.now())
            startedProcessCount += 1
            peakProcessCount = max(peakProcessCount, workers.count)
            note(id, "started (pid \(process.pid)): \(configuration.command.joined(separator: " "))")
            if !supervising {
                supervising = true
                Task.detached { [self] in await Self.supervise(self) }
            }
        } catch {
            note(id, "cannot start: \(error)")
            guard !queue.isEmpty else { return }
            let head = queue.removeFirst()
            finish(
                head,
                .runtimeFailed(
                    LambdaErrorReport(errorMessage: "RequestId: \(head) Error: \(error)", errorType: "Runtime.InvalidEntrypoint")))
        }
    }

    /// The invocation's deadline passed: its process (if it has one) is killed.
    func deadlinePassed(_ requestId: String) {
        guard let invocation = invocations[requestId] else { return }
        if let workerId = invocation.worker, var worker = workers[workerId] {
            worker.state = .stopping
            workers[workerId] = worker
            worker.process.signal(SIGKILL)
            note(workerId, "request \(requestId) timed out; process killed")
        } else {
            queue.removeAll { $0 == requestId }
        }
        finish(requestId, .timedOut)
        dispatch()
    }

    /// Ends an invocation with `result`.
    func finish(_ requestId: String, _ result: FunctionResult) {
        guard let invocation = invocations.removeValue(forKey: requestId) else { return }
        invocation.timer?.cancel()
        invocation.continuation.resume(returning: result)
    }

    /// A process exited (the supervisor reaped it): what it held fails, and the pool refills.
    func exited(_ id: Int, _ status: ExitStatus) {
        guard let worker = workers.removeValue(forKey: id) else { return }
        worker.poll?.resume(returning: Self.processGone)
        note(id, "exited: \(status)")
        switch worker.state {
        case .running(let requestId):
            finish(requestId, .runtimeFailed(Self.exitError(requestId: requestId, status)))
        case .initializing where !queue.isEmpty:
            // It died during init: the invocation it was started for gets the error.
            let head = queue.removeFirst()
            finish(head, .runtimeFailed(Self.exitError(requestId: head, status)))
        default:
            break
        }
        dispatch()
    }

    /// Kills a process that reported an init error and did not exit by itself.
    func killAfterInitError(_ id: Int) {
        guard let worker = workers[id], worker.state == .initFailed else { return }
        worker.process.signal(SIGKILL)
    }

    /// Stops the pool: fails what is queued, sends SIGTERM to every process, SIGKILL to
    /// those still alive after ``RuntimeAPIConfiguration/shutdownGrace``, and returns once
    /// all are reaped (or 5 s later). Invocations still running fail with `Runtime.ExitError`.
    /// Safe to call from a cancelled task, and more than once.
    public func shutdown() async {
        await Task { await self.stopAll() }.value
    }

    func stopAll() async {
        stopping = true
        for requestId in queue { finish(requestId, .runtimeFailed(Self.stoppedReport)) }
        queue.removeAll()
        for (id, var worker) in workers {
            worker.poll?.resume(returning: Self.stoppedResponse)
            worker.poll = nil
            worker.state = .stopping
            workers[id] = worker
            worker.process.signal(SIGTERM)
        }
        await waitUntilReaped(within: configuration.shutdownGrace)
        for worker in workers.values { worker.process.signal(SIGKILL) }
        await waitUntilReaped(within: .seconds(5))
    }

    func waitUntilReaped(within limit: Duration) async {
        let end = ContinuousClock.now + limit
        while !workers.isEmpty && ContinuousClock.now < end {
            try? await Task.sleep(for: .milliseconds(10))
        }
    }

    /// The processes for the supervisor to watch; nil (and the supervisor stops) when none are left.
    func supervisedProcesses() -> [(id: Int, process: ChildProcess)]? {
        guard !workers.isEmpty else {
            supervising = false
            return nil
        }
        return workers.values.map { ($0.id, $0.process) }
    }

    /// Writes the host's own line about process `id`.
    func note(_ id: Int, _ text: String) {
        configuration.output(Array("[function \(id)] \(text)\n".utf8))
    }

    // MARK: Reports

    /// The path prefix of a pooled process's own Runtime API: `/_runtime/N`.
    public static let workerPathPrefix = "/_runtime/"

    /// Lambda's report of a runtime that exited: `Runtime.ExitError`.
    static func exitError(requestId: String, _ status: ExitStatus) -> LambdaErrorReport {
        LambdaErrorReport(
            errorMessage: "RequestId: \(requestId) Error: Runtime exited with error: \(status)",
            errorType: "Runtime.ExitError")
    }

    /// The report for invocations that arrive while, or are queued when, the pool stops.
    static let stoppedReport = LambdaErrorReport(
        errorMessage: "inlet local is stopping; the function no longer runs", errorType: "Runtime.Stopped")

    /// An X-Ray trace header as Lambda hands it to the runtime.
    static func traceId(epochSeconds: Int64) -> String {
        func hex(_ digits: Int) -> String {
            String((0..<digits).map { _ in "0123456789abcdef".randomElement()! })
        }
        var time = String(UInt64(max(0, epochSeconds)), radix: 16)
        time = String(repeating: "0", count: max(0, 8 - time.count)) + time
        return "Root=1-\(time)-\(hex(24));Parent=\(hex(16));Sampled=0"
    }
}
