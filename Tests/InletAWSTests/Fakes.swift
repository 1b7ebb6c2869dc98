import Foundation
import InletCore
import InletHTTP
import InletSigV4
import Testing

@testable import InletAWS

/// A transport that answers from a closure and records every request it was given.
final class FakeTransport: HTTPTransport, @unchecked Sendable {
    typealias Handler = @Sendable (_ request: HTTPRequest, _ number: Int) throws(TransportError) -> HTTPResponse
    private let lock = NSLock()
    private var recorded: [HTTPRequest] = []
    private var timeouts: [Duration?] = []
    private let handler: Handler

    init(_ handler: @escaping Handler) {
        self.handler = handler
    }

    func send(_ request: HTTPRequest, timeout: Duration?) async throws(TransportError) -> HTTPResponse {
        let number = lock.withLock {
            recorded.append(request)
            timeouts.append(timeout)
            return recorded.count
        }
        return try handler(request, number)
    }

    var requests: [HTTPRequest] { lock.withLock { recorded } }
    var requestTimeouts: [Duration?] { lock.withLock { timeouts } }
}

/// A clock that moves only when slept on (or advanced), so retries and deadlines run instantly.
final class FakeClock: @unchecked Sendable {
    let start = ContinuousClock.now
    private let lock = NSLock()
    private var offset: Duration = .zero
    private var sleeps: [Duration] = []

    var now: ContinuousClock.Instant { lock.withLock { start + offset } }
    var slept: [Duration] { lock.withLock { sleeps } }

    func advance(_ duration: Duration) {
        lock.withLock { offset += duration }
    }

    /// An environment on this clock; jitter returns the ceiling (the worst case) unless told.
    func environment(random: @escaping @Sendable (UInt64) -> UInt64 = { $0 }) -> AWSClientEnvironment {
        AWSClientEnvironment(
            now: { self.now },
            sleep: { duration in
                self.lock.withLock {
                    self.sleeps.append(duration)
                    self.offset += duration
                }
            },
            random: random,
            epochSeconds: { 1_790_000_000 })
    }
}

let testCredentials = AWSCredentials(
    accessKeyId: "AKIDEXAMPLE", secretAccessKey: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
    sessionToken: "FQoGZXIvYXdzEXAMPLETOKEN")

func testConfiguration(endpoint: String = "http://127.0.0.1:9") -> AWSConfiguration {
    AWSConfiguration(credentials: testCredentials, region: "eu-west-1", endpoint: AWSEndpoint(url: endpoint)!)
}

/// The decoded `Data` of each record in a PutRecordBatch body, and the stream name.
func decodeBatch(_ body: [UInt8]) throws -> (stream: String, records: [[UInt8]]) {
    let object = try #require(try JSONSerialization.jsonObject(with: Data(body)) as? [String: Any])
    let stream = try #require(object["DeliveryStreamName"] as? String)
    let entries = try #require(object["Records"] as? [[String: Any]])
    let records = try entries.map { entry -> [UInt8] in
        let text = try #require(entry["Data"] as? String)
        return [UInt8](try #require(Data(base64Encoded: text)))
    }
    return (stream, records)
}

/// The number of records in a PutRecordBatch body, counted without decoding it.
func entryCount(_ body: [UInt8]) -> Int {
    let marker = Array(#"{"Data":"#.utf8)
    return body.withUnsafeBufferPointer { bytes in
        var count = 0
        var index = 0
        while index + marker.count <= bytes.count {
            if bytes[index] == UInt8(ascii: "{") && memcmp(bytes.baseAddress! + index, marker, marker.count) == 0 {
                count += 1
                index += marker.count
            } else {
                index += 1
            }
        }
        return count
    }
}

/// A 200 PutRecordBatch answer: every entry delivered, except those in `failing`.
func batchResponse(count: Int, failing: Set<Int> = [], code: String = "ServiceUnavailableException") -> HTTPResponse {
    var entries: [String] = []
    for index in 0..<count {
        if failing.contains(index) {
            entries.append(#"{"ErrorCode":"\#(code)","ErrorMessage":"Slow down for entry \#(index)"}"#)
        } else {
            entries.append(#"{"RecordId":"id-\#(index)"}"#)
        }
    }
    let body = #"{"Encrypted":false,"FailedPutCount":\#(failing.count),"RequestResponses":[\#(entries.joined(separator: ","))]}"#
    return HTTPResponse(
        status: 200, headers: ["Content-Type": "application/x-amz-json-1.1", "x-amzn-RequestId": "req-1"],
        body: Array(body.utf8))
}

/// A JSON 1.1 error answer.
func jsonError(status: Int, type: String, message: String) -> HTTPResponse {
    HTTPResponse(
        status: status, headers: ["Content-Type": "application/x-amz-json-1.1", "x-amzn-RequestId": "req-err"],
        body: Array(#"{"__type":"\#(type)","message":"\#(message)"}"#.utf8))
}

/// Deterministic record bytes: record `index` of `size` bytes.
func record(_ index: Int, size: Int = 300) -> [UInt8] {
    var state = UInt32(truncatingIfNeeded: index &* 2_654_435_761) | 1
    return (0..<size).map { _ in
        state ^= state << 13
        state ^= state >> 17
        state ^= state << 5
        return UInt8(truncatingIfNeeded: state)
    }
}

func milliseconds(_ duration: Duration) -> Double {
    Double(duration.components.seconds) * 1000 + Double(duration.components.attoseconds) / 1e15
}
