import InletAPIGateway
import InletCore

/// Builds the Lambda proxy events an HTTP API sends, payload 2.0 and 1.0, from a raw
/// request, as AWS builds them.
public enum APIGatewayEvent {
    /// The fields of the event that do not come from the request.
    public struct Context: Sendable {
        /// The matched route.
        public var route: APIGatewayRoute
        /// The gateway's request id.
        public var requestId: String
        /// When the gateway received the request, in epoch milliseconds.
        public var timeEpochMillis: Int64
        /// The account id.
        public var accountId: String
        /// The API id.
        public var apiId: String
        /// The stage, `$default` for HTTP APIs.
        public var stage: String

        /// A context.
        public init(
            route: APIGatewayRoute, requestId: String, timeEpochMillis: Int64, accountId: String = "000000000000",
            apiId: String = "inletlocal", stage: String = "$default"
        ) {
            self.route = route
            self.requestId = requestId
            self.timeEpochMillis = timeEpochMillis
            self.accountId = accountId
            self.apiId = apiId
            self.stage = stage
        }
    }

    /// Whether API Gateway passes a body base64-encoded: it does unless the content type is
    /// text (`text/*`, `application/json`, `application/javascript`, `application/xml`,
    /// `application/*+json`, `application/*+xml`) and the body has no content coding.
    /// Without a content type the body counts as binary, as does a body that is not UTF-8.
    public static func isBinary(contentType: String?, contentEncoding: String?, body: [UInt8]) -> Bool {
        if let encoding = contentEncoding.map({ trimmedLowercase($0[...]) }), !encoding.isEmpty, encoding != "identity" {
            return true
        }
        guard let contentType else { return true }
        let mediaType = trimmedLowercase(contentType.prefix { $0 != ";" })
        let text =
            mediaType.hasPrefix("text/") || mediaType == "application/json" || mediaType == "application/javascript"
            || mediaType == "application/xml"
            || (mediaType.hasPrefix("application/") && (mediaType.hasSuffix("+json") || mediaType.hasSuffix("+xml")))
        return !text || !JSONText.isValidUTF8(body[...])
    }

    /// `text` without surrounding spaces and tabs, ASCII letters lowered.
    static func trimmedLowercase(_ text: Substring) -> String {
        HTTPHeaders.lowercasedName(String(text.trimmingSpaces()))
    }

    /// What payload 2.0 takes from the request: the headers (lower-case, `Cookie` moved to
    /// `cookies`, repeated names joined with commas, API Gateway's own added), the source
    /// address and whether the body goes base64-encoded.
    struct V2Parts {
        var headers: [(name: String, value: String)]
        var cookies: [String]
        var sourceIp: String
        var binary: Bool
    }

    static func v2Parts(_ request: LocalRequest) -> V2Parts {
        let sourceIp = request.remoteAddress ?? "127.0.0.1"
        let headers = forwardedHeaders(request, sourceIp: sourceIp, lowercase: true)
        var cookies: [String] = []
        var joined: [(name: String, value: String)] = []
        joined.reserveCapacity(headers.count)
        for field in headers {
            if field.name == "cookie" {
                cookies += field.value.split(separator: ";").map { String($0.trimmingSpaces()) }.filter { !$0.isEmpty }
            } else if let k = joined.firstIndex(where: { $0.name == field.name }) {
                joined[k].value += "," + field.value
            } else {
                joined.append(field)
            }
        }
        let binary =
            !request.body.isEmpty
            && isBinary(
                contentType: request.headers["content-type"], contentEncoding: request.headers["content-encoding"],
                body: request.body)
        return V2Parts(
            headers: joined, cookies: cookies, sourceIp: sourceIp, binary: binary)
    }

    /// The request the function decodes from the payload 2.0 event, built without the
    /// event's JSON: `APIGatewayRequest(json: v2(request, context: context))` gives the
    /// same value (but for the trace id API Gateway makes up when the request has none).
    public static func v2Request(_ request: LocalRequest, context: Context) -> APIGatewayRequest {
        v2Request(request, context: context, parts: v2Parts(request))
    }

