import Foundation
import InletCore
import InletEmulator
import InletHTTP
import InletTestSupport
import InletWarehouse
import Testing

@testable import InletLocal

/// What the senders saw: the ids acknowledged with 200, and the batches answered.
final class Tally: Sendable {
    let acknowledged = Locked<Set<String>>([])
    let batches = Locked(0)
}

/// `inlet local` killed with SIGKILL while several senders load it: after a restart on the
/// same data directory, every event it acknowledged is delivered to the data bucket, once.
@Suite(.timeLimit(.minutes(3 * SanitizerRun.slowdown)), .serialized) struct CrashRecoveryTests {
    /// Starts the built `inlet local` on a free port over `directory`.
    func startInlet(_ directory: String) async throws -> (PeerProcess, Int) {
        let port = freeLoopbackPort()
        let inlet = try PeerProcess(
            executable: try PeerBinaries.builtProduct("inlet"),
            arguments: ["local", "--port", "\(port)", "--data-dir", directory, "--buffer-interval", "900"],
            environment: [:])
        try await inlet.waitForPort(port, seconds: 30)
        return (inlet, port)
    }

    @Test func aKillDashNineUnderLoadLosesNoAcknowledgedEvent() async throws {
        let directory = NSTemporaryDirectory() + "inlet-crash-" + UUID().uuidString
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let (first, port) = try await startInlet(directory)

        // Four senders post batches of 50 events with unique ids: a 100,000-event load, cut
        // by the kill halfway through.
        let tally = Tally()
        let transport = CurlTransport(configuration: .default.with { $0.connectTimeout = .seconds(1) })
        let senders = (0..<4).map { sender in
            Task { [tally, transport] in
                var batch = 0
                while !Task.isCancelled && batch < 500 {
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
        // Kill halfway: once 1,000 batches (50,000 events) are answered.
        for _ in 0..<2_400 where tally.batches.withLock({ $0 }) < 1_000 { try await Task.sleep(for: .milliseconds(50)) }
        kill(first.process.processIdentifier, SIGKILL)
        await first.waitForExit()
        for sender in senders { _ = await sender.result }
        let acked = tally.acknowledged.withLock { $0 }
        #expect(acked.count >= 45_000, "only \(acked.count) events were acknowledged before the kill")

        // Restart on the same directory; Ctrl-C delivers every recovered record.
        let (second, _) = try await startInlet(directory)
        // The banner follows the bind: wait for it before reading it.
        for _ in 0..<100 where !second.log.contains("For the AWS CLI") { try await Task.sleep(for: .milliseconds(50)) }
        #expect(second.log.contains("recovered"), "\(second.log)")
        kill(second.process.processIdentifier, SIGINT)
        await second.waitForExit()
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

        // And in the warehouse the restarted server loaded before it exited: once per event in the dedup view.
        let reader = try WarehouseReader(path: Warehouse.path(dataDirectory: directory))
        let rows = try await reader.query("SELECT id, count(*) FROM events_dedup GROUP BY id", translate: false)
        var warehouseCounts: [String: Int64] = [:]
        for row in rows.rows {
            if let id = row[0].text, case .integer(let n) = row[1] { warehouseCounts[id] = n }
        }
        let notLoaded = acked.filter { warehouseCounts[$0] == nil }
        print("crash test: \(warehouseCounts.count) events in EVENTS_DEDUP after restart, "
            + "\(notLoaded.count) acknowledged but not loaded, \(warehouseCounts.values.filter { $0 > 1 }.count) more than once")
        #expect(notLoaded.isEmpty, "acknowledged but not in the warehouse: \(notLoaded.prefix(5))")
        #expect(warehouseCounts.values.allSatisfy { $0 == 1 })
        #expect(warehouseCounts.count == counts.count, "the warehouse holds what S3 holds")
        second.stop()
        first.stop()
    }
}
