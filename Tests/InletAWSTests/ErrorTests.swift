import Foundation
import InletHTTP
import Testing

@testable import InletAWS

@Suite struct AWSErrorTests {
    /// The shapes botocore's parser tests feed to `_do_error_parse` for JSON protocols.
    @Test(arguments: [
        ("com.amazon.coral.service#ThrottlingException:http://internal.amazon.com/coral/com.amazon.coral.service/",
         "ThrottlingException"),
        ("ThrottlingException:http://internal.amazon.com/coral/com.amazon.coral.service/", "ThrottlingException"),
        ("aws.protocoltests.restjson#FooError:http://internal.amazon.com/coral/com.amazon.coral.validate/", "FooError"),
        ("aws.protocoltests.restjson#FooError", "FooError"),
        ("com.amazonaws.firehose#ResourceNotFoundException", "ResourceNotFoundException"),
        ("FooError", "FooError"),
        ("  FooError  ", "FooError"),
    ])
    func normalizesCodesLikeBotocore(raw: String, expected: String) {
        #expect(AWSError.normalizeCode(raw) == expected)
    }

    @Test func jsonErrorFromBodyTypeAndMessage() {
        let response = HTTPResponse(
            status: 400, headers: ["x-amzn-RequestId": "abc-123"],
            body: Array(
                #"{"__type":"com.amazon.coral.service#ThrottlingException:http://internal.amazon.com/coral/com.amazon.coral.service/","message":"Rate exceeded"}"#
                    .utf8))
        let error = AWSError.fromJSONResponse(response)
        #expect(error == AWSError(kind: .service, code: "ThrottlingException", message: "Rate exceeded", httpStatus: 400, requestId: "abc-123"))
        #expect(error.isRetryable)
        #expect(error.description == "ThrottlingException (HTTP 400, request id abc-123): Rate exceeded")
    }

