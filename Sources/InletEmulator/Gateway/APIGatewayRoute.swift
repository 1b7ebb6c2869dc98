/// An HTTP API route key: `METHOD /path`, `ANY /path`, or `$default`.
public struct APIGatewayRoute: Sendable, Hashable, CustomStringConvertible {
    /// The route key as API Gateway writes it (`POST /events`, `$default`).
    public let routeKey: String
    /// The method, upper case; nil for `ANY` and `$default`.
    public let method: String?
    /// The path; nil for `$default`.
    public let path: String?

    /// The catch-all route.
    public static let defaultRoute = APIGatewayRoute(routeKey: "$default", method: nil, path: nil)

    /// The ingest route, `POST /events`.
    public static let postEvents = APIGatewayRoute(routeKey: "POST /events", method: "POST", path: "/events")

    private init(routeKey: String, method: String?, path: String?) {
        self.routeKey = routeKey
        self.method = method
        self.path = path
    }

    /// Parses a route key; nil when it is neither `$default` nor `METHOD /path`.
    public init?(_ routeKey: String) {
        if routeKey == "$default" {
            self = .defaultRoute
            return
        }
        let parts = routeKey.split(separator: " ", omittingEmptySubsequences: false)
        guard parts.count == 2, !parts[0].isEmpty, parts[1].hasPrefix("/") else { return nil }
        let method = parts[0].uppercased()
        self.init(routeKey: "\(method) \(parts[1])", method: method == "ANY" ? nil : method, path: String(parts[1]))
    }

    /// Whether a request with `method` and `path` matches (exact paths only).
    public func matches(method: String, path: String) -> Bool {
        guard let routePath = self.path else { return true }
        return routePath == path && (self.method == nil || self.method == method.uppercased())
    }

    public var description: String { routeKey }
}
