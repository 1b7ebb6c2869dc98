import Foundation
import InletCore
import InletHTTP
import InletSigV4
import InletTestSupport
import Testing

@testable import InletAWS

/// Firehose and S3 against moto_server with its SigV4 and IAM checks on: correctly signed
/// calls pass, a wrong secret, a tampered body or a missing session token do not, and what
/// goes through Firehose lands byte-exact in S3.
@Suite(.serialized) struct MotoIntegrationTests {
    let transport = CurlTransport()

    func deadline(_ seconds: Int = 20) -> ContinuousClock.Instant { .now + .seconds(seconds) }

    @Test func firehoseRecordsLandInS3ByteExact() async throws {
        let moto = try await MotoPeer.shared()
        let suffix = uniqueSuffix()
        let bucket = "inlet-fh-\(suffix)", stream = "inlet-stream-\(suffix)"
        try await moto.createStream(stream, bucket: bucket, prefix: "raw/")
        let firehose = FirehoseClient(
            configuration: moto.configuration, transport: transport, limits: .init(concurrentRequests: 1))
        // 1,201 records (three requests: 500, 500, 201) of varied sizes, binary included,
        // each ending in a newline as the ingest pipeline writes them.
        let records: [[UInt8]] = (0..<1201).map { index in
            index % 7 == 0 ? record(index, size: 1 + index % 900) : Array(#"{"n":\#(index),"s":"é\u{1F600}"}"#.utf8) + [0x0A]
        }
        let outcome = await firehose.putRecordBatch(
            streamName: stream, records: records.map { $0[...] }, deadline: deadline(60))
        #expect(outcome.allDelivered, "\(outcome.records.filter { !$0.isDelivered }.prefix(3))")
        #expect(outcome.statistics.requests == 3)
        #expect(Set(outcome.records.compactMap(\.recordId)).count == 1201)

        // moto writes one object per PutRecordBatch call: each holds one request's records, concatenated.
        let s3 = S3Client(configuration: moto.configuration, transport: transport)
        // (moto checks signatures against the decoded query, so query values stay unreserved: "raw", not "raw/".)
        let listing = try await s3.listObjectsV2(bucket: bucket, prefix: "raw", deadline: deadline())
        #expect(listing.contents.count == 3 && listing.keyCount == 3 && !listing.isTruncated)
        var objects: [[UInt8]] = []
        for object in listing.contents {
            let got = try await s3.getObject(bucket: bucket, key: object.key, deadline: deadline())
            #expect(got.body.count == object.size)
            #expect(got.metadata.etag == object.etag)
            objects.append(got.body)
        }
        let expected = [0..<500, 500..<1000, 1000..<1201].map { range in records[range].flatMap { $0 } }
        #expect(Set(objects) == Set(expected))
    }

    @Test func s3RoundTrip() async throws {
        let moto = try await MotoPeer.shared()
        let s3 = S3Client(configuration: moto.configuration, transport: transport)
        let bucket = "inlet-s3-\(uniqueSuffix())"
        try await s3.createBucket(bucket, deadline: deadline())
        let body = record(1, size: 70_000) + Array("\n".utf8)
        // moto re-derives the path it checks from a half-decoded URL, so "+", "=" and non-ASCII
        // keys fail its signature check (S3 and botocore agree with us); the unit tests cover them.
        let key = "errors/2026/11/27/a b_c.ndjson"
        let put = try await s3.putObject(
            bucket: bucket, key: key, body: body, contentType: "application/x-ndjson", deadline: deadline())
        let md5 = Digest.md5(body).map { String(format: "%02x", $0) }.joined()
        #expect(put.etag == "\"\(md5)\"")

        let got = try await s3.getObject(bucket: bucket, key: key, deadline: deadline())
        #expect(got.body == body)
        #expect(got.metadata.etag == put.etag)
        #expect(got.metadata.contentType == "application/x-ndjson")
        let head = try await s3.headObject(bucket: bucket, key: key, deadline: deadline())
        #expect(head.contentLength == body.count && head.etag == put.etag)

        // Write-once: a second If-None-Match: * PUT is refused with 412 PreconditionFailed.
        let once = try await s3.putObject(bucket: bucket, key: "once.json", body: [1], ifNoneMatch: true, deadline: deadline())
        #expect(once.etag.count == 34)
        do {
            _ = try await s3.putObject(bucket: bucket, key: "once.json", body: [2], ifNoneMatch: true, deadline: deadline())
            Issue.record("the second write-once PUT must fail")
        } catch {
            #expect(error.isPreconditionFailed && error.httpStatus == 412 && error.code == "PreconditionFailed")
        }
        #expect(try await s3.getObject(bucket: bucket, key: "once.json", deadline: deadline()).body == [1])

        // Listing with a delimiter, then page by page. moto checks signatures against the
        // decoded query string, so "/" in a query value fails there (boto3's too); these
        // keys use "-" as the delimiter instead.
        for name in ["listing-x-1", "listing-x-2", "listing-y-1", "listing-z"] {
            _ = try await s3.putObject(bucket: bucket, key: name, body: Array(name.utf8), deadline: deadline())
        }
        let rolled = try await s3.listObjectsV2(bucket: bucket, prefix: "listing-", delimiter: "-", deadline: deadline())
        #expect(rolled.commonPrefixes == ["listing-x-", "listing-y-"])
        #expect(rolled.contents.map(\.key) == ["listing-z"])
        var keys: [String] = []
        var token: String?
        var pages = 0
        repeat {
            let page = try await s3.listObjectsV2(
                bucket: bucket, prefix: "listing", continuationToken: token, maxKeys: 3, deadline: deadline())
            keys += page.contents.map(\.key)
            #expect(page.keyCount == page.contents.count)
            token = page.isTruncated ? page.nextContinuationToken : nil
            pages += 1
        } while token != nil && pages < 10
        #expect(keys == ["listing-x-1", "listing-x-2", "listing-y-1", "listing-z"])
        #expect(pages == 2)
        let all = try await s3.listObjectsV2(bucket: bucket, deadline: deadline())
        #expect(all.contents.map(\.key) == [key, "listing-x-1", "listing-x-2", "listing-y-1", "listing-z", "once.json"])

        try await s3.deleteObject(bucket: bucket, key: key, deadline: deadline())
        do {
            _ = try await s3.getObject(bucket: bucket, key: key, deadline: deadline())
            Issue.record("a deleted object must be gone")
        } catch {
            #expect(error.code == "NoSuchKey" && error.httpStatus == 404)
        }
        do {
            _ = try await s3.headObject(bucket: bucket, key: key, deadline: deadline())
            Issue.record("a deleted object must be gone")
        } catch {
            #expect(error.code == "NotFound" && error.httpStatus == 404)
        }
    }

    @Test func aWrongSecretIsRejected() async throws {
        let moto = try await MotoPeer.shared()
        let suffix = uniqueSuffix()
        let stream = "inlet-stream-\(suffix)"
        try await moto.createStream(stream, bucket: "inlet-fh-\(suffix)", prefix: "")
        var wrong = moto.configuration
        wrong.credentials.secretAccessKey += "x"
        let counting = CountingTransport(transport)
        let outcome = await FirehoseClient(configuration: wrong, transport: counting).putRecordBatch(
            streamName: stream, records: [[1, 2, 3]], deadline: deadline())
        #expect(outcome.records[0].errorCode == "SignatureDoesNotMatch")
        #expect(counting.count == 1)  // an authentication error is not retried

        do {
            _ = try await S3Client(configuration: wrong, transport: transport)
                .listObjectsV2(bucket: "inlet-fh-\(suffix)", deadline: deadline())
            Issue.record("a wrong secret must be refused")
        } catch {
            #expect(error.code == "SignatureDoesNotMatch" && error.httpStatus == 403)
        }
        // The right secret passes the same checks.
        let good = await FirehoseClient(configuration: moto.configuration, transport: transport).putRecordBatch(
            streamName: stream, records: [[1, 2, 3]], deadline: deadline())
        #expect(good.allDelivered)
    }

    @Test func aBodyTamperedAfterSigningIsRejected() async throws {
        let moto = try await MotoPeer.shared()
        let suffix = uniqueSuffix()
        let stream = "inlet-stream-\(suffix)"
        try await moto.createStream(stream, bucket: "inlet-fh-\(suffix)", prefix: "")
        // Same length, still valid JSON and base64: "AAEC" (00 01 02) becomes "AAED" (00 01 03).
        let tampering = TamperingTransport(base: transport) { request in
            let text = String(decoding: request.body, as: UTF8.self)
            request.body = Array(text.replacingOccurrences(of: "\"AAEC\"", with: "\"AAED\"").utf8)
        }
        let outcome = await FirehoseClient(configuration: moto.configuration, transport: tampering)
            .putRecordBatch(streamName: stream, records: [[0, 1, 2]], deadline: deadline())
        #expect(outcome.records[0].errorCode == "SignatureDoesNotMatch")
    }

    @Test func temporaryCredentialsNeedTheirSessionToken() async throws {
        let moto = try await MotoPeer.shared()
        let suffix = uniqueSuffix()
        let stream = "inlet-stream-\(suffix)"
        try await moto.createStream(stream, bucket: "inlet-fh-\(suffix)", prefix: "")
        let temporary = try await moto.temporaryCredentials()
        #expect(temporary.accessKeyId.hasPrefix("ASIA"))
        var config = moto.configuration
        config.credentials = temporary
        let withToken = await FirehoseClient(configuration: config, transport: transport).putRecordBatch(
            streamName: stream, records: [[1]], deadline: deadline())
        #expect(withToken.allDelivered)

        config.credentials.sessionToken = nil
        let withoutToken = await FirehoseClient(configuration: config, transport: transport).putRecordBatch(
            streamName: stream, records: [[1]], deadline: deadline())
        #expect(withoutToken.records[0].errorCode == "InvalidClientTokenId")

        config.credentials.sessionToken = temporary.sessionToken! + "x"
        let wrongToken = await FirehoseClient(configuration: config, transport: transport).putRecordBatch(
            streamName: stream, records: [[1]], deadline: deadline())
        #expect(!wrongToken.allDelivered)

        // S3 with the temporary key: with its token it works, without it it is refused.
        config.credentials = temporary
        let s3 = S3Client(configuration: config, transport: transport)
        _ = try await s3.listObjectsV2(bucket: "inlet-fh-\(suffix)", deadline: deadline())
        config.credentials.sessionToken = nil
        await #expect(throws: AWSError.self) {
            try await S3Client(configuration: config, transport: transport)
                .listObjectsV2(bucket: "inlet-fh-\(suffix)", deadline: deadline())
        }
    }

    @Test func anUnknownStreamIsNotRetried() async throws {
        let moto = try await MotoPeer.shared()
        let counting = CountingTransport(transport)
        let outcome = await FirehoseClient(configuration: moto.configuration, transport: counting).putRecordBatch(
            streamName: "inlet-no-such-stream", records: [[1], [2]], deadline: deadline())
        #expect(outcome.records.map(\.errorCode) == ["ResourceNotFoundException", "ResourceNotFoundException"])
        #expect(counting.count == 1)
    }
}
