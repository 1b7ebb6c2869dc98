import InletCore

/// An API Gateway proxy event, HTTP API payload 2.0 or REST API payload 1.0, reduced to
/// what an ingest function needs. Decoded with the core's parser, without Foundation.
public struct APIGatewayRequest: Sendable, Equatable {
    /// Two requests are equal when their fields are, ``body`` as the event carries it.
    public static func == (a: APIGatewayRequest, b: APIGatewayRequest) -> Bool {
        a.version == b.version && a.method == b.method && a.path == b.path && a.rawQueryString == b.rawQueryString
            && a.headers == b.headers && a.cookies == b.cookies && a.isBase64Encoded == b.isBase64Encoded
            && a.requestId == b.requestId && a.sourceIp == b.sourceIp && a.userAgent == b.userAgent
            && a.timeEpochMillis == b.timeEpochMillis && a.body == b.body
    }

    /// Which payload format the event used; the response must use the same.
    public enum PayloadVersion: String, Sendable { case v1 = "1.0", v2 = "2.0" }

    /// The payload format.
    public var version: PayloadVersion
    /// The HTTP method.
    public var method: String
    /// The request path.
    public var path: String
    /// The raw query string, without `?`.
    public var rawQueryString: String
    /// Headers; v2 lowercases names and joins duplicates with commas.
    public var headers: HTTPHeaders
    /// Cookies (v2's `cookies`; v1 leaves them in the Cookie header).
    public var cookies: [String]
    /// The body as sent in the event: text, or base64 when `isBase64Encoded`. A request made
    /// with ``init(version:method:path:rawQueryString:headers:cookies:decodedBody:isBase64Encoded:requestId:sourceIp:userAgent:timeEpochMillis:)``
    /// encodes it only when it is read.
    public var body: [UInt8] {
        get {
            switch storage {
            case .sent(let bytes): return bytes
            case .decoded(let bytes):
                guard isBase64Encoded else { return bytes }
                var out: [UInt8] = []
                Base64.encode(bytes, into: &out)
                return out
            }
        }
        set { storage = .sent(newValue) }
    }

    /// The body's bytes and whether they are still base64: what the function decodes. A
    /// request made from decoded bytes hands them over as they are, with no base64 round trip.
    public var bodyForDecoding: (bytes: [UInt8], isBase64Encoded: Bool) {
        switch storage {
        case .sent(let bytes): return (bytes, isBase64Encoded)
        case .decoded(let bytes): return (bytes, false)
        }
    }

    private enum BodyStorage: Sendable {
        /// As the event carries it.
        case sent([UInt8])
        /// The body's own bytes (base64-encoded on reading ``body`` when `isBase64Encoded`).
        case decoded([UInt8])
    }
    private var storage: BodyStorage
    /// API Gateway's flag for binary bodies.
    public var isBase64Encoded: Bool
    /// The gateway's request id.
    public var requestId: String
    /// The caller's IP address.
    public var sourceIp: String?
    /// The caller's User-Agent.
    public var userAgent: String?
    /// When the gateway received the request, in milliseconds since the epoch.
    public var timeEpochMillis: Int64?

    /// Why an invocation payload is not an API Gateway proxy event.
    public struct DecodingError: Error, Sendable, Equatable, CustomStringConvertible {
        /// What is wrong.
        public var message: String
        public var description: String { "not an API Gateway proxy event: \(message)" }
    }

    /// Decodes an invocation payload.
    public init(json: [UInt8]) throws(DecodingError) {
        let doc: JSONDocument
        do {
            doc = try JSONDocument(parsing: json)
        } catch {
            throw DecodingError(message: "the payload is not valid JSON (\(error))")
        }
        guard doc.kind(0) == .object else { throw DecodingError(message: "the payload is not a JSON object") }
        let r = Reader(doc: doc)
        let context = r.object(0, "requestContext")
        if r.string(0, "version") == "2.0" {
            version = .v2
            let http = context.flatMap { r.object($0, "http") }
            method = http.flatMap { r.string($0, "method") } ?? "POST"
            path = r.string(0, "rawPath") ?? http.flatMap { r.string($0, "path") } ?? "/"
            rawQueryString = r.string(0, "rawQueryString") ?? ""
            headers = r.headers(0, "headers")
            cookies = r.stringArray(0, "cookies")
            sourceIp = http.flatMap { r.string($0, "sourceIp") }
            userAgent = http.flatMap { r.string($0, "userAgent") } ?? headers["user-agent"]
            timeEpochMillis = context.flatMap { r.integer($0, "timeEpoch") }
        } else if let m = r.string(0, "httpMethod") {
            version = .v1
            method = m
            path = r.string(0, "path") ?? "/"
            rawQueryString = r.queryString(0)
            var h = r.headers(0, "headers")
            if let multi = r.object(0, "multiValueHeaders") {
                for (key, value) in doc.members(multi) where doc.kind(value) == .array {
                    let name = doc.string(key)
                    let values = doc.elements(value).filter { doc.kind($0) == .string }.map { doc.string($0) }
                    if !values.isEmpty { h[name] = values.joined(separator: ",") }
                }
            }
            headers = h
            cookies = []
            let identity = context.flatMap { r.object($0, "identity") }
            sourceIp = identity.flatMap { r.string($0, "sourceIp") }
            userAgent = identity.flatMap { r.string($0, "userAgent") } ?? headers["user-agent"]
            timeEpochMillis = context.flatMap { r.integer($0, "requestTimeEpoch") }
        } else {
            throw DecodingError(message: "it has neither \"version\": \"2.0\" nor \"httpMethod\"")
        }
        requestId = context.flatMap { r.string($0, "requestId") } ?? ""
        storage = .sent(r.string(0, "body").map { Array($0.utf8) } ?? [])
        isBase64Encoded = r.bool(0, "isBase64Encoded") ?? false
    }

