import InletCore
import InletHTTP

/// The function's AWS calls routed straight into the emulator's services, in process and
/// without a socket: a request with `X-Amz-Target: Firehose_20150804.*` goes to the
/// ``FirehoseService``; anything else to the S3 handler.
public struct LoopbackTransport: HTTPTransport {
    /// Firehose.
    public let firehose: FirehoseService
    /// S3 (the emulator's S3 service plugs in here).
    public let s3: @Sendable (LocalRequest) async -> LocalResponse

    /// A transport over `firehose` and `s3`; by default S3 answers every request with an
    /// S3-style `503 ServiceUnavailable`.
    public init(
        firehose: FirehoseService,
        s3: @escaping @Sendable (LocalRequest) async -> LocalResponse = LoopbackTransport.s3Unavailable
    ) {
        self.firehose = firehose
        self.s3 = s3
    }

    public func send(_ request: HTTPRequest, timeout: Duration?) async throws(TransportError) -> HTTPResponse {
        let url = Self.parseURL(request.url)
        var headers = request.headers
        // What a socket would carry: the services (and SigV4 checks) read the Host header.
        if !headers.contains(name: "host") && !url.host.isEmpty { headers.add(name: "Host", value: url.host) }
        let local = LocalRequest(
            method: request.method.rawValue, rawPath: url.rawPath, rawQuery: url.rawQuery, headers: headers,
            body: request.body, remoteAddress: "127.0.0.1")
        let target = headers["X-Amz-Target"] ?? ""
        let response =
            target.hasPrefix(FirehoseService.targetPrefix) ? await firehose.handle(local) : await s3(local)
        return HTTPResponse(status: response.status, headers: response.headers, body: response.body)
    }

    /// The authority (`host[:port]`), the path (at least `/`) and the query (without `?`)
    /// of an absolute URL; a fragment is dropped.
    public static func parseURL(_ url: String) -> (host: String, rawPath: String, rawQuery: String) {
        var rest = Substring(url)
        if let colon = rest.firstIndex(of: ":"), rest[colon...].hasPrefix("://"),
            !rest[..<colon].contains(where: { $0 == "/" || $0 == "?" })
        {
            rest = rest[rest.index(colon, offsetBy: 3)...]
        }
        if let hash = rest.firstIndex(of: "#") { rest = rest[..<hash] }
        // The authority ends at the first `/` or `?`.
        let authorityEnd = rest.firstIndex { $0 == "/" || $0 == "?" } ?? rest.endIndex
        let host = String(rest[..<authorityEnd])
        rest = rest[authorityEnd...]
        let path: Substring
        let query: Substring
        if let mark = rest.firstIndex(of: "?") {
            path = rest[..<mark]
            query = rest[rest.index(after: mark)...]
        } else {
            path = rest
            query = ""
        }
        return (host, path.isEmpty ? "/" : String(path), String(query))
    }

    /// S3's `503 ServiceUnavailable`, for a local cloud without S3.
    @Sendable public static func s3Unavailable(_ request: LocalRequest) async -> LocalResponse {
        let requestId = FirehoseNaming.uuidV4()
        let body =
            #"<?xml version="1.0" encoding="UTF-8"?>"# + "\n"
            + "<Error><Code>ServiceUnavailable</Code><Message>Please reduce your request rate.</Message>"
            + "<RequestId>\(requestId)</RequestId></Error>"
        var headers = HTTPHeaders()
        headers.add(name: "Content-Type", value: "application/xml")
        headers.add(name: "x-amz-request-id", value: requestId)
        return LocalResponse(status: 503, headers: headers, body: Array(body.utf8))
    }
}
