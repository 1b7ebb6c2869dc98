import InletCore
import InletLambdaRuntime

/// The Runtime API the processes call, answered as AWS's Runtime Interface Emulator (RIE)
/// answers (checked against `aws-lambda-rie`):
///
/// | request | answer |
/// | --- | --- |
/// | `GET …/invocation/next` | waits for an invocation: 200, the payload, `Lambda-Runtime-Aws-Request-Id`, `-Deadline-Ms`, `-Invoked-Function-Arn`, `-Trace-Id`; asked again while holding one, the same invocation again |
/// | `POST …/invocation/{id}/response` | 202 `{"status":"OK"}`; over 6,291,556 bytes 413 `RequestEntityTooLarge` (the caller gets `Function.ResponseSizeTooLarge`) |
/// | `POST …/invocation/{id}/error` | 202; the body (`errorMessage`, `errorType`, `stackTrace`; else `Lambda-Runtime-Function-Error-Type`) is the caller's function error |
/// | `POST …/init/error` | 202 while initialising; the waiting invocation fails with the report |
/// | an id that is not the process's invocation | 400 `InvalidRequestID` |
/// | a second answer, or an init error after init | 403 `InvalidStateTransition` |
/// | the process is gone, or the pool is stopping | 500 (the runtime should exit) |
/// | another path | 404 `404 page not found`; another method 405 |
///
/// Paths may start with a pooled process's `/_runtime/N`; without it they belong to the only
/// process of a pool of one.
extension RuntimeAPIFunctionHost {
    /// The API version segment of every Runtime API path.
    static let apiPrefix = "/" + RuntimeAPI.version + "/runtime/"

    /// Whether `rawPath` is a Runtime API path (with or without a process prefix).
    public nonisolated static func isRuntimeAPIPath(_ rawPath: String) -> Bool {
        rawPath.hasPrefix(apiPrefix) || rawPath.hasPrefix(workerPathPrefix)
    }

    /// What a Runtime API request asks for.
    enum Endpoint: Equatable {
        case next
        case response(String)
        case error(String)
        case initError
    }

    /// The process a path names (nil without a prefix) and the endpoint; nil endpoint for
    /// a path the API does not have, and a method that does not fit is `methodNotAllowed`.
    nonisolated static func route(method: String, rawPath: String) -> (worker: Int?, endpoint: Endpoint?, methodAllowed: Bool) {
        var path = Substring(rawPath)
        var worker: Int?
        if path.hasPrefix(workerPathPrefix) {
            let rest = path.dropFirst(workerPathPrefix.count)
            let digits = rest.prefix { $0 != "/" }
            guard let id = Int(digits) else { return (nil, nil, true) }
            worker = id
            path = rest.dropFirst(digits.count)
        }
        guard path.hasPrefix(apiPrefix) else { return (worker, nil, true) }
        let parts = path.dropFirst(apiPrefix.count).split(separator: "/", omittingEmptySubsequences: false)
        switch parts.count {
        case 2 where parts[0] == "invocation" && parts[1] == "next":
            return (worker, .next, method == "GET")
        case 2 where parts[0] == "init" && parts[1] == "error":
            return (worker, .initError, method == "POST")
        case 3 where parts[0] == "invocation" && !parts[1].isEmpty && parts[2] == "response":
            return (worker, .response(String(parts[1])), method == "POST")
        case 3 where parts[0] == "invocation" && !parts[1].isEmpty && parts[2] == "error":
            return (worker, .error(String(parts[1])), method == "POST")
        default:
            return (worker, nil, true)
        }
    }

    /// Answers one Runtime API request from a process.
    public func handle(_ request: LocalRequest) async -> LocalResponse {
        let (prefix, endpoint, methodAllowed) = Self.route(method: request.method, rawPath: request.rawPath)
        guard let endpoint else { return Self.pageNotFound }
        guard methodAllowed else { return LocalResponse(status: 405) }
        if stopping { return Self.stoppedResponse }
        guard let workerId = resolve(prefix) else {
            if prefix == nil && configuration.concurrency > 1 { return Self.prefixMissing }
            return Self.processGone
        }
        switch endpoint {
        case .next:
            return await next(workerId)
        case .response(let requestId):
            return respond(workerId, requestId: requestId, body: request.body)
        case .error(let requestId):
            let report = Self.errorReport(request.body, errorType: request.headers[RuntimeAPI.Header.functionErrorType])
            return reportError(workerId, requestId: requestId, report)
        case .initError:
            let report = Self.errorReport(request.body, errorType: request.headers[RuntimeAPI.Header.functionErrorType])
            return reportInitError(workerId, report)
        }
    }

