import Foundation
import InletAWS
import InletCore
import InletEmulator
import InletFunction
import InletLambdaRuntime
import Testing

/// S3 requests the function sends, answered 200.
actor S3Recorder {
    private(set) var requests: [LocalRequest] = []

    func handle(_ request: LocalRequest) -> LocalResponse {
        requests.append(request)
        return LocalResponse(status: 200, headers: HTTPHeaders([("ETag", "\"0123456789abcdef\"")]))
    }
}

/// The whole local path in one process: HTTP API → the real ingest function → Firehose →
/// the data sink, and the error object → the S3 handler.
@Suite struct LocalPipelineTests {
    @Test(arguments: [APIGatewayEmulator.PayloadFormat.v2, .v1])
    func aMixedNDJSONPostIsAPartialSuccessEndToEnd(format: APIGatewayEmulator.PayloadFormat) async throws {
        let dir = temporaryDirectory()
        defer { removeDirectory(dir) }
        let sink = MemorySink()
        let firehose = FirehoseEmulator(dataDirectory: dir, sink: sink)
        try await firehose.createStream(
            DeliveryStreamConfig(
                name: "inlet-events", bucket: "inlet-data", bufferingSizeMiB: 1, bufferingIntervalSeconds: 0,
                appendDelimiterToRecord: true))
        let s3 = S3Recorder()
        let transport = LoopbackTransport(firehose: FirehoseService(emulator: firehose), s3: { await s3.handle($0) })
        let configuration = try FunctionConfiguration.fromEnvironment([
            "DELIVERY_STREAM_NAME": "inlet-events", "ERROR_BUCKET_NAME": "inlet-errors",
            "AWS_ACCESS_KEY_ID": "AKIDEXAMPLE", "AWS_SECRET_ACCESS_KEY": "secret", "AWS_REGION": "us-east-1",
            "AWS_ENDPOINT_URL": "http://127.0.0.1:4566",
        ])
        let function = IngestFunction(
            configuration: configuration,
            firehose: FirehoseClient(configuration: configuration.aws, transport: transport),
            s3: S3Client(configuration: configuration.aws, transport: transport))
        let api = APIGatewayEmulator(host: InProcessFunctionHost(handler: function), payloadFormat: format)

        let body = #"{"Id":"1"}"# + "\n" + #"{"Id":""}"# + "\n" + #"{"Id":"3"}"# + "\n" + #"{"Id":"4"}"# + "\n"
        let now = FirehoseEmulator.systemMillis()
        let response = await api.handle(
            LocalRequest(
                method: "POST", rawPath: "/events",
                headers: HTTPHeaders([("Content-Type", "application/x-ndjson"), ("User-Agent", "pipeline-test")]),
                body: Array(body.utf8), remoteAddress: "203.0.113.7"),
            now: now)

        #expect(response.status == 207)
        #expect(response.headers["content-type"] == "application/json")
        let requestId = try #require(response.headers["apigw-requestid"])
        let answer = object(response.body)
        #expect(answer["requestId"] as? String == requestId)
        #expect(answer["accepted"] as? Int == 3)
        #expect((answer["errors"] as? [[String: Any]])?.map { $0["index"] as? Int } == [1])

        await firehose.flushAll()
        let lines = try await sink.allBytes().split(separator: 0x0A).map { object(Array($0)) }
        #expect(lines.map { $0["Id"] as? String } == ["1", "3", "4"])
        let ingest = lines.map { $0["_ingest"] as? [String: Any] ?? [:] }
        #expect(ingest.allSatisfy { ($0["event_id"] as? String)?.count == 36 })
        #expect(ingest.allSatisfy { $0["source_ip"] as? String == "203.0.113.7" })
        #expect(await sink.objects.allSatisfy { $0.bucket == "inlet-data" })

        let puts = await s3.requests
        #expect(puts.count == 1)
        let t = UTCDateTime(epochMillis: now)
        func two(_ v: Int) -> String { v < 10 ? "0\(v)" : "\(v)" }
        let safeId = requestId.replacingOccurrences(of: "=", with: "_")
        let key = "errors/\(t.year)/\(two(t.month))/\(two(t.day))/\(two(t.hour))/\(safeId).json"
        #expect(puts.first?.method == "PUT")
        #expect(puts.first?.rawPath == "/inlet-errors/" + key)
        let envelope = object(Array((puts.first?.body ?? []).split(separator: 0x0A).first ?? []))
        #expect(envelope["raw_event"] as? String == #"{"Id":""}"#)
        #expect(envelope["event_index"] as? Int == 1)
    }

    @Test func aSlowFunctionIsCutOffByTheIntegrationTimeoutAndAFailingOneIs500() async {
        let slow = APIGatewayEmulator(
            host: InProcessFunctionHost(
                handler: ClosureHandler { _, _ in
                    try await Task.sleep(for: .seconds(30))
                    return []
                }), integrationTimeoutMillis: 100)
        let request = LocalRequest(method: "POST", rawPath: "/events", body: Array("{}".utf8))
        let start = ContinuousClock.now
        let timedOut = await slow.handle(request, now: FirehoseEmulator.systemMillis())
        #expect(timedOut.status == 503)
        // The function sleeps 30 s; answering well before that shows the gateway cut it off.
        // (Generous: the shared test machine can stall a busy cooperative pool for seconds.)
        #expect(ContinuousClock.now - start < .seconds(25))

        let failing = APIGatewayEmulator(host: InProcessFunctionHost(handler: ClosureHandler { _, _ in throw Boom() }))
        let failed = await failing.handle(request, now: FirehoseEmulator.systemMillis())
        #expect(failed.status == 500)
        #expect(String(decoding: failed.body, as: UTF8.self) == #"{"message":"Internal Server Error"}"#)
    }
}
