import InletCore

/// A request as the emulator's services see it: what came over the socket, before any
/// decoding. Handlers are plain async functions from ``LocalRequest`` to ``LocalResponse``,
/// so tests call them in process and the HTTP server only adapts its types to these.
public struct LocalRequest: Sendable {
    /// The method, upper case.
    public var method: String
    /// The path exactly as sent (still percent-encoded), without the query.
    public var rawPath: String
    /// The query string exactly as sent, without `?`.
    public var rawQuery: String
    /// The headers as sent.
    public var headers: HTTPHeaders
    /// The body.
    public var body: [UInt8]
    /// The peer's address, for API Gateway's `sourceIp`.
    public var remoteAddress: String?

    /// A request.
    public init(
        method: String, rawPath: String, rawQuery: String = "", headers: HTTPHeaders = HTTPHeaders(), body: [UInt8] = [],
        remoteAddress: String? = nil
    ) {
        self.method = method
        self.rawPath = rawPath
        self.rawQuery = rawQuery
        self.headers = headers
        self.body = body
        self.remoteAddress = remoteAddress
    }
}

/// A response from one of the emulator's services.
public struct LocalResponse: Sendable {
    /// The HTTP status.
    public var status: Int
    /// Response headers.
    public var headers: HTTPHeaders
    /// The body.
    public var body: [UInt8]

    /// A response.
    public init(status: Int, headers: HTTPHeaders = HTTPHeaders(), body: [UInt8] = []) {
        self.status = status
        self.headers = headers
        self.body = body
    }
}

/// HTTP's date format.
public enum HTTPDate {
    /// `Sun, 06 Nov 1994 08:49:37 GMT` (RFC 1123), as the `Date` header carries it.
    public static func string(epochSeconds: Int64) -> String {
        S3XML.httpDate(milliseconds: epochSeconds * 1000)
    }
}
