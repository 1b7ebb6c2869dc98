import InletAPIGateway
import InletCore
import InletFunction
import InletLambdaRuntime
import Logging

/// How one invocation ended, as Lambda reports it to the caller (API Gateway).
public enum FunctionResult: Sendable, Equatable {
    /// The function returned this payload.
    case success([UInt8])
    /// The function failed (it threw, or Lambda refused the request or the response).
    case functionError(LambdaErrorReport)
    /// The deadline passed before the function returned.
    case timedOut
    /// The runtime failed rather than the handler: its initialisation failed (it posted
    /// `/runtime/init/error`, exited before asking for an invocation, or could not be
    /// started), or its process exited during the invocation (`Runtime.ExitError`).
    /// Lambda's Invoke API reports these as function errors too; RIE answers them 502.
    case runtimeFailed(LambdaErrorReport)
}

/// Where the emulator runs the function. ``InProcessFunctionHost`` calls a ``LambdaHandler``
/// directly; ``RuntimeAPIFunctionHost`` starts the function as child processes and serves
/// them the Runtime API (it hands `payload` to `/next` and waits for `/response` or `/error`
/// until `deadlineMillis`).
public protocol FunctionHost: Sendable {
    /// Invokes the function once.
    ///
    /// - Parameters:
    ///   - payload: the invocation payload (the API Gateway event).
    ///   - requestId: Lambda's request id for this invocation.
    ///   - deadlineMillis: when the invocation times out, in epoch milliseconds.
    func invoke(_ payload: [UInt8], requestId: String, deadlineMillis: Int64) async -> FunctionResult

    /// Invokes the function with an API Gateway request as a value, when the host can skip
    /// the event's JSON (an in-process ``APIGatewayLambdaHandler``); nil otherwise, and the
    /// caller invokes with the JSON event.
    func invokeProxy(_ request: APIGatewayRequest, requestId: String, deadlineMillis: Int64) async -> ProxyResult?
}

extension FunctionHost {
    /// Hosts take JSON events only, unless they say otherwise.
    public func invokeProxy(_ request: APIGatewayRequest, requestId: String, deadlineMillis: Int64) async -> ProxyResult? {
        nil
    }
}

/// Lambda's limits on synchronous invocations.
public enum LambdaLimits {
    /// The largest request payload of a synchronous invocation (6 MB).
    public static let maximumRequestBytes = 6_291_456
    /// The largest response payload of a synchronous invocation: "6 MB", which Lambda and
    /// RIE enforce as 6,291,556 bytes (100 more than 6 MiB; a body of exactly this size is
    /// accepted).
    public static let maximumResponseBytes = 6_291_556

    /// Lambda's `RequestEntityTooLargeException` for a payload over the limit.
    public static func requestTooLarge(_ size: Int) -> LambdaErrorReport {
        LambdaErrorReport(
            errorMessage: "\(size) byte payload is too large for the RequestResponse invocation type "
                + "(limit \(maximumRequestBytes) bytes)",
            errorType: "RequestEntityTooLargeException")
    }

    /// Lambda's `Function.ResponseSizeTooLarge` for a response over the limit, in Lambda's
    /// and RIE's words (which do not name the size).
    public static let responseTooLarge = LambdaErrorReport(
        errorMessage: "Response payload size exceeded maximum allowed payload size (\(maximumResponseBytes) bytes).",
        errorType: "Function.ResponseSizeTooLarge")
}

/// Runs a ``LambdaHandler`` in this process: one ``LambdaContext`` per invocation, Lambda's
/// 6 MB payload limits, and the deadline. Past the deadline (at most 10 ms late: one timer
/// keeps every invocation's deadline) the handler's task is cancelled and the invocation
/// reports ``FunctionResult/timedOut`` at once, without waiting for a handler that ignores
/// cancellation.
public struct InProcessFunctionHost: FunctionHost {
    /// The function.
    public let handler: any LambdaHandler
    /// The ARN the function is invoked with.
    public var functionArn: String
    /// The logger handed to the handler.
    public var logger: Logger
    /// The wall clock in epoch milliseconds.
    public var now: @Sendable () -> Int64
    private let watchdog = DeadlineWatchdog()
    private let proxyHandler: (any APIGatewayLambdaHandler)?

