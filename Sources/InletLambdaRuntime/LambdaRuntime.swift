#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Logging

/// The custom-runtime loop: `next → handle → report`, until the task is cancelled or the
/// Runtime API goes away. A handler error is reported and the loop goes on.
public struct LambdaRuntime<Client: RuntimeAPIClient, Handler: LambdaHandler>: Sendable {
    let client: Client
    let handler: Handler
    let logger: Logger

    /// A runtime for one handler.
    public init(client: Client, handler: Handler, logger: Logger) {
        self.client = client
        self.handler = handler
        self.logger = logger
    }

    /// Runs invocations until cancelled, or until `maxInvocations` (for tests) is reached.
    /// Returns when the Runtime API cannot be reached; the caller should exit then.
    ///
    /// - Parameter first: an invocation already taken from `/next` (a cold start's first,
    ///   fetched before the async world started); it is handled before the next `/next`.
    public func run(first: (LambdaContext, [UInt8])? = nil, maxInvocations: Int? = nil) async throws {
        var served = 0
        var pending = first
        while !Task.isCancelled {
            if let maxInvocations, served >= maxInvocations { return }
            let (context, payload): (LambdaContext, [UInt8])
            if let taken = pending {
                (context, payload) = taken
                pending = nil
            } else {
                (context, payload) = try await client.next()
            }
            served += 1
            if let traceId = context.traceId {
                setenv(RuntimeAPI.Variable.traceId, traceId, 1)
            } else {
                unsetenv(RuntimeAPI.Variable.traceId)
            }
            var invocationLogger = logger
            invocationLogger[metadataKey: "requestId"] = "\(context.requestId)"
            let result: Result<[UInt8], any Error>
            do {
                result = .success(try await handler.handle(payload, context: context, logger: invocationLogger))
            } catch {
                result = .failure(error)
            }
            switch result {
            case .success(let response):
                do {
                    try await client.respond(requestId: context.requestId, body: response)
                } catch let error as RuntimeAPIError where error.code == .unexpectedStatus {
                    // Lambda refuses responses over 6 MB; the invocation must still end.
                    invocationLogger.error("the response was refused: \(error.message)")
                    try await client.reportError(
                        requestId: context.requestId,
                        LambdaErrorReport(errorMessage: error.message, errorType: "Runtime.ResponseRejected"))
                }
            case .failure(let error):
                let report = LambdaErrorReport(error)
                invocationLogger.error("invocation failed: \(report.errorType): \(report.errorMessage)")
                try await client.reportError(requestId: context.requestId, report)
            }
        }
    }
}
