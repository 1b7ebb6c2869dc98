/// Why a request got no complete response: the exchange itself failed.
///
/// An HTTP error status (404, 500, …) is not a `TransportError`; it arrives as an
/// ``HTTPResponse``. Switch on ``code`` to decide what to do (for example, retry
/// ``Code/couldNotConnect`` at once, but only retry ``Code/connectionReset`` when the
/// request is idempotent); ``message`` says the same in a sentence for a log.
public struct TransportError: Error, Sendable, Equatable, CustomStringConvertible {
    /// A stable, machine-readable reason.
    public enum Code: String, Sendable, Equatable {
        /// The host name did not resolve. The request was not sent.
        case couldNotResolve = "could_not_resolve"
        /// No TCP connection could be made (refused, unreachable). The request was not sent.
        case couldNotConnect = "could_not_connect"
        /// The connect timeout or the total timeout elapsed. The request may have been processed.
        case timedOut = "timed_out"
        /// The peer reset the connection. The request may have been processed.
        case connectionReset = "connection_reset"
        /// Writing the request to the socket failed. The request may have been processed.
        case sendError = "send_error"
        /// Reading the response from the socket failed. The request may have been processed.
        case receiveError = "receive_error"
        /// The connection closed before the announced end of the response body.
        case partialResponse = "partial_response"
        /// The server closed the connection without sending any response.
        case emptyResponse = "empty_response"
        /// The server's reply was not valid HTTP.
        case invalidResponse = "invalid_response"
        /// The TLS handshake or the certificate verification failed.
        case tlsFailure = "tls_failure"
        /// The response body is larger than `CurlTransport.Configuration.maximumResponseBodySize`.
        case responseTooLarge = "response_too_large"
        /// The request itself is unusable (bad URL, method or header); nothing was sent.
        case invalidRequest = "invalid_request"
        /// The calling task was cancelled.
        case cancelled = "cancelled"
        /// Any other failure; see ``TransportError/curlMessage``.
        case other = "other"
    }

    /// The reason's code.
    public var code: Code
    /// A sentence saying what failed and what to check or do about it.
    public var message: String
    /// libcurl's `CURLcode`, or nil when the failure was found before libcurl ran.
    public var curlCode: Int?
    /// libcurl's own detail for the failure (its error buffer), or an empty string.
    public var curlMessage: String

    /// Creates an error.
    public init(_ code: Code, _ message: String, curlCode: Int? = nil, curlMessage: String = "") {
        self.code = code
        self.message = message
        self.curlCode = curlCode
        self.curlMessage = curlMessage
    }

    /// `code: message (curl N: detail)`.
    public var description: String {
        var text = "\(code.rawValue): \(message)"
        if let curlCode {
            text += " (curl \(curlCode)\(curlMessage.isEmpty ? "" : ": " + curlMessage))"
        }
        return text
    }
}
