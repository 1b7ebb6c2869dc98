import InletCore
import InletSigV4

/// The emulator's S3 REST API, path-style (`/bucket/key`), over a ``LocalS3Store``: what the
/// AWS CLI, boto3 and Inlet's `S3Client` call, answered with AWS-shaped XML and headers.
///
/// Served: ListBuckets, CreateBucket, HeadBucket, DeleteBucket, GetBucketLocation,
/// ListObjectsV2 (and V1), PutObject (plain or `aws-chunked`), GetObject (with a single
/// `Range`), HeadObject, DeleteObject, DeleteObjects, and multipart uploads (create, upload
/// part, complete, abort). Other operations answer 501 `NotImplemented`.
/// Every request is authenticated first with the ``SigV4Authenticator``.
public struct S3Service: Sendable {
    /// The storage.
    public let store: LocalS3Store
    /// Checks signatures (or not, when disabled).
    public let authenticator: SigV4Authenticator
    /// The region reported by GetBucketLocation and `x-amz-bucket-region`.
    public let region: String

    /// A service over `store`, checking requests with `authenticator`.
    public init(store: LocalS3Store, authenticator: SigV4Authenticator, region: String = "us-east-1") {
        self.store = store
        self.authenticator = authenticator
        self.region = region
    }

    /// Answers one request. Never throws: every failure is an S3 `<Error>` response.
    public func handle(_ request: LocalRequest) async -> LocalResponse {
        let requestId = Self.newRequestId()
        do {
            _ = try authenticator.authenticate(request, service: "s3")
        } catch {
            return error.s3Response(resource: request.rawPath, requestId: requestId, method: request.method)
        }
        do {
            return try await route(request, requestId: requestId)
        } catch {
            return Self.errorResponse(error, resource: request.rawPath, requestId: requestId, method: request.method)
        }
    }

    // MARK: Routing

    private static let bucketQueryNames: Set<String> = [
        "list-type", "prefix", "delimiter", "max-keys", "continuation-token", "start-after", "encoding-type",
        "fetch-owner", "marker", "x-id", "location", "delete",
    ]
    private static let objectQueryNames: Set<String> = ["x-id", "partNumber", "uploadId", "uploads"]

    private func route(_ request: LocalRequest, requestId: String) async throws(S3Error) -> LocalResponse {
        let (bucket, key) = try Self.parsePath(request.rawPath)
        let query = PercentEncoding.parseQuery(request.rawQuery).filter { !$0.name.hasPrefix("X-Amz-") }
        func value(_ name: String) -> String? { query.first(where: { $0.name == name })?.value }
        guard let bucket else {
            guard request.method == "GET" else { throw Self.methodNotAllowed(request.method, "the service") }
            return await listBuckets(requestId: requestId)
        }
        guard let key else {
            if let unknown = query.first(where: { !Self.bucketQueryNames.contains($0.name) }) {
                throw S3Error.notImplemented("The bucket subresource '?\(unknown.name)' (\(request.method))")
            }
            switch request.method {
            case "PUT":
                try await store.createBucket(bucket)
                return Self.emptyResponse(status: 200, requestId: requestId, extra: [("Location", "/" + bucket)])
            case "HEAD":
                try await store.headBucket(bucket)
                return Self.emptyResponse(status: 200, requestId: requestId, extra: [("x-amz-bucket-region", region)])
            case "DELETE":
                try await store.deleteBucket(bucket)
                return Self.emptyResponse(status: 204, requestId: requestId)
            case "POST" where value("delete") != nil:
                return try await deleteObjects(request, bucket: bucket, requestId: requestId)
            case "GET":
                if value("location") != nil {
                    try await store.headBucket(bucket)
                    let constraint = region == "us-east-1" ? "" : S3XML.escape(region)
                    return S3XML.response(
                        "<LocationConstraint xmlns=\"\(S3XML.namespace)\">\(constraint)</LocationConstraint>",
                        requestId: requestId)
                }
                return try await listObjects(bucket: bucket, value: value, requestId: requestId)
            default:
                throw Self.methodNotAllowed(request.method, "a bucket")
            }
        }
        try S3Names.validateKey(key, bucket: bucket)
        if let unknown = query.first(where: { !Self.objectQueryNames.contains($0.name) }) {
            throw S3Error.notImplemented("The object subresource '?\(unknown.name)' (\(request.method))")
        }
        if let uploadId = value("uploadId") {
            return try await multipart(request, bucket: bucket, key: key, uploadId: uploadId, partNumber: value("partNumber"), requestId: requestId)
        }
        if request.method == "POST" && value("uploads") != nil {
            let uploadId = try await store.createMultipartUpload(
                bucket: bucket, key: key, contentType: request.headers["Content-Type"] ?? "binary/octet-stream")
            return S3XML.response(
                "<InitiateMultipartUploadResult xmlns=\"\(S3XML.namespace)\">" + S3XML.element("Bucket", bucket)
                    + S3XML.element("Key", key) + S3XML.element("UploadId", uploadId) + "</InitiateMultipartUploadResult>",
                requestId: requestId)
        }
        switch request.method {
        case "PUT": return try await putObject(request, bucket: bucket, key: key, requestId: requestId)
        case "GET", "HEAD": return try await getObject(request, bucket: bucket, key: key, requestId: requestId)
        case "DELETE":
            try await store.deleteObject(bucket: bucket, key: key)
            return Self.emptyResponse(status: 204, requestId: requestId)
        default:
            throw Self.methodNotAllowed(request.method, "an object")
        }
    }

