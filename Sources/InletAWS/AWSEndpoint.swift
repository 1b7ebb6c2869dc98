/// Where a service's requests go: scheme, host, optional port and optional path prefix.
///
/// Built from an endpoint URL such as `https://firehose.eu-west-1.amazonaws.com` or
/// `http://127.0.0.1:4566/prefix`. A path prefix is kept and each request's path is
/// appended to it, as botocore does with `endpoint_url` (`http://h/prefix` sends
/// Firehose calls to `POST /prefix/` and S3 objects to `/prefix/{bucket}/{key}`).
public struct AWSEndpoint: Sendable, Hashable, CustomStringConvertible {
    /// `https` or `http`, lowercase.
    public var scheme: String
    /// The host name (lowercase) or IP address; an IPv6 address keeps its brackets, `[::1]`.
    public var host: String
    /// The port, or nil for the scheme's default (443 for https, 80 for http).
    public var port: Int?
    /// The percent-encoded path prefix without a trailing slash: `""` or `/prefix`.
    public var pathPrefix: String

    /// An endpoint from its parts; `pathPrefix` is normalised to `""` or `/a/b` (no trailing slash).
    public init(scheme: String, host: String, port: Int? = nil, pathPrefix: String = "") {
        self.scheme = scheme.lowercased()
        self.host = host.lowercased()
        self.port = port
        var prefix = Substring(pathPrefix)
        while prefix.hasSuffix("/") { prefix = prefix.dropLast() }
        if !prefix.isEmpty && !prefix.hasPrefix("/") { prefix = "/" + prefix }
        self.pathPrefix = String(prefix)
    }

    /// Parses an endpoint URL `scheme://host[:port][/path]`; nil when it is not one.
    ///
    /// The scheme must be `http` or `https` and the host non-empty; user info, a query or
    /// a fragment are refused (they have no meaning for an endpoint, and user info could
    /// leak a secret into logs). A port equal to the scheme's default is dropped.
    public init?(url: String) {
        guard let schemeEnd = url.firstRange(of: "://") else { return nil }
        let scheme = url[..<schemeEnd.lowerBound].lowercased()
        guard scheme == "http" || scheme == "https" else { return nil }
        let rest = url[schemeEnd.upperBound...]
        guard !rest.contains("?"), !rest.contains("#"), !rest.contains(" ") else { return nil }
        let authorityEnd = rest.firstIndex(of: "/") ?? rest.endIndex
        let authority = rest[..<authorityEnd]
        guard !authority.isEmpty, !authority.contains("@") else { return nil }
        var host = Substring(authority)
        var port: Int?
        if authority.hasPrefix("[") {
            // IPv6 literal: [addr] or [addr]:port
            guard let close = authority.firstIndex(of: "]") else { return nil }
            host = authority[...close]
            let after = authority[authority.index(after: close)...]
            if !after.isEmpty {
                guard after.hasPrefix(":"), let value = Int(after.dropFirst()), (1...65535).contains(value) else {
                    return nil
                }
                port = value
            }
        } else if let colon = authority.lastIndex(of: ":") {
            host = authority[..<colon]
            let portText = authority[authority.index(after: colon)...]
            guard let value = Int(portText), (1...65535).contains(value) else { return nil }
            port = value
        }
        guard !host.isEmpty else { return nil }
        if (scheme == "https" && port == 443) || (scheme == "http" && port == 80) { port = nil }
        self.init(scheme: scheme, host: String(host), port: port, pathPrefix: String(rest[authorityEnd...]))
    }

    /// The `Host` header value: the host, plus `:port` when the port is not the default.
    public var hostHeader: String {
        guard let port else { return host }
        return host + ":" + String(port)
    }

    /// `scheme://host[:port]` followed by the path prefix; requests append their path to it.
    public var baseURL: String {
        scheme + "://" + hostHeader + pathPrefix
    }

    /// The base URL.
    public var description: String { baseURL }

    /// A copy whose host starts with `label.` (for S3 virtual-hosted addressing).
    func withHostPrefix(_ label: String) -> AWSEndpoint {
        var copy = self
        copy.host = label + "." + host
        return copy
    }
}
