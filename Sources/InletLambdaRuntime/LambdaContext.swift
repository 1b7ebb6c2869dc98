/// What Lambda tells the function about one invocation, read from the `/next` headers.
public struct LambdaContext: Sendable, Equatable {
    /// The invocation's request id.
    public var requestId: String
    /// When the invocation times out, in milliseconds since the Unix epoch.
    public var deadlineMillis: Int64
    /// The ARN the function was invoked with.
    public var invokedFunctionArn: String
    /// The X-Ray trace header.
    public var traceId: String?
    /// The client context (mobile SDK invocations), as JSON text.
    public var clientContext: String?
    /// The Cognito identity, as JSON text.
    public var cognitoIdentity: String?
    /// The tenant id, for functions with tenant isolation.
    public var tenantId: String?

    /// A context from its fields.
    public init(
        requestId: String, deadlineMillis: Int64, invokedFunctionArn: String, traceId: String? = nil,
        clientContext: String? = nil, cognitoIdentity: String? = nil, tenantId: String? = nil
    ) {
        self.requestId = requestId
        self.deadlineMillis = deadlineMillis
        self.invokedFunctionArn = invokedFunctionArn
        self.traceId = traceId
        self.clientContext = clientContext
        self.cognitoIdentity = cognitoIdentity
        self.tenantId = tenantId
    }

    /// Reads a context from the `/next` response headers; nil without a request id.
    public init?(header: (String) -> String?) {
        guard let id = header(RuntimeAPI.Header.requestId), !id.isEmpty else { return nil }
        self.init(
            requestId: id,
            deadlineMillis: header(RuntimeAPI.Header.deadline).flatMap { Int64($0) } ?? Int64.max,
            invokedFunctionArn: header(RuntimeAPI.Header.functionArn) ?? "",
            traceId: header(RuntimeAPI.Header.traceId),
            clientContext: header(RuntimeAPI.Header.clientContext),
            cognitoIdentity: header(RuntimeAPI.Header.cognitoIdentity),
            tenantId: header(RuntimeAPI.Header.tenantId))
    }

    /// Milliseconds left before the deadline, measured against `nowMillis`.
    public func remainingMillis(nowMillis: Int64) -> Int64 { deadlineMillis == .max ? .max : deadlineMillis - nowMillis }
}
