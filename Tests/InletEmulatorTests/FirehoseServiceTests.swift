import Foundation
import InletCore
import Testing

@testable import InletEmulator

/// The JSON 1.1 API: operations, response shapes and AWS's validation errors.
@Suite struct FirehoseServiceTests {
    struct Fixture {
        let dir = temporaryDirectory()
        let sink = MemorySink()
        let emulator: FirehoseEmulator
        let service: FirehoseService

        init() async throws {
            emulator = FirehoseEmulator(dataDirectory: dir, sink: sink, now: ManualClock(fixedMillis).closure)
            service = FirehoseService(emulator: emulator)
            try await emulator.createStream(DeliveryStreamConfig(name: "events", bucket: "b", appendDelimiterToRecord: true))
        }

        func call(_ operation: String, _ body: String) async -> LocalResponse {
            await service.handle(firehoseRequest(operation, body))
        }
    }

    func expectError(_ response: LocalResponse, _ type: String, status: Int = 400, sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(response.status == status, sourceLocation: sourceLocation)
        #expect(response.headers["Content-Type"] == "application/x-amz-json-1.1", sourceLocation: sourceLocation)
        #expect(response.headers["x-amzn-RequestId"] != nil, sourceLocation: sourceLocation)
        let body = jsonObject(response)
        #expect(body["__type"] as? String == type, sourceLocation: sourceLocation)
        #expect((body["message"] as? String)?.isEmpty == false, sourceLocation: sourceLocation)
    }

    func batch(_ stream: String, _ datas: [String]) -> String {
        #"{"DeliveryStreamName":"\#(stream)","Records":[\#(datas.map { #"{"Data":"\#($0)"}"# }.joined(separator: ","))]}"#
    }