    static func v2Request(_ request: LocalRequest, context: Context, parts: V2Parts) -> APIGatewayRequest {
        var headers = HTTPHeaders()
        for (name, value) in parts.headers { headers.add(name: name, value: value) }
        // The function in this process gets the bytes themselves: a binary body is base64 in
        // the event only if something reads it as the event carries it.
        return APIGatewayRequest(
            version: .v2, method: request.method, path: request.rawPath, rawQueryString: request.rawQuery,
            headers: headers, cookies: parts.cookies, decodedBody: request.body,
            isBase64Encoded: parts.binary, requestId: context.requestId, sourceIp: parts.sourceIp,
            userAgent: request.headers["user-agent"] ?? "", timeEpochMillis: context.timeEpochMillis)
    }

    /// At least the size of ``v2(_:context:)``'s event for `request`, without building it:
    /// the body exactly (base64, or its escaped text), every other byte taken from the
    /// request at its longest escape (percent-decoded query values included), and room for
    /// the members that do not come from the request.
    static func v2SizeBound(_ request: LocalRequest, parts: V2Parts) -> Int {
        var size = 4_096 + 12 * (2 * request.rawPath.utf8.count + 2 * request.rawQuery.utf8.count)
        for field in request.headers { size += 12 * (field.name.utf8.count + field.value.utf8.count) + 64 }
        size +=
            parts.binary
            ? Base64.encodedLength(request.body.count) + 2
            : request.body.withUnsafeBufferPointer { JSONText.quotedLength(bytes: $0) }
        return size
    }

    /// The payload 2.0 event.
    public static func v2(_ request: LocalRequest, context: Context) -> [UInt8] {
        v2(request, context: context, parts: v2Parts(request))
    }

    static func v2(_ request: LocalRequest, context: Context, parts: V2Parts) -> [UInt8] {
        let sourceIp = parts.sourceIp
        let cookies = parts.cookies
        let query = queryParameters(request.rawQuery)
        let domain = domainName(request)

        var out = JSONWriter()
        out.open()
        out.string("version", "2.0")
        out.string("routeKey", context.route.routeKey)
        out.string("rawPath", request.rawPath)
        out.string("rawQueryString", request.rawQuery)
        if !cookies.isEmpty {
            out.strings("cookies", cookies)
        }
        out.object("headers")
        for (name, value) in parts.headers { out.string(name, value) }
        out.close()
        if !query.isEmpty {
            out.object("queryStringParameters")
            for (name, values) in query { out.string(name, values.joined(separator: ",")) }
            out.close()
        }
        out.object("requestContext")
        out.string("accountId", context.accountId)
        out.string("apiId", context.apiId)
        out.string("domainName", domain)
        out.string("domainPrefix", domainPrefix(domain))
        out.object("http")
        out.string("method", request.method)
        out.string("path", request.rawPath)
        out.string("protocol", "HTTP/1.1")
        out.string("sourceIp", sourceIp)
        out.string("userAgent", request.headers["user-agent"] ?? "")
        out.close()
        out.string("requestId", context.requestId)
        out.string("routeKey", context.route.routeKey)
        out.string("stage", context.stage)
        out.string("time", requestTime(context.timeEpochMillis))
        out.number("timeEpoch", context.timeEpochMillis)
        out.close()
        appendBody(request, binary: parts.binary, to: &out)
        out.close()
        return out.bytes
    }

