/// Checks the SigV4 signature of an incoming request, as an AWS service does:
/// for a local emulator that must accept what botocore, the AWS CLI and Inlet send.
///
/// Both forms are accepted: the `Authorization` header and presigned query
/// strings (`X-Amz-Algorithm=AWS4-HMAC-SHA256&…`). The secret is looked up by
/// access key id, the signature recomputed and compared in constant time, and
/// the date checked against `now` (±`maxClockSkewSeconds`, and `X-Amz-Expires`
/// for presigned URLs). S3 rules apply when the credential scope's service is S3.
///
/// Pass the request as received: `path` is the request line's (encoded) path,
/// `query` the decoded items (`SigV4Request(method:host:target:headers:payload:)`
/// does both), `host` the `Host` header, and every header including `Authorization`.
/// For the payload pass `.bytes(body)` to have it checked against
/// `x-amz-content-sha256`, or, when the body is streamed after the check, `.unsigned`
/// and compare the body's hash with `SigV4VerifiedRequest.payloadHash` yourself.
/// Requests without `x-amz-content-sha256` (Firehose JSON) need the body or its hash.
public struct SigV4Verifier: Sendable {
    /// Finds the credentials (secret, and session token if one was issued) of an access key id.
    public typealias CredentialsLookup = @Sendable (_ accessKeyId: String) -> AWSCredentials?

    /// How far the request date may be from `now`, in seconds; AWS uses 15 minutes.
    public var maxClockSkewSeconds: Int64
    /// When set, requests scoped to another region are rejected with `.scopeMismatch`.
    public var requiredRegion: String?
    /// When set, requests scoped to another service are rejected with `.scopeMismatch`.
    public var requiredService: String?
    private let lookup: CredentialsLookup

    /// A verifier that finds secrets with `credentials`.
    public init(
        maxClockSkewSeconds: Int64 = 900, requiredRegion: String? = nil, requiredService: String? = nil,
        credentials: @escaping CredentialsLookup
    ) {
        self.maxClockSkewSeconds = maxClockSkewSeconds
        self.requiredRegion = requiredRegion
        self.requiredService = requiredService
        self.lookup = credentials
    }

    /// A verifier that knows a fixed set of credentials.
    public init(
        credentials: [AWSCredentials], maxClockSkewSeconds: Int64 = 900, requiredRegion: String? = nil,
        requiredService: String? = nil
    ) {
        var byKeyId: [String: AWSCredentials] = [:]
        for entry in credentials { byKeyId[entry.accessKeyId] = entry }
        let table = byKeyId
        self.init(
            maxClockSkewSeconds: maxClockSkewSeconds, requiredRegion: requiredRegion, requiredService: requiredService,
            credentials: { table[$0] })
    }

    /// Verifies `request` at server time `now`; returns who signed it, or throws why not.
    public func verify(_ request: SigV4Request, now: SigV4Date) throws(SigV4VerificationError) -> SigV4VerifiedRequest {
        let authorizationHeaders = values(of: "authorization", in: request)
        if authorizationHeaders.count > 1 {
            throw SigV4VerificationError(.malformedAuthorization, "The request carries more than one Authorization header.")
        }
        if let header = authorizationHeaders.first {
            return try verifyHeaderForm(request, authorization: try SigV4Authorization(header: header), now: now)
        }
        if request.query.contains(where: { $0.name == "X-Amz-Algorithm" }) {
            return try verifyQueryForm(request, now: now)
        }
        throw SigV4VerificationError(
            .missingAuthorization,
            "The request is not signed: it has no Authorization header and no X-Amz-Algorithm query parameter. "
                + "Configure the client with credentials (signature version 4).")
    }

    // MARK: The two forms

