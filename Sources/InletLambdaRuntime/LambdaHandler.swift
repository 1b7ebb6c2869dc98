import Logging

/// A function: takes an invocation's payload and returns the response payload.
public protocol LambdaHandler: Sendable {
    /// Handles one invocation. A thrown error is reported to Lambda as a function error.
    func handle(_ payload: [UInt8], context: LambdaContext, logger: Logger) async throws -> [UInt8]
}

/// The Runtime API as the loop uses it. A protocol only so that tests can drive the
/// loop with a double; ``CurlRuntimeAPIClient`` is the real one.
public protocol RuntimeAPIClient: Sendable {
    /// Blocks until the next invocation; returns its context and payload.
    func next() async throws -> (LambdaContext, [UInt8])
    /// Posts the result of an invocation.
    func respond(requestId: String, body: [UInt8]) async throws
    /// Posts the failure of an invocation.
    func reportError(requestId: String, _ report: LambdaErrorReport) async throws
    /// Posts a failure during initialisation.
    func reportInitError(_ report: LambdaErrorReport) async throws
}
