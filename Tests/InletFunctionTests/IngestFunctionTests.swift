import Foundation
import InletAPIGateway
import InletAWS
import InletCore
import InletFunction
import InletHTTP
import InletTestSupport
import Logging
import Testing

/// The ingest handler in process, against moto_server's Firehose and S3 with signature
/// checks on: what the response says is what lands in the buckets.
@Suite(.serialized) struct IngestFunctionTests {
    let transport = CurlTransport()
    let logger = Logger(label: "test")

    struct Setup {
        var function: IngestFunction
        var pipeline: PipelineFixture
        var s3: S3Client { pipeline.s3 }
        var dataBucket: String { pipeline.dataBucket }
        var errorBucket: String { pipeline.errorBucket }
    }

    /// A stream into a fresh data bucket, a fresh error bucket, and the function over them;
    /// `firehoseURL`/`s3URL` override one service's endpoint (to make it unreachable).
    func setup(firehoseURL: String? = nil, s3URL: String? = nil, extra: [String: String] = [:]) async throws -> Setup {
        let pipeline = try await PipelineFixture.make("inlet", transport: transport)
        var env = pipeline.environment.merging(extra) { $1 }
        if let firehoseURL { env["AWS_ENDPOINT_URL_FIREHOSE"] = firehoseURL }
        if let s3URL { env["AWS_ENDPOINT_URL_S3"] = s3URL }
        let configuration = try FunctionConfiguration.fromEnvironment(env)
        let function = IngestFunction(
            configuration: configuration,
            firehose: FirehoseClient(configuration: configuration.aws, transport: transport),
            s3: S3Client(configuration: configuration.aws, transport: transport))
        return Setup(function: function, pipeline: pipeline)
    }

    func request(_ body: String, contentType: String? = "application/json", requestId: String = "req-\(uniqueSuffix())")
        -> APIGatewayRequest
    {
        var headers = HTTPHeaders()
        if let contentType { headers.add(name: "content-type", value: contentType) }
        return APIGatewayRequest(
            headers: headers, body: Array(body.utf8), requestId: requestId, sourceIp: "203.0.113.9", userAgent: "test",
            timeEpochMillis: 1_764_235_141_123)
    }

    func json(_ response: APIGatewayResponse) throws -> [String: Any] {
        try JSONSerialization.jsonObject(with: Data(response.body)) as! [String: Any]
    }

    func lines(_ bytes: [UInt8]) throws -> [[String: Any]] {
        try bytes.split(separator: 0x0A).map { try JSONSerialization.jsonObject(with: Data($0)) as! [String: Any] }
    }

    @Test func validEventsLandInTheDataBucketExactlyAsEncoded() async throws {
        let s = try await setup()
        let body = "{\"Id\":\"1\",\"Name\":\"John\"}\n{\"Id\":\"2\",\"n\":12345678901234567890}\n"
        let response = await s.function.ingest(request(body, contentType: "application/x-ndjson"), lambdaRequestId: "l1", deadline: .now + .seconds(20), logger: logger)
        #expect(response.statusCode == 200)
        #expect(try json(response)["accepted"] as? Int == 2)
        let data = try await s.pipeline.objects(in: s.dataBucket)
        #expect(data.count == 1)
        let records = try lines(data.values.first ?? [])
        #expect(records.map { $0["Id"] as? String } == ["1", "2"])
        #expect(String(decoding: data.values.first!, as: UTF8.self).contains("\"n\":12345678901234567890,"))
        #expect((records[0]["_ingest"] as? [String: Any])?["source_ip"] as? String == "203.0.113.9")
        #expect(try await s.pipeline.objects(in: s.errorBucket).isEmpty)
    }

