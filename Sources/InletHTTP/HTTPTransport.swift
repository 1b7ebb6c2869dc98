/// Something that can send an ``HTTPRequest`` and return the ``HTTPResponse``.
///
/// AWS clients take an `HTTPTransport` so that tests can substitute a fake. An HTTP error
/// status is a normal response; only a failure to exchange request and response (DNS,
/// connect, reset, timeout, truncated body, cancellation) throws.
public protocol HTTPTransport: Sendable {
    /// Sends `request` and returns the response.
    ///
    /// - Parameter timeout: The limit for the whole exchange, measured from this call;
    ///   nil means the transport's configured default. An AWS client passes the Lambda's
    ///   remaining time here.
    /// - Throws: ``TransportError`` when no complete response was received.
    func send(_ request: HTTPRequest, timeout: Duration?) async throws(TransportError) -> HTTPResponse
}

extension HTTPTransport {
    /// Sends `request` with the transport's default timeout.
    public func send(_ request: HTTPRequest) async throws(TransportError) -> HTTPResponse {
        try await send(request, timeout: nil)
    }
}