    private func verifyHeaderForm(
        _ request: SigV4Request, authorization: SigV4Authorization, now: SigV4Date
    ) throws(SigV4VerificationError) -> SigV4VerifiedRequest {
        let date: SigV4Date
        let dateHeader: String
        if let amzDate = values(of: "x-amz-date", in: request).first {
            guard let parsed = SigV4Date(amzDate: amzDate.trimmedForHeader) else {
                throw SigV4VerificationError(
                    .malformedDate, "X-Amz-Date '\(amzDate.prefix(40))' is not in the form yyyyMMdd'T'HHmmss'Z'.")
            }
            (date, dateHeader) = (parsed, "x-amz-date")
        } else if let httpDate = values(of: "date", in: request).first {
            guard let parsed = SigV4Date(httpDate: httpDate.trimmedForHeader) else {
                throw SigV4VerificationError(
                    .malformedDate,
                    "Date '\(httpDate.prefix(40))' is not an IMF-fixdate; send X-Amz-Date in the form yyyyMMdd'T'HHmmss'Z'.")
            }
            (date, dateHeader) = (parsed, "date")
        } else {
            throw SigV4VerificationError(
                .missingDate, "The signed request has neither X-Amz-Date nor Date; SigV4 needs the signing time.")
        }
        try checkScope(authorization, date: date)
        let skew = date.secondsSince1970 - now.secondsSince1970
        if abs(skew) > maxClockSkewSeconds {
            throw SigV4VerificationError(
                .clockSkew,
                "The request was signed at \(date.amzDate), \(abs(skew)) seconds "
                    + (skew < 0 ? "before" : "after") + " the server time \(now.amzDate); the limit is "
                    + "\(maxClockSkewSeconds) seconds. Check the client's clock, or re-sign instead of replaying.")
        }
        var required = ["host", dateHeader]
        if !values(of: "x-amz-content-sha256", in: request).isEmpty { required.append("x-amz-content-sha256") }
        if !values(of: "x-amz-security-token", in: request).isEmpty { required.append("x-amz-security-token") }
        for name in required where !authorization.signedHeaders.contains(name) {
            throw SigV4VerificationError(
                .unsignedHeader, "The header '\(name)' is present but not listed in SignedHeaders; it must be signed.")
        }
        let credentials = try credentials(for: authorization.accessKeyId)
        try checkSessionToken(values(of: "x-amz-security-token", in: request).first, against: credentials)
        let options = SigV4Options.forService(authorization.service)
        let payloadHash = try payloadHash(of: request, presigned: false, options: options)
        try checkSignature(
            request, query: request.query, authorization: authorization, date: date, payloadHash: payloadHash,
            options: options, secret: credentials.secretAccessKey)
        return SigV4VerifiedRequest(
            accessKeyId: authorization.accessKeyId, region: authorization.region, service: authorization.service,
            date: date, signedHeaders: authorization.signedHeaders, payloadHash: payloadHash, isPresigned: false)
    }