    /// A request built in code (for the emulator and tests).
    public init(
        version: PayloadVersion = .v2, method: String = "POST", path: String = "/events", rawQueryString: String = "",
        headers: HTTPHeaders = HTTPHeaders(), cookies: [String] = [], body: [UInt8], isBase64Encoded: Bool = false,
        requestId: String, sourceIp: String? = nil, userAgent: String? = nil, timeEpochMillis: Int64? = nil
    ) {
        self.version = version
        self.method = method
        self.path = path
        self.rawQueryString = rawQueryString
        self.headers = headers
        self.cookies = cookies
        self.storage = .sent(body)
        self.isBase64Encoded = isBase64Encoded
        self.requestId = requestId
        self.sourceIp = sourceIp
        self.userAgent = userAgent
        self.timeEpochMillis = timeEpochMillis
    }

    /// A request built from the body's own bytes, by a gateway in the same process: ``body``
    /// is their base64 when `isBase64Encoded` (computed when read), and
    /// ``bodyForDecoding`` hands the bytes over without encoding them.
    public init(
        version: PayloadVersion = .v2, method: String = "POST", path: String = "/events", rawQueryString: String = "",
        headers: HTTPHeaders = HTTPHeaders(), cookies: [String] = [], decodedBody: [UInt8], isBase64Encoded: Bool,
        requestId: String, sourceIp: String? = nil, userAgent: String? = nil, timeEpochMillis: Int64? = nil
    ) {
        self.init(
            version: version, method: method, path: path, rawQueryString: rawQueryString, headers: headers,
            cookies: cookies, body: [], isBase64Encoded: isBase64Encoded, requestId: requestId, sourceIp: sourceIp,
            userAgent: userAgent, timeEpochMillis: timeEpochMillis)
        storage = .decoded(decodedBody)
    }
}

/// Typed reads of optional members, tolerant of absent or null fields.
private struct Reader {
    let doc: JSONDocument

    func value(_ object: Int, _ name: String) -> Int? { doc.member(object, named: Array(name.utf8)) }

    func string(_ object: Int, _ name: String) -> String? {
        guard let v = value(object, name), doc.kind(v) == .string else { return nil }
        return doc.string(v)
    }

    func object(_ object: Int, _ name: String) -> Int? {
        guard let v = value(object, name), doc.kind(v) == .object else { return nil }
        return v
    }

    func bool(_ object: Int, _ name: String) -> Bool? {
        guard let v = value(object, name) else { return nil }
        switch doc.kind(v) {
        case .true: return true
        case .false: return false
        default: return nil
        }
    }

    func integer(_ object: Int, _ name: String) -> Int64? {
        guard let v = value(object, name), doc.kind(v) == .number else { return nil }
        return Int64(doc.numberText(v))
    }

    func stringArray(_ object: Int, _ name: String) -> [String] {
        guard let v = value(object, name), doc.kind(v) == .array else { return [] }
        return doc.elements(v).filter { doc.kind($0) == .string }.map { doc.string($0) }
    }

    func headers(_ object: Int, _ name: String) -> HTTPHeaders {
        var headers = HTTPHeaders()
        guard let v = self.object(object, name) else { return headers }
        for (key, value) in doc.members(v) where doc.kind(value) == .string {
            headers.add(name: doc.string(key), value: doc.string(value))
        }
        return headers
    }

    /// v1 has no raw query string; rebuild one from the multi-value parameters.
    func queryString(_ object: Int) -> String {
        var parts: [String] = []
        if let multi = self.object(object, "multiValueQueryStringParameters") {
            for (key, value) in doc.members(multi) where doc.kind(value) == .array {
                for element in doc.elements(value) where doc.kind(element) == .string {
                    parts.append(doc.string(key) + "=" + doc.string(element))
                }
            }
        } else if let single = self.object(object, "queryStringParameters") {
            for (key, value) in doc.members(single) where doc.kind(value) == .string {
                parts.append(doc.string(key) + "=" + doc.string(value))
            }
        }
        return parts.joined(separator: "&")
    }
}