    /// The answer to a Runtime API request whose body is over the limit (the server did
    /// not read it): 413 to the runtime and, for a response, `Function.ResponseSizeTooLarge`
    /// to the caller, as Lambda does.
    public func refuseOversized(_ request: LocalRequest) -> LocalResponse {
        let (prefix, endpoint, _) = Self.route(method: request.method, rawPath: request.rawPath)
        if let workerId = resolve(prefix), let endpoint, var worker = workers[workerId] {
            switch endpoint {
            case .response(let requestId), .error(let requestId):
                if worker.state == .running(requestId) {
                    worker.state = .finishing
                    workers[workerId] = worker
                    finish(requestId, .functionError(LambdaLimits.responseTooLarge))
                }
            case .next, .initError:
                break
            }
        }
        return Self.payloadTooLarge
    }

    /// The process a request comes from: the one its prefix names, or, without a prefix,
    /// the only process of a pool of one.
    func resolve(_ prefix: Int?) -> Int? {
        if let prefix { return workers[prefix] != nil ? prefix : nil }
        guard configuration.concurrency == 1, workers.count == 1 else { return nil }
        return workers.keys.first
    }

    /// `/next`: waits for an invocation.
    func next(_ workerId: Int) async -> LocalResponse {
        guard let worker = workers[workerId] else { return Self.processGone }
        switch worker.state {
        case .initFailed, .stopping:
            return Self.invalidTransition(from: worker.state, to: "Ready")
        case .running(let requestId):
            // RIE hands the invocation in progress out again.
            guard let invocation = invocations[requestId] else { return Self.processGone }
            return nextResponse(invocation)
        case .initializing:
            note(workerId, "ready after \(configuration.now() - worker.startedMillis) ms of init")
        case .waiting:
            // A newer poll replaces an older one, whose connection is most likely gone.
            worker.poll?.resume(returning: Self.processGone)
        case .finishing:
            break
        }
        return await withCheckedContinuation { continuation in
            workers[workerId]?.poll = continuation
            workers[workerId]?.state = .waiting
            dispatch()
        }
    }

    /// `/response`.
    func respond(_ workerId: Int, requestId: String, body: [UInt8]) -> LocalResponse {
        guard var worker = workers[workerId] else { return Self.processGone }
        guard worker.lastRequestId == requestId else { return Self.invalidRequestId }
        guard worker.state == .running(requestId) else {
            return Self.invalidTransition(from: worker.state, to: "InvocationResponse")
        }
        worker.state = .finishing
        workers[workerId] = worker
        guard body.count <= LambdaLimits.maximumResponseBytes else {
            finish(requestId, .functionError(LambdaLimits.responseTooLarge))
            return Self.payloadTooLarge
        }
        finish(requestId, .success(body))
        return Self.accepted
    }

    /// `/error`.
    func reportError(_ workerId: Int, requestId: String, _ report: LambdaErrorReport) -> LocalResponse {
        guard var worker = workers[workerId] else { return Self.processGone }
        guard worker.lastRequestId == requestId else { return Self.invalidRequestId }
        guard worker.state == .running(requestId) else {
            return Self.invalidTransition(from: worker.state, to: "InvocationErrorResponse")
        }
        worker.state = .finishing
        workers[workerId] = worker
        finish(requestId, .functionError(report))
        return Self.accepted
    }

    /// `/init/error`: the invocation waiting for this process fails with the report; the
    /// process has ``RuntimeAPIConfiguration/initErrorGrace`` to exit before it is killed.
    func reportInitError(_ workerId: Int, _ report: LambdaErrorReport) -> LocalResponse {
        guard var worker = workers[workerId] else { return Self.processGone }
        guard worker.state == .initializing else { return Self.invalidTransition(from: worker.state, to: "InitError") }
        worker.state = .initFailed
        workers[workerId] = worker
        note(workerId, "init error: \(report.errorType): \(report.errorMessage)")
        if !queue.isEmpty { finish(queue.removeFirst(), .runtimeFailed(report)) }
        let grace = configuration.initErrorGrace
        Task { [weak self] in
            try? await Task.sleep(for: grace)
            await self?.killAfterInitError(workerId)
        }
        return Self.accepted
    }

