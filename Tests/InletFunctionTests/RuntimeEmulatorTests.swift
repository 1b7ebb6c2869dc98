import Foundation
import InletAWS
import InletCore
import InletHTTP
import InletTestSupport
import Testing

/// The built `bootstrap` under AWS's own Runtime Interface Emulator, with moto (signature
/// checks on) as Firehose and S3: SAM's API Gateway events in, records and error objects out.
@Suite(.serialized) struct RuntimeEmulatorTests {
    let transport = CurlTransport()

    struct Emulator {
        var process: PeerProcess
        var port: Int

        func invoke(_ payload: [UInt8], transport: CurlTransport) async throws -> HTTPResponse {
            try await transport.send(
                HTTPRequest(
                    method: .post, url: "http://127.0.0.1:\(port)/2015-03-31/functions/function/invocations",
                    body: payload),
                timeout: .seconds(60))
        }
    }

    func start(_ environment: [String: String]) async throws -> Emulator {
        let port = freeLoopbackPort(), runtimePort = freeLoopbackPort()
        let process = try PeerProcess(
            executable: try PeerBinaries.runtimeInterfaceEmulator(),
            arguments: [
                "--runtime-interface-emulator-address", "127.0.0.1:\(port)",
                "--runtime-api-address", "127.0.0.1:\(runtimePort)",
                try PeerBinaries.shippedBootstrap(),
            ],
            environment: environment)
        try await process.waitForPort(port)
        return Emulator(process: process, port: port)
    }

    /// SAM's HTTP API event with `body` as the request body.
    func httpAPIEvent(_ body: String, contentType: String = "application/json", requestId: String) throws -> [UInt8] {
        let url = PeerBinaries.repository.appendingPathComponent("Tests/InletAPIGatewayTests/Fixtures/events/apigw-http-api-v2.json")
        var event = try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as! [String: Any]
        event["body"] = body
        event["isBase64Encoded"] = false
        var headers = event["headers"] as! [String: String]
        headers["content-type"] = contentType
        event["headers"] = headers
        var context = event["requestContext"] as! [String: Any]
        context["requestId"] = requestId
        event["requestContext"] = context
        return Array(try JSONSerialization.data(withJSONObject: event))
    }

    func fixture(_ name: String) throws -> [UInt8] {
        Array(try Data(contentsOf: PeerBinaries.repository.appendingPathComponent("Tests/InletAPIGatewayTests/Fixtures/events/\(name)")))
    }

    func object(_ bytes: [UInt8]) throws -> [String: Any] {
        try JSONSerialization.jsonObject(with: Data(bytes)) as! [String: Any]
    }

    @Test func servesSAMEventsAndDeliversThroughMoto() async throws {
        let pipeline = try await PipelineFixture.make("rie", transport: transport)
        var env = pipeline.environment
        env["AWS_LAMBDA_LOG_FORMAT"] = "JSON"
        let environment = env
        let emulator = try await start(environment)
        defer { emulator.process.stop() }

        // SAM's v2 event as generated: the sample event, base64-encoded.
        let valid = try await emulator.invoke(try fixture("apigw-http-api-v2.json"), transport: transport)
        #expect(valid.status == 200, "\(emulator.process.log)")
        let validResponse = try object(valid.body)
        #expect(validResponse["statusCode"] as? Int == 200)

        // SAM's REST v1 event: a v1 response with multiValueHeaders.
        let rest = try object(try await emulator.invoke(try fixture("apigw-rest-v1.json"), transport: transport).body)
        #expect(rest["statusCode"] as? Int == 200)
        #expect(rest["multiValueHeaders"] != nil)

        let mixed = try object(
            try await emulator.invoke(
                try httpAPIEvent("{\"Id\":\"7\"}\n{\"Id\":\"\"}\n", contentType: "application/x-ndjson", requestId: "mixed-1"),
                transport: transport
            ).body)
        #expect(mixed["statusCode"] as? Int == 207)

        let invalid = try object(
            try await emulator.invoke(try httpAPIEvent(#"[{"Name":"x"}]"#, requestId: "invalid-1"), transport: transport).body)
        #expect(invalid["statusCode"] as? Int == 400)

        let malformed = try object(
            try await emulator.invoke(try httpAPIEvent(#"{"Id":"#, requestId: "malformed-1"), transport: transport).body)
        #expect(malformed["statusCode"] as? Int == 400)
        #expect((malformed["body"] as? String)?.contains("malformed_json") == true)

        // Three accepted records through moto's Firehose (one object per PutRecordBatch).
        let data = try await pipeline.objects(in: pipeline.dataBucket)
        let records = data.values.flatMap { $0.split(separator: 0x0A) }.map { try? object(Array($0)) }
        #expect(records.count == 3)
        #expect(Set(records.compactMap { $0?["Id"] as? String }) == ["1", "7"])
        #expect(records.allSatisfy { (($0?["_ingest"] as? [String: Any])?["event_id"] as? String)?.count == 36 })

        // One error object per request that had rejects, under the deterministic key.
        let errors = try await pipeline.objects(in: pipeline.errorBucket)
        #expect(errors.keys.sorted().map { $0.split(separator: "/").last.map(String.init) ?? "" }
            == ["invalid-1.json", "malformed-1.json", "mixed-1.json"])
        #expect(errors.keys.allSatisfy { $0.hasPrefix("errors/") })
        // The function's logs are JSON lines with the request id, and never hold event bodies.
        let log = emulator.process.log
        #expect(!log.contains("John"))
        #expect(!log.contains(pipeline.moto.credentials.secretAccessKey))
    }

    @Test func reportsAnInitErrorAsTheEmulatorDoes() async throws {
        let moto = try await MotoPeer.shared()
        var env = moto.environment
        env["ERROR_BUCKET_NAME"] = "unused"
        let environment = env
        let emulator = try await start(environment)
        defer { emulator.process.stop() }
        let response = try await emulator.invoke(Array("{}".utf8), transport: transport)
        #expect(response.status == 502)
        let error = try object(response.body)
        #expect(error["errorType"] as? String == "InitError.missing_variable")
        #expect((error["errorMessage"] as? String)?.contains("DELIVERY_STREAM_NAME") == true)
    }

    @Test func reportsAHandlerErrorAndKeepsServing() async throws {
        let moto = try await MotoPeer.shared()
        var env = moto.environment
        env["DELIVERY_STREAM_NAME"] = "unused"
        env["ERROR_BUCKET_NAME"] = "unused"
        let environment = env
        let emulator = try await start(environment)
        defer { emulator.process.stop() }
        for _ in 0..<2 {
            let response = try await emulator.invoke(Array("[1]".utf8), transport: transport)
            let error = try object(response.body)
            #expect(error["errorType"] as? String == "DecodingError")
            #expect((error["errorMessage"] as? String)?.contains("not an API Gateway proxy event") == true)
        }
    }
}
