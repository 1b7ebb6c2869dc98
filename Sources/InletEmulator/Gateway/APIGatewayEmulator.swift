import InletAPIGateway
import InletCore

/// An HTTP API in front of one Lambda function: it matches the route, builds the proxy
/// event (payload 2.0, or 1.0 when selected), invokes the function through a
/// ``FunctionHost`` and turns the result into the HTTP response, as API Gateway does.
///
/// | case | response |
/// | --- | --- |
/// | no route matches | 404 `{"message":"Not Found"}` |
/// | body over 10 MB, or an event over Lambda's 6 MB | 413 `{"message":"Request Entity Too Large"}` |
/// | function error (or a failed runtime), or a result API Gateway cannot map | 500 `{"message":"Internal Server Error"}` |
/// | the integration timed out | 503 `{"message":"Service Unavailable"}` |
///
/// Every response carries `apigw-requestid`.
public struct APIGatewayEmulator: Sendable {
    /// The proxy payload format.
    public enum PayloadFormat: String, Sendable {
        /// REST-style events and responses.
        case v1 = "1.0"
        /// HTTP API's own format.
        case v2 = "2.0"
    }

    /// The largest request body API Gateway accepts (10 MB).
    public static let maximumBodyBytes = 10_485_760

    /// The routes, matched most specific first; `$default` catches the rest.
    public var routes: [APIGatewayRoute]
    /// The payload format sent to the function.
    public var payloadFormat: PayloadFormat
    /// Where the function runs.
    public var host: any FunctionHost
    /// The function's timeout.
    public var functionTimeoutMillis: Int64
    /// The integration timeout (at most 30 s on AWS). When the function's timeout is
    /// shorter, a timed-out invocation is a function error (500), as on AWS; otherwise the
    /// gateway gives up first (503).
    public var integrationTimeoutMillis: Int64
    /// The account id in events.
    public var accountId: String
    /// The API id in events.
    public var apiId: String
    /// Makes the gateway's request ids.
    public var makeRequestId: @Sendable () -> String

    /// An API with `routes` in front of the function `host` runs.
    public init(
        host: any FunctionHost, routes: [APIGatewayRoute] = [.postEvents], payloadFormat: PayloadFormat = .v2,
        functionTimeoutMillis: Int64 = 30_000, integrationTimeoutMillis: Int64 = 30_000,
        accountId: String = "000000000000", apiId: String = "inletlocal",
        makeRequestId: @escaping @Sendable () -> String = APIGatewayEmulator.randomRequestId
    ) {
        self.host = host
        self.routes = routes
        self.payloadFormat = payloadFormat
        self.functionTimeoutMillis = functionTimeoutMillis
        self.integrationTimeoutMillis = integrationTimeoutMillis
        self.accountId = accountId
        self.apiId = apiId
        self.makeRequestId = makeRequestId
    }

    /// A request id in API Gateway's style: 15 random letters and digits and `=`, like
    /// `JKJaXmPLvHcESHA=`.
    @Sendable public static func randomRequestId() -> String {
        String(unsafeUninitializedCapacity: 16) { out in
            // Base 62 digits of two 64-bit draws: ten from the first, five from the second.
            var bits = IdentifierRandom.next()
            for i in 0..<15 {
                if i == 10 { bits = IdentifierRandom.next() }
                out[i] = requestIdAlphabet[Int(bits % 62)]
                bits /= 62
            }
            out[15] = 0x3D
            return 16
        }
    }

    private static let requestIdAlphabet: [UInt8] = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789".utf8)

    /// The route a request matches: exact routes in order, then `$default`.
    public func route(method: String, path: String) -> APIGatewayRoute? {
        routes.first { $0.path != nil && $0.matches(method: method, path: path) }
            ?? routes.first { $0.path == nil }
    }

