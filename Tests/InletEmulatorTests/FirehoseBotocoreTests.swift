import Foundation
import InletCore
import InletTestSupport
import Testing

@testable import InletEmulator

/// botocore (what boto3 and the AWS CLI use) serializes requests from its Firehose model,
/// the emulator answers them, and botocore's JSON parser reads the answers: the emulator
/// speaks the shapes that AWS's own SDK expects, errors included.
@Suite struct FirehoseBotocoreTests {
    static let script = #"""
        import base64, json, sys
        import botocore.session
        from botocore import parsers, serialize
        model = botocore.session.get_session().get_service_model("firehose")
        mode, path = sys.argv[1], sys.argv[2]
        items = json.load(open(path))
        out = []
        if mode == "serialize":
            serializer = serialize.create_serializer("json", include_validation=True)
            for item in items:
                params = item["params"]
                if "Record" in params:
                    params["Record"]["Data"] = params["Record"]["Data"].encode()
                for record in params.get("Records", []):
                    record["Data"] = record["Data"].encode()
                request = serializer.serialize_to_request(params, model.operation_model(item["op"]))
                body = request["body"] if isinstance(request["body"], bytes) else request["body"].encode()
                out.append({"target": request["headers"]["X-Amz-Target"], "body": base64.b64encode(body).decode()})
        else:
            parser = parsers.create_parser("json")
            for item in items:
                response = {"status_code": item["status"], "headers": item["headers"], "body": base64.b64decode(item["body"])}
                parsed = parser.parse(response, model.operation_model(item["op"]).output_shape)
                parsed.pop("ResponseMetadata", None)
                out.append(parsed)
        json.dump(out, sys.stdout, default=str)
        """#

    static var botocoreAvailable: Bool {
        (try? MotoPeer.runPython(["-c", "import botocore"])) != nil
    }

    func runScript(_ mode: String, _ items: [[String: Any]]) async throws -> [[String: Any]] {
        let dir = NSTemporaryDirectory() + "inlet-botocore-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try Self.script.write(toFile: dir + "/firehose.py", atomically: true, encoding: .utf8)
        try JSONSerialization.data(withJSONObject: items).write(to: URL(fileURLWithPath: dir + "/items.json"))
        let output = try await offPool { try MotoPeer.runPython([dir + "/firehose.py", mode, dir + "/items.json"]) }
        return try #require(try JSONSerialization.jsonObject(with: output) as? [[String: Any]])
    }

    @Test(.enabled(if: botocoreAvailable || PeerBinaries.peersRequired)) func botocoreRequestsAndResponses() async throws {
        let dir = temporaryDirectory()
        defer { removeDirectory(dir) }
        let sink = MemorySink()
        let emulator = FirehoseEmulator(dataDirectory: dir, sink: sink, now: ManualClock(fixedMillis).closure)
        let service = FirehoseService(emulator: emulator)
        let calls: [[String: Any]] = [
            [
                "op": "CreateDeliveryStream",
                "params": [
                    "DeliveryStreamName": "boto", "DeliveryStreamType": "DirectPut",
                    "ExtendedS3DestinationConfiguration": [
                        "RoleARN": "arn:aws:iam::000000000000:role/r", "BucketARN": "arn:aws:s3:::raw", "Prefix": "in/",
                        "BufferingHints": ["SizeInMBs": 5, "IntervalInSeconds": 60], "CompressionFormat": "GZIP",
                        "ProcessingConfiguration": [
                            "Enabled": true, "Processors": [["Type": "AppendDelimiterToRecord", "Parameters": []]],
                        ],
                    ],
                ],
            ],
            ["op": "DescribeDeliveryStream", "params": ["DeliveryStreamName": "boto"]],
            ["op": "ListDeliveryStreams", "params": [:]],
            ["op": "PutRecord", "params": ["DeliveryStreamName": "boto", "Record": ["Data": "first"]]],
            [
                "op": "PutRecordBatch",
                "params": ["DeliveryStreamName": "boto", "Records": [["Data": "second"], ["Data": "third \u{e9}"]]],
            ],
            ["op": "DescribeDeliveryStream", "params": ["DeliveryStreamName": "missing"]],
        ]
        let requests = try await runScript("serialize", calls)
        var answers: [[String: Any]] = []
        for (call, request) in zip(calls, requests) {
            let body = try #require(Data(base64Encoded: request["body"] as? String ?? ""))
            let response = await service.handle(
                LocalRequest(
                    method: "POST", rawPath: "/",
                    headers: HTTPHeaders([
                        ("Content-Type", "application/x-amz-json-1.1"), ("X-Amz-Target", request["target"] as? String ?? ""),
                    ]),
                    body: Array(body)))
            var headers: [String: String] = [:]
            for (name, value) in response.headers { headers[name.lowercased()] = value }
            answers.append([
                "op": call["op"]!, "status": response.status, "headers": headers,
                "body": Data(response.body).base64EncodedString(),
            ])
        }
        let parsed = try await runScript("parse", answers)
        #expect((parsed[0]["DeliveryStreamARN"] as? String)?.hasSuffix(":deliverystream/boto") == true)
        let description = try #require(parsed[1]["DeliveryStreamDescription"] as? [String: Any])
        #expect(description["DeliveryStreamStatus"] as? String == "ACTIVE")
        #expect(description["VersionId"] as? String == "1")
        #expect((description["CreateTimestamp"] as? String)?.hasPrefix("2026-11-27 10:15:30") == true)
        let destination = try #require((description["Destinations"] as? [[String: Any]])?.first)
        let s3 = try #require(destination["ExtendedS3DestinationDescription"] as? [String: Any])
        #expect(s3["Prefix"] as? String == "in/")
        #expect(s3["CompressionFormat"] as? String == "GZIP")
        #expect(parsed[2]["DeliveryStreamNames"] as? [String] == ["boto"])
        #expect((parsed[3]["RecordId"] as? String)?.isEmpty == false)
        #expect(parsed[4]["FailedPutCount"] as? Int == 0)
        #expect((parsed[4]["RequestResponses"] as? [[String: Any]])?.count == 2)
        let error = try #require(parsed[5]["Error"] as? [String: Any])
        #expect(error["Code"] as? String == "ResourceNotFoundException")
        #expect((error["Message"] as? String)?.contains("missing") == true)

        await emulator.shutdown()
        #expect(String(decoding: try await sink.allBytes(), as: UTF8.self) == "first\nsecond\nthird \u{e9}\n")
        #expect(await sink.objects.first.map { matches($0.key, #"in/2026/11/27/10/boto-1-2026-11-27-10-15-30-[0-9a-f-]{36}\.gz"#) } == true)
    }
}
