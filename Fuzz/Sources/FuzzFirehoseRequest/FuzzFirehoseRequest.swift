import FuzzSupport
import InletCore
@testable import InletEmulator

/// Feeds each input to the emulator's Firehose request decoder: the first line names the
/// operation (`PutRecordBatch`, or `Firehose_20150804.PutRecordBatch` as sent in
/// `X-Amz-Target`), the rest is the JSON body. Checks that every refusal is one of AWS's
/// error types and that every accepted request is within Firehose's limits.
@main
enum FuzzFirehoseRequest {
    static let errorTypes: Set<String> = [
        "SerializationException", "ValidationException", "InvalidArgumentException", "UnknownOperationException",
    ]

    static func main() {
        Fuzzer.run { data, size in
            FuzzFirehoseRequest.test(Fuzzer.bytes(data, size))
            return 0
        }
    }

    static func test(_ input: [UInt8]) {
        let newline = input.firstIndex(of: 0x0A) ?? input.endIndex
        var operation = String(decoding: input[..<newline], as: UTF8.self)
        if !operation.hasPrefix(FirehoseService.targetPrefix) { operation = FirehoseService.targetPrefix + operation }
        let body = Array(input[min(newline + 1, input.endIndex)...])
        let request: FirehoseRequest
        do {
            request = try FirehoseRequest(method: "POST", target: operation, body: body)
        } catch {
            Fuzzer.require(errorTypes.contains(error.type), "unexpected error type \(error.type)")
            Fuzzer.require(!error.message.isEmpty, "an error without a message")
            return
        }
        switch request {
        case .createDeliveryStream(let config):
            Fuzzer.require(DeliveryStreamConfig.isValidName(config.name), "invalid stream name accepted")
            Fuzzer.require(!config.bucket.isEmpty, "empty bucket accepted")
        case .describeDeliveryStream(let name), .deleteDeliveryStream(let name):
            Fuzzer.require(DeliveryStreamConfig.isValidName(name), "invalid stream name accepted")
        case .listDeliveryStreams(let limit, _, _):
            Fuzzer.require((1...10000).contains(limit), "limit \(limit) accepted")
        case .putRecord(let stream, let data):
            Fuzzer.require(DeliveryStreamConfig.isValidName(stream), "invalid stream name accepted")
            Fuzzer.require(data.count <= FirehoseService.maximumRecordBytes, "oversized record accepted")
        case .putRecordBatch(let stream, let records):
            Fuzzer.require(DeliveryStreamConfig.isValidName(stream), "invalid stream name accepted")
            Fuzzer.require((1...FirehoseService.maximumRecordsPerBatch).contains(records.count), "\(records.count) records accepted")
            Fuzzer.require(records.allSatisfy { $0.count <= FirehoseService.maximumRecordBytes }, "oversized record accepted")
            Fuzzer.require(records.reduce(0) { $0 + $1.count } <= FirehoseService.maximumBatchBytes, "oversized batch accepted")
        }
    }
}