    /// Answers one request received at `now` (epoch milliseconds, on the clock the host
    /// measures deadlines by).
    public func handle(_ request: LocalRequest, now: Int64) async -> LocalResponse {
        let requestId = makeRequestId()
        guard request.body.count <= Self.maximumBodyBytes else {
            return Self.message(413, "Request Entity Too Large", requestId: requestId)
        }
        guard let route = route(method: request.method, path: request.rawPath) else {
            return Self.message(404, "Not Found", requestId: requestId)
        }
        let context = eventContext(route: route, requestId: requestId, now: now)
        let timeout = min(functionTimeoutMillis, integrationTimeoutMillis)
        let lambdaRequestId = FirehoseNaming.uuidV4()
        // A function in this process that takes the request as a value gets it without the
        // event's JSON, when the event is surely within Lambda's limit (else the JSON path
        // measures it exactly).
        // The v2 headers, cookies and body encoding are worked out once for either path.
        let parts = payloadFormat == .v2 ? APIGatewayEvent.v2Parts(request) : nil
        if let parts {
            if APIGatewayEvent.v2SizeBound(request, parts: parts) <= LambdaLimits.maximumRequestBytes,
                let proxied = await host.invokeProxy(
                    APIGatewayEvent.v2Request(request, context: context, parts: parts), requestId: lambdaRequestId,
                    deadlineMillis: now + timeout)
            {
                switch proxied {
                case .returned(let answer):
                    return respond(to: answer, requestId: requestId)
                case .failed(let failure):
                    return respond(to: failure, requestId: requestId)
                }
            }
        }
        let event =
            parts.map { APIGatewayEvent.v2(request, context: context, parts: $0) }
            ?? APIGatewayEvent.v1(request, context: context)
        return respond(to: await host.invoke(event, requestId: lambdaRequestId, deadlineMillis: now + timeout), requestId: requestId)
    }

    /// The event's request context for a request matched to `route`.
    func eventContext(route: APIGatewayRoute, requestId: String, now: Int64) -> APIGatewayEvent.Context {
        APIGatewayEvent.Context(route: route, requestId: requestId, timeEpochMillis: now, accountId: accountId, apiId: apiId)
    }

    /// The payload 2.0 request that ``handle(_:now:)`` hands to a function taking requests as
    /// values, and the gateway's request id, for a caller that runs such a function itself
    /// (``response(to:requestId:)`` then maps its answer). Nil when ``handle(_:now:)`` would
    /// answer otherwise: payload 1.0, a body over 10 MB, no matching route, or an event
    /// that may be over Lambda's 6 MB.
    public func proxyRequest(_ request: LocalRequest, now: Int64) -> (requestId: String, request: APIGatewayRequest)? {
        guard payloadFormat == .v2, request.body.count <= Self.maximumBodyBytes,
            let route = route(method: request.method, path: request.rawPath)
        else { return nil }
        let parts = APIGatewayEvent.v2Parts(request)
        guard APIGatewayEvent.v2SizeBound(request, parts: parts) <= LambdaLimits.maximumRequestBytes else { return nil }
        let requestId = makeRequestId()
        let context = eventContext(route: route, requestId: requestId, now: now)
        return (requestId, APIGatewayEvent.v2Request(request, context: context, parts: parts))
    }

    /// The HTTP response for a function's payload 2.0 response handed over as a value.
    public func respond(to answer: APIGatewayResponse, requestId: String) -> LocalResponse {
        guard var response = Self.response(answer) else {
            return Self.message(500, "Internal Server Error", requestId: requestId)
        }
        response.headers.add(name: "apigw-requestid", value: requestId)
        return response
    }

    /// The HTTP response for how an invocation ended.
    func respond(to result: FunctionResult, requestId: String) -> LocalResponse {
        switch result {
        case .success(let output):
            guard var response = Self.response(output, format: payloadFormat) else {
                return Self.message(500, "Internal Server Error", requestId: requestId)
            }
            response.headers.add(name: "apigw-requestid", value: requestId)
            return response
        case .functionError(let report) where report.errorType == "RequestEntityTooLargeException":
            // The event (the body plus API Gateway's envelope) is over Lambda's 6 MB: the
            // client must send less, so it gets 413 like a body over the gateway's own limit.
            return Self.message(413, "Request Entity Too Large", requestId: requestId)
        case .functionError, .runtimeFailed:
            return Self.message(500, "Internal Server Error", requestId: requestId)
        case .timedOut:
            return functionTimeoutMillis < integrationTimeoutMillis
                ? Self.message(500, "Internal Server Error", requestId: requestId)
                : Self.message(503, "Service Unavailable", requestId: requestId)
        }
    }

