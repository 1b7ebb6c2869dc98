import InletCore
import InletEmulator
import InletLambdaRuntime

/// Which service of `inlet local` answers a request. Decided from the request line and the
/// headers alone, before the body is read, so each destination can cap its own body size.
public enum LocalDestination: Sendable, Equatable {
    /// `X-Amz-Target: Firehose_20150804.*`: the Firehose JSON API.
    case firehose
    /// `GET /health`.
    case health
    /// `POST /2015-03-31/functions/NAME/invocations`: a direct, RIE-style invoke.
    case invoke
    /// `/2018-06-01/runtime/…` (or a pooled process's `/_runtime/N/2018-06-01/runtime/…`):
    /// the Runtime API the function's processes call, when the function runs as processes.
    case runtime
    /// A route of the HTTP API in front of the function.
    case gateway
    /// S3 (everything else, when an S3 handler is configured).
    case s3
    /// Nothing answers this request: 404.
    case notFound
}

/// The services `inlet local` serves on its one port, and the rules that pick one for each
/// request. Plain async code over ``LocalRequest`` and ``LocalResponse``: the HTTP server
/// (``LocalServer``) only adapts Hummingbird's types, and tests call ``handle(_:)`` directly.
///
/// Routing, first match wins:
/// 1. `X-Amz-Target: Firehose_20150804.*` → Firehose.
/// 2. `GET /health` → `200 {"status":"ok"}`.
/// 3. `POST /2015-03-31/functions/NAME/invocations` → the function, as the Lambda Runtime
///    Interface Emulator (RIE) and Lambda's Invoke API answer (any NAME; RIE uses `function`).
///    With the function running as processes (``runtimeAPI``), `/2018-06-01/runtime/…` and
///    `/_runtime/N/…` → the Runtime API those processes call.
/// 4. An exact route of the HTTP API (`POST /events` by default) → the gateway.
/// 5. A SigV4-signed request (an `Authorization: AWS4-HMAC-SHA256 …` header or an
///    `X-Amz-Algorithm` query parameter) → S3, so that a `$default` route does not swallow
///    the AWS CLI's and SDKs' S3 calls.
/// 6. The gateway's `$default` route, when it has one.
/// 7. S3, when configured; otherwise `404 {"code":"not_found",…}`.
public struct LocalRouter: Sendable {
    /// The largest body read for S3 (PutObject): 128 MiB. S3 itself takes 5 GiB in one PUT,
    /// but the emulator holds a body in memory; larger uploads need multipart (S3's own
    /// limit per part is 5 GiB too, so clients that split at the default 8 MiB work).
    public static let maximumS3BodyBytes = 128 * 1024 * 1024
    /// The largest body read for Firehose: 16 MiB (a 4 MiB PutRecordBatch is about 5.4 MB
    /// of base64 JSON; the service answers the size errors itself).
    public static let maximumFirehoseBodyBytes = 16 * 1024 * 1024
    /// The largest body read for anything else (health, 404): 1 MiB.
    public static let maximumOtherBodyBytes = 1024 * 1024

    /// The Firehose JSON API.
    public var firehose: FirehoseService
    /// The HTTP API in front of the function; nil serves no gateway routes.
    public var gateway: APIGatewayEmulator?
    /// What direct invokes call; nil answers them 404. Usually the gateway's host.
    public var function: (any FunctionHost)?
    /// The function's timeout for direct invokes, in milliseconds.
    public var functionTimeoutMillis: Int64
    /// S3; nil answers S3 requests 404. The emulator's `S3Service.handle` plugs in here.
    public var s3: (@Sendable (LocalRequest) async -> LocalResponse)?
    /// The wall clock in epoch milliseconds.
    public var now: @Sendable () -> Int64
    /// The host running the function as processes, whose Runtime API this port serves; nil
    /// when the function runs in process. ``LocalServer`` tells it the bound address and
    /// stops its processes before it shuts down.
    public var runtimeAPI: RuntimeAPIFunctionHost?
    /// Answers the in-process ingest function's common case on the event loop (the gateway's
    /// fast path in ``LocalServer`` uses it); nil leaves every request to ``handle(_:at:)``.
    var ingestLane: GatewayIngestLane?