    private func verifyQueryForm(_ request: SigV4Request, now: SigV4Date) throws(SigV4VerificationError)
        -> SigV4VerifiedRequest
    {
        func item(_ name: String) throws(SigV4VerificationError) -> String {
            let matches = request.query.filter { $0.name == name }
            guard matches.count == 1 else {
                throw SigV4VerificationError(
                    .malformedAuthorization,
                    "The presigned URL must carry exactly one \(name) query parameter (found \(matches.count)).")
            }
            return matches[0].value
        }
        let algorithm = try item("X-Amz-Algorithm")
        guard algorithm == SigV4Canonical.algorithm else {
            throw SigV4VerificationError(
                .unsupportedAlgorithm, "X-Amz-Algorithm is '\(algorithm.prefix(40))'; only AWS4-HMAC-SHA256 is supported.")
        }
        let authorization = try SigV4Authorization(
            credential: try item("X-Amz-Credential"), signedHeaders: try item("X-Amz-SignedHeaders"),
            signature: try item("X-Amz-Signature"))
        let amzDate = try item("X-Amz-Date")
        guard let date = SigV4Date(amzDate: amzDate) else {
            throw SigV4VerificationError(
                .malformedDate, "X-Amz-Date '\(amzDate.prefix(40))' is not in the form yyyyMMdd'T'HHmmss'Z'.")
        }
        let expiresText = try item("X-Amz-Expires")
        guard let expires = Int64(expiresText), (1...604_800).contains(expires) else {
            throw SigV4VerificationError(
                .malformedAuthorization, "X-Amz-Expires '\(expiresText.prefix(20))' must be 1 to 604800 seconds.")
        }
        try checkScope(authorization, date: date)
        if date.secondsSince1970 - now.secondsSince1970 > maxClockSkewSeconds {
            throw SigV4VerificationError(
                .clockSkew,
                "The presigned URL is dated \(date.amzDate), after the server time \(now.amzDate) by more than "
                    + "\(maxClockSkewSeconds) seconds. Check the signer's clock.")
        }
        if now.secondsSince1970 > date.secondsSince1970 + expires {
            throw SigV4VerificationError(
                .requestExpired,
                "The presigned URL signed at \(date.amzDate) expired after \(expires) seconds (server time "
                    + "\(now.amzDate)). Presign a new URL.")
        }
        if !authorization.signedHeaders.contains("host") {
            throw SigV4VerificationError(
                .unsignedHeader, "X-Amz-SignedHeaders must include 'host'.")
        }
        let credentials = try credentials(for: authorization.accessKeyId)
        let token = request.query.first(where: { $0.name == "X-Amz-Security-Token" })?.value
        try checkSessionToken(token, against: credentials)
        let options = SigV4Options.forService(authorization.service)
        let payloadHash = try payloadHash(of: request, presigned: true, options: options)
        try checkSignature(
            request, query: request.query.filter { $0.name != "X-Amz-Signature" }, authorization: authorization,
            date: date, payloadHash: payloadHash, options: options, secret: credentials.secretAccessKey)
        return SigV4VerifiedRequest(
            accessKeyId: authorization.accessKeyId, region: authorization.region, service: authorization.service,
            date: date, signedHeaders: authorization.signedHeaders, payloadHash: payloadHash, isPresigned: true)
    }

    // MARK: Checks

    private func checkScope(_ authorization: SigV4Authorization, date: SigV4Date) throws(SigV4VerificationError) {
        if authorization.dateStamp != date.dateStamp {
            throw SigV4VerificationError(
                .scopeMismatch,
                "The credential scope date \(authorization.dateStamp) is not the day of the request date "
                    + "\(date.amzDate); sign with the same time in both.")
        }
        if let requiredRegion, authorization.region != requiredRegion {
            throw SigV4VerificationError(
                .scopeMismatch,
                "The request is signed for region '\(authorization.region)' but this endpoint is '\(requiredRegion)'. "
                    + "Configure the client's region.")
        }
        if let requiredService, authorization.service != requiredService {
            throw SigV4VerificationError(
                .scopeMismatch,
                "The request is signed for service '\(authorization.service)' but this endpoint is '\(requiredService)'.")
        }
    }

    private func credentials(for accessKeyId: String) throws(SigV4VerificationError) -> AWSCredentials {
        guard let credentials = lookup(accessKeyId) else {
            throw SigV4VerificationError(
                .unknownAccessKey,
                "The access key id '\(accessKeyId.prefix(128))' is not known to this server. "
                    + "Configure the client with one of the server's access keys.")
        }
        return credentials
    }

    private func checkSessionToken(_ token: String?, against credentials: AWSCredentials)
        throws(SigV4VerificationError)
    {
        guard let expected = credentials.sessionToken else { return }
        guard let token, constantTimeEquals(Array(token.utf8), Array(expected.utf8)) else {
            throw SigV4VerificationError(
                .invalidSecurityToken,
                "The access key '\(credentials.accessKeyId)' is temporary and the request's X-Amz-Security-Token "
                    + (token == nil ? "is missing" : "is not the token issued with it") + ". Refresh the credentials.")
        }
    }