    /// A host for `handler`.
    public init(
        handler: any LambdaHandler,
        functionArn: String = "arn:aws:lambda:us-east-1:000000000000:function:inlet-ingest",
        logger: Logger = Logger(label: "inlet.local.function"),
        now: @escaping @Sendable () -> Int64 = FirehoseEmulator.systemMillis
    ) {
        self.handler = handler
        self.proxyHandler = handler as? any APIGatewayLambdaHandler
        self.functionArn = functionArn
        self.logger = logger
        self.now = now
    }

    public func invoke(_ payload: [UInt8], requestId: String, deadlineMillis: Int64) async -> FunctionResult {
        guard payload.count <= LambdaLimits.maximumRequestBytes else {
            return .functionError(LambdaLimits.requestTooLarge(payload.count))
        }
        let handler = self.handler
        return await run(requestId: requestId, deadlineMillis: deadlineMillis, timedOut: .timedOut) { context, logger in
            do {
                let output = try await handler.handle(payload, context: context, logger: logger)
                return output.count <= LambdaLimits.maximumResponseBytes
                    ? .success(output) : .functionError(LambdaLimits.responseTooLarge)
            } catch {
                return .functionError(LambdaErrorReport(error))
            }
        }
    }

    /// Hands an API Gateway request to a handler that takes it as a value
    /// (``APIGatewayLambdaHandler``), under the same deadline as ``invoke(_:requestId:deadlineMillis:)``;
    /// nil when the handler only takes JSON. The caller checks Lambda's payload limits.
    public func invokeProxy(_ request: APIGatewayRequest, requestId: String, deadlineMillis: Int64) async -> ProxyResult? {
        guard let handler = proxyHandler else { return nil }
        return await run(requestId: requestId, deadlineMillis: deadlineMillis, timedOut: .failed(.timedOut)) {
            context, logger in
            .returned(await handler.handle(request, context: context, logger: logger))
        }
    }

    /// Runs `work` in a task of its own with the invocation's context, and returns its output,
    /// or `timedOut` once the deadline passes (the task is then cancelled, not awaited).
    private func run<Output: Sendable>(
        requestId: String, deadlineMillis: Int64, timedOut: Output,
        work: @escaping @Sendable (LambdaContext, Logger) async -> Output
    ) async -> Output {
        // Lambda runs a function for 15 minutes at most.
        let remaining = min(deadlineMillis - now(), 900_000)
        guard remaining > 0 else { return timedOut }
        let context = LambdaContext(requestId: requestId, deadlineMillis: deadlineMillis, invokedFunctionArn: functionArn)
        let deadline = ContinuousClock.now.advanced(by: .milliseconds(remaining))
        var logger = self.logger
        logger[metadataKey: "requestId"] = "\(requestId)"
        var ticket: UInt64 = 0
        let output = await withCheckedContinuation { (continuation: CheckedContinuation<Output, Never>) in
            let answer = InvocationAnswer(continuation)
            let task = Task { [logger] in answer.give(await work(context, logger)) }
            ticket = watchdog.watch(deadline: deadline) {
                answer.give(timedOut)
                task.cancel()
            }
        }
        watchdog.unwatch(ticket)
        return output
    }
}

/// How an ``InProcessFunctionHost/invokeProxy(_:requestId:deadlineMillis:)`` ended.
public enum ProxyResult: Sendable {
    /// The handler answered.
    case returned(APIGatewayResponse)
    /// The invocation failed or timed out, as ``FunctionResult`` reports it.
    case failed(FunctionResult)
}
