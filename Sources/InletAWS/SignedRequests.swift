import InletCore
import InletHTTP
import InletSigV4

/// Signs requests for one service and sends them through the transport; shared by the clients.
struct RequestSender: Sendable {
    let transport: any HTTPTransport
    let signer: SigV4Signer
    let environment: AWSClientEnvironment
    let retry: RetryPolicy

    /// A signed request for `endpoint` + `path` (wire form) + `query` (decoded items).
    ///
    /// `payloadHash` may be given when the caller already has the body's SHA-256.
    func signedRequest(
        method: HTTPMethod, endpoint: AWSEndpoint, path: String, query: [(name: String, value: String)] = [],
        headers: [(name: String, value: String)], body: [UInt8], payloadHash: String? = nil
    ) -> HTTPRequest {
        let payload: SigV4Payload
        if let payloadHash {
            payload = .sha256Hex(payloadHash)
        } else {
            payload = body.isEmpty ? .empty : .bytes(body)
        }
        let sigRequest = SigV4Request(
            method: method.rawValue, host: endpoint.hostHeader, path: path, query: query, headers: headers,
            payload: payload)
        let signed = signer.sign(sigRequest, date: SigV4Date(secondsSince1970: environment.epochSeconds()))
        var httpHeaders = HTTPHeaders(headers.map { ($0.name, $0.value) })
        for header in signed.all { httpHeaders.add(name: header.name, value: header.value) }
        let url = endpoint.scheme + "://" + endpoint.hostHeader + sigRequest.target
        return HTTPRequest(method: method, url: url, headers: httpHeaders, body: body)
    }

    /// The time left before `deadline`, by the environment's clock.
    func remaining(until deadline: ContinuousClock.Instant) -> Duration {
        environment.now().duration(to: deadline)
    }

    /// Sends one request built by `build` (called again for each attempt, so each attempt is
    /// signed at its own time), retrying per ``RetryPolicy`` and ``AWSError/isRetryable``
    /// within `deadline`, and returns the first successful response passed through `accept`.
    ///
    /// - `errorOf` turns a non-2xx response into the service's error.
    /// - `accept` turns a 2xx response into the result, or throws (an unusable body).
    func send<Result>(
        deadline: ContinuousClock.Instant,
        build: () -> HTTPRequest,
        errorOf: (HTTPResponse) -> AWSError,
        accept: (HTTPResponse) throws(AWSError) -> Result
    ) async throws(AWSError) -> Result {
        var attempt = 0
        var lastError: AWSError?
        while true {
            let remaining = remaining(until: deadline)
            if remaining <= .zero {
                throw Self.deadlineError(lastError: lastError, attempts: attempt)
            }
            attempt += 1
            let error: AWSError
            switch await attemptOnce(build(), timeout: remaining, errorOf: errorOf, accept: accept) {
            case .success(let result): return result
            case .failure(let failure): error = failure
            }
            lastError = error
            guard error.isRetryable else { throw error }
            if attempt >= retry.maximumAttempts {
                var exhausted = error
                exhausted.message += " (gave up after \(attempt) attempts)"
                throw exhausted
            }
            let delay = retry.delay(afterAttempt: attempt, random: environment.random)
            if environment.now().advanced(by: delay) >= deadline {
                throw Self.deadlineError(lastError: error, attempts: attempt)
            }
            await environment.sleep(delay)
            if Task.isCancelled {
                throw AWSError(
                    transport: TransportError(.cancelled, "The task was cancelled while waiting to retry."))
            }
        }
    }

    private func attemptOnce<Result>(
        _ request: HTTPRequest, timeout: Duration, errorOf: (HTTPResponse) -> AWSError,
        accept: (HTTPResponse) throws(AWSError) -> Result
    ) async -> Swift.Result<Result, AWSError> {
        let response: HTTPResponse
        do {
            response = try await transport.send(request, timeout: timeout)
        } catch {
            return .failure(AWSError(transport: error))
        }
        guard response.isSuccess else { return .failure(errorOf(response)) }
        do {
            return .success(try accept(response))
        } catch {
            return .failure(error)
        }
    }

    /// The error for a deadline that passed, keeping the last attempt's error in the message.
    static func deadlineError(lastError: AWSError?, attempts: Int) -> AWSError {
        var message = "The deadline passed before the request succeeded (\(attempts) attempt"
        message += attempts == 1 ? ")" : "s)"
        if let lastError { message += "; last error: \(lastError)" }
        return AWSError(
            kind: .deadlineExceeded, code: "deadline_exceeded", message: message, httpStatus: lastError?.httpStatus,
            requestId: lastError?.requestId, underlying: lastError?.underlying)
    }
}
