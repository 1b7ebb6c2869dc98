#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import InletCore
import InletSigV4

/// An AWS-shaped authentication failure, ready to render for the protocol of the service
/// that rejected the request: S3's XML (``s3Response(resource:requestId:)``) or the JSON
/// protocol Firehose speaks (``jsonResponse(requestId:)``).
public struct AuthenticationFailure: Error, Sendable, Hashable, CustomStringConvertible {
    /// Why the verifier refused the request, with an actionable message.
    public var error: SigV4VerificationError

    /// A failure for `error`.
    public init(_ error: SigV4VerificationError) { self.error = error }

    /// `code: message` of the underlying verification error.
    public var description: String { error.description }

    /// The S3 error code and HTTP status, as S3 answers the same failure.
    public var s3Code: (code: String, status: Int) {
        switch error.code {
        case .missingAuthorization, .missingDate, .malformedDate, .unsignedHeader, .requestExpired:
            return ("AccessDenied", 403)
        case .malformedAuthorization, .scopeMismatch: return ("AuthorizationHeaderMalformed", 400)
        case .unsupportedAlgorithm: return ("InvalidRequest", 400)
        case .unknownAccessKey: return ("InvalidAccessKeyId", 403)
        case .invalidSecurityToken: return ("InvalidToken", 400)
        case .clockSkew: return ("RequestTimeTooSkewed", 403)
        case .payloadHashMismatch: return ("XAmzContentSHA256Mismatch", 400)
        case .missingSignedHeader, .signatureMismatch: return ("SignatureDoesNotMatch", 403)
        }
    }

    /// The `__type` and HTTP status a JSON-protocol service (Firehose) answers the same failure with:
    /// all 400, as the JSON-protocol services document them (DynamoDB's common errors list
    /// `MissingAuthenticationTokenException`, `IncompleteSignatureException`,
    /// `InvalidSignatureException` and `UnrecognizedClientException` as 400).
    public var jsonCode: (type: String, status: Int) {
        switch error.code {
        case .missingAuthorization: return ("MissingAuthenticationTokenException", 400)
        case .malformedAuthorization, .unsupportedAlgorithm, .missingDate, .malformedDate:
            return ("IncompleteSignatureException", 400)
        case .unknownAccessKey, .invalidSecurityToken: return ("UnrecognizedClientException", 400)
        case .scopeMismatch, .unsignedHeader, .missingSignedHeader, .clockSkew, .requestExpired, .payloadHashMismatch,
            .signatureMismatch:
            return ("InvalidSignatureException", 400)
        }
    }

    /// S3's `<Error>` document with `Code`, `Message`, `Resource` and `RequestId`
    /// (plus the canonical request and string to sign for `SignatureDoesNotMatch`, as S3 sends).
    public func s3Response(resource: String, requestId: String, method: String = "GET") -> LocalResponse {
        let (code, status) = s3Code
        var fields: [(String, String)] = [("Code", code), ("Message", error.message)]
        if let canonical = error.canonicalRequest { fields.append(("CanonicalRequest", canonical)) }
        if let stringToSign = error.stringToSign { fields.append(("StringToSign", stringToSign)) }
        fields.append(("Resource", resource))
        fields.append(("RequestId", requestId))
        return S3XML.errorResponse(status: status, fields: fields, requestId: requestId, method: method)
    }

    /// The JSON error AWS JSON-protocol services send: `{"__type":"…","message":"…"}` with
    /// `Content-Type: application/x-amz-json-1.1`, `x-amzn-RequestId` and `x-amzn-ErrorType`.
    public func jsonResponse(requestId: String) -> LocalResponse {
        let (type, status) = jsonCode
        var body = Array("{\"__type\":".utf8)
        JSONText.appendQuoted(type, to: &body)
        body.append(contentsOf: ",\"message\":".utf8)
        JSONText.appendQuoted(error.message, to: &body)
        body.append(UInt8(ascii: "}"))
        let headers = HTTPHeaders([
            ("Content-Type", "application/x-amz-json-1.1"), ("Content-Length", String(body.count)),
            ("x-amzn-RequestId", requestId), ("x-amzn-ErrorType", type),
        ])
        return LocalResponse(status: status, headers: headers, body: body)
    }
}

/// Checks SigV4 signatures of the emulator's incoming requests against configured access keys,
/// with AWS's 15-minute clock skew against an injectable clock; or accepts everything when auth is
/// off (`inlet local --no-auth`).
///
/// The body hash is checked too: `x-amz-content-sha256` must be the SHA-256 of the body received,
/// unless it is `UNSIGNED-PAYLOAD` or a `STREAMING-…` literal (aws-chunked uploads; the chunk
/// signatures of `STREAMING-AWS4-HMAC-SHA256-PAYLOAD` are not checked).
public struct SigV4Authenticator: Sendable {
    /// Whether requests are checked.
    public let isEnabled: Bool
    /// The region requests must be signed for, or nil for any.
    public let region: String?
    private let verifier: SigV4Verifier
    private let now: @Sendable () -> SigV4Date

    /// An authenticator that accepts the signatures of `credentials`.
    ///
    /// - Parameters:
    ///   - region: when set, requests signed for another region are refused.
    ///   - maxClockSkewSeconds: how far the signing time may be from `now` (AWS: 900).
    ///   - now: the server clock (the system clock when nil); tests pass a fixed time.
    public init(
        credentials: [AWSCredentials], region: String? = nil, maxClockSkewSeconds: Int64 = 900,
        now: (@Sendable () -> SigV4Date)? = nil
    ) {
        isEnabled = true
        self.region = region
        verifier = SigV4Verifier(credentials: credentials, maxClockSkewSeconds: maxClockSkewSeconds, requiredRegion: region)
        self.now = now ?? { SigV4Date(secondsSince1970: Int64(time(nil))) }
    }

    private init(disabled: Void) {
        isEnabled = false
        region = nil
        verifier = SigV4Verifier(credentials: [])
        now = { SigV4Date(secondsSince1970: 0) }
    }

    /// An authenticator that accepts every request, signed or not (`--no-auth`).
    public static let disabled = SigV4Authenticator(disabled: ())

    /// Verifies `request` for the signing name `service` (`s3`, `firehose`).
    ///
    /// - Returns: who signed it, or nil when auth is off.
    /// - Throws: ``AuthenticationFailure``; render it with the service's protocol.
    public func authenticate(_ request: LocalRequest, service: String) throws(AuthenticationFailure)
        -> SigV4VerifiedRequest?
    {
        guard isEnabled else { return nil }
        var verifier = verifier
        verifier.requiredService = service
        let target = request.rawQuery.isEmpty ? request.rawPath : request.rawPath + "?" + request.rawQuery
        let sigV4Request = SigV4Request(
            method: request.method, host: request.headers["host"] ?? "", target: target,
            headers: request.headers.fields, payload: request.body.isEmpty ? .empty : .bytes(request.body))
        do {
            return try verifier.verify(sigV4Request, now: now())
        } catch {
            throw AuthenticationFailure(error)
        }
    }
}