    /// The payload 1.0 event.
    public static func v1(_ request: LocalRequest, context: Context) -> [UInt8] {
        let sourceIp = request.remoteAddress ?? "127.0.0.1"
        let headers = forwardedHeaders(request, sourceIp: sourceIp, lowercase: false)
        var grouped: [(name: String, values: [String])] = []
        for field in headers {
            if let k = grouped.firstIndex(where: { $0.name.lowercased() == field.name.lowercased() }) {
                grouped[k].values.append(field.value)
            } else {
                grouped.append((field.name, [field.value]))
            }
        }
        let query = queryParameters(request.rawQuery)
        let domain = domainName(request)
        let resource = context.route.path ?? "$default"

        var out = JSONWriter()
        out.open()
        out.string("version", "1.0")
        out.string("resource", resource)
        out.string("path", request.rawPath)
        out.string("httpMethod", request.method)
        if grouped.isEmpty {
            out.null("headers")
            out.null("multiValueHeaders")
        } else {
            out.object("headers")
            for (name, values) in grouped { out.string(name, values.last ?? "") }
            out.close()
            out.object("multiValueHeaders")
            for (name, values) in grouped { out.strings(name, values) }
            out.close()
        }
        if query.isEmpty {
            out.null("queryStringParameters")
            out.null("multiValueQueryStringParameters")
        } else {
            out.object("queryStringParameters")
            for (name, values) in query { out.string(name, values.last ?? "") }
            out.close()
            out.object("multiValueQueryStringParameters")
            for (name, values) in query { out.strings(name, values) }
            out.close()
        }
        out.object("requestContext")
        out.string("accountId", context.accountId)
        out.string("apiId", context.apiId)
        out.string("domainName", domain)
        out.string("domainPrefix", domainPrefix(domain))
        out.string("extendedRequestId", context.requestId)
        out.string("httpMethod", request.method)
        out.object("identity")
        for name in ["accessKey", "accountId", "caller", "cognitoAmr", "cognitoAuthenticationProvider",
                     "cognitoAuthenticationType", "cognitoIdentityId", "cognitoIdentityPoolId", "principalOrgId"] {
            out.null(name)
        }
        out.string("sourceIp", sourceIp)
        out.null("user")
        out.string("userAgent", request.headers["user-agent"] ?? "")
        out.null("userArn")
        out.close()
        out.string("path", request.rawPath)
        out.string("protocol", "HTTP/1.1")
        out.string("requestId", context.requestId)
        out.string("requestTime", requestTime(context.timeEpochMillis))
        out.number("requestTimeEpoch", context.timeEpochMillis)
        out.string("resourceId", context.route.routeKey)
        out.string("resourcePath", resource)
        out.string("stage", context.stage)
        out.close()
        out.null("pathParameters")
        out.null("stageVariables")
        if request.body.isEmpty {
            out.null("body")
            out.bool("isBase64Encoded", false)
        } else {
            appendBody(request, to: &out)
        }
        out.close()
        return out.bytes
    }

    /// `27/Nov/2026:10:00:00 +0000`.
    public static func requestTime(_ millis: Int64) -> String {
        let t = UTCDateTime(epochMillis: millis)
        let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
        func two(_ v: Int) -> String { v < 10 ? "0\(v)" : "\(v)" }
        return "\(two(t.day))/\(months[t.month - 1])/\(t.year):\(two(t.hour)):\(two(t.minute)):\(two(t.second)) +0000"
    }

    /// Query parameters in order of first appearance, names and values percent-decoded.
    public static func queryParameters(_ rawQuery: String) -> [(name: String, values: [String])] {
        var out: [(name: String, values: [String])] = []
        for pair in rawQuery.split(separator: "&") where !pair.isEmpty {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let name = percentDecode(parts[0])
            let value = parts.count > 1 ? percentDecode(parts[1]) : ""
            if let k = out.firstIndex(where: { $0.name == name }) {
                out[k].values.append(value)
            } else {
                out.append((name, [value]))
            }
        }
        return out
    }