    @Test func createDescribeListDelete() async throws {
        let f = try await Fixture()
        defer { removeDirectory(f.dir) }
        let created = await f.call(
            "CreateDeliveryStream",
            #"""
            {"DeliveryStreamName":"orders","DeliveryStreamType":"DirectPut",
             "ExtendedS3DestinationConfiguration":{"RoleARN":"arn:aws:iam::000000000000:role/r","BucketARN":"arn:aws:s3:::raw",
              "Prefix":"o/!{timestamp:yyyy}/","ErrorOutputPrefix":"err/!{firehose:error-output-type}/",
              "BufferingHints":{"SizeInMBs":64,"IntervalInSeconds":60},"CompressionFormat":"GZIP",
              "ProcessingConfiguration":{"Enabled":true,"Processors":[{"Type":"AppendDelimiterToRecord","Parameters":[]}]}}}
            """#)
        #expect(created.status == 200)
        #expect(jsonObject(created)["DeliveryStreamARN"] as? String == "arn:aws:firehose:us-east-1:000000000000:deliverystream/orders")
        let config = try await f.emulator.describe("orders").config
        #expect(
            config
                == DeliveryStreamConfig(
                    name: "orders", bucket: "raw", prefix: "o/!{timestamp:yyyy}/", errorOutputPrefix: "err/!{firehose:error-output-type}/",
                    bufferingSizeMiB: 64, bufferingIntervalSeconds: 60, compression: .gzip, appendDelimiterToRecord: true))

        let described = jsonObject(await f.call("DescribeDeliveryStream", #"{"DeliveryStreamName":"orders"}"#))
        let description = try #require(described["DeliveryStreamDescription"] as? [String: Any])
        #expect(description["DeliveryStreamName"] as? String == "orders")
        #expect(description["DeliveryStreamStatus"] as? String == "ACTIVE")
        #expect(description["DeliveryStreamType"] as? String == "DirectPut")
        #expect(description["VersionId"] as? String == "1")
        #expect(description["HasMoreDestinations"] as? Bool == false)
        #expect((description["CreateTimestamp"] as? Double).map { abs($0 - 1_795_774_530.25) < 0.001 } == true)
        let destination = try #require((description["Destinations"] as? [[String: Any]])?.first)
        #expect(destination["DestinationId"] as? String == "destinationId-000000000001")
        let s3 = try #require(destination["ExtendedS3DestinationDescription"] as? [String: Any])
        #expect(s3["BucketARN"] as? String == "arn:aws:s3:::raw")
        #expect(s3["Prefix"] as? String == "o/!{timestamp:yyyy}/")
        #expect(s3["CompressionFormat"] as? String == "GZIP")
        #expect((s3["BufferingHints"] as? [String: Int]) == ["SizeInMBs": 64, "IntervalInSeconds": 60])

        let listed = jsonObject(await f.call("ListDeliveryStreams", "{}"))
        #expect(listed["DeliveryStreamNames"] as? [String] == ["events", "orders"])
        #expect(listed["HasMoreDeliveryStreams"] as? Bool == false)
        let page = jsonObject(await f.call("ListDeliveryStreams", #"{"Limit":1}"#))
        #expect(page["DeliveryStreamNames"] as? [String] == ["events"])
        #expect(page["HasMoreDeliveryStreams"] as? Bool == true)

        expectError(await f.call("CreateDeliveryStream", #"{"DeliveryStreamName":"orders","S3DestinationConfiguration":{"BucketARN":"arn:aws:s3:::raw"}}"#), "ResourceInUseException")
        #expect(await f.call("DeleteDeliveryStream", #"{"DeliveryStreamName":"orders"}"#).status == 200)
        expectError(await f.call("DescribeDeliveryStream", #"{"DeliveryStreamName":"orders"}"#), "ResourceNotFoundException")
    }

    @Test func createValidation() async throws {
        let f = try await Fixture()
        defer { removeDirectory(f.dir) }
        expectError(
            await f.call("CreateDeliveryStream", #"{"DeliveryStreamName":"x","S3DestinationConfiguration":{"BucketARN":"raw"}}"#),
            "ValidationException")
        expectError(
            await f.call(
                "CreateDeliveryStream",
                #"{"DeliveryStreamName":"x","S3DestinationConfiguration":{"BucketARN":"arn:aws:s3:::raw","BufferingHints":{"SizeInMBs":0}}}"#),
            "ValidationException")
        expectError(
            await f.call(
                "CreateDeliveryStream",
                #"{"DeliveryStreamName":"x","ExtendedS3DestinationConfiguration":{"BucketARN":"arn:aws:s3:::raw","Prefix":"!{timestamp:yyyy}/"}}"#),
            "InvalidArgumentException")
        expectError(await f.call("CreateDeliveryStream", #"{"DeliveryStreamName":"x"}"#), "InvalidArgumentException")
    }

    @Test func putRecordAndBatch() async throws {
        let f = try await Fixture()
        defer { removeDirectory(f.dir) }
        let single = await f.call("PutRecord", #"{"DeliveryStreamName":"events","Record":{"Data":"b25l"}}"#)
        #expect(single.status == 200)
        #expect((jsonObject(single)["RecordId"] as? String)?.isEmpty == false)
        #expect(jsonObject(single)["Encrypted"] as? Bool == false)
        let response = await f.call("PutRecordBatch", batch("events", ["dHdv", "dGhyZWU="]))
        #expect(response.status == 200)
        let body = jsonObject(response)
        #expect(body["FailedPutCount"] as? Int == 0)
        #expect(body["Encrypted"] as? Bool == false)
        let entries = try #require(body["RequestResponses"] as? [[String: Any]])
        #expect(entries.count == 2)
        #expect(Set(entries.compactMap { $0["RecordId"] as? String }).count == 2)
        await f.emulator.shutdown()
        #expect(try await f.sink.allBytes() == Array("one\ntwo\nthree\n".utf8))
    }

    @Test func batchWithInjectedFaultsReportsPerRecordFailures() async throws {
        let f = try await Fixture()
        defer { removeDirectory(f.dir) }
        await f.emulator.setFaultInjection(fraction: 1)
        let body = jsonObject(await f.call("PutRecordBatch", batch("events", ["dHdv", "dGhyZWU="])))
        #expect(body["FailedPutCount"] as? Int == 2)
        let entries = try #require(body["RequestResponses"] as? [[String: Any]])
        #expect(entries.map { $0["ErrorCode"] as? String } == ["ServiceUnavailableException", "ServiceUnavailableException"])
        #expect(entries.allSatisfy { $0["RecordId"] == nil && $0["ErrorMessage"] is String })
    }

    @Test func batchValidationAsAWS() async throws {
        let f = try await Fixture()
        defer { removeDirectory(f.dir) }
        let one = "eA=="
        // 501 records.
        expectError(await f.call("PutRecordBatch", batch("events", Array(repeating: one, count: 501))), "ValidationException")
        // No records.
        expectError(await f.call("PutRecordBatch", batch("events", [])), "ValidationException")
        // A record of 1,024,001 decoded bytes; 1,024,000 is accepted.
        let tooBig = Data(repeating: 0x41, count: 1_024_001).base64EncodedString()
        expectError(await f.call("PutRecordBatch", batch("events", [tooBig])), "ValidationException")
        let largest = Data(repeating: 0x41, count: 1_024_000).base64EncodedString()
        #expect(await f.call("PutRecordBatch", batch("events", [largest])).status == 200)
        // More than 4 MiB in one call (5 records of 1,000,000 bytes).
        let million = Data(repeating: 0x42, count: 1_000_000).base64EncodedString()
        expectError(await f.call("PutRecordBatch", batch("events", Array(repeating: million, count: 5))), "InvalidArgumentException")
        // Data that is not base64.
        expectError(await f.call("PutRecordBatch", batch("events", ["not base64!"])), "SerializationException")
        expectError(await f.call("PutRecordBatch", batch("events", ["abc"])), "SerializationException")
        expectError(await f.call("PutRecord", #"{"DeliveryStreamName":"events","Record":{"Data":"@@@@"}}"#), "SerializationException")
        // Stream names: the pattern and the length.
        expectError(await f.call("PutRecordBatch", batch("bad/name", [one])), "ValidationException")
        expectError(await f.call("PutRecordBatch", batch(String(repeating: "a", count: 65), [one])), "ValidationException")
        expectError(await f.call("PutRecordBatch", batch("", [one])), "ValidationException")
        // An unknown stream.
        expectError(await f.call("PutRecordBatch", batch("nope", [one])), "ResourceNotFoundException")
        expectError(await f.call("PutRecord", #"{"DeliveryStreamName":"nope","Record":{"Data":"eA=="}}"#), "ResourceNotFoundException")
        // Not JSON, an unknown operation.
        expectError(await f.call("PutRecordBatch", "{"), "SerializationException")
        expectError(await f.call("Frobnicate", "{}"), "UnknownOperationException")
        // Nothing refused was buffered: only the 1,024,000-byte record.
        await f.emulator.shutdown()
        #expect(try await f.sink.allBytes().count == 1_024_001)
    }
}
