import InletCore
import InletHTTP
import InletSigV4

/// The answer to ``S3Client/putObject(bucket:key:body:contentType:ifNoneMatch:deadline:)``.
public struct S3PutObjectResult: Sendable, Hashable {
    /// The object's ETag as S3 sends it, quotes included: `"<hex MD5>"` for a single-part upload.
    public var etag: String
    /// The version id, when the bucket is versioned.
    public var versionId: String?

    /// A result from its parts.
    public init(etag: String, versionId: String? = nil) {
        self.etag = etag
        self.versionId = versionId
    }
}

/// An object's metadata, from ``S3Client/headObject(bucket:key:deadline:)`` or a GET.
public struct S3ObjectMetadata: Sendable, Hashable {
    /// The ETag, quotes included.
    public var etag: String?
    /// The body's length in bytes.
    public var contentLength: Int?
    /// The `Content-Type` stored with the object.
    public var contentType: String?
    /// The `Last-Modified` header as sent (an HTTP date).
    public var lastModified: String?

    /// Metadata from its parts.
    public init(etag: String? = nil, contentLength: Int? = nil, contentType: String? = nil, lastModified: String? = nil) {
        self.etag = etag
        self.contentLength = contentLength
        self.contentType = contentType
        self.lastModified = lastModified
    }

    init(headers: HTTPHeaders) {
        self.init(
            etag: headers["ETag"], contentLength: headers["Content-Length"].flatMap { Int($0) },
            contentType: headers["Content-Type"], lastModified: headers["Last-Modified"])
    }
}

/// An object's body and metadata, from ``S3Client/getObject(bucket:key:deadline:)``.
public struct S3GetObjectResult: Sendable, Hashable {
    /// The body bytes.
    public var body: [UInt8]
    /// The metadata from the response headers.
    public var metadata: S3ObjectMetadata

    /// A result from its parts.
    public init(body: [UInt8], metadata: S3ObjectMetadata) {
        self.body = body
        self.metadata = metadata
    }
}

/// One object in a ``S3ListObjectsV2Result``.
public struct S3ObjectSummary: Sendable, Hashable {
    /// The key.
    public var key: String
    /// The size in bytes.
    public var size: Int
    /// The ETag, quotes included.
    public var etag: String
    /// The last-modified time as S3 writes it (ISO 8601, `2026-11-27T09:19:01.000Z`).
    public var lastModified: String

    /// A summary from its parts.
    public init(key: String, size: Int, etag: String, lastModified: String) {
        self.key = key
        self.size = size
        self.etag = etag
        self.lastModified = lastModified
    }
}

/// One page of ``S3Client/listObjectsV2(bucket:prefix:delimiter:continuationToken:maxKeys:deadline:)``.
public struct S3ListObjectsV2Result: Sendable, Hashable {
    /// The objects on this page, in key order.
    public var contents: [S3ObjectSummary]
    /// The key prefixes rolled up by the delimiter.
    public var commonPrefixes: [String]
    /// Whether more pages follow.
    public var isTruncated: Bool
    /// The token for the next page, when truncated.
    public var nextContinuationToken: String?
    /// How many keys and prefixes this page holds, as S3 counts them.
    public var keyCount: Int

    /// A page from its parts.
    public init(
        contents: [S3ObjectSummary], commonPrefixes: [String], isTruncated: Bool, nextContinuationToken: String?,
        keyCount: Int
    ) {
        self.contents = contents
        self.commonPrefixes = commonPrefixes
        self.isTruncated = isTruncated
        self.nextContinuationToken = nextContinuationToken
        self.keyCount = keyCount
    }
}

/// An S3 client for single-part object writes and reads (SigV4 with S3's rules).
///
/// Every call takes a deadline: attempts get the time left as their timeout, and failures
/// that may pass (5xx, `SlowDown`, throttling, transport errors) are retried with full-jitter
/// backoff while time remains, as ``FirehoseClient`` does. Bodies are signed
/// (`x-amz-content-sha256` is the body's SHA-256) and uploads carry `Content-MD5`.
///
/// Keys are sent percent-encoded per segment with `/` kept; a key with a `.` or `..`
/// segment is refused, because libcurl (like most HTTP stacks) removes dot segments from
/// the path after it has been signed.
public struct S3Client: Sendable, CustomStringConvertible {
    /// The configuration the client was made with.
    public let configuration: AWSConfiguration
    let sender: RequestSender

    /// A client that sends through `transport`; see ``FirehoseClient/init(configuration:transport:retry:limits:environment:)``.
    public init(
        configuration: AWSConfiguration, transport: any HTTPTransport, retry: RetryPolicy = .default,
        environment: AWSClientEnvironment = .system
    ) {
        self.configuration = configuration
        self.sender = RequestSender(
            transport: transport,
            signer: SigV4Signer(
                credentials: configuration.credentials, service: "s3", region: configuration.region, options: .s3),
            environment: environment, retry: retry)
    }

