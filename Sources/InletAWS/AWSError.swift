import InletCore
import InletHTTP

/// A failed AWS call: the service's error, a transport failure, the caller's deadline, or
/// a request refused before sending.
///
/// ``code`` is the service's error code normalised as botocore does
/// (`com.amazon.coral.service#ThrottlingException:http://…` becomes `ThrottlingException`),
/// or a snake_case code for the client's own failures (`deadline_exceeded`, `timed_out`, …).
/// ``isRetryable`` is the one place that decides what is retried.
public struct AWSError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Where the failure came from.
    public enum Kind: String, Sendable, Equatable {
        /// The service answered with an error (or an unusable response).
        case service
        /// No complete response: DNS, connect, reset, timeout (see ``AWSError/underlying``).
        case transport
        /// The caller's deadline passed before the call succeeded.
        case deadlineExceeded = "deadline_exceeded"
        /// The request was refused before sending (an invalid bucket, key or stream name).
        case invalidRequest = "invalid_request"
    }

    /// Where the failure came from.
    public var kind: Kind
    /// The error code: the service's (e.g. `ThrottlingException`, `NoSuchKey`) or the client's
    /// own (`deadline_exceeded`, `invalid_request`, or a ``TransportError/Code`` raw value).
    public var code: String
    /// What went wrong, in the service's words or the client's.
    public var message: String
    /// The HTTP status of the response, when there was one.
    public var httpStatus: Int?
    /// The request id (`x-amzn-RequestId`, `x-amz-request-id`, or S3's `<RequestId>`), for AWS support.
    public var requestId: String?
    /// The transport failure, for ``Kind/transport`` (and a deadline reached by a transport timeout).
    public var underlying: TransportError?

    /// An error from its parts.
    public init(
        kind: Kind, code: String, message: String, httpStatus: Int? = nil, requestId: String? = nil,
        underlying: TransportError? = nil
    ) {
        self.kind = kind
        self.code = code
        self.message = message
        self.httpStatus = httpStatus
        self.requestId = requestId
        self.underlying = underlying
    }

    /// An error for a transport failure; its code is the transport code's raw value (`timed_out`, …).
    public init(transport error: TransportError) {
        self.init(kind: .transport, code: error.code.rawValue, message: error.description, underlying: error)
    }

    /// `code (HTTP status, request id …): message`.
    public var description: String {
        var text = code
        var details: [String] = []
        if let httpStatus { details.append("HTTP \(httpStatus)") }
        if let requestId { details.append("request id \(requestId)") }
        if !details.isEmpty { text += " (" + details.joined(separator: ", ") + ")" }
        return message.isEmpty ? text : text + ": " + message
    }

    /// Whether S3 refused a conditional write because the key already exists
    /// (`If-None-Match: *` answered 412 `PreconditionFailed`).
    public var isPreconditionFailed: Bool {
        kind == .service && (code == "PreconditionFailed" || httpStatus == 412)
    }

    // MARK: Retry decisions (the one place)

    /// Whether trying the same request again may succeed: throttling, 5xx (but 501), transient
    /// service codes, and transport failures other than TLS, bad requests, oversize responses
    /// and cancellation. Never validation or authentication errors, never other 4xx, never a
    /// passed deadline or a refused request.
    public var isRetryable: Bool {
        switch kind {
        case .deadlineExceeded, .invalidRequest:
            return false
        case .transport:
            guard let underlying else { return false }
            switch underlying.code {
            case .couldNotResolve, .couldNotConnect, .timedOut, .connectionReset, .sendError, .receiveError,
                .partialResponse, .emptyResponse, .invalidResponse, .other:
                return true
            case .tlsFailure, .responseTooLarge, .invalidRequest, .cancelled:
                return false
            }
        case .service:
            return Self.isRetryableServiceError(code: code, httpStatus: httpStatus)
        }
    }

    /// Codes that mean "slow down" or "try again": throttling and transient service faults,
    /// as botocore's standard retry mode lists them, plus S3's and Firehose's own.
    public static let retryableCodes: Set<String> = [
        // throttling
        "Throttling", "ThrottlingException", "ThrottledException", "RequestThrottledException",
        "TooManyRequestsException", "ProvisionedThroughputExceededException", "TransactionInProgressException",
        "RequestLimitExceeded", "BandwidthLimitExceeded", "LimitExceededException", "RequestThrottled",
        "SlowDown", "PriorRequestNotComplete", "EC2ThrottledException",
        // transient
        "RequestTimeout", "RequestTimeoutException", "InternalError", "InternalFailure",
        "InternalServerError", "InternalServiceError", "ServiceUnavailable", "ServiceUnavailableException",
        "ServiceFailure", "ConditionalRequestConflict",
        // a 200 whose body could not be read: the request may or may not have been applied
        "InvalidResponse",
    ]

    /// Codes that are never retried whatever the status: validation and authentication.
    public static let nonRetryableCodes: Set<String> = [
        "ValidationException", "InvalidArgumentException", "ResourceNotFoundException",
        "ResourceInUseException", "UnrecognizedClientException", "InvalidSignatureException",
        "SignatureDoesNotMatch", "IncompleteSignature", "InvalidClientTokenId", "MissingAuthenticationToken",
        "ExpiredToken", "ExpiredTokenException", "InvalidToken", "AccessDenied", "AccessDeniedException",
        "InvalidAccessKeyId", "NotAuthorized", "OptInRequired", "InvalidAction", "MalformedQueryString",
        "InvalidParameterValue", "InvalidParameterCombination", "MissingParameter",
        "SerializationException", "InvalidKMSResourceException", "PreconditionFailed", "NoSuchBucket",
        "NoSuchKey", "InvalidBucketName", "BadDigest", "InvalidDigest", "EntityTooLarge",
    ]

    /// Whether a service error with `code` and `httpStatus` is worth retrying: a retryable
    /// code, 429, or a 5xx other than 501, unless the code is a validation or
    /// authentication one.
    public static func isRetryableServiceError(code: String, httpStatus: Int?) -> Bool {
        if nonRetryableCodes.contains(code) { return false }
        if retryableCodes.contains(code) { return true }
        guard let httpStatus else { return false }
        return httpStatus == 429 || (httpStatus >= 500 && httpStatus <= 599 && httpStatus != 501)
    }

    /// Whether a record that Firehose refused inside a 200 `PutRecordBatch` response should be
    /// sent again. Firehose documents its per-record codes (`ServiceUnavailableException`,
    /// `InternalFailure`) as transient, so every code is resent except validation and
    /// authentication ones.
    public static func isRetryableRecordError(code: String) -> Bool {
        !nonRetryableCodes.contains(code)
    }

    // MARK: Parsing error responses

    /// The error code normalised as botocore does: the part after the last `#` and before
    /// the first `:`, trimmed of spaces.
    ///
    /// `com.amazon.coral.service#ThrottlingException:http://internal.amazon.com/…` and
    /// `ThrottlingException:http://…` both give `ThrottlingException`.
    public static func normalizeCode(_ raw: some StringProtocol) -> String {
        var code = Substring(raw)
        if let colon = code.firstIndex(of: ":") { code = code[..<colon] }
        if let hash = code.lastIndex(of: "#") { code = code[code.index(after: hash)...] }
        while code.first == " " { code = code.dropFirst() }
        while code.last == " " { code = code.dropLast() }
        return String(code)
    }

    /// The request id of a response: `x-amzn-RequestId`, else `x-amz-request-id`.
    static func requestId(of response: HTTPResponse) -> String? {
        response.headers["x-amzn-RequestId"] ?? response.headers["x-amz-request-id"]
    }

    private static let typeKey = Array("__type".utf8)
    private static let codeKey = Array("code".utf8)
    private static let messageKeys = [Array("message".utf8), Array("Message".utf8), Array("errorMessage".utf8)]

    /// The error of a JSON-protocol (awsJson1.1) response with a non-2xx status.
    ///
    /// The code comes from the body's `__type` (or `code`), else the `x-amzn-ErrorType`
    /// header, else an XML error body (see ``fromXMLResponse(_:)``), else the status
    /// (`"503"`); the message from `message` or `Message`.
    public static func fromJSONResponse(_ response: HTTPResponse) -> AWSError {
        var code: String?
        var message = ""
        if let document = try? JSONDocument(parsing: response.body), document.kind(0) == .object {
            for key in [typeKey, codeKey] {
                if code == nil, let index = document.member(0, named: key), document.kind(index) == .string {
                    code = document.string(index)
                }
            }
            for key in messageKeys {
                if let index = document.member(0, named: key), document.kind(index) == .string {
                    message = document.string(index)
                    break
                }
            }
        }
        if code == nil || code!.isEmpty, let header = response.headers["x-amzn-ErrorType"] { code = header }
        if code == nil || code!.isEmpty, response.body.first(where: { $0 > 0x20 }) == UInt8(ascii: "<") {
            // Some front ends (and moto's signature checks) answer JSON services in the XML
            // error shape of the query protocol: <ErrorResponse><Errors><Error>…
            var error = fromXMLResponse(response)
            if let requestId = requestId(of: response) { error.requestId = error.requestId ?? requestId }
            return error
        }
        let normalized = code.map { normalizeCode($0) } ?? ""
        return AWSError(
            kind: .service, code: normalized.isEmpty ? String(response.status) : normalized,
            message: message.isEmpty ? statusMessage(response) : message, httpStatus: response.status,
            requestId: requestId(of: response))
    }

    /// The error of an S3 (REST-XML) response with a non-2xx status:
    /// `<Error><Code/><Message/><RequestId/></Error>` (also found inside `<ErrorResponse>`).
    ///
    /// Without a body (HEAD), the code is derived from the status: `NotFound` (404),
    /// `Forbidden` (403), `PreconditionFailed` (412), `NotModified` (304), `BadRequest`
    /// (400), else the status number.
    public static func fromXMLResponse(_ response: HTTPResponse) -> AWSError {
        var code = ""
        var message = ""
        var requestId = requestId(of: response)
        if let root = XMLElement.parse(response.body) {
            // S3 answers <Error>; query-protocol services <ErrorResponse><Error> or
            // <ErrorResponse><Errors><Error>.
            if let error = root.first(named: "Error") {
                code = error.childText("Code") ?? ""
                message = error.childText("Message") ?? ""
                if let id = error.childText("RequestId"), !id.isEmpty { requestId = id }
            }
        }
        if code.isEmpty {
            switch response.status {
            case 304: code = "NotModified"
            case 400: code = "BadRequest"
            case 403: code = "Forbidden"
            case 404: code = "NotFound"
            case 412: code = "PreconditionFailed"
            default: code = String(response.status)
            }
        }
        return AWSError(
            kind: .service, code: normalizeCode(code), message: message.isEmpty ? statusMessage(response) : message,
            httpStatus: response.status, requestId: requestId)
    }

    private static func statusMessage(_ response: HTTPResponse) -> String {
        "The service answered HTTP \(response.status) without an error message."
    }
}