    /// A router over the given services.
    public init(
        firehose: FirehoseService, gateway: APIGatewayEmulator? = nil, function: (any FunctionHost)? = nil,
        functionTimeoutMillis: Int64 = 30_000, s3: (@Sendable (LocalRequest) async -> LocalResponse)? = nil,
        now: @escaping @Sendable () -> Int64 = FirehoseEmulator.systemMillis, runtimeAPI: RuntimeAPIFunctionHost? = nil
    ) {
        self.firehose = firehose
        self.gateway = gateway
        self.function = function ?? gateway?.host
        self.functionTimeoutMillis = functionTimeoutMillis
        self.s3 = s3
        self.now = now
        self.runtimeAPI = runtimeAPI
    }

    // MARK: Routing

    /// The destination of a request with this method, raw path, raw query and headers.
    public func destination(method: String, rawPath: String, rawQuery: String, headers: HTTPHeaders) -> LocalDestination {
        destination(method: method, rawPath: rawPath, rawQuery: rawQuery, header: { headers[$0] })
    }

    /// The destination from the request line and `header`, a lookup by name that is asked
    /// for `X-Amz-Target` and `Authorization` only: a server routes with its own header
    /// type, before (or without) building ``HTTPHeaders``.
    public func destination(
        method: String, rawPath: String, rawQuery: String, header: (String) -> String?
    ) -> LocalDestination {
        if let target = header("X-Amz-Target"), target.hasPrefix(FirehoseService.targetPrefix) { return .firehose }
        if method == "GET" && rawPath == "/health" { return .health }
        if method == "POST" && Self.isInvokePath(rawPath) { return function == nil ? .notFound : .invoke }
        if runtimeAPI != nil && RuntimeAPIFunctionHost.isRuntimeAPIPath(rawPath) { return .runtime }
        if let gateway, gateway.routes.contains(where: { $0.path != nil && $0.matches(method: method, path: rawPath) }) {
            return .gateway
        }
        if s3 != nil && Self.isSigV4Signed(rawQuery: rawQuery, authorization: header("Authorization")) { return .s3 }
        if let gateway, gateway.routes.contains(where: { $0.path == nil }) { return .gateway }
        return s3 == nil ? .notFound : .s3
    }

    /// The most body bytes read for a destination; a longer body is answered 413 (in the
    /// destination's own error format) without reading it.
    public static func bodyLimit(_ destination: LocalDestination) -> Int {
        switch destination {
        case .gateway: return APIGatewayEmulator.maximumBodyBytes
        case .invoke: return LambdaLimits.maximumRequestBytes
        case .runtime: return LambdaLimits.maximumResponseBytes
        case .firehose: return maximumFirehoseBodyBytes
        case .s3: return maximumS3BodyBytes
        case .health, .notFound: return maximumOtherBodyBytes
        }
    }

    /// Whether `rawPath` is `/2015-03-31/functions/NAME/invocations`.
    static func isInvokePath(_ rawPath: String) -> Bool {
        guard rawPath.utf8.starts(with: "/2015-03-31/functions/".utf8) else { return false }
        let parts = rawPath.split(separator: "/", omittingEmptySubsequences: false)
        return parts.count == 5 && parts[0].isEmpty && parts[1] == "2015-03-31" && parts[2] == "functions"
            && !parts[3].isEmpty && parts[4] == "invocations"
    }

    /// Whether the request carries a SigV4 signature, in a header or presigned in the query.
    static func isSigV4Signed(rawQuery: String, authorization: String?) -> Bool {
        if let authorization, authorization.hasPrefix("AWS4-HMAC-SHA256") { return true }
        return rawQuery.split(separator: "&").contains { $0.hasPrefix("X-Amz-Algorithm=") }
    }