    /// API Gateway's own error: `{"message": ...}` as JSON.
    public static func message(_ status: Int, _ text: String, requestId: String) -> LocalResponse {
        var body: [UInt8] = Array(#"{"message":"#.utf8)
        JSONText.appendQuoted(text, to: &body)
        body.append(0x7D)
        var headers = HTTPHeaders()
        headers.add(name: "content-type", value: "application/json")
        headers.add(name: "apigw-requestid", value: requestId)
        return LocalResponse(status: status, headers: headers, body: body)
    }

    /// The HTTP response for a payload 2.0 response handed over as a value: what
    /// ``response(_:format:)`` makes of `answer.encoded(for: .v2)`, without the JSON. Nil
    /// when API Gateway cannot map it (500): a status outside 100–599, or a response over
    /// Lambda's 6 MB.
    public static func response(_ answer: APIGatewayResponse) -> LocalResponse? {
        guard (100...599).contains(answer.statusCode) else { return nil }
        // Only a large body can take the encoded response over the limit: measure it then.
        if answer.body.count > LambdaLimits.maximumResponseBytes / 8,
            answer.encoded(for: .v2).count > LambdaLimits.maximumResponseBytes
        {
            return nil
        }
        var headers = HTTPHeaders()
        // Repeated names become one, the values joined with commas, as the JSON object does.
        for field in answer.headers where !headers.contains(name: field.name) {
            let values = answer.headers.values(for: field.name)
            headers.add(name: field.name, value: values.count == 1 ? values[0] : values.joined(separator: ","))
        }
        for cookie in answer.cookies { headers.add(name: "set-cookie", value: cookie) }
        let body = answer.body
        if !headers.contains(name: "content-type") && !body.isEmpty {
            headers.add(name: "content-type", value: "text/plain; charset=utf-8")
        }
        return LocalResponse(status: answer.statusCode, headers: headers, body: body)
    }

    /// The HTTP response for a function's result; nil when API Gateway cannot map it (500).
    ///
    /// Payload 2.0: an object with `statusCode` gives the status, `headers`, `cookies`
    /// (one `Set-Cookie` each) and `body` (base64-decoded when `isBase64Encoded`); any
    /// other JSON is the body of a 200 `application/json` response (a JSON string is
    /// unwrapped). Payload 1.0 needs `statusCode` and adds `multiValueHeaders`.
    public static func response(_ output: [UInt8], format: PayloadFormat) -> LocalResponse? {
        guard let doc = try? JSONDocument(parsing: output) else { return nil }
        let status = doc.kind(0) == .object ? doc.member(0, named: Array("statusCode".utf8)) : nil
        guard let status else {
            guard format == .v2 else { return nil }
            var headers = HTTPHeaders()
            headers.add(name: "content-type", value: "application/json")
            let body = doc.kind(0) == .string ? Array(doc.string(0).utf8) : output
            return LocalResponse(status: 200, headers: headers, body: body)
        }
        let code: Int?
        switch doc.kind(status) {
        case .number: code = Int(doc.numberText(status))
        case .string: code = Int(doc.string(status))
        default: code = nil
        }
        guard let code, (100...599).contains(code) else { return nil }

        var headers = HTTPHeaders()
        if let object = doc.member(0, named: Array("headers".utf8)), doc.kind(object) == .object {
            for (key, value) in doc.members(object) {
                guard let text = scalarText(doc, value) else { continue }
                headers.add(name: doc.string(key), value: text)
            }
        }
        if format == .v1, let object = doc.member(0, named: Array("multiValueHeaders".utf8)), doc.kind(object) == .object {
            for (key, value) in doc.members(object) where doc.kind(value) == .array {
                let name = doc.string(key)
                headers.remove(name: name)
                for element in doc.elements(value) {
                    if let text = scalarText(doc, element) { headers.add(name: name, value: text) }
                }
            }
        }
        if format == .v2, let array = doc.member(0, named: Array("cookies".utf8)), doc.kind(array) == .array {
            for element in doc.elements(array) where doc.kind(element) == .string {
                headers.add(name: "set-cookie", value: doc.string(element))
            }
        }
        var body: [UInt8] = []
        if let value = doc.member(0, named: Array("body".utf8)), doc.kind(value) == .string {
            body = Array(doc.string(value).utf8)
        }
        if let flag = doc.member(0, named: Array("isBase64Encoded".utf8)), doc.kind(flag) == .true {
            guard let decoded = try? Base64.decode(body) else { return nil }
            body = decoded
        }
        if format == .v2 && !headers.contains(name: "content-type") && !body.isEmpty {
            headers.add(name: "content-type", value: "text/plain; charset=utf-8")
        }
        return LocalResponse(status: code, headers: headers, body: body)
    }

    /// A header value: a string as is, a number or boolean as its JSON text.
    private static func scalarText(_ doc: JSONDocument, _ index: Int) -> String? {
        switch doc.kind(index) {
        case .string: return doc.string(index)
        case .number, .true, .false: return String(decoding: doc.rawBytes(index), as: UTF8.self)
        default: return nil
        }
    }
}
