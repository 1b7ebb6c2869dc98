/// Signs requests with AWS Signature Version 4, in the `Authorization` header or
/// in the query string (presigned URLs).
///
/// Pure: the date is a parameter and nothing reads the clock or the environment,
/// so the same inputs always give the same signature.
///
/// ```swift
/// let signer = SigV4Signer(credentials: credentials, service: "firehose", region: "eu-west-1")
/// let request = SigV4Request(method: "POST", host: "firehose.eu-west-1.amazonaws.com",
///     headers: [("Content-Type", "application/x-amz-json-1.1"), ("X-Amz-Target", "Firehose_20150804.PutRecordBatch")],
///     payload: .bytes(body))
/// let signed = signer.sign(request, date: SigV4Date(secondsSince1970: now))
/// // add signed.all to the request's headers
/// ```
public struct SigV4Signer: Sendable, CustomStringConvertible {
    /// The key that signs; its secret never appears in `description`.
    public var credentials: AWSCredentials
    /// The signing name of the service: `firehose`, `s3`, …
    public var service: String
    /// The region, e.g. `eu-west-1`.
    public var region: String
    /// The per-service rules; `SigV4Options.forService(service)` unless given.
    public var options: SigV4Options

    /// A signer for `service` in `region`; `options` defaults to the rules of `service` (S3 or not).
    public init(credentials: AWSCredentials, service: String, region: String, options: SigV4Options? = nil) {
        self.credentials = credentials
        self.service = service
        self.region = region
        self.options = options ?? SigV4Options.forService(service)
    }

    /// The service, region and access key id (never the secret).
    public var description: String {
        "SigV4Signer(service: \(service), region: \(region), credentials: \(credentials))"
    }

    // MARK: Public API

    /// Signs `request` at `date` and returns the headers to add to it
    /// (`X-Amz-Security-Token`, `X-Amz-Date`, `x-amz-content-sha256`, `Authorization`).
    ///
    /// Every header in `request.headers` is signed except hop-by-hop ones
    /// (`connection`, `expect`, `keep-alive`, `proxy-*`, `te`, `trailer`, `transfer-encoding`,
    /// `upgrade`), `user-agent` and `x-amzn-trace-id`, as botocore does; caller-supplied
    /// `authorization`, `x-amz-date`, `x-amz-security-token` and `x-amz-content-sha256`
    /// are replaced by the signer's own. Headers must not be changed after signing.
    public func sign(_ request: SigV4Request, date: SigV4Date) -> SigV4SignedHeaders {
        headerSigning(request, date: date).result
    }

    /// Signs in the query string (a presigned URL valid for `expires` seconds, 1…604800)
    /// and returns the decoded items to append to `request.query`, in order:
    /// `X-Amz-Algorithm`, `X-Amz-Credential`, `X-Amz-Date`, `X-Amz-SignedHeaders`,
    /// `X-Amz-Expires`, `X-Amz-Security-Token` (with a session token), `X-Amz-Signature`.
    ///
    /// Encode them with `PercentEncoding.encodeQuery(_:)`. The headers of `request` are
    /// signed and must be sent with the URL; S3 signs `UNSIGNED-PAYLOAD`.
    public func presign(_ request: SigV4Request, date: SigV4Date, expires: Int) -> [(name: String, value: String)] {
        querySigning(request, date: date, expires: expires).items
    }

    /// Convenience for a caller without a `SigV4Request`: signs and returns the headers to add.
    ///
    /// `path` is percent-encoded (wire form), `query` items decoded, `host` may carry `:port`;
    /// `body` is hashed unless `payload` is given.
    public func signHeaders(
        method: String, host: String, path: String = "/", query: [(name: String, value: String)] = [],
        headers: [(name: String, value: String)] = [], body: [UInt8] = [], payload: SigV4Payload? = nil,
        date: SigV4Date
    ) -> [(name: String, value: String)] {
        let request = SigV4Request(
            method: method, host: host, path: path, query: query, headers: headers,
            payload: payload ?? (body.isEmpty ? .empty : .bytes(body)))
        return sign(request, date: date).all
    }

    // MARK: Steps (internal, each testable on its own)

