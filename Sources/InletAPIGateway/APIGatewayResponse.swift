import InletCore

/// A proxy integration response, encoded for the payload version of the request.
public struct APIGatewayResponse: Sendable, Equatable {
    /// The HTTP status.
    public var statusCode: Int
    /// Response headers.
    public var headers: HTTPHeaders
    /// Set-Cookie values (v2 `cookies`).
    public var cookies: [String]
    /// The body bytes; text is sent as is, other bytes as base64.
    public var body: [UInt8]
    /// Whether `body` must be sent base64-encoded.
    public var isBase64Encoded: Bool

    /// A response.
    public init(
        statusCode: Int, headers: HTTPHeaders = HTTPHeaders(), cookies: [String] = [], body: [UInt8] = [],
        isBase64Encoded: Bool = false
    ) {
        self.statusCode = statusCode
        self.headers = headers
        self.cookies = cookies
        self.body = body
        self.isBase64Encoded = isBase64Encoded
    }

    /// A JSON response with `Content-Type: application/json`.
    public static func json(_ statusCode: Int, _ body: [UInt8], headers extra: [(String, String)] = []) -> APIGatewayResponse {
        var headers = HTTPHeaders([("content-type", "application/json")])
        for (name, value) in extra { headers.add(name: name, value: value) }
        return APIGatewayResponse(statusCode: statusCode, headers: headers, body: body)
    }

    /// The response as the JSON the function returns to the Runtime API.
    public func encoded(for version: APIGatewayRequest.PayloadVersion) -> [UInt8] {
        var out: [UInt8] = Array(#"{"statusCode":"#.utf8)
        out.append(contentsOf: String(statusCode).utf8)
        out.append(contentsOf: #","headers":{"#.utf8)
        var first = true
        var seen: [String] = []
        for field in headers where !seen.contains(HTTPHeaders.lowercasedName(field.name)) {
            seen.append(HTTPHeaders.lowercasedName(field.name))
            if !first { out.append(0x2C) }
            first = false
            JSONText.appendQuoted(field.name, to: &out)
            out.append(0x3A)
            let all = headers.fields.filter { HTTPHeaders.lowercasedName($0.name) == HTTPHeaders.lowercasedName(field.name) }.map(\.value)
            JSONText.appendQuoted(all.joined(separator: ","), to: &out)
        }
        out.append(0x7D)
        if version == .v2 && !cookies.isEmpty {
            out.append(contentsOf: #","cookies":["#.utf8)
            for (k, cookie) in cookies.enumerated() {
                if k > 0 { out.append(0x2C) }
                JSONText.appendQuoted(cookie, to: &out)
            }
            out.append(0x5D)
        }
        if version == .v1 {
            out.append(contentsOf: #","multiValueHeaders":{"#.utf8)
            var names: [String] = []
            for field in headers where !names.contains(HTTPHeaders.lowercasedName(field.name)) { names.append(HTTPHeaders.lowercasedName(field.name)) }
            // Payload 1.0 has no `cookies`: they are `Set-Cookie` values, each sent as its own header.
            if !cookies.isEmpty && !names.contains("set-cookie") { names.append("set-cookie") }
            for (k, name) in names.enumerated() {
                if k > 0 { out.append(0x2C) }
                JSONText.appendQuoted(name, to: &out)
                out.append(contentsOf: ":[".utf8)
                var values = headers.fields.filter { HTTPHeaders.lowercasedName($0.name) == name }.map(\.value)
                if name == "set-cookie" { values += cookies }
                for (m, value) in values.enumerated() {
                    if m > 0 { out.append(0x2C) }
                    JSONText.appendQuoted(value, to: &out)
                }
                out.append(0x5D)
            }
            out.append(0x7D)
        }
        out.append(contentsOf: #","body":"#.utf8)
        if isBase64Encoded {
            out.append(0x22)
            Base64.encode(body, into: &out)
            out.append(0x22)
        } else {
            body.withUnsafeBufferPointer { JSONText.appendQuoted(bytes: $0, to: &out) }
        }
        out.append(contentsOf: #","isBase64Encoded":"#.utf8)
        out.append(contentsOf: (isBase64Encoded ? "true" : "false").utf8)
        out.append(0x7D)
        return out
    }
}
