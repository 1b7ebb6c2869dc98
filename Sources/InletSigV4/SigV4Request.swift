/// The parts of an HTTP request that SigV4 signs.
///
/// - `path` is the **wire form**: percent-encoded exactly as it appears in the
///   request line (`/bucket/my%20key.json`). Build it from an unencoded path with
///   `PercentEncoding.encodePath(_:)`. A server verifying a request passes the
///   request line's path unchanged. (The AWS test suite's request lines carry
///   raw characters such as spaces; they are treated the same way.)
/// - `query` holds **decoded** names and values, in any order; the signer encodes them.
///   `PercentEncoding.parseQuery(_:)` turns a wire query string into items.
/// - `host` is the `Host` header value: the host name, plus `:port` when the port is not
///   the scheme's default. Any `host` entry in `headers` is ignored in favour of it.
/// - `headers` may repeat a name; values are signed in the order given.
public struct SigV4Request: Sendable {
    /// The HTTP method, e.g. `POST`. Signed as given (AWS methods are uppercase).
    public var method: String
    /// The `Host` header value: `host` or `host:port`.
    public var host: String
    /// The percent-encoded path from the request line, starting with `/`.
    public var path: String
    /// Decoded query items in request order.
    public var query: [(name: String, value: String)]
    /// Header fields in request order; names are matched case-insensitively.
    public var headers: [(name: String, value: String)]
    /// The body, its hash, or `.unsigned`.
    public var payload: SigV4Payload

    /// A request from its parts; see the type's documentation for the form of each.
    public init(
        method: String, host: String, path: String = "/", query: [(name: String, value: String)] = [],
        headers: [(name: String, value: String)] = [], payload: SigV4Payload = .empty
    ) {
        self.method = method
        self.host = host
        self.path = path
        self.query = query
        self.headers = headers
        self.payload = payload
    }

    /// A request from an absolute URL such as `https://bucket.s3.eu-west-1.amazonaws.com:8443/a%20b?x=1`.
    ///
    /// The URL's path and query must be percent-encoded (wire form). The host is
    /// lowercased, user info is dropped and a default port (80 for http, 443 for https)
    /// is omitted, as AWS SDKs do. Returns nil when `url` is not `scheme://authority...`.
    public init?(
        method: String, url: String, headers: [(name: String, value: String)] = [], payload: SigV4Payload = .empty
    ) {
        guard let schemeEnd = url.firstRange(of: "://") else { return nil }
        let scheme = url[..<schemeEnd.lowerBound].lowercased()
        let rest = url[schemeEnd.upperBound...]
        let authorityEnd = rest.firstIndex(where: { $0 == "/" || $0 == "?" || $0 == "#" }) ?? rest.endIndex
        var authority = rest[..<authorityEnd]
        if let at = authority.lastIndex(of: "@") { authority = authority[authority.index(after: at)...] }
        guard !authority.isEmpty else { return nil }
        var hostName = Substring(authority)
        var port: Substring?
        if let colon = authority.lastIndex(of: ":"), !authority[colon...].contains("]") {
            hostName = authority[..<colon]
            port = authority[authority.index(after: colon)...]
        }
        var host = hostName.lowercased()
        if let port, !port.isEmpty, !((scheme == "https" && port == "443") || (scheme == "http" && port == "80")) {
            host += ":" + port
        }
        var target = rest[authorityEnd...]
        if let hash = target.firstIndex(of: "#") { target = target[..<hash] }
        self.init(method: method, host: host, target: target, headers: headers, payload: payload)
    }

    /// A request from a request-target in origin form, `/path?query` (wire form), as a server receives it.
    public init(
        method: String, host: String, target: some StringProtocol, headers: [(name: String, value: String)] = [],
        payload: SigV4Payload = .empty
    ) {
        let path: String
        let query: [(name: String, value: String)]
        if let questionMark = target.firstIndex(of: "?") {
            path = String(target[..<questionMark])
            query = PercentEncoding.parseQuery(target[target.index(after: questionMark)...])
        } else {
            path = String(target)
            query = []
        }
        self.init(
            method: method, host: host, path: path.isEmpty ? "/" : path, query: query, headers: headers,
            payload: payload)
    }

    /// The query items percent-encoded in request order (no leading `?`); empty when there are none.
    public var encodedQuery: String {
        PercentEncoding.encodeQuery(query)
    }

    /// The request-target for the request line: `path`, plus `?` and `encodedQuery` when there is a query.
    public var target: String {
        query.isEmpty ? path : path + "?" + encodedQuery
    }
}