    /// `%XX` decoded; malformed escapes are kept as they are.
    static func percentDecode(_ text: Substring) -> String {
        let bytes = Array(text.utf8)
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count)
        func hex(_ c: UInt8) -> UInt8? {
            switch c {
            case 0x30...0x39: return c - 0x30
            case 0x41...0x46: return c - 0x41 + 10
            case 0x61...0x66: return c - 0x61 + 10
            default: return nil
            }
        }
        var i = 0
        while i < bytes.count {
            if bytes[i] == 0x25, i + 2 < bytes.count, let h = hex(bytes[i + 1]),
                let l = hex(bytes[i + 2])
            {
                out.append(h << 4 | l)
                i += 3
            } else {
                out.append(bytes[i])
                i += 1
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// The request's headers plus those API Gateway adds: `x-forwarded-for` (the caller's
    /// address appended), `x-forwarded-port`, `x-forwarded-proto`, `x-amzn-trace-id`. Payload
    /// 2.0 lowercases every name; 1.0 keeps the client's spelling and capitalises its own
    /// (`X-Forwarded-For`), as a real HTTP API does.
    static func forwardedHeaders(_ request: LocalRequest, sourceIp: String, lowercase: Bool) -> [(name: String, value: String)] {
        var fields: [(name: String, value: String)] = []
        fields.reserveCapacity(request.headers.count + 4)
        for field in request.headers {
            let lower = HTTPHeaders.lowercasedName(field.name)
            if lower == "x-forwarded-for" || lower == "x-forwarded-port" || lower == "x-forwarded-proto" { continue }
            fields.append((lowercase ? lower : field.name, field.value))
        }
        func name(_ capitalised: String) -> String { lowercase ? HTTPHeaders.lowercasedName(capitalised) : capitalised }
        if !request.headers.contains(name: "x-amzn-trace-id") {
            fields.append((name("X-Amzn-Trace-Id"), traceId(epochSeconds: FirehoseEmulator.systemMillis() / 1000)))
        }
        let forwarded = request.headers.values(for: "x-forwarded-for")
        fields.append((name("X-Forwarded-For"), (forwarded + [sourceIp]).joined(separator: ", ")))
        let hostParts = (request.headers["host"] ?? "").split(separator: ":")
        fields.append((name("X-Forwarded-Port"), hostParts.count == 2 ? String(hostParts[1]) : "80"))
        fields.append((name("X-Forwarded-Proto"), "http"))
        return fields
    }

    /// An X-Ray trace id as API Gateway adds it: `Root=1-` and the epoch seconds in 8 hex
    /// digits, `-` and 24 random hex digits.
    static func traceId(epochSeconds: Int64) -> String {
        var out: [UInt8] = Array("Root=1-".utf8)
        out.reserveCapacity(40)
        let hex = IdentifierRandom.hexDigits
        let seconds = UInt32(truncatingIfNeeded: epochSeconds)
        for d in 0..<8 { out.append(hex[Int(seconds >> UInt32(4 * (7 - d)) & 0xF)]) }
        out.append(0x2D)
        IdentifierRandom.appendHex(16, to: &out)
        IdentifierRandom.appendHex(8, to: &out)
        return String(decoding: out, as: UTF8.self)
    }

    static func domainName(_ request: LocalRequest) -> String {
        guard let host = request.headers["host"], !host.isEmpty else { return "localhost" }
        return host.split(separator: ":", maxSplits: 1).first.map(String.init) ?? host
    }

    static func domainPrefix(_ domain: String) -> String {
        domain.split(separator: ".", maxSplits: 1).first.map(String.init) ?? domain
    }

    /// The body and `isBase64Encoded`; `binary` when the caller has decided it already.
    private static func appendBody(_ request: LocalRequest, binary known: Bool? = nil, to out: inout JSONWriter) {
        guard !request.body.isEmpty else {
            out.bool("isBase64Encoded", false)
            return
        }
        let binary =
            known
            ?? isBinary(
                contentType: request.headers["content-type"], contentEncoding: request.headers["content-encoding"],
                body: request.body)
        if binary {
            out.string("body", Base64.encode(request.body))
        } else {
            out.text("body", request.body)
        }
        out.bool("isBase64Encoded", binary)
    }
}

/// A compact JSON writer for the events: objects, arrays of strings, strings, numbers,
/// booleans and null, members written in order.
private struct JSONWriter {
    private(set) var bytes: [UInt8] = []
    private var counts: [Int] = []

    private mutating func name(_ name: String?) {
        if let count = counts.last {
            if count > 0 { bytes.append(0x2C) }
            counts[counts.count - 1] = count + 1
        }
        if let name {
            JSONText.appendQuoted(name, to: &bytes)
            bytes.append(0x3A)
        }
    }

    /// Opens the top-level object.
    mutating func open() {
        bytes.append(0x7B)
        counts.append(0)
    }

    /// Opens an object member.
    mutating func object(_ key: String) {
        name(key)
        open()
    }

    /// Closes the innermost object.
    mutating func close() {
        bytes.append(0x7D)
        counts.removeLast()
    }

    mutating func string(_ key: String, _ value: String) {
        name(key)
        JSONText.appendQuoted(value, to: &bytes)
    }

    /// A string member from UTF-8 bytes.
    mutating func text(_ key: String, _ value: [UInt8]) {
        name(key)
        value.withUnsafeBufferPointer { JSONText.appendQuoted(bytes: $0, to: &bytes) }
    }

    mutating func strings(_ key: String, _ values: [String]) {
        name(key)
        bytes.append(0x5B)
        for (k, value) in values.enumerated() {
            if k > 0 { bytes.append(0x2C) }
            JSONText.appendQuoted(value, to: &bytes)
        }
        bytes.append(0x5D)
    }

    mutating func number(_ key: String, _ value: Int64) {
        name(key)
        bytes.append(contentsOf: String(value).utf8)
    }

    mutating func bool(_ key: String, _ value: Bool) {
        name(key)
        bytes.append(contentsOf: (value ? "true" : "false").utf8)
    }

    mutating func null(_ key: String) {
        name(key)
        bytes.append(contentsOf: "null".utf8)
    }
}

