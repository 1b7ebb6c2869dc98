import Foundation
import InletCore
import InletEmulator
import InletTestSupport
import Testing

@testable import InletLocal

/// Firehose failing under the real function, end to end through the gateway: 30% of records
/// refused, a period when every record is refused, and a Firehose that never takes anything
/// before the deadline. Valid events either arrive once or land in the error bucket as
/// `delivery_failed`, and the client is told to retry only then.
@Suite(.timeLimit(.minutes(2 * SanitizerRun.slowdown)), .serialized) struct FirehoseFaultTests {
    func start(timeoutMillis: Int64 = 30_000) async throws -> (LocalCloud, String) {
        let directory = NSTemporaryDirectory() + "inlet-faults-" + UUID().uuidString
        let options = LocalCloudOptions(dataDirectory: directory, bufferIntervalSeconds: 900, functionTimeoutMillis: timeoutMillis)
        return (try await LocalCloud.start(options: options), directory)
    }

    func post(_ cloud: LocalCloud, ids: Range<Int>, prefix: String) async -> LocalResponse {
        let body = ids.map { #"{"Id":"\#(prefix)\#($0)"}"# }.joined(separator: "\n")
        return await cloud.router.handle(
            LocalRequest(
                method: "POST", rawPath: "/events", headers: HTTPHeaders([("content-type", "application/x-ndjson")]),
                body: Array(body.utf8)))
    }

    /// How many times each `Id` is in `bucket`'s objects (lines of NDJSON records or envelopes).
    func idCounts(_ cloud: LocalCloud, bucket: String, field: String = #""Id":""#) async throws -> [String: Int] {
        var counts: [String: Int] = [:]
        for body in try await LiveServer.objects(in: cloud.store, bucket: bucket).values {
            for line in String(decoding: body, as: UTF8.self).split(separator: "\n") {
                guard let range = line.range(of: field) else { continue }
                counts[String(line[range.upperBound...].prefix { $0 != "\"" && $0 != "\\" }), default: 0] += 1
            }
        }
        return counts
    }

    @Test func thirtyPercentOfRecordsRefusedStillDeliversEveryEventOnce() async throws {
        let (cloud, directory) = try await start()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        await cloud.emulator.setFaultInjection(fraction: 0.3, seed: 7)
        for batch in 0..<10 {
            let response = await post(cloud, ids: (batch * 100)..<(batch * 100 + 100), prefix: "p")
            #expect(response.status == 200, "\(String(decoding: response.body, as: UTF8.self))")
        }
        await cloud.emulator.flushAll()
        let counts = try await idCounts(cloud, bucket: "inlet-data")
        #expect(counts.count == 1_000)
        #expect(counts.values.allSatisfy { $0 == 1 }, "a record was delivered twice")
        #expect(try await LiveServer.objects(in: cloud.store, bucket: "inlet-errors").isEmpty)
        await cloud.warehouse.stop()
    }

    @Test func aPeriodOfRefusalsShorterThanTheDeadlineIsRiddenOut() async throws {
        let (cloud, directory) = try await start(timeoutMillis: 20_000)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        await cloud.emulator.setFaultInjection(fraction: 1.0)
        let emulator = cloud.emulator
        let recovery = Task {
            try await Task.sleep(for: .milliseconds(1_500))
            await emulator.setFaultInjection(fraction: 0)
        }
        let response = await post(cloud, ids: 0..<200, prefix: "q")
        try await recovery.value
        #expect(response.status == 200, "\(String(decoding: response.body, as: UTF8.self))")
        await cloud.emulator.flushAll()
        let counts = try await idCounts(cloud, bucket: "inlet-data")
        #expect(counts.count == 200 && counts.values.allSatisfy { $0 == 1 })
        await cloud.warehouse.stop()
    }

    @Test func firehoseRefusingUntilTheDeadlineIs503WithTheEventsInTheErrorBucketThenARetryDelivers() async throws {
        let (cloud, directory) = try await start(timeoutMillis: 2_000)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        await cloud.emulator.setFaultInjection(fraction: 1.0)
        let refused = await post(cloud, ids: 0..<50, prefix: "r")
        #expect(refused.status == 503)
        #expect(refused.headers["retry-after"] != nil)
        let answer = String(decoding: refused.body, as: UTF8.self)
        #expect(answer.contains(#""error":"delivery_failed""#) && answer.contains(#""deliveryFailed":[0,1,2"#), "\(answer)")
        // Nothing acknowledged is lost: every valid event is in the error bucket, as delivery_failed.
        let envelopes = try await LiveServer.objects(in: cloud.store, bucket: "inlet-errors").values
            .flatMap { String(decoding: $0, as: UTF8.self).split(separator: "\n") }
        #expect(envelopes.count == 50)
        #expect(envelopes.allSatisfy { $0.contains(#""error":"delivery_failed""#) })

        // The client retries once Firehose is back: each event arrives once in the data bucket
        // (and its earlier copy stays in the error bucket, as documented for at-least-once).
        await cloud.emulator.setFaultInjection(fraction: 0)
        #expect((await post(cloud, ids: 0..<50, prefix: "r")).status == 200)
        await cloud.emulator.flushAll()
        let counts = try await idCounts(cloud, bucket: "inlet-data")
        #expect(counts.count == 50 && counts.values.allSatisfy { $0 == 1 })
        await cloud.warehouse.stop()
    }
}
