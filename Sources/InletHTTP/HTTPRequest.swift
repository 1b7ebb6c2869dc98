import InletCore
/// An HTTP request method, such as `GET` or `PUT`.
///
/// Any RFC 9110 token is accepted; the common ones have static constants.
public struct HTTPMethod: RawRepresentable, Hashable, Sendable, ExpressibleByStringLiteral,
    CustomStringConvertible
{
    /// The method as sent on the wire, e.g. `"GET"`.
    public var rawValue: String

    /// Creates a method from its wire spelling (case-sensitive, conventionally upper case).
    public init(rawValue: String) { self.rawValue = rawValue }

    /// Creates a method from a string literal such as `"PATCH"`.
    public init(stringLiteral value: String) { self.rawValue = value }

    /// `GET`.
    public static let get: HTTPMethod = "GET"
    /// `HEAD`; the response has headers but no body.
    public static let head: HTTPMethod = "HEAD"
    /// `POST`.
    public static let post: HTTPMethod = "POST"
    /// `PUT`.
    public static let put: HTTPMethod = "PUT"
    /// `DELETE`.
    public static let delete: HTTPMethod = "DELETE"
    /// `PATCH`.
    public static let patch: HTTPMethod = "PATCH"
    /// `OPTIONS`.
    public static let options: HTTPMethod = "OPTIONS"

    /// The wire spelling.
    public var description: String { rawValue }
}

/// An HTTP request: method, absolute URL, header fields and body bytes.
///
/// The transport adds `Content-Length` for the body itself, always sends an empty
/// `Expect:` (so no `100-continue` round trip ever delays an upload) and never adds a
/// default `Content-Type`. A header with an empty value is sent as `Name:` with no value.
public struct HTTPRequest: Sendable, Equatable {
    /// The method, e.g. ``HTTPMethod/put``.
    public var method: HTTPMethod
    /// The absolute `http://` or `https://` URL, already percent-encoded.
    public var url: String
    /// The header fields to send, in order. `Expect` is ignored (the transport always sends
    /// it empty); a `Content-Length` must equal `body.count`.
    public var headers: HTTPHeaders
    /// The body bytes; may be empty. Sent from memory, never from a file or stdin.
    public var body: [UInt8]

    /// Creates a request.
    public init(method: HTTPMethod = .get, url: String, headers: HTTPHeaders = [:], body: [UInt8] = []) {
        self.method = method
        self.url = url
        self.headers = headers
        self.body = body
    }
}

/// An HTTP response as received. Any status, including 4xx and 5xx, is a response,
/// not an error: only a failure to exchange the request and response is a ``TransportError``.
public struct HTTPResponse: Sendable, Equatable {
    /// The status code, e.g. 200 or 404.
    public var status: Int
    /// The header fields of the final response, in the order received; lookups are
    /// case-insensitive. Trailer fields of a chunked response are appended.
    public var headers: HTTPHeaders
    /// The body bytes, with any chunked transfer coding removed (content codings such as
    /// gzip are left as sent).
    public var body: [UInt8]

    /// Creates a response; transports build these, tests and fakes may too.
    public init(status: Int, headers: HTTPHeaders = [:], body: [UInt8] = []) {
        self.status = status
        self.headers = headers
        self.body = body
    }

    /// Whether the status is 2xx.
    public var isSuccess: Bool { (200..<300).contains(status) }

    /// The body decoded as UTF-8, with invalid sequences replaced; for messages and tests.
    public var bodyText: String { String(decoding: body, as: UTF8.self) }
}
