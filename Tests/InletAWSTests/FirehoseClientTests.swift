import Foundation
import InletCore
import InletHTTP
import InletSigV4
import Testing

@testable import InletAWS

/// FirehoseClient against a fake transport and a fake clock: batching, encoding, partial
/// failures, retry decisions and the deadline, all without a network or real waiting.
@Suite struct FirehoseClientTests {
    func client(
        _ transport: FakeTransport, clock: FakeClock = FakeClock(), retry: RetryPolicy = .default,
        limits: FirehoseClient.Limits = .default
    ) -> FirehoseClient {
        FirehoseClient(
            configuration: testConfiguration(endpoint: "http://127.0.0.1:9/prefix"), transport: transport, retry: retry,
            limits: limits, environment: clock.environment())
    }

    @Test func requestShapeAndSignature() async throws {
        let transport = FakeTransport { _, _ in batchResponse(count: 2) }
        let clock = FakeClock()
        let outcome = await client(transport, clock: clock).putRecordBatch(
            streamName: "events", records: [[0, 1, 2], Array("hi\"\n".utf8)[...]], deadline: clock.now + .seconds(5))
        #expect(outcome.records == [.delivered(recordId: "id-0"), .delivered(recordId: "id-1")])
        let request = try #require(transport.requests.first)
        #expect(request.method == .post)
        #expect(request.url == "http://127.0.0.1:9/prefix/")
        #expect(request.headers["Content-Type"] == "application/x-amz-json-1.1")
        #expect(request.headers["X-Amz-Target"] == "Firehose_20150804.PutRecordBatch")
        #expect(String(decoding: request.body, as: UTF8.self)
            == #"{"DeliveryStreamName":"events","Records":[{"Data":"AAEC"},{"Data":"aGkiCg=="}]}"#)
        let authorization = try #require(request.headers["Authorization"])
        #expect(authorization.hasPrefix("AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20260921/eu-west-1/firehose/aws4_request"))
        // The request verifies with the signer's own verifier (the body hash included).
        let verifier = SigV4Verifier(credentials: [testCredentials], requiredRegion: "eu-west-1", requiredService: "firehose")
        let signed = try #require(SigV4Request(
            method: "POST", url: request.url, headers: request.headers.fields, payload: .bytes(request.body)))
        _ = try verifier.verify(signed, now: SigV4Date(secondsSince1970: 1_790_000_000))
        #expect(transport.requestTimeouts.first == .seconds(5))
    }

    @Test func splitsAt500Records() async throws {
        let transport = FakeTransport { request, _ in
            let count = entryCount(request.body)
            return batchResponse(count: count)
        }
        let clock = FakeClock()
        let records = (0..<1201).map { record($0, size: 10)[...] }
        let outcome = await client(transport, clock: clock, limits: .init(concurrentRequests: 1))
            .putRecordBatch(streamName: "s", records: records, deadline: clock.now + .seconds(5))
        #expect(outcome.allDelivered)
        let batches = try transport.requests.map { try decodeBatch($0.body).records }
        #expect(batches.map(\.count) == [500, 500, 201])
        #expect(batches.flatMap { $0 } == records.map(Array.init))
        // Record ids come back by index within each request.
        #expect(outcome.records[0].recordId == "id-0" && outcome.records[500].recordId == "id-0")
        #expect(outcome.records[1200].recordId == "id-200")
    }

    @Test func splitsAtFourMebibytesOfBody() async throws {
        let transport = FakeTransport { request, _ in
            batchResponse(count: entryCount(request.body))
        }
        let clock = FakeClock()
        // 40 x 100,000 bytes: 5.3 MB of base64, so two requests (base64 in a debug build is slow,
        // hence no more).
        let records = (0..<40).map { [UInt8](repeating: UInt8($0), count: 100_000)[...] }
        let outcome = await client(transport, clock: clock, limits: .init(concurrentRequests: 1)).putRecordBatch(
            streamName: "s", records: records, deadline: clock.now + .seconds(5))
        #expect(outcome.allDelivered)
        let sizes = transport.requests.map(\.body.count)
        #expect(sizes.allSatisfy { $0 <= 4 * 1024 * 1024 }, "\(sizes)")
        let counts = transport.requests.map { entryCount($0.body) }
        #expect(counts.reduce(0, +) == 40)
        // Each full batch is as large as the cap allows: one more record would not fit.
        let perRecord = Base64.encodedLength(100_000) + 12
        for size in sizes.dropLast() { #expect(size + perRecord > 4 * 1024 * 1024) }
        #expect(counts == [31, 9])
    }

    @Test func planner() {
        let lengths = [10, 10, 10, 10]
        let plan = FirehoseBatchPlanner.plan(
            [0, 1, 2, 3], encodedLength: { lengths[$0] }, prefixCount: 8, maximumRecords: 500, maximumBytes: 10 + 2 * 22)
        #expect(plan == [[0, 1], [2, 3]])
        #expect(FirehoseBatchPlanner.plan([0, 1, 2], encodedLength: { _ in 1 }, prefixCount: 0, maximumRecords: 2, maximumBytes: 1000)
            == [[0, 1], [2]])
        // A record bigger than the cap still goes, alone.
        #expect(FirehoseBatchPlanner.plan([0, 1], encodedLength: { $0 == 0 ? 5000 : 1 }, prefixCount: 0, maximumRecords: 9, maximumBytes: 100)
            == [[0], [1]])
        #expect(FirehoseBatchPlanner.plan([], encodedLength: { _ in 1 }, prefixCount: 0, maximumRecords: 9, maximumBytes: 100).isEmpty)
    }

    @Test func oversizeRecordsAreRefusedBeforeSending() async throws {
        let transport = FakeTransport { request, _ in
            batchResponse(count: entryCount(request.body))
        }
        let clock = FakeClock()
        let records = [record(0, size: 1_024_000)[...], record(1, size: 1_024_001)[...], record(2)[...]]
        let outcome = await client(transport, clock: clock).putRecordBatch(
            streamName: "s", records: records, deadline: clock.now + .seconds(5))
        #expect(outcome.records[0].isDelivered && outcome.records[2].isDelivered)
        #expect(outcome.records[1].errorCode == "record_too_large")
        let sent = try transport.requests.flatMap { try decodeBatch($0.body).records }
        #expect(sent == [Array(records[0]), Array(records[2])])
        #expect(outcome.statistics.base64Encodings == 2)
    }

    @Test func partialFailuresResendOnlyTheFailedEntriesEncodedOnce() async throws {
        // Request 1 fails entries 1, 5 and 7; request 2 (those three) fails its entry 0 (record 1) again.
        let transport = FakeTransport { request, number in
            let count = entryCount(request.body)
            switch number {
            case 1: return batchResponse(count: count, failing: [1, 5, 7])
            case 2: return batchResponse(count: count, failing: [0], code: "InternalFailure")
            default: return batchResponse(count: count)
            }
        }
        let clock = FakeClock()
        let records = (0..<50).map { record($0)[...] }
        let outcome = await client(transport, clock: clock).putRecordBatch(
            streamName: "s", records: records, deadline: clock.now + .seconds(5))
        #expect(outcome.allDelivered)
        let bodies = try transport.requests.map { try decodeBatch($0.body).records }
        #expect(bodies.count == 3)
        #expect(bodies[1] == [Array(records[1]), Array(records[5]), Array(records[7])])
        #expect(bodies[2] == [Array(records[1])])
        #expect(outcome.records[5].recordId == "id-1")  // answered by request 2's entry 1
        #expect(outcome.records[1].recordId == "id-0")  // answered by request 3
        #expect(outcome.records[2].recordId == "id-2")
        #expect(outcome.statistics.requests == 3 && outcome.statistics.rounds == 3)
        #expect(outcome.statistics.recordsSent == 54)
        #expect(outcome.statistics.base64Encodings == 50)
        // The resent entry is the same text as the first time, byte for byte.
        let first = String(decoding: transport.requests[0].body, as: UTF8.self)
        let third = String(decoding: transport.requests[2].body, as: UTF8.self)
        let entry = #"{"Data":""# + Base64.encode(records[1]) + #""}"#
        #expect(first.contains(entry) && third.contains(entry))
        #expect(clock.slept == [.milliseconds(50), .milliseconds(100)])
    }

    @Test func throttlingAndServerErrorsAreRetried() async throws {
        let transport = FakeTransport { request, number throws(TransportError) in
            switch number {
            case 1: return jsonError(status: 400, type: "com.amazon.coral.service#ThrottlingException:http://x/", message: "Rate exceeded")
            case 2: return jsonError(status: 503, type: "ServiceUnavailableException", message: "busy")
            case 3: return HTTPResponse(status: 500)
            case 4: throw TransportError(.connectionReset, "reset by peer")
            case 5: return HTTPResponse(status: 200, body: Array(#"{"RequestResponses":[{"RecordId"#.utf8))
            default: return batchResponse(count: entryCount(request.body))
            }
        }
        let clock = FakeClock()
        let outcome = await client(transport, clock: clock).putRecordBatch(
            streamName: "s", records: [record(0)[...], record(1)[...]], deadline: clock.now + .seconds(10))
        #expect(outcome.allDelivered)
        #expect(transport.requests.count == 6)
        #expect(clock.slept.map(milliseconds) == [50, 100, 200, 400, 800])
        #expect(outcome.statistics.base64Encodings == 2)
    }

    @Test(arguments: [
        (400, "ValidationException"), (400, "InvalidArgumentException"), (400, "ResourceNotFoundException"),
        (400, "UnrecognizedClientException"), (403, "InvalidSignatureException"), (400, "AccessDeniedException"),
        (403, "SomethingForbidden"),
    ])
    func validationAndAuthErrorsAreNotRetried(status: Int, type: String) async throws {
        let transport = FakeTransport { _, _ in jsonError(status: status, type: type, message: "no") }
        let clock = FakeClock()
        let outcome = await client(transport, clock: clock).putRecordBatch(
            streamName: "s", records: [record(0)[...], record(1)[...]], deadline: clock.now + .seconds(10))
        #expect(transport.requests.count == 1)
        #expect(outcome.records == Array(repeating: .failed(code: type, message: "no"), count: 2))
        #expect(clock.slept.isEmpty)
    }

    @Test func theDeadlineBoundsRetriesAndKeepsTheLastError() async throws {
        let transport = FakeTransport { _, _ in
            jsonError(status: 503, type: "ServiceUnavailableException", message: "Slow down.")
        }
        let clock = FakeClock()
        let deadline = clock.now + .seconds(1)
        let outcome = await client(transport, clock: clock).putRecordBatch(
            streamName: "s", records: [record(0)[...], record(1)[...]], deadline: deadline)
        // Backoff ceilings 50+100+200+400 = 750 ms; the next (800 ms) would end past the deadline.
        #expect(clock.slept.map(milliseconds) == [50, 100, 200, 400])
        #expect(transport.requests.count == 5)
        #expect(clock.now < deadline)
        for entry in outcome.records {
            guard case .failed(let code, let message) = entry else {
                Issue.record("expected a failure, got \(entry)")
                continue
            }
            #expect(code == "deadline_exceeded")
            #expect(message.contains("ServiceUnavailableException") && message.contains("Slow down."))
        }
        // Each attempt's timeout is the time left.
        #expect(transport.requestTimeouts.map { milliseconds($0!) } == [1000, 950, 850, 650, 250])
    }

    @Test func slowAttemptsEatTheDeadline() async throws {
        let clock = FakeClock()
        let transport = FakeTransport { _, _ throws(TransportError) in
            clock.advance(.milliseconds(700))
            throw TransportError(.timedOut, "timed out")
        }
        let outcome = await client(transport, clock: clock).putRecordBatch(
            streamName: "s", records: [record(0)[...]], deadline: clock.now + .seconds(1))
        #expect(transport.requests.count == 2)
        #expect(outcome.records[0].errorCode == "deadline_exceeded")
        guard case .failed(_, let message) = outcome.records[0] else { return }
        #expect(message.contains("timed_out"))
    }

    @Test func aPassedDeadlineSendsNothing() async {
        let transport = FakeTransport { _, _ in batchResponse(count: 1) }
        let clock = FakeClock()
        let outcome = await client(transport, clock: clock).putRecordBatch(
            streamName: "s", records: [record(0)[...]], deadline: clock.now)
        #expect(transport.requests.isEmpty)
        #expect(outcome.records[0].errorCode == "deadline_exceeded")
    }

    @Test func attemptsRunOutWithTheLastError() async {
        let transport = FakeTransport { _, _ in jsonError(status: 500, type: "InternalFailure", message: "oops") }
        let clock = FakeClock()
        let outcome = await client(transport, clock: clock, retry: RetryPolicy(maximumAttempts: 3))
            .putRecordBatch(streamName: "s", records: [record(0)[...]], deadline: clock.now + .seconds(60))
        #expect(transport.requests.count == 3)
        #expect(outcome.records[0].errorCode == "InternalFailure")
    }

    @Test func aMismatchedAnswerIsRetried() async throws {
        let transport = FakeTransport { request, number in
            let count = entryCount(request.body)
            return batchResponse(count: number == 1 ? count - 1 : count)
        }
        let clock = FakeClock()
        let outcome = await client(transport, clock: clock).putRecordBatch(
            streamName: "s", records: [record(0)[...], record(1)[...]], deadline: clock.now + .seconds(5))
        #expect(outcome.allDelivered)
        #expect(transport.requests.count == 2)
    }

    @Test func invalidStreamNamesAndEmptyInput() async {
        let transport = FakeTransport { _, _ in batchResponse(count: 1) }
        let clock = FakeClock()
        let firehose = client(transport, clock: clock)
        let bad = await firehose.putRecordBatch(streamName: "bad name", records: [[1]], deadline: clock.now + .seconds(1))
        #expect(bad.records[0].errorCode == "invalid_request")
        let empty = await firehose.putRecordBatch(streamName: "s", records: [], deadline: clock.now + .seconds(1))
        #expect(empty.records.isEmpty)
        #expect(transport.requests.isEmpty)
    }

    @Test func concurrentRequestsKeepTheOrder() async throws {
        let transport = FakeTransport { request, _ in
            let records = (try? decodeBatch(request.body).records) ?? []
            // Answer with ids that name the record's first byte pair, to check the mapping.
            let ids = records.map { #"{"RecordId":"\#($0[0])-\#($0[1])"}"# }
            return HTTPResponse(
                status: 200, body: Array(#"{"FailedPutCount":0,"RequestResponses":[\#(ids.joined(separator: ","))]}"#.utf8))
        }
        let clock = FakeClock()
        let records = (0..<2100).map { record($0, size: 20)[...] }
        let outcome = await client(transport, clock: clock, limits: .init(concurrentRequests: 4))
            .putRecordBatch(streamName: "s", records: records, deadline: clock.now + .seconds(5))
        #expect(transport.requests.count == 5)
        for (index, entry) in outcome.records.enumerated() {
            #expect(entry.recordId == "\(records[index].first!)-\(records[index].dropFirst().first!)")
        }
    }

    @Test func putRecordWrapsTheBatch() async throws {
        let transport = FakeTransport { _, number in
            number == 1 ? batchResponse(count: 1) : jsonError(status: 400, type: "ValidationException", message: "bad")
        }
        let clock = FakeClock()
        let firehose = client(transport, clock: clock)
        #expect(try await firehose.putRecord(streamName: "s", record: [1, 2], deadline: clock.now + .seconds(1)) == "id-0")
        await #expect(throws: AWSError(kind: .service, code: "ValidationException", message: "bad")) {
            try await firehose.putRecord(streamName: "s", record: [1, 2], deadline: clock.now + .seconds(1))
        }
    }
}

@Suite struct S3ClientTests {
    func client(_ transport: FakeTransport, clock: FakeClock = FakeClock()) -> S3Client {
        S3Client(
            configuration: testConfiguration(endpoint: "http://127.0.0.1:9"), transport: transport,
            environment: clock.environment())
    }

    @Test func putObjectSignsThePayloadAndSendsItsMD5() async throws {
        let transport = FakeTransport { _, _ in HTTPResponse(status: 200, headers: ["ETag": "\"abc\""]) }
        let clock = FakeClock()
        let body = Array("hello world".utf8)
        let result = try await client(transport, clock: clock).putObject(
            bucket: "my-bucket", key: "dir/a b+c.json", body: body, contentType: "application/json", ifNoneMatch: true,
            deadline: clock.now + .seconds(5))
        #expect(result.etag == "\"abc\"")
        let request = try #require(transport.requests.first)
        #expect(request.method == .put)
        #expect(request.url == "http://127.0.0.1:9/my-bucket/dir/a%20b%2Bc.json")
        #expect(request.headers["x-amz-content-sha256"] == Digest.sha256Hex(body))
        #expect(request.headers["Content-MD5"] == "XrY7u+Ae7tCTyyK7j1rNww==")
        #expect(request.headers["Content-Type"] == "application/json")
        #expect(request.headers["If-None-Match"] == "*")
        let signedHeaders = try #require(request.headers["Authorization"]?.split(separator: "SignedHeaders=").last)
        #expect(signedHeaders.hasPrefix("content-md5;content-type;host;if-none-match;x-amz-content-sha256;x-amz-date"))
        let verifier = SigV4Verifier(credentials: [testCredentials], requiredService: "s3")
        let signed = try #require(SigV4Request(
            method: "PUT", url: request.url, headers: request.headers.fields, payload: .bytes(request.body)))
        _ = try verifier.verify(signed, now: SigV4Date(secondsSince1970: 1_790_000_000))
    }

    @Test func preconditionFailedIsDistinctAndNotRetried() async {
        let transport = FakeTransport { _, _ in
            HTTPResponse(status: 412, body: Array("<Error><Code>PreconditionFailed</Code><Message>At least one of the pre-conditions you specified did not hold</Message></Error>".utf8))
        }
        let clock = FakeClock()
        do {
            _ = try await client(transport, clock: clock).putObject(
                bucket: "b", key: "k", body: [1], ifNoneMatch: true, deadline: clock.now + .seconds(5))
            Issue.record("expected PreconditionFailed")
        } catch {
            #expect(error.isPreconditionFailed && error.code == "PreconditionFailed" && error.httpStatus == 412)
        }
        #expect(transport.requests.count == 1)
    }

    @Test func slowDownIsRetriedWithinTheDeadline() async throws {
        let transport = FakeTransport { _, number in
            number < 3
                ? HTTPResponse(status: 503, body: Array("<Error><Code>SlowDown</Code><Message>Reduce</Message></Error>".utf8))
                : HTTPResponse(status: 200, headers: ["ETag": "\"e\""])
        }
        let clock = FakeClock()
        _ = try await client(transport, clock: clock).putObject(bucket: "b", key: "k", body: [1], deadline: clock.now + .seconds(5))
        #expect(transport.requests.count == 3)
        // Every attempt is signed afresh (same fake time here, so same date) and carries the same body.
        #expect(Set(transport.requests.map(\.body)).count == 1)

        let always = FakeTransport { _, _ in
            HTTPResponse(status: 503, body: Array("<Error><Code>SlowDown</Code><Message>Reduce</Message></Error>".utf8))
        }
        let clock2 = FakeClock()
        do {
            _ = try await client(always, clock: clock2).putObject(bucket: "b", key: "k", body: [1], deadline: clock2.now + .seconds(1))
            Issue.record("expected a deadline error")
        } catch {
            #expect(error.kind == .deadlineExceeded && error.code == "deadline_exceeded")
            #expect(error.message.contains("SlowDown") && error.httpStatus == 503)
        }
        #expect(always.requests.count == 5)
    }

    @Test func refusesKeysThatWouldBeRewritten() async {
        let transport = FakeTransport { _, _ in HTTPResponse(status: 200) }
        let clock = FakeClock()
        for key in ["", "a/../b", "./a", "a/."] {
            await #expect(throws: AWSError.self) {
                try await client(transport, clock: clock).getObject(bucket: "b", key: key, deadline: clock.now + .seconds(1))
            }
        }
        #expect(transport.requests.isEmpty)
    }

    @Test func listSendsTheQueryAndReadsThePage() async throws {
        let transport = FakeTransport { _, _ in
            HTTPResponse(status: 200, body: Array("<ListBucketResult><KeyCount>0</KeyCount><IsTruncated>false</IsTruncated></ListBucketResult>".utf8))
        }
        let clock = FakeClock()
        let page = try await client(transport, clock: clock).listObjectsV2(
            bucket: "b", prefix: "a b/", delimiter: "/", continuationToken: "t+k=", maxKeys: 10, deadline: clock.now + .seconds(1))
        #expect(page.keyCount == 0 && !page.isTruncated && page.contents.isEmpty)
        #expect(transport.requests.first?.url
            == "http://127.0.0.1:9/b?list-type=2&continuation-token=t%2Bk%3D&delimiter=%2F&max-keys=10&prefix=a%20b%2F")
    }
}