    /// The endpoint, region and access key id; never the secret or the token.
    public var description: String {
        "S3Client(endpoint: \(configuration.resolvedS3Endpoint), region: \(configuration.region), "
            + "credentials: \(configuration.credentials))"
    }

    /// The retry policy in force.
    public var retry: RetryPolicy { sender.retry }

    // MARK: Objects

    /// Writes `body` to `key` in one PUT.
    ///
    /// - Parameters:
    ///   - contentType: stored with the object and returned on GET.
    ///   - ifNoneMatch: send `If-None-Match: *`, so the write fails when the key exists. S3
    ///     then answers 412, thrown as an ``AWSError`` with code `PreconditionFailed`
    ///     (``AWSError/isPreconditionFailed``). After a retried attempt a 412 can also mean
    ///     that an earlier attempt of this very call succeeded; for write-once keys with
    ///     deterministic content both mean "already written".
    /// - Returns: the ETag (`"<hex MD5 of body>"`) and version id.
    public func putObject(
        bucket: String, key: String, body: [UInt8], contentType: String = "application/octet-stream",
        ifNoneMatch: Bool = false, deadline: ContinuousClock.Instant
    ) async throws(AWSError) -> S3PutObjectResult {
        let (endpoint, path) = try address(bucket: bucket, key: key)
        var headers: [(name: String, value: String)] = [
            ("Content-Type", contentType), ("Content-MD5", Digest.md5Base64(body)),
        ]
        if ifNoneMatch { headers.append(("If-None-Match", "*")) }
        let payloadHash = Digest.sha256Hex(body)
        return try await sender.send(
            deadline: deadline,
            build: {
                sender.signedRequest(
                    method: .put, endpoint: endpoint, path: path, headers: headers, body: body, payloadHash: payloadHash)
            },
            errorOf: AWSError.fromXMLResponse,
            accept: { response throws(AWSError) in
                guard let etag = response.headers["ETag"] else {
                    throw AWSError(
                        kind: .service, code: "InvalidResponse", message: "S3 answered the PUT without an ETag.",
                        httpStatus: response.status, requestId: AWSError.requestId(of: response))
                }
                return S3PutObjectResult(etag: etag, versionId: response.headers["x-amz-version-id"])
            })
    }

    /// Reads an object. A missing key throws code `NoSuchKey` (HTTP 404).
    public func getObject(bucket: String, key: String, deadline: ContinuousClock.Instant) async throws(AWSError)
        -> S3GetObjectResult
    {
        let (endpoint, path) = try address(bucket: bucket, key: key)
        return try await sender.send(
            deadline: deadline,
            build: { sender.signedRequest(method: .get, endpoint: endpoint, path: path, headers: [], body: []) },
            errorOf: AWSError.fromXMLResponse,
            accept: { response in S3GetObjectResult(body: response.body, metadata: S3ObjectMetadata(headers: response.headers)) })
    }

    /// Reads an object's metadata. A missing key throws code `NotFound` (HTTP 404, no body).
    public func headObject(bucket: String, key: String, deadline: ContinuousClock.Instant) async throws(AWSError)
        -> S3ObjectMetadata
    {
        let (endpoint, path) = try address(bucket: bucket, key: key)
        return try await sender.send(
            deadline: deadline,
            build: { sender.signedRequest(method: .head, endpoint: endpoint, path: path, headers: [], body: []) },
            errorOf: AWSError.fromXMLResponse,
            accept: { response in S3ObjectMetadata(headers: response.headers) })
    }

    /// Deletes an object (S3 answers 204 whether or not it existed).
    public func deleteObject(bucket: String, key: String, deadline: ContinuousClock.Instant) async throws(AWSError) {
        let (endpoint, path) = try address(bucket: bucket, key: key)
        try await sender.send(
            deadline: deadline,
            build: { sender.signedRequest(method: .delete, endpoint: endpoint, path: path, headers: [], body: []) },
            errorOf: AWSError.fromXMLResponse,
            accept: { _ in () })
    }

    // MARK: Buckets