    @Test func jsonErrorFromHeaderAndCapitalizedMessage() {
        let response = HTTPResponse(
            status: 400,
            headers: ["x-amzn-ErrorType": "ValidationException:http://internal.amazon.com/coral/com.amazon.coral.validate/"],
            body: Array(#"{"Message":"1 validation error detected"}"#.utf8))
        let error = AWSError.fromJSONResponse(response)
        #expect(error.code == "ValidationException")
        #expect(error.message == "1 validation error detected")
        #expect(!error.isRetryable)
    }

    @Test func jsonErrorWithoutCodeFallsBackToTheStatus() {
        let error = AWSError.fromJSONResponse(HTTPResponse(status: 503, body: Array("<html>busy</html>".utf8)))
        #expect(error.code == "503")
        #expect(error.isRetryable)
        let notFound = AWSError.fromJSONResponse(HTTPResponse(status: 404))
        #expect(notFound.code == "404")
        #expect(!notFound.isRetryable)
    }

    @Test func s3XMLError() {
        let body = """
            <?xml version="1.0" encoding="UTF-8"?>
            <Error><Code>SlowDown</Code><Message>Please reduce your request rate &amp; retry &lt;soon&gt;.</Message>\
            <RequestId>4442587FB7D0A2F9</RequestId><HostId>abc</HostId></Error>
            """
        let error = AWSError.fromXMLResponse(HTTPResponse(status: 503, body: Array(body.utf8)))
        #expect(error.code == "SlowDown")
        #expect(error.message == "Please reduce your request rate & retry <soon>.")
        #expect(error.requestId == "4442587FB7D0A2F9")
        #expect(error.isRetryable)
        let head = AWSError.fromXMLResponse(HTTPResponse(status: 404, headers: ["x-amz-request-id": "R1"]))
        #expect(head.code == "NotFound" && head.requestId == "R1" && !head.isRetryable)
        let precondition = AWSError.fromXMLResponse(
            HTTPResponse(status: 412, body: Array("<Error><Code>PreconditionFailed</Code></Error>".utf8)))
        #expect(precondition.isPreconditionFailed && !precondition.isRetryable)
    }

    @Test(arguments: [
        ("ThrottlingException", 400, true), ("ServiceUnavailableException", 503, true),
        ("LimitExceededException", 400, true), ("ProvisionedThroughputExceededException", 400, true),
        ("RequestLimitExceeded", 400, true), ("SlowDown", 503, true), ("InternalFailure", 500, true),
        ("TooManyRequests", 429, true), ("500", 500, true), ("502", 502, true), ("504", 504, true),
        ("NotImplemented", 501, false),
        ("ValidationException", 400, false), ("InvalidArgumentException", 400, false),
        ("ResourceNotFoundException", 400, false), ("UnrecognizedClientException", 400, false),
        ("InvalidSignatureException", 403, false), ("AccessDeniedException", 400, false),
        ("SignatureDoesNotMatch", 403, false), ("AccessDenied", 403, false), ("NoSuchKey", 404, false),
        ("SomethingElse", 400, false), ("SomethingElse", 409, false),
    ])
    func serviceRetryDecisions(code: String, status: Int, retryable: Bool) {
        #expect(AWSError(kind: .service, code: code, message: "", httpStatus: status).isRetryable == retryable)
    }

    @Test func transportAndClientRetryDecisions() {
        let retryable: [TransportError.Code] = [
            .couldNotResolve, .couldNotConnect, .timedOut, .connectionReset, .sendError, .receiveError,
            .partialResponse, .emptyResponse,
        ]
        for code in retryable {
            #expect(AWSError(transport: TransportError(code, "x")).isRetryable, "\(code)")
        }
        for code in [TransportError.Code.tlsFailure, .invalidRequest, .cancelled, .responseTooLarge] {
            #expect(!AWSError(transport: TransportError(code, "x")).isRetryable, "\(code)")
        }
        #expect(AWSError(transport: TransportError(.timedOut, "x")).code == "timed_out")
        #expect(!AWSError(kind: .deadlineExceeded, code: "deadline_exceeded", message: "").isRetryable)
        #expect(!AWSError(kind: .invalidRequest, code: "invalid_request", message: "").isRetryable)
        #expect(AWSError.isRetryableRecordError(code: "ServiceUnavailableException"))
        #expect(AWSError.isRetryableRecordError(code: "InternalFailure"))
        #expect(!AWSError.isRetryableRecordError(code: "ValidationException"))
    }

    @Test func backoffIsExponentialWithFullJitterAndACap() {
        let policy = RetryPolicy(maximumAttempts: 10, baseDelay: .milliseconds(50), maximumDelay: .seconds(2))
        let ceilings = (1...8).map { milliseconds(policy.backoffCeiling(afterAttempt: $0)) }
        #expect(ceilings == [50, 100, 200, 400, 800, 1600, 2000, 2000])
        #expect(policy.delay(afterAttempt: 3, random: { $0 }) == .milliseconds(200))
        #expect(policy.delay(afterAttempt: 3, random: { _ in 0 }) == .zero)
        #expect(policy.delay(afterAttempt: 3, random: { $0 / 2 }) == .milliseconds(100))
        // The real jitter stays within the ceiling.
        for attempt in 1...10 {
            let delay = policy.delay(afterAttempt: attempt, random: AWSClientEnvironment.system.random)
            #expect(delay >= .zero && delay <= policy.backoffCeiling(afterAttempt: attempt))
        }
        #expect(RetryPolicy(maximumAttempts: 0).maximumAttempts == 1)
    }
}

@Suite struct XMLElementTests {
    @Test func decodesEntities() {
        let decoded = XMLElement.decodeEntities(Array("a &amp; b &lt;c&gt; &quot;d&quot; &apos;e&apos; &#65;&#x42;&#x1F600; &unknown; & x".utf8))
        #expect(String(decoding: decoded, as: UTF8.self) == "a & b <c> \"d\" 'e' AB😀 &unknown; & x")
        #expect(XMLElement.decodeEntities(Array("&#xD800; &#99999999;".utf8)) == Array("&#xD800; &#99999999;".utf8))
    }

    @Test func readsAListObjectsV2Answer() throws {
        let body = """
            <?xml version="1.0" encoding="UTF-8"?>
            <!-- a comment <Contents> -->
            <ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/">
              <Name>bucket</Name><Prefix>logs/</Prefix><KeyCount>3</KeyCount><MaxKeys>2</MaxKeys>
              <Delimiter>/</Delimiter><IsTruncated>true</IsTruncated>
              <Contents><Key>logs/a&amp;b.json</Key><LastModified>2026-11-27T09:19:01.000Z</LastModified>
                <ETag>&quot;9b2cf535f27731c974343645a3985328&quot;</ETag><Size>12</Size>
                <StorageClass>STANDARD</StorageClass></Contents>
              <Contents><Key><![CDATA[logs/<raw>&amp;]]></Key><Size>0</Size><ETag>"e"</ETag><LastModified>x</LastModified></Contents>
              <CommonPrefixes><Prefix>logs/2026/</Prefix></CommonPrefixes>
              <NextContinuationToken>1ueGcxLPRx1Tr/XYExHnhbYLgveDs2J/wm36Hy4vbOwM=</NextContinuationToken>
              <StartAfter/>
            </ListBucketResult>
            """
        let result = try S3Client.parseListObjectsV2(HTTPResponse(status: 200, body: Array(body.utf8)))
        #expect(result.contents == [
            S3ObjectSummary(key: "logs/a&b.json", size: 12, etag: "\"9b2cf535f27731c974343645a3985328\"",
                            lastModified: "2026-11-27T09:19:01.000Z"),
            S3ObjectSummary(key: "logs/<raw>&amp;", size: 0, etag: "\"e\"", lastModified: "x"),
        ])
        #expect(result.commonPrefixes == ["logs/2026/"])
        #expect(result.isTruncated)
        #expect(result.nextContinuationToken == "1ueGcxLPRx1Tr/XYExHnhbYLgveDs2J/wm36Hy4vbOwM=")
        #expect(result.keyCount == 3)
    }