    /// The bucket and key of a path-style request path, percent-decoded (UTF-8). A path of `/`
    /// has neither; `/bucket` and `/bucket/` have no key.
    static func parsePath(_ rawPath: String) throws(S3Error) -> (bucket: String?, key: String?) {
        var bytes = Array(rawPath.utf8)
        guard bytes.first == UInt8(ascii: "/") else {
            throw S3Error("InvalidURI", status: 400, "Couldn't parse the specified URI: '\(rawPath.prefix(200))'.")
        }
        bytes.removeFirst()
        if bytes.isEmpty { return (nil, nil) }
        let slash = bytes.firstIndex(of: UInt8(ascii: "/"))
        let bucket = try decode(bytes[..<(slash ?? bytes.endIndex)], rawPath: rawPath)
        guard let slash, slash + 1 < bytes.count else { return (bucket, nil) }
        return (bucket, try decode(bytes[(slash + 1)...], rawPath: rawPath))
    }

    private static func decode(_ raw: ArraySlice<UInt8>, rawPath: String) throws(S3Error) -> String {
        guard let bytes = S3Names.percentDecode(String(decoding: raw, as: UTF8.self)) else {
            throw S3Error(
                "InvalidURI", status: 400,
                "Couldn't parse the specified URI: '\(rawPath.prefix(200))' has a '%' not followed by two hex digits.")
        }
        let text = String(decoding: bytes, as: UTF8.self)
        guard text.utf8.elementsEqual(bytes) else {
            throw S3Error(
                "InvalidURI", status: 400,
                "Couldn't parse the specified URI: '\(rawPath.prefix(200))' does not decode to UTF-8.")
        }
        return text
    }

    // MARK: Operations

    private func listBuckets(requestId: String) async -> LocalResponse {
        var document = "<ListAllMyBucketsResult xmlns=\"\(S3XML.namespace)\">"
            + "<Owner><ID>inlet-local</ID><DisplayName>inlet-local</DisplayName></Owner><Buckets>"
        for bucket in await store.listBuckets() {
            document += "<Bucket>" + S3XML.element("Name", bucket.name)
                + S3XML.element("CreationDate", S3XML.isoDate(milliseconds: bucket.creationMilliseconds)) + "</Bucket>"
        }
        document += "</Buckets></ListAllMyBucketsResult>"
        return S3XML.response(document, requestId: requestId)
    }