    /// The header form with its intermediate steps, for `sign` and for known-answer tests.
    func headerSigning(_ request: SigV4Request, date: SigV4Date)
        -> (canonicalRequest: [UInt8], stringToSign: [UInt8], result: SigV4SignedHeaders)
    {
        let context = DigestContext()
        let amzDate = date.amzDate
        let dateStamp = String(amzDate.prefix(8))
        let payloadHash = request.payload.hashValueForSigning
        let sendsContentHash = options.addContentSHA256Header || request.payload == .unsigned
        var headers = signableHeaders(of: request)
        headers.append(.init(name: "x-amz-date", value: amzDate, order: headers.count))
        if let token = credentials.sessionToken, options.signSessionToken {
            headers.append(.init(name: "x-amz-security-token", value: token, order: headers.count))
        }
        if sendsContentHash {
            headers.append(.init(name: "x-amz-content-sha256", value: payloadHash, order: headers.count))
        }
        SigV4Canonical.sortHeaders(&headers)
        let (canonical, signedHeaders) = SigV4Canonical.canonicalRequest(
            method: request.method, path: request.path, query: request.query, headers: headers,
            payloadHash: payloadHash, options: options)
        let scope = SigV4Canonical.credentialScope(dateStamp: dateStamp, region: region, service: service)
        let stringToSign = SigV4Canonical.stringToSign(
            canonicalRequest: canonical, amzDate: amzDate, scope: scope, context: context)
        let signature = signature(stringToSign: stringToSign, dateStamp: dateStamp, context: context)
        let result = SigV4SignedHeaders(
            authorization: SigV4Canonical.authorization(
                accessKeyId: credentials.accessKeyId, scope: scope, signedHeaders: signedHeaders, signature: signature),
            amzDate: amzDate, securityToken: credentials.sessionToken,
            contentSHA256: sendsContentHash ? payloadHash : nil, signedHeaders: signedHeaders, signature: signature)
        return (canonical, stringToSign, result)
    }

    /// The query form with its intermediate steps, for `presign` and for known-answer tests.
    func querySigning(_ request: SigV4Request, date: SigV4Date, expires: Int)
        -> (canonicalRequest: [UInt8], stringToSign: [UInt8], items: [(name: String, value: String)])
    {
        precondition((1...604_800).contains(expires), "SigV4 presigned URLs expire after 1 to 604800 seconds")
        let context = DigestContext()
        let amzDate = date.amzDate
        let dateStamp = String(amzDate.prefix(8))
        let scope = SigV4Canonical.credentialScope(dateStamp: dateStamp, region: region, service: service)
        let payloadHash = options.unsignedPayloadWhenPresigning
            ? SigV4Payload.unsignedPayloadLiteral : request.payload.hashValueForSigning
        var headers = signableHeaders(of: request)
        SigV4Canonical.sortHeaders(&headers)
        var names: [String] = []
        for entry in headers where names.last != entry.name { names.append(entry.name) }
        var items: [(name: String, value: String)] = [
            ("X-Amz-Algorithm", SigV4Canonical.algorithm),
            ("X-Amz-Credential", credentials.accessKeyId + "/" + scope),
            ("X-Amz-Date", amzDate),
            ("X-Amz-SignedHeaders", names.joined(separator: ";")),
            ("X-Amz-Expires", String(expires)),
        ]
        if let token = credentials.sessionToken, options.signSessionToken {
            items.append(("X-Amz-Security-Token", token))
        }
        let (canonical, _) = SigV4Canonical.canonicalRequest(
            method: request.method, path: request.path, query: request.query + items, headers: headers,
            payloadHash: payloadHash, options: options)
        let stringToSign = SigV4Canonical.stringToSign(
            canonicalRequest: canonical, amzDate: amzDate, scope: scope, context: context)
        let signature = signature(stringToSign: stringToSign, dateStamp: dateStamp, context: context)
        if let token = credentials.sessionToken, !options.signSessionToken {
            items.append(("X-Amz-Security-Token", token))
        }
        items.append(("X-Amz-Signature", signature))
        return (canonical, stringToSign, items)
    }

    /// The 32-byte signing key for `date`'s day, this region and service.
    func signingKey(date: SigV4Date) -> [UInt8] {
        SigV4Canonical.signingKey(
            secretAccessKey: credentials.secretAccessKey, dateStamp: date.dateStamp, region: region, service: service,
            context: DigestContext())
    }

    private func signature(stringToSign: [UInt8], dateStamp: String, context: DigestContext) -> String {
        let key = SigV4Canonical.signingKey(
            secretAccessKey: credentials.secretAccessKey, dateStamp: dateStamp, region: region,
            service: service, context: context)
        return SigV4Canonical.signature(stringToSign: stringToSign, signingKey: key, context: context)
    }

    /// The request's headers that get signed, lowercased, plus `host`; not yet sorted.
    private func signableHeaders(of request: SigV4Request) -> [SigV4Canonical.HeaderEntry] {
        var entries: [SigV4Canonical.HeaderEntry] = []
        entries.reserveCapacity(request.headers.count + 4)
        entries.append(.init(name: "host", value: request.host, order: 0))
        for header in request.headers {
            let name = SigV4Canonical.lowercasedASCII(header.name)
            if Self.isUnsignedHeader(name) { continue }
            entries.append(.init(name: name, value: header.value, order: entries.count))
        }
        return entries
    }

    /// Headers never signed: hop-by-hop and proxy-altered ones (botocore's list), and
    /// the ones the signer sets itself. `name` is lowercase.
    static func isUnsignedHeader(_ name: String) -> Bool {
        switch name {
        case "connection", "expect", "keep-alive", "proxy-authenticate", "proxy-authorization", "te", "trailer",
            "transfer-encoding", "upgrade", "user-agent", "x-amzn-trace-id",
            "host", "authorization", "x-amz-date", "x-amz-security-token", "x-amz-content-sha256":
            return true
        default:
            return false
        }
    }
}