    @Test func isForgiving() throws {
        let root = try #require(XMLElement.parse(Array("<a:Root x='1>2'><b>text</c></b><d/><e>unclosed".utf8)))
        #expect(root.name == "Root")
        #expect(root.childText("b") == "text")
        #expect(root.child("d")?.text == "")
        #expect(root.childText("e") == "unclosed")
        #expect(XMLElement.parse(Array("no markup at all".utf8)) == nil)
        #expect(XMLElement.parse([]) == nil)
        // Whatever bytes come in, parsing terminates without trapping.
        var state: UInt32 = 7
        for _ in 0..<500 {
            let bytes = (0..<64).map { _ -> UInt8 in
                state = state &* 1_103_515_245 &+ 12345
                return Array("<>/!?-[]&;#x'\"aZ ".utf8)[Int(state >> 16) % 17]
            }
            _ = XMLElement.parse(bytes)
        }
    }
}

@Suite struct AWSErrorShapeTests {
    /// moto answers a JSON service's failed signature check in the query protocol's XML shape.
    @Test func jsonServiceAnsweringInXML() {
        let body = """
            <?xml version="1.0" encoding="utf-8"?>
            <ErrorResponse><Errors><Error><Code>SignatureDoesNotMatch</Code><Message>The request signature we \
            calculated does not match the signature you provided.</Message><Type>Sender</Type></Error></Errors></ErrorResponse>
            """
        let error = AWSError.fromJSONResponse(
            HTTPResponse(status: 403, headers: ["x-amzn-requestid": "R9"], body: Array(body.utf8)))
        #expect(error.code == "SignatureDoesNotMatch")
        #expect(error.message.hasPrefix("The request signature we calculated"))
        #expect(error.requestId == "R9")
        #expect(!error.isRetryable)
    }
}