    private func listObjects(bucket: String, value: (String) -> String?, requestId: String) async throws(S3Error)
        -> LocalResponse
    {
        let isV2 = value("list-type") == "2"
        if let listType = value("list-type"), listType != "2" {
            throw S3Error.invalidArgument("list-type must be 2 (ListObjectsV2); got '\(listType.prefix(20))'.")
        }
        var maxKeys = 1000
        if let text = value("max-keys") {
            guard let parsed = Int(text), parsed >= 0 else {
                throw S3Error.invalidArgument(
                    "Provided max-keys not an integer or within integer range: '\(text.prefix(20))'.")
            }
            maxKeys = parsed
        }
        let encodeURL: Bool
        switch value("encoding-type") {
        case nil: encodeURL = false
        case "url": encodeURL = true
        case let other?:
            throw S3Error.invalidArgument("Invalid Encoding Method specified in Request: '\(other.prefix(20))'; use 'url'.")
        }
        let prefix = value("prefix") ?? ""
        let delimiter = value("delimiter") ?? ""
        let token = isV2 ? value("continuation-token") : nil
        let startAfter = isV2 ? value("start-after") : value("marker")
        let page = try await store.listObjectsV2(
            bucket: bucket,
            query: S3ListQuery(
                prefix: prefix, delimiter: delimiter, continuationToken: token, startAfter: startAfter,
                maxKeys: maxKeys))
        func text(_ raw: String) -> String { encodeURL ? S3Names.urlEncode(raw) : raw }
        var document = "<ListBucketResult xmlns=\"\(S3XML.namespace)\">" + S3XML.element("Name", bucket)
            + S3XML.element("Prefix", text(prefix))
        if isV2 {
            if let token { document += S3XML.element("ContinuationToken", token) }
            if let startAfter { document += S3XML.element("StartAfter", text(startAfter)) }
            document += S3XML.element("KeyCount", String(page.keyCount))
        } else {
            document += S3XML.element("Marker", text(startAfter ?? ""))
        }
        document += S3XML.element("MaxKeys", String(maxKeys))
        if !delimiter.isEmpty { document += S3XML.element("Delimiter", text(delimiter)) }
        if encodeURL { document += S3XML.element("EncodingType", "url") }
        document += S3XML.element("IsTruncated", page.isTruncated ? "true" : "false")
        if let next = page.nextContinuationToken {
            if isV2 {
                document += S3XML.element("NextContinuationToken", next)
            } else if let last = [page.contents.last?.key, page.commonPrefixes.last].compactMap({ $0 }).max(by: {
                $0.utf8.lexicographicallyPrecedes($1.utf8)
            }) {
                document += S3XML.element("NextMarker", text(last))
            }
        }
        for object in page.contents {
            document += "<Contents>" + S3XML.element("Key", text(object.key))
                + S3XML.element("LastModified", S3XML.isoDate(milliseconds: object.lastModifiedMilliseconds))
                + S3XML.element("ETag", object.etag) + S3XML.element("Size", String(object.size))
                + S3XML.element("StorageClass", "STANDARD") + "</Contents>"
        }
        for commonPrefix in page.commonPrefixes {
            document += "<CommonPrefixes>" + S3XML.element("Prefix", text(commonPrefix)) + "</CommonPrefixes>"
        }
        document += "</ListBucketResult>"
        return S3XML.response(document, requestId: requestId)
    }