    /// The payload hash the client signed: `x-amz-content-sha256` when sent (checked against
    /// the body when it is at hand), else S3's `UNSIGNED-PAYLOAD` for presigned URLs, else the body's hash.
    private func payloadHash(of request: SigV4Request, presigned: Bool, options: SigV4Options)
        throws(SigV4VerificationError) -> String
    {
        guard let claimed = values(of: "x-amz-content-sha256", in: request).first?.trimmedForHeader else {
            if presigned && options.unsignedPayloadWhenPresigning { return SigV4Payload.unsignedPayloadLiteral }
            return request.payload.hashValueForSigning
        }
        let isHash = claimed.utf8.count == 64 && claimed.utf8.allSatisfy { PercentEncoding.hexValue($0) != nil }
        guard isHash else { return claimed }  // UNSIGNED-PAYLOAD, STREAMING-… literals are signed as-is.
        let actual: String?
        switch request.payload {
        case .unsigned: actual = nil
        case .empty, .bytes, .sha256Hex: actual = request.payload.hashValueForSigning
        }
        if let actual, SigV4Canonical.lowercasedASCII(actual) != SigV4Canonical.lowercasedASCII(claimed) {
            throw SigV4VerificationError(
                .payloadHashMismatch,
                "x-amz-content-sha256 is \(claimed) but the body's SHA-256 is \(actual); "
                    + "the body was changed after signing or the client hashed a different body.")
        }
        return claimed
    }

    private func checkSignature(
        _ request: SigV4Request, query: [(name: String, value: String)], authorization: SigV4Authorization,
        date: SigV4Date, payloadHash: String, options: SigV4Options, secret: String
    ) throws(SigV4VerificationError) {
        var headers: [SigV4Canonical.HeaderEntry] = []
        for name in authorization.signedHeaders {
            let found = name == "host" ? (request.host.isEmpty ? [] : [request.host]) : values(of: name, in: request)
            if found.isEmpty {
                throw SigV4VerificationError(
                    .missingSignedHeader,
                    "SignedHeaders lists '\(name.prefix(80))' but the request has no such header; "
                        + "a proxy may have removed it.")
            }
            for value in found { headers.append(.init(name: name, value: value, order: headers.count)) }
        }
        let context = DigestContext()
        let (canonical, _) = SigV4Canonical.canonicalRequest(
            method: request.method, path: request.path, query: query, headers: headers, payloadHash: payloadHash,
            options: options)
        let amzDate = date.amzDate
        let scope = SigV4Canonical.credentialScope(
            dateStamp: authorization.dateStamp, region: authorization.region, service: authorization.service)
        let stringToSign = SigV4Canonical.stringToSign(
            canonicalRequest: canonical, amzDate: amzDate, scope: scope, context: context)
        let key = SigV4Canonical.signingKey(
            secretAccessKey: secret, dateStamp: authorization.dateStamp, region: authorization.region,
            service: authorization.service, context: context)
        let expected = SigV4Canonical.signature(stringToSign: stringToSign, signingKey: key, context: context)
        guard constantTimeEquals(Array(expected.utf8), Array(authorization.signature.utf8)) else {
            throw SigV4VerificationError(
                .signatureMismatch,
                "The request signature does not match the one computed with the secret of '\(authorization.accessKeyId)'. "
                    + "Check the secret key and that nothing changed the request after signing; "
                    + "compare the canonical request below with the client's.",
                canonicalRequest: String(decoding: canonical, as: UTF8.self),
                stringToSign: String(decoding: stringToSign, as: UTF8.self))
        }
    }

    /// The values of every header named `name` (lowercase), in request order.
    private func values(of name: String, in request: SigV4Request) -> [String] {
        var found: [String] = []
        for header in request.headers where SigV4Canonical.equalsIgnoringASCIICase(header.name, name) {
            found.append(header.value)
        }
        return found
    }
}

/// Whether `lhs == rhs`, in time that depends only on the lengths (which are public).
func constantTimeEquals(_ lhs: [UInt8], _ rhs: [UInt8]) -> Bool {
    guard lhs.count == rhs.count else { return false }
    var difference: UInt8 = 0
    for index in lhs.indices { difference |= lhs[index] ^ rhs[index] }
    return difference == 0
}

extension String {
    /// Without surrounding whitespace, as header values are compared.
    var trimmedForHeader: String {
        var out = [UInt8]()
        SigV4Canonical.appendTrimmedValue(self, to: &out)
        return String(decoding: out, as: UTF8.self)
    }
}
