import Foundation
import InletCore
import InletEmulator
import InletSigV4
import InletTestSupport
import Logging
import Testing

@testable import InletLocal

/// Every log line, whatever its level.
final class CapturedLogs: Sendable {
    let lines = Locked<[String]>([])

    var handlerFactory: @Sendable (String) -> any LogHandler {
        { [self] label in Handler(label: label, sink: self) }
    }

    struct Handler: LogHandler {
        let label: String
        let sink: CapturedLogs
        var metadata: Logger.Metadata = [:]
        var logLevel: Logger.Level = .trace

        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { metadata[key] }
            set { metadata[key] = newValue }
        }

        func log(event: LogEvent) {
            let all = metadata.merging(event.metadata ?? [:]) { $1 }
            sink.lines.withLock { $0.append("\(event.level) \(label) \(event.message) \(all) \(event.source)") }
        }
    }
}

/// Event bodies and secrets never reach the logs, at any level: the function, the emulator's
/// services and the signer run at `trace` while events carrying a marker, rejected events and
/// a failing error bucket go through, and no captured line holds the marker or the secret.
@Suite struct LogHygieneTests {
    @Test func noLogLineHoldsAnEventBodyOrASecretAtTraceLevel() async throws {
        let logs = CapturedLogs()
        var logger = Logger(label: "inlet.local.test", factory: logs.handlerFactory)
        logger.logLevel = .trace
        let marker = "BODY-MARKER-7f3a"
        let secret = "SECRET-MARKER-9c1e-not-for-logs"
        let key = AWSCredentials(accessKeyId: "AKIALOGHYGIENE000001", secretAccessKey: secret)
        let directory = NSTemporaryDirectory() + "inlet-logs-" + UUID().uuidString
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let options = LocalCloudOptions(dataDirectory: directory, accessKeys: [key])
        let cloud = try await LocalCloud.start(options: options, logger: logger)

        func post(_ body: String, type: String = "application/x-ndjson") async -> Int {
            await cloud.router.handle(
                LocalRequest(
                    method: "POST", rawPath: "/events",
                    headers: HTTPHeaders([("content-type", type), ("authorization", "Bearer \(secret)")]),
                    body: Array(body.utf8))
            ).status
        }
        #expect(await post(#"{"Id":"1","Name":"\#(marker)"}"#) == 200)
        #expect(await post(#"{"Id":"","Name":"\#(marker)"}"# + "\n" + #"{"Id":"2","Note":"\#(marker)"}"#) == 207)
        #expect(await post("{\"Id\":\"\(marker)", type: "application/json") == 400)
        #expect(await post(marker, type: "text/html") == 415)
        // The error bucket goes away: the function logs the failure (and answers 503).
        let listing = try await cloud.store.listObjectsV2(bucket: options.errorBucket, query: S3ListQuery())
        for object in listing.contents { try await cloud.store.deleteObject(bucket: options.errorBucket, key: object.key) }
        try await cloud.store.deleteBucket(options.errorBucket)
        #expect(await post(#"{"Id":"","Name":"\#(marker)"}"#) == 503)
        await cloud.emulator.flushAll()
        await cloud.warehouse.waitUntilLoaded()
        await cloud.warehouse.stop()

        let lines = logs.lines.withLock { $0 }
        #expect(lines.contains { $0.contains("error bucket could not be written") }, "the failure was logged: \(lines)")
        let leaks = lines.filter { $0.contains(marker) || $0.contains(secret) }
        #expect(leaks.isEmpty, "\(leaks)")
    }
}
