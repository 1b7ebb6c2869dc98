/// A problem with a request as a whole, before any event in it is looked at.
public struct IngestError: Error, Sendable, Equatable, CustomStringConvertible {
    /// A stable, machine-readable reason.
    public enum Code: String, Sendable {
        case bodyTooLarge = "body_too_large"
        case decodedBodyTooLarge = "decoded_body_too_large"
        case unsupportedContentType = "unsupported_content_type"
        case unsupportedContentEncoding = "unsupported_content_encoding"
        case invalidBase64 = "invalid_base64"
        case invalidGzip = "invalid_gzip"
        case emptyBody = "empty_body"
    }

    /// The reason's code.
    public var code: Code
    /// A sentence the sender can act on.
    public var message: String

    /// An error with a code and a message.
    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    /// The HTTP status that reports this error.
    public var httpStatus: Int {
        switch code {
        case .bodyTooLarge, .decodedBodyTooLarge: 413
        case .unsupportedContentType, .unsupportedContentEncoding: 415
        case .invalidBase64, .invalidGzip, .emptyBody: 400
        }
    }

    public var description: String { "\(code.rawValue): \(message)" }
}