    /// The answer to `/next` for `invocation`.
    func nextResponse(_ invocation: Invocation) -> LocalResponse {
        LocalResponse(
            status: 200,
            headers: HTTPHeaders([
                ("Content-Type", "application/json"),
                ("Lambda-Runtime-Aws-Request-Id", invocation.requestId),
                ("Lambda-Runtime-Deadline-Ms", String(invocation.deadlineMillis)),
                ("Lambda-Runtime-Invoked-Function-Arn", configuration.functionArn),
                ("Lambda-Runtime-Trace-Id", invocation.traceId),
            ]),
            body: invocation.payload)
    }

    // MARK: Bodies

    /// The runtime's error report: the JSON body's `errorMessage`, `errorType` (else the
    /// `Lambda-Runtime-Function-Error-Type` header) and `stackTrace`; a body that is not a
    /// JSON object is the message.
    static func errorReport(_ body: [UInt8], errorType header: String?) -> LambdaErrorReport {
        guard let doc = try? JSONDocument(parsing: body), doc.kind(0) == .object else {
            return LambdaErrorReport(errorMessage: String(decoding: body, as: UTF8.self), errorType: header ?? "Unhandled")
        }
        func string(_ name: String) -> String? {
            guard let index = doc.member(0, named: Array(name.utf8)), doc.kind(index) == .string else { return nil }
            return doc.string(index)
        }
        var stackTrace: [String] = []
        if let trace = doc.member(0, named: Array("stackTrace".utf8)), doc.kind(trace) == .array {
            for element in doc.elements(trace) {
                if doc.kind(element) == .string {
                    stackTrace.append(doc.string(element))
                } else {
                    var text: [UInt8] = []
                    doc.writeCompact(element, into: &text)
                    stackTrace.append(String(decoding: text, as: UTF8.self))
                }
            }
        }
        return LambdaErrorReport(
            errorMessage: string("errorMessage") ?? "", errorType: string("errorType") ?? header ?? "Unhandled",
            stackTrace: stackTrace)
    }

    static func json(_ status: Int, errorType: String, message: String) -> LocalResponse {
        var body: [UInt8] = Array(#"{"errorMessage":"#.utf8)
        JSONText.appendQuoted(message, to: &body)
        body.append(contentsOf: #","errorType":"#.utf8)
        JSONText.appendQuoted(errorType, to: &body)
        body.append(0x7D)
        return LocalResponse(status: status, headers: HTTPHeaders([("Content-Type", "application/json")]), body: body)
    }

    static let accepted = LocalResponse(
        status: 202, headers: HTTPHeaders([("Content-Type", "application/json")]), body: Array(#"{"status":"OK"}"#.utf8))

    static let invalidRequestId = json(400, errorType: "InvalidRequestID", message: "Invalid request ID")

    static let payloadTooLarge = json(
        413, errorType: "RequestEntityTooLarge",
        message: "Exceeded maximum allowed payload size (\(LambdaLimits.maximumResponseBytes) bytes).")

    static let processGone = json(
        500, errorType: "Runtime.Unavailable",
        message: "This process is no longer part of the function's pool (it exited or was stopped); exit.")

    static let stoppedResponse = json(
        500, errorType: "Runtime.Stopped", message: "inlet local is stopping; exit.")

    static let prefixMissing = json(
        400, errorType: "InvalidRuntimeAddress",
        message: "inlet local runs a pool of processes, and each has its own AWS_LAMBDA_RUNTIME_API "
            + "(host:port/_runtime/N); build Runtime API URLs as http:// + AWS_LAMBDA_RUNTIME_API + the path, "
            + "or run with --concurrency 1.")

    static let pageNotFound = LocalResponse(
        status: 404, headers: HTTPHeaders([("Content-Type", "text/plain; charset=utf-8")]),
        body: Array("404 page not found\n".utf8))

    /// RIE's 403 for a call the runtime's state does not allow.
    static func invalidTransition(from state: Worker.State, to transition: String) -> LocalResponse {
        let name: String
        switch state {
        case .initializing: name = "RuntimeStartedState"
        case .waiting: name = "RuntimeReadyState"
        case .running: name = "RuntimeRunningState"
        case .finishing: name = "RuntimeResponseSentState"
        case .initFailed: name = "InitError"
        case .stopping: name = "RuntimeStoppedState"
        }
        return json(
            403, errorType: "InvalidStateTransition",
            message: "State transition from \(name) to \(transition) failed for runtime. Error: State transition is not allowed")
    }
}
