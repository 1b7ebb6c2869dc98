import Foundation
import InletAWS
import InletCore
import InletEmulator
import InletHTTP
import InletSigV4
import Testing

@Suite struct S3ServiceTests {
    private static let fixedMilliseconds: Int64 = 1_795_000_000_123

    private func withService(
        authenticator: SigV4Authenticator = .disabled, _ body: (S3Service, TemporaryDirectory) async throws -> Void
    ) async throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanUp() }
        let store = try LocalS3Store(dataDirectory: directory.path, now: { Self.fixedMilliseconds })
        try await body(S3Service(store: store, authenticator: authenticator, region: "eu-west-1"), directory)
    }

    private func put(_ service: S3Service, _ path: String, _ body: String, headers: [(String, String)] = []) async -> LocalResponse {
        await service.handle(S3Fixtures.plain("PUT", path, headers: headers, body: Array(body.utf8)))
    }

    // MARK: Inlet's own client, unchanged

    @Test func s3ClientWorksAgainstTheEmulatorWithSignaturesChecked() async throws {
        let authenticator = SigV4Authenticator(credentials: [S3Fixtures.credentials], region: "eu-west-1")
        try await withService(authenticator: authenticator) { service, _ in
            let configuration = AWSConfiguration(
                credentials: S3Fixtures.credentials, region: "eu-west-1",
                s3Endpoint: AWSEndpoint(scheme: "http", host: "127.0.0.1", port: 4566))
            let client = S3Client(configuration: configuration, transport: InProcessS3Transport(service: service), retry: .none)
            let deadline = ContinuousClock.now + .seconds(30)
            try await client.createBucket("inlet-events", deadline: deadline)
            do {
                try await client.createBucket("inlet-events", deadline: deadline)
                Issue.record("a second CreateBucket succeeded")
            } catch let error as AWSError {
                #expect(error.code == "BucketAlreadyOwnedByYou")
            }
            let body = Array("{\"event\":1}\n".utf8)
            let put = try await client.putObject(
                bucket: "inlet-events", key: "2026/11/27/a b+c~ü.json", body: body, contentType: "application/json",
                ifNoneMatch: true, deadline: deadline)
            #expect(put.etag == "\"" + ByteEncoding.hex(Digest.md5(body)) + "\"")
            do {
                _ = try await client.putObject(
                    bucket: "inlet-events", key: "2026/11/27/a b+c~ü.json", body: body, ifNoneMatch: true, deadline: deadline)
                Issue.record("If-None-Match: * overwrote")
            } catch let error as AWSError {
                #expect(error.isPreconditionFailed)
            }
            let got = try await client.getObject(bucket: "inlet-events", key: "2026/11/27/a b+c~ü.json", deadline: deadline)
            #expect(got.body == body)
            #expect(got.metadata.etag == put.etag)
            #expect(got.metadata.contentType == "application/json")
            #expect(got.metadata.lastModified == "Wed, 18 Nov 2026 11:06:40 GMT")
            let head = try await client.headObject(bucket: "inlet-events", key: "2026/11/27/a b+c~ü.json", deadline: deadline)
            #expect(head.contentLength == body.count)
            for index in 0..<5 {
                _ = try await client.putObject(bucket: "inlet-events", key: "2026/11/28/\(index)", body: [UInt8(index)], deadline: deadline)
            }
            let top = try await client.listObjectsV2(bucket: "inlet-events", prefix: "2026/", delimiter: "/", deadline: deadline)
            #expect(top.commonPrefixes == ["2026/11/"])
            #expect(top.keyCount == 1)
            let first = try await client.listObjectsV2(bucket: "inlet-events", prefix: "2026/11/28/", maxKeys: 3, deadline: deadline)
            #expect(first.contents.map(\.key) == ["2026/11/28/0", "2026/11/28/1", "2026/11/28/2"])
            #expect(first.isTruncated)
            let second = try await client.listObjectsV2(
                bucket: "inlet-events", prefix: "2026/11/28/", continuationToken: first.nextContinuationToken, maxKeys: 3,
                deadline: deadline)
            #expect(second.contents.map(\.key) == ["2026/11/28/3", "2026/11/28/4"])
            #expect(!second.isTruncated)
            #expect(second.contents[0].lastModified == "2026-11-18T11:06:40.123Z")
            try await client.deleteObject(bucket: "inlet-events", key: "2026/11/28/0", deadline: deadline)
            do {
                _ = try await client.getObject(bucket: "inlet-events", key: "2026/11/28/0", deadline: deadline)
                Issue.record("deleted object still readable")
            } catch let error as AWSError {
                #expect(error.code == "NoSuchKey")
            }
            do {
                _ = try await client.headObject(bucket: "inlet-events", key: "2026/11/28/0", deadline: deadline)
                Issue.record("deleted object still has metadata")
            } catch let error as AWSError {
                #expect(error.code == "NotFound")
                #expect(error.httpStatus == 404)
            }
            // A client with the wrong secret is refused with S3's code.
            let wrong = S3Client(
                configuration: AWSConfiguration(
                    credentials: AWSCredentials(accessKeyId: S3Fixtures.credentials.accessKeyId, secretAccessKey: "nope"),
                    region: "eu-west-1", s3Endpoint: AWSEndpoint(scheme: "http", host: "127.0.0.1", port: 4566)),
                transport: InProcessS3Transport(service: service), retry: .none)
            do {
                _ = try await wrong.getObject(bucket: "inlet-events", key: "2026/11/28/1", deadline: deadline)
                Issue.record("a wrong secret was accepted")
            } catch let error as AWSError {
                #expect(error.code == "SignatureDoesNotMatch")
                #expect(error.httpStatus == 403)
            }
        }
    }

    // MARK: Documents and headers

    @Test func listBucketsAndLocationDocuments() async throws {
        try await withService { service, _ in
            #expect(await service.handle(S3Fixtures.plain("PUT", "/bucket-b")).status == 200)
            #expect(await service.handle(S3Fixtures.plain("PUT", "/bucket-a/")).status == 200)
            let list = await service.handle(S3Fixtures.plain("GET", "/"))
            #expect(list.status == 200)
            #expect(list.text.contains("<ListAllMyBucketsResult xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">"))
            #expect(list.xmlAll("Name") == ["bucket-a", "bucket-b"])
            #expect(list.xmlAll("CreationDate") == ["2026-11-18T11:06:40.123Z", "2026-11-18T11:06:40.123Z"])
            #expect(list.headers["Content-Type"] == "application/xml")
            #expect(list.headers["x-amz-request-id"]?.count == 16)
            let location = await service.handle(S3Fixtures.plain("GET", "/bucket-a", query: "location"))
            #expect(location.text.contains(">eu-west-1</LocationConstraint>"))
            let head = await service.handle(S3Fixtures.plain("HEAD", "/bucket-a"))
            #expect(head.status == 200)
            #expect(head.headers["x-amz-bucket-region"] == "eu-west-1")
            #expect(await service.handle(S3Fixtures.plain("HEAD", "/nope-bucket")).status == 404)
            #expect(await service.handle(S3Fixtures.plain("HEAD", "/nope-bucket")).body.isEmpty)
            #expect(await service.handle(S3Fixtures.plain("DELETE", "/bucket-a")).status == 204)
            #expect(await service.handle(S3Fixtures.plain("PUT", "/Bad_Name")).errorCode == "InvalidBucketName")
            #expect(await service.handle(S3Fixtures.plain("POST", "/")).errorCode == "MethodNotAllowed")
        }
    }

    @Test func objectHeadersAndHeadHasNoBody() async throws {
        try await withService { service, _ in
            _ = await service.handle(S3Fixtures.plain("PUT", "/objs"))
            let written = await put(service, "/objs/dir/a%20b.txt", "hello world", headers: [("Content-Type", "text/plain")])
            #expect(written.status == 200)
            #expect(written.headers["ETag"] == "\"5eb63bbbe01eeed093cb22bb8f5acdc3\"")
            #expect(written.headers["x-amz-request-id"] != nil)
            let get = await service.handle(S3Fixtures.plain("GET", "/objs/dir/a%20b.txt"))
            #expect(get.status == 200)
            #expect(get.text == "hello world")
            #expect(get.headers["ETag"] == "\"5eb63bbbe01eeed093cb22bb8f5acdc3\"")
            #expect(get.headers["Content-Length"] == "11")
            #expect(get.headers["Content-Type"] == "text/plain")
            #expect(get.headers["Last-Modified"] == "Wed, 18 Nov 2026 11:06:40 GMT")
            let head = await service.handle(S3Fixtures.plain("HEAD", "/objs/dir/a%20b.txt"))
            #expect(head.status == 200)
            #expect(head.body.isEmpty)
            #expect(head.headers["Content-Length"] == "11")
            // The key is decoded: another encoding of the same key is the same object.
            #expect(await service.handle(S3Fixtures.plain("GET", "/objs/dir%2Fa%20b.txt")).text == "hello world")
            let defaultType = await put(service, "/objs/untyped", "x")
            #expect(defaultType.status == 200)
            #expect(await service.handle(S3Fixtures.plain("GET", "/objs/untyped")).headers["Content-Type"] == "binary/octet-stream")
            let notModified = await service.handle(
                S3Fixtures.plain("GET", "/objs/dir/a%20b.txt", headers: [("If-None-Match", "\"5eb63bbbe01eeed093cb22bb8f5acdc3\"")]))
            #expect(notModified.status == 304)
            #expect(await service.handle(S3Fixtures.plain("DELETE", "/objs/dir/a%20b.txt")).status == 204)
            let missing = await service.handle(S3Fixtures.plain("HEAD", "/objs/dir/a%20b.txt"))
            #expect(missing.status == 404)
            #expect(missing.body.isEmpty)
        }
    }

    @Test func errorsAreS3ErrorDocuments() async throws {
        try await withService { service, _ in
            let response = await service.handle(S3Fixtures.plain("GET", "/nobucket/some/key"))
            #expect(response.status == 404)
            #expect(response.text.hasPrefix("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>NoSuchBucket</Code>"))
            #expect(response.xml("Resource") == "/nobucket/some/key")
            #expect(response.xml("BucketName") == "nobucket")
            #expect(response.xml("RequestId") == response.headers["x-amz-request-id"])
            #expect(response.xml("Message")?.contains("does not exist") == true)
            _ = await service.handle(S3Fixtures.plain("PUT", "/errs"))
            let noKey = await service.handle(S3Fixtures.plain("GET", "/errs/a%26b"))
            #expect(noKey.errorCode == "NoSuchKey")
            #expect(noKey.xml("Key") == "a&amp;b")
            _ = await put(service, "/errs/k", "v")
            #expect(await service.handle(S3Fixtures.plain("DELETE", "/errs")).errorCode == "BucketNotEmpty")
            #expect(await service.handle(S3Fixtures.plain("PUT", "/errs")).errorCode == "BucketAlreadyOwnedByYou")
            #expect(await service.handle(S3Fixtures.plain("PUT", "/errs")).status == 409)
            let badDigest = await put(service, "/errs/m", "body", headers: [("Content-MD5", Digest.md5Base64(Array("other".utf8)))])
            #expect(badDigest.status == 400)
            #expect(badDigest.errorCode == "BadDigest")
            #expect(await put(service, "/errs/m", "body", headers: [("Content-MD5", "xyz")]).errorCode == "InvalidDigest")
            #expect(await put(service, "/errs/m", "body", headers: [("Content-MD5", Digest.md5Base64(Array("body".utf8)))]).status == 200)
            let precondition = await put(service, "/errs/m", "again", headers: [("If-None-Match", "*")])
            #expect(precondition.status == 412)
            #expect(precondition.errorCode == "PreconditionFailed")
            #expect(await service.handle(S3Fixtures.plain("GET", "/errs/m")).text == "body")
            #expect(await service.handle(S3Fixtures.plain("POST", "/errs", query: "delete")).errorCode == "MalformedXML")
            #expect(await service.handle(S3Fixtures.plain("PUT", "/errs/k", query: "tagging")).status == 501)
            #expect(await put(service, "/errs/copy", "", headers: [("x-amz-copy-source", "/errs/m")]).errorCode == "NotImplemented")
            #expect(await service.handle(S3Fixtures.plain("GET", "/errs", query: "list-type=2&max-keys=-1")).errorCode == "InvalidArgument")
            #expect(await service.handle(S3Fixtures.plain("GET", "/errs", query: "list-type=2&encoding-type=xml")).errorCode == "InvalidArgument")
        }
    }

    // MARK: Keys that try to leave the bucket

    @Test(arguments: [
        ("/jail/%2e%2e", "InvalidArgument"), ("/jail/%2E%2E/escape", "InvalidArgument"),
        ("/jail/a/%2e%2e/%2e%2e/%2e%2e/escape", "InvalidArgument"), ("/jail/../escape", "InvalidArgument"),
        ("/jail/a/..", "InvalidArgument"), ("/jail//abs", "InvalidArgument"), ("/jail/%2Fetc%2Fpasswd", "InvalidArgument"),
        ("/jail/nul%00byte", "InvalidArgument"), ("/jail/%00", "InvalidArgument"), ("/jail/%zz", "InvalidURI"),
        ("/jail/%ff%fe", "InvalidURI"), ("/jail/" + String(repeating: "%41", count: 1025), "KeyTooLongError"),
    ])
    func encodedEscapesAreRefused(_ path: String, _ code: String) async throws {
        try await withService { service, directory in
            _ = await service.handle(S3Fixtures.plain("PUT", "/jail"))
            let before = directory.allEntries()
            let response = await put(service, path, "payload")
            #expect(response.status == 400)
            #expect(response.errorCode == code)
            #expect(await service.handle(S3Fixtures.plain("GET", path)).status == 400)
            #expect(await service.handle(S3Fixtures.plain("DELETE", path)).status == 400)
            #expect(directory.allEntries() == before)
            #expect(!FileManager.default.fileExists(atPath: directory.path + "/s3/escape"))
            #expect(!FileManager.default.fileExists(atPath: directory.path + "/escape"))
        }
    }

    // MARK: Listing documents

    @Test func listObjectsV2Document() async throws {
        try await withService { service, _ in
            _ = await service.handle(S3Fixtures.plain("PUT", "/lst"))
            for key in ["a%20b/1", "a%20b/2", "c", "d%26e", "f"] { _ = await put(service, "/lst/" + key, "x") }
            let first = await service.handle(
                S3Fixtures.plain("GET", "/lst", query: "list-type=2&delimiter=%2F&max-keys=2&encoding-type=url"))
            #expect(first.status == 200)
            #expect(first.xml("Name") == "lst")
            #expect(first.xml("KeyCount") == "2")
            #expect(first.xml("MaxKeys") == "2")
            #expect(first.xml("IsTruncated") == "true")
            #expect(first.xml("Delimiter") == "/")
            #expect(first.xml("EncodingType") == "url")
            #expect(first.xmlAll("Prefix") == ["", "a%20b/"])
            #expect(first.xmlAll("Key") == ["c"])
            #expect(first.xml("ETag") == "&quot;9dd4e461268c8034f5c8564e155c67a6&quot;")
            #expect(first.xml("Size") == "1")
            let token = try #require(first.xml("NextContinuationToken"))
            let second = await service.handle(
                S3Fixtures.plain(
                    "GET", "/lst",
                    query: "list-type=2&delimiter=%2F&max-keys=2&continuation-token=" + PercentEncoding.encodeComponent(token)))
            #expect(second.xml("ContinuationToken") == token)
            #expect(second.xmlAll("Key") == ["d&amp;e", "f"])
            #expect(second.xml("IsTruncated") == "false")
            #expect(second.xml("NextContinuationToken") == nil)
            let after = await service.handle(S3Fixtures.plain("GET", "/lst", query: "list-type=2&start-after=d%26e&prefix="))
            #expect(after.xml("StartAfter") == "d&amp;e")
            #expect(after.xmlAll("Key") == ["f"])
            let v1 = await service.handle(S3Fixtures.plain("GET", "/lst", query: "max-keys=1"))
            #expect(v1.xml("Marker") == "")
            #expect(v1.xml("NextMarker") == "a b/1")
            #expect(v1.xml("KeyCount") == nil)
        }
    }

    @Test func deleteObjectsDeletesAndReportsPerKey() async throws {
        try await withService { service, directory in
            _ = await service.handle(S3Fixtures.plain("PUT", "/multi"))
            for key in ["a", "b%26c", "d"] { _ = await put(service, "/multi/" + key, "x") }
            let document = "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Delete xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">"
                + "<Object><Key>a</Key></Object><Object><Key>b&amp;c</Key></Object><Object><Key>never</Key></Object>"
                + "<Object><Key>../up</Key></Object></Delete>"
            let response = await service.handle(
                S3Fixtures.plain("POST", "/multi", query: "delete", body: Array(document.utf8)))
            #expect(response.status == 200)
            #expect(response.xmlAll("Deleted") == ["<Key>a</Key>", "<Key>b&amp;c</Key>", "<Key>never</Key>"])
            #expect(response.xml("Code") == "InvalidArgument")
            let remaining = await service.handle(S3Fixtures.plain("GET", "/multi", query: "list-type=2"))
            #expect(remaining.xmlAll("Key") == ["d"])
            let quiet = "<Delete><Quiet>true</Quiet><Object><Key>d</Key></Object></Delete>"
            let quietResponse = await service.handle(S3Fixtures.plain("POST", "/multi", query: "delete", body: Array(quiet.utf8)))
            #expect(quietResponse.xml("Deleted") == nil)
            #expect(directory.allEntries() == ["s3", "s3/multi", "s3/multi/@bucket"])
            let missingBucket = await service.handle(S3Fixtures.plain("POST", "/nobucket", query: "delete", body: Array(quiet.utf8)))
            #expect(missingBucket.errorCode == "NoSuchBucket")
        }
    }

    @Test func multipartUploadsJoinPartsWithS3ETags() async throws {
        try await withService { service, directory in
            _ = await service.handle(S3Fixtures.plain("PUT", "/mpu"))
            func start(_ key: String) async throws -> String {
                let created = await service.handle(
                    S3Fixtures.plain("POST", "/mpu/" + key, query: "uploads", headers: [("Content-Type", "text/csv")]))
                #expect(created.status == 200)
                #expect(created.xml("Key") == key)
                return try #require(created.xml("UploadId"))
            }
            func part(_ key: String, _ id: String, _ number: Int, _ body: [UInt8]) async -> LocalResponse {
                await service.handle(
                    S3Fixtures.plain("PUT", "/mpu/" + key, query: "partNumber=\(number)&uploadId=\(id)", body: body))
            }
            func complete(_ key: String, _ id: String, _ parts: [(Int, String)]) async -> LocalResponse {
                let xml = "<CompleteMultipartUpload>"
                    + parts.map { "<Part><ETag>\($0.1.replacingOccurrences(of: "\"", with: "&quot;"))</ETag><PartNumber>\($0.0)</PartNumber></Part>" }
                        .joined() + "</CompleteMultipartUpload>"
                return await service.handle(S3Fixtures.plain("POST", "/mpu/" + key, query: "uploadId=\(id)", body: Array(xml.utf8)))
            }
            let big = [UInt8](repeating: 7, count: LocalS3Store.minimumPartSize)
            let tail = Array("tail".utf8)
            let id = try await start("big.csv")
            let first = try #require(await part("big.csv", id, 1, big).headers["ETag"])
            let second = try #require(await part("big.csv", id, 2, tail).headers["ETag"])
            #expect(second == "\"" + ByteEncoding.hex(Digest.md5(tail)) + "\"")
            #expect(await complete("big.csv", id, [(2, second), (1, first)]).errorCode == "InvalidPartOrder")
            #expect(await complete("big.csv", id, [(1, first), (2, first)]).errorCode == "InvalidPart")
            #expect(await complete("big.csv", id, [(1, first), (3, second)]).errorCode == "InvalidPart")
            let done = await complete("big.csv", id, [(1, first), (2, second)])
            #expect(done.status == 200, "\(done.text)")
            let expectedETag = "\"" + ByteEncoding.hex(Digest.md5(Digest.md5(big) + Digest.md5(tail))) + "-2\""
            #expect(done.xml("ETag") == expectedETag.replacingOccurrences(of: "\"", with: "&quot;"))
            let got = await service.handle(S3Fixtures.plain("GET", "/mpu/big.csv"))
            #expect(got.body == big + tail)
            #expect(got.headers["ETag"] == expectedETag)
            #expect(got.headers["Content-Type"] == "text/csv")
            #expect(await complete("big.csv", id, [(1, first)]).errorCode == "NoSuchUpload")
            // Every part but the last must be at least 5 MiB.
            let small = try await start("small")
            let a = try #require(await part("small", small, 1, [1]).headers["ETag"])
            let b = try #require(await part("small", small, 2, [2]).headers["ETag"])
            #expect(await complete("small", small, [(1, a), (2, b)]).errorCode == "EntityTooSmall")
            #expect(await part("small", small, 0, [1]).errorCode == "InvalidArgument")
            #expect(await part("small", small, 3, [1]).status == 200)
            #expect(await service.handle(S3Fixtures.plain("DELETE", "/mpu/small", query: "uploadId=\(small)")).status == 204)
            #expect(await part("small", small, 4, [1]).errorCode == "NoSuchUpload")
            #expect(await service.handle(S3Fixtures.plain("GET", "/mpu/small")).errorCode == "NoSuchKey")
            // Parts of an upload that is never finished disappear when the store reopens.
            let abandoned = try await start("abandoned")
            #expect(await part("abandoned", abandoned, 1, [9]).status == 200)
            #expect(directory.allEntries().contains { $0.contains("@part-") })
            _ = try LocalS3Store(dataDirectory: directory.path)
            #expect(!directory.allEntries().contains { $0.contains("@part-") || $0.contains("@tmp") })
            #expect(directory.allEntries().filter { $0.hasPrefix("s3/mpu/") }.count == 3)  // @bucket, body, sidecar
        }
    }

    // MARK: Bodies

    @Test func awsChunkedUploadsAreDecoded() async throws {
        try await withService { service, _ in
            _ = await service.handle(S3Fixtures.plain("PUT", "/chunks"))
            let payload = String(repeating: "0123456789", count: 7)
            let unsigned = "40\r\n" + payload.prefix(64) + "\r\n6\r\n" + payload.dropFirst(64) + "\r\n0\r\n"
                + "x-amz-checksum-crc32:blQo4Q==\r\n\r\n"
            let written = await put(
                service, "/chunks/trailer", unsigned,
                headers: [
                    ("Content-Encoding", "aws-chunked"), ("x-amz-content-sha256", "STREAMING-UNSIGNED-PAYLOAD-TRAILER"),
                    ("x-amz-decoded-content-length", "70"), ("x-amz-trailer", "x-amz-checksum-crc32"),
                ])
            #expect(written.status == 200)
            #expect(written.headers["ETag"] == "\"" + ByteEncoding.hex(Digest.md5(Array(payload.utf8))) + "\"")
            #expect(await service.handle(S3Fixtures.plain("GET", "/chunks/trailer")).text == payload)
            let signature = String(repeating: "a", count: 64)
            let signedChunks = "46;chunk-signature=\(signature)\r\n\(payload)\r\n0;chunk-signature=\(signature)\r\n\r\n"
            let signed = await put(
                service, "/chunks/signed", signedChunks,
                headers: [("x-amz-content-sha256", "STREAMING-AWS4-HMAC-SHA256-PAYLOAD"), ("x-amz-decoded-content-length", "70")])
            #expect(signed.status == 200)
            #expect(await service.handle(S3Fixtures.plain("GET", "/chunks/signed")).text == payload)
            let short = await put(
                service, "/chunks/short", unsigned,
                headers: [("x-amz-content-sha256", "STREAMING-UNSIGNED-PAYLOAD-TRAILER"), ("x-amz-decoded-content-length", "71")])
            #expect(short.errorCode == "IncompleteBody")
            let broken = await put(
                service, "/chunks/broken", "zz\r\nabc\r\n0\r\n\r\n", headers: [("Content-Encoding", "aws-chunked")])
            #expect(broken.errorCode == "InvalidRequest")
            // A trailing checksum that is not the body's is refused.
            let wrongTrailer = await put(
                service, "/chunks/wrong", unsigned.replacingOccurrences(of: "blQo4Q==", with: "AAAAAA=="),
                headers: [("Content-Encoding", "aws-chunked"), ("x-amz-decoded-content-length", "70")])
            #expect(wrongTrailer.errorCode == "BadDigest")
            #expect(wrongTrailer.xml("Message")?.contains("CRC32") == true)
            let truncated = await put(
                service, "/chunks/truncated", "ff\r\nabc", headers: [("Content-Encoding", "aws-chunked")])
            #expect(truncated.status == 400)
            #expect(await service.handle(S3Fixtures.plain("GET", "/chunks/broken")).errorCode == "NoSuchKey")
        }
    }

    /// Found by FuzzSigV4Request (Tests/Fuzz/regressions/FuzzSigV4Request/aws-chunked-huge-decoded-length):
    /// the emulator reserved `x-amz-decoded-content-length` bytes before decoding, so one request
    /// claiming 301 PB crashed it.
    @Test func aHugeDecodedContentLengthIsRefusedWithoutAllocatingIt() async throws {
        try await withService { service, _ in
            _ = await service.handle(S3Fixtures.plain("PUT", "/chunks"))
            let response = await put(
                service, "/chunks/huge", "5\r\nhello\r\n0\r\n\r\n",
                headers: [("Content-Encoding", "aws-chunked"), ("x-amz-decoded-content-length", "301555555555555555")])
            #expect(response.errorCode == "IncompleteBody")
            #expect(await service.handle(S3Fixtures.plain("GET", "/chunks/huge")).errorCode == "NoSuchKey")
        }
    }

    /// (Tests/Fuzz/regressions/FuzzSigV4Request/aws-chunked-size-overflow) A 16-digit chunk size
    /// overflowed to a negative length that passed the bounds check, and slicing the body crashed.
    @Test(arguments: ["ffffffffffffffff", "fffffffffffffffe", "8000000000000000", "1000000000000000"])
    func aChunkSizeBeyondAnyBodyIsRefused(size: String) async throws {
        try await withService { service, _ in
            _ = await service.handle(S3Fixtures.plain("PUT", "/chunks"))
            let response = await put(
                service, "/chunks/overflow", size + "\r\nhello\r\n0\r\n\r\n", headers: [("Content-Encoding", "aws-chunked")])
            #expect(response.errorCode == "InvalidRequest")
        }
    }

    @Test func checksumHeadersAreVerified() async throws {
        try await withService { service, _ in
            _ = await service.handle(S3Fixtures.plain("PUT", "/sums"))
            #expect(await put(service, "/sums/a", "hello world", headers: [("x-amz-checksum-crc32", "DUoRhQ==")]).status == 200)
            #expect(await put(service, "/sums/b", "hello world", headers: [("x-amz-checksum-crc32", "DUoRhA==")]).errorCode == "BadDigest")
            #expect(
                await put(service, "/sums/c", "hello world", headers: [("x-amz-checksum-sha256", "uU0nuZNNPgilLlLX2n2r+sSE7+N6U4DukIj3rOLvzek=")])
                    .status == 200)
            #expect(await put(service, "/sums/d", "hello world", headers: [("X-Amz-Checksum-SHA256", "AAAA")]).errorCode == "BadDigest")
            // Algorithms the emulator cannot compute are accepted unchecked.
            #expect(await put(service, "/sums/e", "hello world", headers: [("x-amz-checksum-crc32c", "AAAAAA==")]).status == 200)
            #expect(await service.handle(S3Fixtures.plain("GET", "/sums/b")).errorCode == "NoSuchKey")
        }
    }

    @Test func rangedGets() async throws {
        try await withService { service, _ in
            _ = await service.handle(S3Fixtures.plain("PUT", "/ranges"))
            _ = await put(service, "/ranges/k", "0123456789")
            let middle = await service.handle(S3Fixtures.plain("GET", "/ranges/k", headers: [("Range", "bytes=2-4")]))
            #expect(middle.status == 206)
            #expect(middle.text == "234")
            #expect(middle.headers["Content-Range"] == "bytes 2-4/10")
            #expect(middle.headers["Content-Length"] == "3")
            #expect(await service.handle(S3Fixtures.plain("GET", "/ranges/k", headers: [("Range", "bytes=-3")])).text == "789")
            #expect(await service.handle(S3Fixtures.plain("GET", "/ranges/k", headers: [("Range", "bytes=7-")])).text == "789")
            #expect(await service.handle(S3Fixtures.plain("GET", "/ranges/k", headers: [("Range", "bytes=8-100")])).text == "89")
            let outside = await service.handle(S3Fixtures.plain("GET", "/ranges/k", headers: [("Range", "bytes=10-")]))
            #expect(outside.status == 416)
            #expect(outside.errorCode == "InvalidRange")
            #expect(await service.handle(S3Fixtures.plain("GET", "/ranges/k", headers: [("Range", "bytes=0-1,3-4")])).status == 200)
        }
    }
}
