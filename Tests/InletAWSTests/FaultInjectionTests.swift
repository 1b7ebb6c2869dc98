import Foundation
import InletCore
import InletHTTP
import InletSigV4
import InletTestSupport
import Testing

@testable import InletAWS

/// `Support/fault_firehose.py`, one process per test, told its misbehaviour on the command line.
final class FaultServer: @unchecked Sendable {
    let server: PythonServer
    var port: Int { server.port }

    static func start(plan: [String] = [], then: String = "accept", seed: Int = 1) async throws -> FaultServer {
        let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Support/fault_firehose.py")
        let arguments = ["--plan", plan.joined(separator: ","), "--then", then, "--seed", String(seed), "--lifetime", "300"]
        return FaultServer(server: try await PythonServer.start(script: script, arguments: arguments))
    }

    private init(server: PythonServer) { self.server = server }

    var configuration: AWSConfiguration {
        AWSConfiguration(
            credentials: testCredentials, region: "eu-west-1",
            firehoseEndpoint: AWSEndpoint(url: "http://127.0.0.1:\(port)")!)
    }

    struct Stats {
        var requests: Int
        var steps: [String]
        var recordsReceived: Int
        var accepted: [[UInt8]]
        var badRequests: Int
    }

    func stats() async throws -> Stats {
        let response = try await CurlTransport().send(HTTPRequest(url: "http://127.0.0.1:\(port)/stats"))
        let object = try #require(try JSONSerialization.jsonObject(with: Data(response.body)) as? [String: Any])
        let accepted = try (object["accepted"] as? [String] ?? []).map { [UInt8](try #require(Data(base64Encoded: $0))) }
        return Stats(
            requests: object["requests"] as? Int ?? -1, steps: object["steps"] as? [String] ?? [],
            recordsReceived: object["records_received"] as? Int ?? -1, accepted: accepted,
            badRequests: object["bad_requests"] as? Int ?? -1)
    }

    /// Stops the server.
    func stop() { server.stop() }
}

/// How many times each payload occurs.
func counts(_ payloads: [[UInt8]]) -> [[UInt8]: Int] {
    payloads.reduce(into: [:]) { $0[$1, default: 0] += 1 }
}

/// FirehoseClient over the real transport against a misbehaving loopback Firehose.
/// Serialized so that the deadline bounds hold on a small shared machine.
@Suite(.serialized) struct FaultInjectionTests {
    let transport = CurlTransport()
    let records = (0..<1500).map { record($0) }

    @Test(arguments: [0.1, 0.3, 0.5])
    func partialFailuresEndWithEveryRecordDeliveredExactlyOnce(fraction: Double) async throws {
        let server = try await FaultServer.start(plan: Array(repeating: "partial:\(fraction)", count: 8), then: "accept")
        defer { server.stop() }
        let firehose = FirehoseClient(configuration: server.configuration, transport: transport)
        let start = ContinuousClock.now
        let outcome = await firehose.putRecordBatch(
            streamName: "events", records: records.map { $0[...] }, deadline: start + .seconds(60))
        #expect(outcome.allDelivered)
        let stats = try await server.stats()
        #expect(stats.badRequests == 0)
        // Every record accepted exactly once, byte for byte, though many were sent more than once.
        #expect(stats.accepted.count == records.count)
        #expect(counts(stats.accepted) == counts(records))
        #expect(stats.recordsReceived == outcome.statistics.recordsSent)
        #expect(outcome.statistics.recordsSent > records.count)
        #expect(outcome.statistics.base64Encodings == records.count)
        #expect(outcome.statistics.requests == stats.requests)
        print("partial:\(fraction): \(stats.requests) requests, \(outcome.statistics.rounds) rounds, "
              + "\(outcome.statistics.recordsSent) entries sent for \(records.count) records, "
              + "\(ContinuousClock.now - start)")
    }

    @Test func throttlingServerErrorsAndResetsAreRetriedUntilAccepted() async throws {
        let plan = ["throttle", "throttle", "500", "503", "503", "reset", "reset"]
        let server = try await FaultServer.start(plan: plan, then: "accept")
        defer { server.stop() }
        let firehose = FirehoseClient(configuration: server.configuration, transport: transport)
        let batch = Array(records.prefix(300))
        let outcome = await firehose.putRecordBatch(
            streamName: "events", records: batch.map { $0[...] }, deadline: .now + .seconds(60))
        #expect(outcome.allDelivered)
        let stats = try await server.stats()
        #expect(stats.steps == plan + ["accept"])
        #expect(counts(stats.accepted) == counts(batch))
        #expect(outcome.statistics.requests == 8 && outcome.statistics.base64Encodings == 300)
    }

    @Test func aSlowServerCannotHoldTheCallPastTheDeadline() async throws {
        let server = try await FaultServer.start(then: "slow:5")
        defer { server.stop() }
        let firehose = FirehoseClient(configuration: server.configuration, transport: transport)
        let start = ContinuousClock.now
        let outcome = await firehose.putRecordBatch(
            streamName: "events", records: records.prefix(700).map { $0[...] }, deadline: start + .milliseconds(1500))
        let elapsed = ContinuousClock.now - start
        // Well under the server's 5 s, with slack for a loaded machine.
        #expect(elapsed < .milliseconds(1500 + 2000), "returned after \(elapsed)")
        #expect(outcome.records.allSatisfy { $0.errorCode == "deadline_exceeded" })
        guard case .failed(_, let message) = outcome.records[0] else { return }
        #expect(message.contains("timed_out"), "\(message)")
        print("slow server: returned after \(elapsed) for a 1.5 s deadline")
    }

    @Test func anOverloadedServerCannotHoldTheCallPastTheDeadline() async throws {
        let server = try await FaultServer.start(then: "503")
        defer { server.stop() }
        let firehose = FirehoseClient(configuration: server.configuration, transport: transport)
        let start = ContinuousClock.now
        let outcome = await firehose.putRecordBatch(
            streamName: "events", records: records.prefix(50).map { $0[...] }, deadline: start + .seconds(1))
        let elapsed = ContinuousClock.now - start
        // Without the deadline, ten attempts with backoff would take over 5 s.
        #expect(elapsed < .milliseconds(1000 + 1500), "returned after \(elapsed)")
        for entry in outcome.records {
            guard case .failed(let code, let message) = entry else {
                Issue.record("expected a failure")
                continue
            }
            #expect(code == "deadline_exceeded")
            #expect(message.contains("ServiceUnavailableException") && message.contains("Slow down."))
        }
        let stats = try await server.stats()
        #expect(stats.accepted.isEmpty && stats.requests == outcome.statistics.requests && stats.requests >= 3)
        print("503 server: \(stats.requests) attempts, returned after \(elapsed) for a 1 s deadline")
    }

    @Test func recordsTheServerNeverAcceptsFailWithItsCode() async throws {
        // The first round accepts about 70%; afterwards every entry fails, until attempts run out.
        let server = try await FaultServer.start(plan: ["partial:0.3"], then: "partial:1.0")
        defer { server.stop() }
        let firehose = FirehoseClient(
            configuration: server.configuration, transport: transport, retry: RetryPolicy(maximumAttempts: 4))
        let batch = Array(records.prefix(400))
        let outcome = await firehose.putRecordBatch(
            streamName: "events", records: batch.map { $0[...] }, deadline: .now + .seconds(60))
        let stats = try await server.stats()
        #expect(stats.requests == 4)
        let accepted = Set(stats.accepted)
        #expect(accepted.count == outcome.deliveredCount && outcome.deliveredCount > 0 && outcome.failedCount > 0)
        for (index, entry) in outcome.records.enumerated() {
            if accepted.contains(batch[index]) {
                #expect(entry.isDelivered)
            } else {
                #expect(entry.errorCode == "ServiceUnavailableException")
                guard case .failed(_, let message) = entry else { continue }
                #expect(message.contains("gave up after 4 attempts"))
            }
        }
    }

    @Test(arguments: ["ValidationException", "AccessDeniedException", "ResourceNotFoundException"])
    func validationAndAccessErrorsAreTriedOnce(code: String) async throws {
        let server = try await FaultServer.start(then: "error:400:\(code)")
        defer { server.stop() }
        let firehose = FirehoseClient(configuration: server.configuration, transport: transport)
        let outcome = await firehose.putRecordBatch(
            streamName: "events", records: records.prefix(10).map { $0[...] }, deadline: .now + .seconds(10))
        #expect(outcome.records.allSatisfy { $0 == .failed(code: code, message: "\(code) (injected)") })
        let stats = try await server.stats()
        #expect(stats.requests == 1)
    }
}