    // MARK: Handling

    /// Answers one request.
    public func handle(_ request: LocalRequest) async -> LocalResponse {
        let destination = destination(
            method: request.method, rawPath: request.rawPath, rawQuery: request.rawQuery, headers: request.headers)
        return await handle(request, at: destination)
    }

    /// Answers a request already routed to `destination`.
    public func handle(_ request: LocalRequest, at destination: LocalDestination) async -> LocalResponse {
        switch destination {
        case .firehose:
            return await firehose.handle(request)
        case .health:
            return Self.json(200, #"{"status":"ok"}"#)
        case .invoke:
            return await invoke(request)
        case .runtime:
            guard let runtimeAPI else { return Self.notFound(request) }
            return await runtimeAPI.handle(request)
        case .gateway:
            guard let gateway else { return Self.notFound(request) }
            return await gateway.handle(request, now: now())
        case .s3:
            guard let s3 else { return Self.notFound(request) }
            return await s3(request)
        case .notFound:
            return Self.notFound(request)
        }
    }

    /// The answer when the body of `request` (read without its body) is over `limit`: for
    /// the Runtime API the function host's (which also fails the invocation, as Lambda
    /// does), otherwise ``bodyTooLarge(_:limit:)``.
    public func refuse(_ request: LocalRequest, at destination: LocalDestination, limit: Int) async -> LocalResponse {
        if destination == .runtime, let runtimeAPI { return await runtimeAPI.refuseOversized(request) }
        return Self.bodyTooLarge(destination, limit: limit)
    }

    /// The answer when a body is over ``bodyLimit(_:)``, in the destination's error format.
    public static func bodyTooLarge(_ destination: LocalDestination, limit: Int) -> LocalResponse {
        switch destination {
        case .gateway:
            return APIGatewayEmulator.message(
                413, "Request Entity Too Large", requestId: APIGatewayEmulator.randomRequestId())
        case .invoke:
            return lambdaServiceError(413, type: "RequestEntityTooLargeException",
                message: "Request must be smaller than \(limit) bytes for the InvokeFunction operation")
        case .runtime:
            var body: [UInt8] = Array(#"{"errorMessage":"#.utf8)
            JSONText.appendQuoted("Exceeded maximum allowed payload size (\(limit) bytes).", to: &body)
            body.append(contentsOf: #","errorType":"RequestEntityTooLarge"}"#.utf8)
            return LocalResponse(status: 413, headers: HTTPHeaders([("Content-Type", "application/json")]), body: body)
        case .firehose:
            var body: [UInt8] = Array(#"{"__type":"ValidationException","message":"#.utf8)
            JSONText.appendQuoted("The request body is larger than the emulator reads (\(limit) bytes).", to: &body)
            body.append(0x7D)
            return LocalResponse(
                status: 413, headers: HTTPHeaders([("Content-Type", "application/x-amz-json-1.1")]), body: body)
        case .s3:
            let body =
                #"<?xml version="1.0" encoding="UTF-8"?>"# + "\n"
                + "<Error><Code>EntityTooLarge</Code><Message>Your proposed upload exceeds the maximum allowed size "
                + "of inlet local (\(limit) bytes); use a multipart upload.</Message>"
                + "<MaxSizeAllowed>\(limit)</MaxSizeAllowed></Error>"
            return LocalResponse(
                status: 400, headers: HTTPHeaders([("Content-Type", "application/xml")]), body: Array(body.utf8))
        case .health, .notFound:
            return json(413, #"{"code":"body_too_large","message":"The request body is over \#(limit) bytes."}"#)
        }
    }

    // MARK: Direct invoke

    /// A direct invoke, answered as AWS's Runtime Interface Emulator (RIE) does (checked
    /// against `aws-lambda-rie`): 200 with the function's result; 200 with a function
    /// error's JSON object (`errorMessage`, `errorType`); 200 with the text
    /// `Task timed out after N.NN seconds` on a timeout; and 502 with the JSON report when
    /// the runtime failed (an init error, or `Runtime.ExitError`; RIE sends an empty body for
    /// a runtime that exits during init). Like Lambda's Invoke API (and unlike RIE), an
    /// error also carries `X-Amz-Function-Error: Unhandled`, which the SDKs report as
    /// `FunctionError`, and a payload over 6 MB is `413 RequestEntityTooLargeException`
    /// (RIE passes it on).
    func invoke(_ request: LocalRequest) async -> LocalResponse {
        guard let function else { return Self.notFound(request) }
        let requestId = FirehoseNaming.uuidV4()
        let result = await function.invoke(
            request.body, requestId: requestId, deadlineMillis: now() + functionTimeoutMillis)
        var headers = HTTPHeaders()
        headers.add(name: "X-Amzn-RequestId", value: requestId)
        headers.add(name: "X-Amz-Executed-Version", value: "$LATEST")
        switch result {
        case .success(let output):
            headers.add(name: "Content-Type", value: "application/json")
            return LocalResponse(status: 200, headers: headers, body: output)
        case .functionError(let report) where report.errorType == "RequestEntityTooLargeException":
            return Self.lambdaServiceError(413, type: report.errorType, message: report.errorMessage)
        case .functionError(let report):
            headers.add(name: "Content-Type", value: "application/json")
            headers.add(name: "X-Amz-Function-Error", value: "Unhandled")
            return LocalResponse(status: 200, headers: headers, body: report.json)
        case .runtimeFailed(let report):
            headers.add(name: "Content-Type", value: "application/json")
            headers.add(name: "X-Amz-Function-Error", value: "Unhandled")
            return LocalResponse(status: 502, headers: headers, body: report.json)
        case .timedOut:
            headers.add(name: "Content-Type", value: "text/plain; charset=utf-8")
            headers.add(name: "X-Amz-Function-Error", value: "Unhandled")
            let hundredths = (functionTimeoutMillis + 5) / 10
            let fraction = hundredths % 100
            let text = "Task timed out after \(hundredths / 100).\(fraction < 10 ? "0" : "")\(fraction) seconds"
            return LocalResponse(status: 200, headers: headers, body: Array(text.utf8))
        }
    }

    /// An error of Lambda's service API: `{"Type":"User","message":…}` with `x-amzn-ErrorType`.
    static func lambdaServiceError(_ status: Int, type: String, message: String) -> LocalResponse {
        var body: [UInt8] = Array(#"{"Type":"User","message":"#.utf8)
        JSONText.appendQuoted(message, to: &body)
        body.append(0x7D)
        return LocalResponse(
            status: status,
            headers: HTTPHeaders([("Content-Type", "application/json"), ("x-amzn-ErrorType", type)]), body: body)
    }

    // MARK: Plain answers

    /// `404` with a JSON body naming what the server does serve.
    static func notFound(_ request: LocalRequest) -> LocalResponse {
        var body: [UInt8] = Array(#"{"code":"not_found","message":"#.utf8)
        JSONText.appendQuoted(
            "inlet local serves no \(request.method) \(request.rawPath): it answers Firehose (X-Amz-Target), "
                + "GET /health, the HTTP API routes, POST /2015-03-31/functions/function/invocations"
                + " and, when configured, S3 (signed requests).", to: &body)
        body.append(0x7D)
        return LocalResponse(status: 404, headers: HTTPHeaders([("Content-Type", "application/json")]), body: body)
    }

    static func json(_ status: Int, _ text: String) -> LocalResponse {
        LocalResponse(status: status, headers: HTTPHeaders([("Content-Type", "application/json")]), body: Array(text.utf8))
    }
}
