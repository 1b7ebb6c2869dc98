import Foundation
import InletCore
import InletHTTP
import InletTestSupport
import Testing

@testable import InletLocal

/// `inlet send`'s reading of files and its accounting of what the gateway answered.
@Suite struct EventBatchesTests {
    func texts(_ input: String) -> [String] {
        EventBatches(Array(input.utf8)).events.map { String(decoding: $0, as: UTF8.self) }
    }

    @Test func anArrayIsOneEventPerElementKeptAsWritten() {
        #expect(texts(#"[ {"Id":"1"}, {"Id": "2" } ,3]"#) == [#"{"Id":"1"}"#, #"{"Id": "2" }"#, "3"])
    }

    @Test func onePrettyPrintedObjectIsOneEvent() {
        #expect(texts("{\n  \"Id\": \"1\",\n  \"Name\": \"A\"\n}\n") == ["{\n  \"Id\": \"1\",\n  \"Name\": \"A\"\n}"])
    }

    @Test func ndjsonIsOneEventPerNonBlankLineMalformedLinesIncluded() {
        #expect(texts("{\"Id\":\"1\"}\r\n\n  {\"Id\":\"2\"}  \n{broken\n") == [#"{"Id":"1"}"#, #"{"Id":"2"}"#, "{broken"])
        #expect(texts("  \n").isEmpty)
    }

    @Test func batchesRespectTheEventAndByteLimits() {
        let input = (0..<10).map { #"{"Id":"\#($0)"}"# }.joined(separator: "\n")
        let events = EventBatches(Array(input.utf8))
        let byCount = events.batches(maximumEvents: 4, maximumBytes: 1 << 20)
        #expect(byCount.map(\.events.count) == [4, 4, 2])
        #expect(byCount.map(\.firstIndex) == [0, 4, 8])
        #expect(String(decoding: byCount[2].body(), as: UTF8.self) == "{\"Id\":\"8\"}\n{\"Id\":\"9\"}\n")
        // Each event is 10 bytes plus its newline: 3 fit in 33 bytes.
        #expect(events.batches(maximumEvents: 100, maximumBytes: 33).map(\.events.count) == [3, 3, 3, 1])
    }
}

/// A gateway double: answers from a script, one response per request, and records the bodies.
final class ScriptedGateway: HTTPTransport, Sendable {
    let script: Locked<[(Int, String, [(String, String)])]>
    let bodies = Locked<[String]>([])

    init(_ script: [(Int, String, [(String, String)])]) { self.script = Locked(script) }

    func send(_ request: HTTPRequest, timeout: Duration?) async throws(TransportError) -> HTTPResponse {
        bodies.withLock { $0.append(String(decoding: request.body, as: UTF8.self)) }
        let next = script.withLock { $0.isEmpty ? nil : $0.removeFirst() }
        guard let (status, body, headers) = next else {
            throw TransportError(.couldNotConnect, "connection refused")
        }
        return HTTPResponse(status: status, headers: HTTPHeaders(headers), body: Array(body.utf8))
    }
}

@Suite struct EventSenderTests {
    let batch = EventBatches(Array("{\"Id\":\"a\"}\n{\"Id\":\"\"}\n{\"Id\":\"c\"}\n".utf8))
        .batches(maximumEvents: 10, maximumBytes: 1 << 20)

    @Test func aPartialSuccessCountsAcceptedAndRejectedWithTheirFileIndexes() async {
        let gateway = ScriptedGateway([
            (207, #"{"requestId":"r","events":3,"accepted":2,"rejected":1,"errors":[{"index":1,"error":"schema_violation","reasons":[{"pointer":"/Id","keyword":"minLength","message":"too short"}]}]}"#, [])
        ])
        let summary = await EventSender(url: "http://127.0.0.1:1/events", transport: gateway).send(batch)
        #expect(summary.accepted == 2 && summary.rejected == 1 && summary.failed == 0)
        #expect(summary.sampleRejections == ["event 1: schema_violation: too short"])
    }

    @Test func a503ResendsOnlyTheEventsFirehoseDidNotTake() async {
        let gateway = ScriptedGateway([
            (503, #"{"requestId":"r","events":3,"accepted":1,"rejected":1,"deliveryFailed":[2],"error":"delivery_failed","errors":[{"index":1,"error":"schema_violation","reasons":[]}]}"#, [("Retry-After", "0")]),
            (200, #"{"requestId":"s","events":1,"accepted":1,"rejected":0,"errors":[]}"#, []),
        ])
        let summary = await EventSender(url: "http://127.0.0.1:1/events", transport: gateway).send(batch)
        #expect(summary.accepted == 2 && summary.rejected == 1 && summary.failed == 0)
        #expect(summary.retries == 1)
        #expect(gateway.bodies.withLock { $0 } == ["{\"Id\":\"a\"}\n{\"Id\":\"\"}\n{\"Id\":\"c\"}\n", "{\"Id\":\"c\"}\n"])
    }

    @Test func eventsStillUnacknowledgedAfterTheRetriesAreFailed() async {
        let gateway = ScriptedGateway([(502, "bad gateway", []), (500, "oops", [])])
        let summary = await EventSender(url: "http://127.0.0.1:1/events", transport: gateway, retries: 2).send(batch)
        #expect(summary.failed == 3 && summary.accepted == 0)
        #expect(summary.requests == 3)
        #expect(summary.lastFailure?.contains("connection refused") == true)
    }

    @Test func aRefusedBodyIsNotRetried() async {
        let gateway = ScriptedGateway([(415, #"{"error":"unsupported_media_type"}"#, [])])
        let summary = await EventSender(url: "http://127.0.0.1:1/events", transport: gateway).send(batch)
        #expect(summary.failed == 3 && summary.requests == 1)
    }

    @Test func sendingToALiveGatewayLandsEveryAcceptedEventInTheBucket() async throws {
        let server = try await LiveServer.start()
        defer { server.remove() }
        var lines = (0..<1_200).map { #"{"Id":"e\#($0)","Name":"n"}"# }
        lines[7] = #"{"Id":""}"#
        lines[500] = "{not json"
        let batches = EventBatches(Array(lines.joined(separator: "\n").utf8)).batches(maximumEvents: 250, maximumBytes: 1 << 20)
        let sender = EventSender(url: server.url + "/events", transport: CurlTransport(), concurrency: 3)
        let summary = await sender.send(batches)
        #expect(summary.accepted == 1_198 && summary.rejected == 2 && summary.failed == 0)
        #expect(summary.requests == 5)
        try await server.stop()
        let delivered = try await server.objects(bucket: "inlet-data").values.flatMap { $0 }
        let ids = Set(
            String(decoding: delivered, as: UTF8.self).split(separator: "\n").compactMap { line in
                line.range(of: #""Id":""#).map { String(line[$0.upperBound...].prefix { $0 != "\"" }) }
            })
        #expect(ids.count == 1_198)
        #expect(!ids.contains("e7") && !ids.contains("e500") && ids.contains("e1199"))
    }
}
