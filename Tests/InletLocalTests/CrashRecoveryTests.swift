import Foundation
import InletCore
import InletEmulator
import InletHTTP
import InletTestSupport
import Testing

@testable import InletLocal

/// What the senders saw: the ids acknowledged with 200, and the batches answered.
final class Tally: Sendable {
    let acknowledged = Locked<Set<String>>([])
    let batches = Locked(0)
}

/// `inlet local` killed with SIGKILL while several senders load it: after a restart on the
/// same data directory, every event it acknowledged is delivered to the data bucket, once.
@Suite(.timeLimit(.minutes(3)), .serialized) struct CrashRecoveryTests {
    /// Starts the built `inlet local` on a free port over `directory`.
    func startInlet(_ directory: String) throws -> (PeerProcess, Int) {
        let port = freeLoopbackPort()
        let inlet = try PeerProcess(
            executable: try PeerBinaries.builtProduct("inlet"),
            arguments: ["local", "--port", "\(port)", "--data-dir", directory, "--buffer-interval", "900"],
            environment: [:])
        try inlet.waitForPort(port, seconds: 30)
        return (inlet, port)
    }

    @Test func aKillDashNineUnderLoadLosesNoAcknowledgedEvent() async throws {
        let directory = NSTemporaryDirectory() + "inlet-crash-" + UUID().uuidString
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let (first, port) = try startInlet(directory)

        // Four senders post batches of 50 events with unique ids until the server dies.
        let tally = Tally()
        let transport = CurlTransport(configuration: .default.with { $0.connectTimeout = .seconds(1) })
        let senders = (0..<4).map { sender in
            Task { [tally, transport] in
                var batch = 0
                while !Task.isCancelled {
                    let ids = (0..<50).map { "s\(sender)-b\(batch)-e\($0)" }
                    batch += 1
                    let body = ids.map { #"{"Id":"\#($0)","Name":"crash"}"# }.joined(separator: "\n")
                    let request = HTTPRequest(
                        method: .post, url: "http://127.0.0.1:\(port)/events",
                        headers: HTTPHeaders([("Content-Type", "application/x-ndjson")]), body: Array(body.utf8))
                    guard let response = try? await transport.send(request, timeout: .seconds(10)) else { return }
                    if response.status == 200 { tally.acknowledged.withLock { $0.formUnion(ids) } }
                    tally.batches.withLock { $0 += 1 }
                }
            }
        }
        // Kill once a good share of the load is in: at least 40 batches (2,000 events).
        for _ in 0..<600 where tally.batches.withLock({ $0 }) < 40 { try await Task.sleep(for: .milliseconds(50)) }
        kill(first.process.processIdentifier, SIGKILL)
        first.process.waitUntilExit()
        for sender in senders { _ = await sender.result }
        let acked = tally.acknowledged.withLock { $0 }
        #expect(acked.count >= 2_000, "only \(acked.count) events were acknowledged before the kill")

        // Restart on the same directory; Ctrl-C delivers every recovered record.
        let (second, _) = try startInlet(directory)
        #expect(second.log.contains("recovered"), "\(second.log)")
        kill(second.process.processIdentifier, SIGINT)
        second.process.waitUntilExit()
        #expect(second.process.terminationStatus == 0, "\(second.log)")

        let store = try LocalS3Store(dataDirectory: directory)
        let objects = try await LiveServer.objects(in: store, bucket: "inlet-data")
        var counts: [String: Int] = [:]
        for body in objects.values {
            for line in String(decoding: body, as: UTF8.self).split(separator: "\n") {
                guard let range = line.range(of: #""Id":""#) else { continue }
                counts[String(line[range.upperBound...].prefix { $0 != "\"" }), default: 0] += 1
            }
        }
        let missing = acked.filter { counts[$0] == nil }
        let duplicated = counts.filter { $0.value > 1 }
        print("crash test: \(acked.count) events acknowledged before kill -9, \(counts.count) delivered after restart, "
            + "\(missing.count) acknowledged but missing, \(duplicated.count) duplicated")
        #expect(missing.isEmpty, "acknowledged but not delivered: \(missing.prefix(5))")
        #expect(duplicated.isEmpty, "delivered twice: \(duplicated.keys.prefix(5))")
        second.stop()
        first.stop()
    }
}