    private func putObject(_ request: LocalRequest, bucket: String, key: String, requestId: String) async throws(S3Error)
        -> LocalResponse
    {
        if request.headers.contains(name: "x-amz-copy-source") { throw S3Error.notImplemented("CopyObject") }
        if request.headers.contains(name: "If-Match") { throw S3Error.notImplemented("PutObject with If-Match") }
        var ifNoneMatch = false
        if let condition = request.headers["If-None-Match"] {
            guard condition.trimmingSpaces() == "*" else {
                throw S3Error.notImplemented("PutObject with If-None-Match other than '*'")
            }
            ifNoneMatch = true
        }
        let body = try Self.payload(of: request, bucket: bucket, key: key)
        let info = try await store.putObject(
            bucket: bucket, key: key, body: body,
            contentType: request.headers["Content-Type"] ?? "binary/octet-stream",
            contentMD5: request.headers["Content-MD5"], ifNoneMatch: ifNoneMatch)
        return Self.emptyResponse(status: 200, requestId: requestId, extra: [("ETag", info.etag)])
    }

    /// DeleteObjects (`POST /bucket?delete`): up to 1000 `<Object><Key>` entries; each key is
    /// deleted or reported in an `<Error>` of the `DeleteResult`; `<Quiet>true</Quiet>` lists errors only.
    private func deleteObjects(_ request: LocalRequest, bucket: String, requestId: String) async throws(S3Error)
        -> LocalResponse
    {
        let text = String(decoding: request.body, as: UTF8.self)
        let malformed = S3Error(
            "MalformedXML", status: 400,
            "The XML you provided was not well-formed or did not validate: DeleteObjects expects "
                + "<Delete><Object><Key>…</Key></Object>…</Delete> with 1 to 1000 objects.", bucketName: bucket)
        guard text.contains("<Delete"), text.contains("</Delete>") else { throw malformed }
        let objects = S3XML.elements("Object", in: text)
        guard (1...1000).contains(objects.count) else { throw malformed }
        let quiet = S3XML.elements("Quiet", in: text).first == "true"
        try await store.headBucket(bucket)
        var document = "<DeleteResult xmlns=\"\(S3XML.namespace)\">"
        for object in objects {
            guard let rawKey = S3XML.elements("Key", in: object).first else { throw malformed }
            let key = S3XML.unescape(rawKey)
            do {
                try S3Names.validateKey(key, bucket: bucket)
                try await store.deleteObject(bucket: bucket, key: key)
                if !quiet { document += "<Deleted>" + S3XML.element("Key", key) + "</Deleted>" }
            } catch {
                document += "<Error>" + S3XML.element("Key", key) + S3XML.element("Code", error.code)
                    + S3XML.element("Message", error.message) + "</Error>"
            }
        }
        document += "</DeleteResult>"
        return S3XML.response(document, requestId: requestId)
    }

    /// The body as stored: aws-chunked framing removed, `x-amz-checksum-*` headers and trailers verified.
    static func payload(of request: LocalRequest, bucket: String, key: String) throws(S3Error) -> [UInt8] {
        var body = request.body
        var trailers: [(name: String, value: String)] = []
        let contentSHA = request.headers["x-amz-content-sha256"] ?? ""
        let encodings = (request.headers["Content-Encoding"] ?? "").split(separator: ",").map {
            $0.trimmingASCII(" \t")
        }
        if contentSHA.hasPrefix("STREAMING-") || encodings.contains("aws-chunked") {
            var decodedLength: Int?
            if let text = request.headers["x-amz-decoded-content-length"] {
                guard let parsed = Int(text.trimmingSpaces()), parsed >= 0 else {
                    throw S3Error.invalidArgument("x-amz-decoded-content-length '\(text.prefix(20))' is not a length.")
                }
                decodedLength = parsed
            }
            (body, trailers) = try AWSChunked.decode(body, decodedLength: decodedLength)
        }
        let checksums = request.headers.fields.filter { $0.name.lowercased().hasPrefix("x-amz-checksum-") } + trailers
        try Checksums.verify(checksums, body: body, bucket: bucket, key: key)
        return body
    }