    @Test func aMixedBatchIsAPartialSuccessWithTheRejectsInTheErrorBucket() async throws {
        let s = try await setup()
        let req = request(#"[{"Id":"1"},{"Id":""},{"Id":"3"}]"#)
        let response = await s.function.ingest(req, lambdaRequestId: "l2", deadline: .now + .seconds(20), logger: logger)
        #expect(response.statusCode == 207)
        let object = try json(response)
        #expect(object["accepted"] as? Int == 2)
        let errors = object["errors"] as? [[String: Any]]
        #expect(errors?.map { $0["index"] as? Int } == [1])
        #expect(((errors?.first?["reasons"] as? [[String: Any]])?.first)?["pointer"] as? String == "/Id")

        let stored = try await s.pipeline.objects(in: s.errorBucket)
        let key = "errors/2025/11/27/09/\(req.requestId).json"
        #expect(Array(stored.keys) == [key])
        let envelopes = try lines(stored[key]!)
        #expect(envelopes.count == 1)
        #expect(envelopes[0]["error"] as? String == "contract_violation")
        #expect(envelopes[0]["raw_event"] as? String == #"{"Id":""}"#)
        #expect(envelopes[0]["event_index"] as? Int == 1)
        #expect(try lines(try await s.pipeline.objects(in: s.dataBucket).values.first ?? []).count == 2)
    }

    @Test func anAllInvalidOrMalformedBodyIs400AndKeptInTheErrorBucket() async throws {
        let s = try await setup()
        let invalid = await s.function.ingest(request("{\"Name\":\"x\"}\n{\"Id\":\"\"}"), lambdaRequestId: "l3", deadline: .now + .seconds(20), logger: logger)
        #expect(invalid.statusCode == 400)
        let malformedRequest = request(#"{"Id":"1","#)
        let malformed = await s.function.ingest(malformedRequest, lambdaRequestId: "l4", deadline: .now + .seconds(20), logger: logger)
        #expect(malformed.statusCode == 400)
        let stored = try await s.pipeline.objects(in: s.errorBucket)
        #expect(stored.count == 2)
        let envelope = try lines(stored["errors/2025/11/27/09/\(malformedRequest.requestId).json"]!)
        #expect(envelope[0]["error"] as? String == "malformed_json")
        #expect(envelope[0]["raw_event"] as? String == #"{"Id":"1","#)
        #expect(try await s.pipeline.objects(in: s.dataBucket).isEmpty)
    }

    @Test func refusesUnsupportedTypesAndOversizedBodiesWithoutStoringThem() async throws {
        let s = try await setup()
        let xml = await s.function.ingest(request("<a/>", contentType: "application/xml"), lambdaRequestId: "l5", deadline: .now + .seconds(20), logger: logger)
        #expect(xml.statusCode == 415)
        #expect(try json(xml)["error"] as? String == "unsupported_content_type")
        let big = await s.function.ingest(request(String(repeating: " ", count: 6 * 1024 * 1024 + 1)), lambdaRequestId: "l6", deadline: .now + .seconds(20), logger: logger)
        #expect(big.statusCode == 413)
        #expect(try await s.pipeline.objects(in: s.errorBucket).isEmpty)
    }

    @Test func whenFirehoseIsUnreachableTheRecordsGoToTheErrorBucketAndTheClientRetries() async throws {
        let closed = "http://127.0.0.1:\(freeLoopbackPort())"
        let s = try await setup(firehoseURL: closed)
        let req = request("{\"Id\":\"1\"}\n{\"Id\":\"\"}\n{\"Id\":\"3\"}")
        let response = await s.function.ingest(req, lambdaRequestId: "l7", deadline: .now + .seconds(4), logger: logger)
        #expect(response.statusCode == 503)
        #expect(response.headers["retry-after"] == "1")
        let object = try json(response)
        #expect(object["deliveryFailed"] as? [Int] == [0, 2])
        #expect(object["error"] as? String == "delivery_failed")
        let stored = try await s.pipeline.objects(in: s.errorBucket)
        let envelopes = try lines(stored["errors/2025/11/27/09/\(req.requestId).json"] ?? [])
        #expect(envelopes.map { $0["error"] as? String } == ["delivery_failed", "contract_violation", "delivery_failed"])
        // The undelivered record is kept enriched, so it can be replayed with its event id.
        #expect((envelopes[0]["raw_event"] as? String)?.contains("\"_ingest\":{\"event_id\"") == true)
    }

    @Test func whenTheErrorBucketIsUnreachableTheResponseSaysSo() async throws {
        let closed = "http://127.0.0.1:\(freeLoopbackPort())"
        let s = try await setup(s3URL: closed)
        let response = await s.function.ingest(request(#"{"Id":""}"#), lambdaRequestId: "l8", deadline: .now + .seconds(3), logger: logger)
        #expect(response.statusCode == 503)
        #expect(try json(response)["error"] as? String == "error_store_unavailable")
    }

    @Test func aRetriedInvocationOverwritesItsErrorObject() async throws {
        let s = try await setup()
        let req = request(#"{"Id":""}"#, requestId: "fixed-request-id")
        for _ in 0..<2 {
            _ = await s.function.ingest(req, lambdaRequestId: "l9", deadline: .now + .seconds(20), logger: logger)
        }
        let stored = try await s.pipeline.objects(in: s.errorBucket)
        #expect(Array(stored.keys) == ["errors/2025/11/27/09/fixed-request-id.json"])
    }

    @Test func errorKeysStayInsideTheirPrefix() throws {
        let configuration = try FunctionConfiguration.fromEnvironment([
            "DELIVERY_STREAM_NAME": "s", "ERROR_BUCKET_NAME": "b", "ERROR_KEY_PREFIX": "bad",
            "AWS_ACCESS_KEY_ID": "AKID", "AWS_SECRET_ACCESS_KEY": "secret", "AWS_REGION": "us-east-1",
        ])
        let aws = configuration.aws
        let function = IngestFunction(
            configuration: configuration, firehose: FirehoseClient(configuration: aws, transport: transport),
            s3: S3Client(configuration: aws, transport: transport))
        #expect(function.errorKey(requestId: "../../etc/passwd", receivedAtMillis: 0) == "bad/1970/01/01/00/.._.._etc_passwd.json")
        #expect(function.errorKey(requestId: "..", receivedAtMillis: 0) == "bad/1970/01/01/00/request.json")
    }

    @Test func eventSchemaNamesTheContractTheFunctionChecks() async throws {
        let path = NSTemporaryDirectory() + "inlet-contract-\(uniqueSuffix()).json"
        defer { try? FileManager.default.removeItem(atPath: path) }
        try #"{"type":"object","required":["Kind"],"properties":{"Kind":{"enum":["click","view"]}}}"#
            .write(toFile: path, atomically: true, encoding: .utf8)
        let s = try await setup(extra: ["EVENT_SCHEMA": path])
        // The built-in contract would take all three (each has a non-blank Id) and refuse none.
        let req = request(#"[{"Id":"1","Kind":"click"},{"Id":"2"},{"Id":"3","Kind":"buy"}]"#)
        let response = await s.function.ingest(req, lambdaRequestId: "l9", deadline: .now + .seconds(20), logger: logger)
        #expect(response.statusCode == 207)
        let object = try json(response)
        #expect(object["accepted"] as? Int == 1)
        let errors = try #require(object["errors"] as? [[String: Any]])
        #expect(errors.map { $0["index"] as? Int } == [1, 2])
        let keywords = errors.map { (($0["reasons"] as? [[String: Any]])?.first?["keyword"] as? String) ?? "" }
        #expect(keywords == ["required", "enum"])
        let delivered = try lines(try await s.pipeline.objects(in: s.dataBucket).values.first ?? [])
        #expect(delivered.map { $0["Id"] as? String } == ["1"])
    }

    @Test func anUnreadableOrInvalidEventSchemaIsAnInitError() throws {
        let base = ["DELIVERY_STREAM_NAME": "s", "ERROR_BUCKET_NAME": "b", "AWS_REGION": "us-east-1"]
        let missing = NSTemporaryDirectory() + "inlet-no-such-contract-\(uniqueSuffix()).json"
        #expect {
            try FunctionConfiguration.fromEnvironment(base.merging(["EVENT_SCHEMA": missing]) { $1 })
        } throws: { error in
            let error = error as? FunctionConfigurationError
            return error?.code == .unreadableContract && error?.message.contains(missing) == true
        }
        let invalid = NSTemporaryDirectory() + "inlet-bad-contract-\(uniqueSuffix()).json"
        defer { try? FileManager.default.removeItem(atPath: invalid) }
        try #"{"type":"objekt"}"#.write(toFile: invalid, atomically: true, encoding: .utf8)
        #expect {
            try FunctionConfiguration.fromEnvironment(base.merging(["EVENT_SCHEMA": invalid]) { $1 })
        } throws: { error in
            let error = error as? FunctionConfigurationError
            return error?.code == .invalidContract && error?.message.contains("EVENT_SCHEMA") == true
        }
    }

    @Test func namesTheMissingVariable() {
        #expect {
            try FunctionConfiguration.fromEnvironment(["ERROR_BUCKET_NAME": "b"])
        } throws: { ($0 as? FunctionConfigurationError)?.message.contains("DELIVERY_STREAM_NAME") == true }
    }
}
