import InletCore
import InletHTTP

/// Why the Runtime API could not be used.
public struct RuntimeAPIError: Error, Sendable, CustomStringConvertible {
    /// A stable reason.
    public enum Code: String, Sendable {
        /// The Runtime API could not be reached; the process should exit.
        case unreachable
        /// The Runtime API answered with an unexpected status.
        case unexpectedStatus = "unexpected_status"
        /// A `/next` response had no request id.
        case missingRequestId = "missing_request_id"
    }

    /// The reason's code.
    public var code: Code
    /// What happened.
    public var message: String
    /// The HTTP status, when there was one.
    public var status: Int?

    /// An error with its code, message and status.
    public init(code: Code, message: String, status: Int? = nil) {
        self.code = code
        self.message = message
        self.status = status
    }

    public var description: String { "Runtime API \(code.rawValue): \(message)" }
}

/// The Runtime API over the libcurl transport. One transport, and so one pool of curl
/// handles, serves every invocation; `/next` has no timeout, as it long-polls.
public struct CurlRuntimeAPIClient: RuntimeAPIClient {
    let base: String
    let transport: CurlTransport

    /// A client for `AWS_LAMBDA_RUNTIME_API` (`host:port`).
    public init(runtimeAPI: String, transport: CurlTransport = CurlTransport(configuration: .default.with { $0.timeout = nil })) {
        self.base = "http://" + runtimeAPI
        self.transport = transport
    }

    public func next() async throws -> (LambdaContext, [UInt8]) {
        try Self.invocation(from: try await send(nextRequest))
    }

    /// `GET /next` on the calling thread, before anything async has started: the first
    /// invocation of a cold start, so the process reaches its first `/next` without waiting
    /// for Swift's and the transport's threads to start.
    @available(*, noasync, message: "blocks the calling thread; use next() from async code")
    public func nextBlocking() throws -> (LambdaContext, [UInt8]) {
        let response: HTTPResponse
        do {
            response = try transport.sendBlocking(nextRequest, timeout: nil)
        } catch {
            throw RuntimeAPIError(code: .unreachable, message: error.message, status: nil)
        }
        return try Self.invocation(from: response)
    }

    /// `POST /runtime/init/error` on the calling thread, for a failure before the loop starts.
    @available(*, noasync, message: "blocks the calling thread; use reportInitError(_:) from async code")
    public func reportInitErrorBlocking(_ report: LambdaErrorReport) throws {
        let request = postRequest(RuntimeAPI.initErrorPath, body: report.json, errorType: report.errorType)
        let response: HTTPResponse
        do {
            response = try transport.sendBlocking(request, timeout: nil)
        } catch {
            throw RuntimeAPIError(code: .unreachable, message: error.message, status: nil)
        }
        try Self.check(response, path: RuntimeAPI.initErrorPath)
    }

    var nextRequest: HTTPRequest { HTTPRequest(method: .get, url: base + RuntimeAPI.nextPath) }

    /// The invocation a `/next` response carries.
    static func invocation(from response: HTTPResponse) throws -> (LambdaContext, [UInt8]) {
        guard response.status == 200 else {
            throw RuntimeAPIError(
                code: .unexpectedStatus, message: "GET /next answered \(response.status)", status: response.status)
        }
        guard let context = LambdaContext(header: { response.headers[$0] }) else {
            throw RuntimeAPIError(code: .missingRequestId, message: "GET /next had no \(RuntimeAPI.Header.requestId) header")
        }
        return (context, response.body)
    }

    public func respond(requestId: String, body: [UInt8]) async throws {
        try await post(RuntimeAPI.responsePath(requestId), body: body, errorType: nil)
    }

    public func reportError(requestId: String, _ report: LambdaErrorReport) async throws {
        try await post(RuntimeAPI.errorPath(requestId), body: report.json, errorType: report.errorType)
    }

    public func reportInitError(_ report: LambdaErrorReport) async throws {
        try await post(RuntimeAPI.initErrorPath, body: report.json, errorType: report.errorType)
    }

    func post(_ path: String, body: [UInt8], errorType: String?) async throws {
        try Self.check(try await send(postRequest(path, body: body, errorType: errorType)), path: path)
    }

    func postRequest(_ path: String, body: [UInt8], errorType: String?) -> HTTPRequest {
        var headers = HTTPHeaders([("Content-Type", "application/json")])
        if let errorType { headers.add(name: RuntimeAPI.Header.functionErrorType, value: errorType) }
        return HTTPRequest(method: .post, url: base + path, headers: headers, body: body)
    }

    /// Throws unless a POST was answered 2xx.
    static func check(_ response: HTTPResponse, path: String) throws {
        guard (200..<300).contains(response.status) else {
            throw RuntimeAPIError(
                code: .unexpectedStatus,
                message: "POST \(path) answered \(response.status): \(String(decoding: response.body.prefix(512), as: UTF8.self))",
                status: response.status)
        }
    }

    func send(_ request: HTTPRequest) async throws -> HTTPResponse {
        do {
            return try await transport.send(request, timeout: nil)
        } catch {
            throw RuntimeAPIError(code: .unreachable, message: error.message, status: nil)
        }
    }
}