    /// UploadPart (`PUT ?partNumber&uploadId`), CompleteMultipartUpload (`POST ?uploadId`) and
    /// AbortMultipartUpload (`DELETE ?uploadId`).
    private func multipart(
        _ request: LocalRequest, bucket: String, key: String, uploadId: String, partNumber: String?, requestId: String
    ) async throws(S3Error) -> LocalResponse {
        switch request.method {
        case "PUT":
            guard let partNumber, let number = Int(partNumber) else {
                throw S3Error.invalidArgument("UploadPart needs an integer partNumber between 1 and 10000.")
            }
            let body = try Self.payload(of: request, bucket: bucket, key: key)
            if let contentMD5 = request.headers["Content-MD5"],
                String(contentMD5.trimmingSpaces()) != ByteEncoding.base64(Digest.md5(body))
            {
                throw S3Error(
                    "BadDigest", status: 400,
                    "The Content-MD5 you specified did not match what we received for part \(number).",
                    bucketName: bucket, key: key)
            }
            let etag = try await store.uploadPart(
                bucket: bucket, key: key, uploadId: uploadId, partNumber: number, body: body)
            return Self.emptyResponse(status: 200, requestId: requestId, extra: [("ETag", etag)])
        case "POST":
            let text = String(decoding: request.body, as: UTF8.self)
            var parts: [(number: Int, etag: String)] = []
            for part in S3XML.elements("Part", in: text) {
                guard let number = S3XML.elements("PartNumber", in: part).first.flatMap({ Int($0) }),
                    let etag = S3XML.elements("ETag", in: part).first
                else {
                    throw S3Error(
                        "MalformedXML", status: 400,
                        "The XML you provided was not well-formed or did not validate: each <Part> needs <PartNumber> "
                            + "and <ETag>.", bucketName: bucket, key: key)
                }
                parts.append((number, S3XML.unescape(etag)))
            }
            let info = try await store.completeMultipartUpload(bucket: bucket, key: key, uploadId: uploadId, parts: parts)
            return S3XML.response(
                "<CompleteMultipartUploadResult xmlns=\"\(S3XML.namespace)\">"
                    + S3XML.element("Location", "/" + bucket + "/" + PercentEncoding.encodePath(key))
                    + S3XML.element("Bucket", bucket) + S3XML.element("Key", key) + S3XML.element("ETag", info.etag)
                    + "</CompleteMultipartUploadResult>",
                requestId: requestId)
        case "DELETE":
            try await store.abortMultipartUpload(bucket: bucket, key: key, uploadId: uploadId)
            return Self.emptyResponse(status: 204, requestId: requestId)
        default:
            throw Self.methodNotAllowed(request.method, "a multipart upload")
        }
    }

    private func getObject(_ request: LocalRequest, bucket: String, key: String, requestId: String)
        async throws(S3Error) -> LocalResponse
    {
        let isHead = request.method == "HEAD"
        let info: S3ObjectInfo
        var body: [UInt8] = []
        if isHead {
            info = try await store.headObject(bucket: bucket, key: key)
        } else {
            (info, body) = try await store.getObject(bucket: bucket, key: key)
        }
        var headers = HTTPHeaders([
            ("ETag", info.etag), ("Last-Modified", S3XML.httpDate(milliseconds: info.lastModifiedMilliseconds)),
            ("Content-Type", info.contentType), ("Accept-Ranges", "bytes"), ("x-amz-request-id", requestId),
            ("x-amz-id-2", requestId),
        ])
        if let ifNoneMatch = request.headers["If-None-Match"],
            ifNoneMatch.split(separator: ",").contains(where: { $0.trimmingASCII(" \t") == info.etag || $0.trimmingASCII(" \t") == "*" })
        {
            return LocalResponse(status: 304, headers: headers)
        }
        if let ifMatch = request.headers["If-Match"],
            !ifMatch.split(separator: ",").contains(where: { $0.trimmingASCII(" \t") == info.etag || $0.trimmingASCII(" \t") == "*" })
        {
            throw S3Error(
                "PreconditionFailed", status: 412,
                "At least one of the pre-conditions you specified did not hold: If-Match \(ifMatch) but the ETag is "
                    + "\(info.etag).", bucketName: bucket, key: key)
        }
        var status = 200
        var length = info.size
        if let range = request.headers["Range"], let (start, end) = try Self.parseRange(range, size: info.size) {
            status = 206
            length = end - start + 1
            headers.add(name: "Content-Range", value: "bytes \(start)-\(end)/\(info.size)")
            if !isHead { body = Array(body[start...end]) }
        }
        headers.add(name: "Content-Length", value: String(length))
        return LocalResponse(status: status, headers: headers, body: isHead ? [] : body)
    }