    /// Creates a bucket in the configured region (with a `LocationConstraint` outside us-east-1).
    ///
    /// An existing bucket throws `BucketAlreadyOwnedByYou` or `BucketAlreadyExists`.
    public func createBucket(_ bucket: String, deadline: ContinuousClock.Instant) async throws(AWSError) {
        let (endpoint, path) = try address(bucket: bucket, key: nil)
        var body: [UInt8] = []
        var headers: [(name: String, value: String)] = []
        if configuration.region != "us-east-1" {
            body = Array(
                ("<CreateBucketConfiguration xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">"
                    + "<LocationConstraint>\(configuration.region)</LocationConstraint></CreateBucketConfiguration>").utf8)
            headers.append(("Content-Type", "application/xml"))
        }
        try await sender.send(
            deadline: deadline,
            build: { sender.signedRequest(method: .put, endpoint: endpoint, path: path, headers: headers, body: body) },
            errorOf: AWSError.fromXMLResponse,
            accept: { _ in () })
    }

    /// Lists one page of a bucket's keys (ListObjectsV2).
    ///
    /// - Parameters:
    ///   - prefix: only keys starting with it.
    ///   - delimiter: roll keys up to ``S3ListObjectsV2Result/commonPrefixes`` at it (e.g. `/`).
    ///   - continuationToken: ``S3ListObjectsV2Result/nextContinuationToken`` of the previous page.
    ///   - maxKeys: at most this many keys (S3 caps it at 1000).
    public func listObjectsV2(
        bucket: String, prefix: String? = nil, delimiter: String? = nil, continuationToken: String? = nil,
        maxKeys: Int? = nil, deadline: ContinuousClock.Instant
    ) async throws(AWSError) -> S3ListObjectsV2Result {
        let (endpoint, path) = try address(bucket: bucket, key: nil)
        var query: [(name: String, value: String)] = [("list-type", "2")]
        if let continuationToken { query.append(("continuation-token", continuationToken)) }
        if let delimiter { query.append(("delimiter", delimiter)) }
        if let maxKeys { query.append(("max-keys", String(maxKeys))) }
        if let prefix { query.append(("prefix", prefix)) }
        return try await sender.send(
            deadline: deadline,
            build: {
                sender.signedRequest(method: .get, endpoint: endpoint, path: path, query: query, headers: [], body: [])
            },
            errorOf: AWSError.fromXMLResponse,
            accept: { response throws(AWSError) in try Self.parseListObjectsV2(response) })
    }

    /// Reads a ListObjectsV2 XML answer.
    static func parseListObjectsV2(_ response: HTTPResponse) throws(AWSError) -> S3ListObjectsV2Result {
        guard let root = XMLElement.parse(response.body), root.name == "ListBucketResult" else {
            throw AWSError(
                kind: .service, code: "InvalidResponse",
                message: "S3 answered ListObjectsV2 without a ListBucketResult document.", httpStatus: response.status,
                requestId: AWSError.requestId(of: response))
        }
        let contents = root.children(named: "Contents").map { element in
            S3ObjectSummary(
                key: element.childText("Key") ?? "", size: element.childText("Size").flatMap { Int($0) } ?? 0,
                etag: element.childText("ETag") ?? "", lastModified: element.childText("LastModified") ?? "")
        }
        let prefixes = root.children(named: "CommonPrefixes").compactMap { $0.childText("Prefix") }
        let token = root.childText("NextContinuationToken")
        return S3ListObjectsV2Result(
            contents: contents, commonPrefixes: prefixes, isTruncated: root.childText("IsTruncated") == "true",
            nextContinuationToken: token?.isEmpty == true ? nil : token,
            keyCount: root.childText("KeyCount").flatMap { Int($0) } ?? contents.count + prefixes.count)
    }

    // MARK: Addressing

    /// The endpoint and wire path for `bucket` (and `key`), or an ``AWSError/Kind/invalidRequest``.
    func address(bucket: String, key: String?) throws(AWSError) -> (endpoint: AWSEndpoint, path: String) {
        guard !bucket.isEmpty, !bucket.utf8.contains(UInt8(ascii: "/")) else {
            throw AWSError(
                kind: .invalidRequest, code: "invalid_request",
                message: "\"\(bucket)\" is not a bucket name (it is empty or holds '/').")
        }
        if let key {
            guard Self.isSendableKey(key) else {
                throw AWSError(
                    kind: .invalidRequest, code: "invalid_request",
                    message: "The key \"\(key)\" is empty or has a '.' or '..' segment, which HTTP clients "
                        + "and proxies rewrite; choose another key.")
            }
        }
        return configuration.s3Address(bucket: bucket, key: key ?? "")
    }

    /// Whether `key` can be sent as a path: non-empty, no `.` or `..` segments.
    static func isSendableKey(_ key: String) -> Bool {
        guard !key.isEmpty else { return false }
        for segment in key.utf8.split(separator: UInt8(ascii: "/"), omittingEmptySubsequences: false) {
            if segment.elementsEqual(".".utf8) || segment.elementsEqual("..".utf8) { return false }
        }
        return true
    }
}