    /// The inclusive byte range of a single-range `Range: bytes=…` header; nil for forms S3 ignores
    /// (multiple ranges, other units), `InvalidRange` (416) when it does not overlap the object.
    static func parseRange(_ header: String, size: Int) throws(S3Error) -> (Int, Int)? {
        let text = String(header.trimmingSpaces())
        guard text.hasPrefix("bytes="), !text.contains(",") else { return nil }
        let spec = text.dropFirst(6)
        guard let dash = spec.firstIndex(of: "-") else { return nil }
        let first = spec[..<dash]
        let last = spec[spec.index(after: dash)...]
        let unsatisfiable = S3Error(
            "InvalidRange", status: 416,
            "The requested range is not satisfiable: '\(text.prefix(60))' for an object of \(size) bytes.")
        if first.isEmpty {
            guard let suffix = Int(last), suffix >= 0 else { return nil }
            guard suffix > 0, size > 0 else { throw unsatisfiable }
            return (max(0, size - suffix), size - 1)
        }
        guard let start = Int(first), start >= 0 else { return nil }
        var end = size - 1
        if !last.isEmpty {
            guard let parsed = Int(last), parsed >= start else { return nil }
            end = min(parsed, size - 1)
        }
        guard start < size else { throw unsatisfiable }
        return (start, end)
    }

    // MARK: Responses

    static func emptyResponse(status: Int, requestId: String, extra: [(String, String)] = []) -> LocalResponse {
        var headers = HTTPHeaders(extra)
        headers.add(name: "Content-Length", value: "0")
        headers.add(name: "x-amz-request-id", value: requestId)
        headers.add(name: "x-amz-id-2", value: requestId)
        return LocalResponse(status: status, headers: headers)
    }

    static func errorResponse(_ error: S3Error, resource: String, requestId: String, method: String) -> LocalResponse {
        var fields: [(String, String)] = [("Code", error.code), ("Message", error.message)]
        if let bucket = error.bucketName, !bucket.isEmpty { fields.append(("BucketName", bucket)) }
        if let key = error.key { fields.append(("Key", key)) }
        fields.append(("Resource", resource))
        fields.append(("RequestId", requestId))
        return S3XML.errorResponse(status: error.status, fields: fields, requestId: requestId, method: method)
    }

    static func methodNotAllowed(_ method: String, _ target: String) -> S3Error {
        S3Error(
            "MethodNotAllowed", status: 405,
            "The specified method is not allowed against this resource: \(method.prefix(20)) on \(target).")
    }

    /// A fresh request id: 16 uppercase hex digits, as S3's `x-amz-request-id`.
    static func newRequestId() -> String {
        let text = String(UInt64.random(in: 0...UInt64.max), radix: 16, uppercase: true)
        return String(repeating: "0", count: 16 - text.count) + text
    }
}

extension StringProtocol {
    /// Without leading and trailing characters in `set` (ASCII only).
    func trimmingASCII(_ set: String) -> String {
        let scalars = Array(unicodeScalars)
        var start = 0
        var end = scalars.count
        while start < end && set.unicodeScalars.contains(scalars[start]) { start += 1 }
        while end > start && set.unicodeScalars.contains(scalars[end - 1]) { end -= 1 }
        var out = String.UnicodeScalarView()
        out.append(contentsOf: scalars[start..<end])
        return String(out)
    }
}
