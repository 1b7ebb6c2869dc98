import Foundation
import InletCore
import InletEmulator
import InletTestSupport
import Testing

@testable import InletLocal

/// A small tmpfs mounted for the test (root only; CI runs as root).
struct SmallFileSystem {
    let path: String

    static let available: Bool = {
        guard getuid() == 0 else { return false }
        let probe = NSTemporaryDirectory() + "inlet-mount-probe-" + UUID().uuidString
        try? FileManager.default.createDirectory(atPath: probe, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: probe) }
        guard mount(["-t", "tmpfs", "-o", "size=1m", "tmpfs", probe]) else { return false }
        return mount(["-l", probe], program: "/bin/umount")
    }()

    @discardableResult
    static func mount(_ arguments: [String], program: String = "/bin/mount") -> Bool {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: program)
        process.arguments = arguments
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        guard (try? process.run()) != nil else { return false }
        process.waitUntilExit()
        return process.terminationStatus == 0
    }

    init(megabytes: Int) throws {
        path = NSTemporaryDirectory() + "inlet-small-fs-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        guard Self.mount(["-t", "tmpfs", "-o", "size=\(megabytes)m", "tmpfs", path]) else {
            throw Failure("cannot mount a tmpfs on \(path)")
        }
    }

    func remount(_ options: String) -> Bool { Self.mount(["-o", "remount,\(options)", path]) }

    func remove() {
        Self.mount(["-l", path], program: "/bin/umount")
        try? FileManager.default.removeItem(atPath: path)
    }
}

/// The data directory fills up under the real function: nothing is acknowledged that was not
/// written, the answer says to retry, and when space returns the service goes on; after a
/// crash every acknowledged event is recovered, once. A read-only data directory is refused
/// at start with a message that names it.
@Suite(.timeLimit(.minutes(2 * SanitizerRun.slowdown)), .serialized) struct DiskFaultTests {
    @Test(.enabled(if: SmallFileSystem.available || PeerBinaries.peersRequired, "skipped: mounting a tmpfs needs root"))
    func aFullOrReadOnlyDiskIsRefusedWithoutAcknowledgementAndRecoveredAfterwards() async throws {
        let disk = try SmallFileSystem(megabytes: 3)
        defer { disk.remove() }
        let directory = disk.path + "/data"
        let options = LocalCloudOptions(dataDirectory: directory, bufferIntervalSeconds: 900, functionTimeoutMillis: 3_000)
        let cloud = try await LocalCloud.start(options: options)
        var acknowledged: [String] = []

        func post(_ batch: Int) async -> LocalResponse {
            let ids = (0..<200).map { "d\(batch)-\($0)" }
            let body = ids.map { #"{"Id":"\#($0)","Pad":"\#(String(repeating: "x", count: 200))"}"# }.joined(separator: "\n")
            let response = await cloud.router.handle(
                LocalRequest(
                    method: "POST", rawPath: "/events", headers: HTTPHeaders([("content-type", "application/x-ndjson")]),
                    body: Array(body.utf8)))
            if response.status == 200 { acknowledged += ids }
            return response
        }

        // Fill the disk: the first refusal is a 503 naming what failed, not an acknowledgement.
        var batch = 0
        var refused: LocalResponse?
        while batch < 200 {
            let response = await post(batch)
            batch += 1
            if response.status != 200 {
                refused = response
                break
            }
        }
        let full = try #require(refused, "the 3 MB disk never filled")
        #expect(full.status == 503, "\(String(decoding: full.body, as: UTF8.self))")
        #expect(full.headers["retry-after"] != nil)
        #expect(String(decoding: full.body, as: UTF8.self).contains(#""error":"#))
        #expect(acknowledged.count >= 1_000, "only \(acknowledged.count) events fit")

        // Space returns: the same service takes events again.
        #expect(disk.remount("size=64m"))
        #expect((await post(batch)).status == 200)
        batch += 1

        // A read-only data directory is refused at start with a message that names it.
        let readOnly = try SmallFileSystem(megabytes: 1)
        defer { readOnly.remove() }
        #expect(readOnly.remount("ro"))
        do {
            _ = try await LocalCloud.start(options: LocalCloudOptions(dataDirectory: readOnly.path + "/data"))
            Issue.record("inlet local started on a read-only data directory")
        } catch {
            #expect(error.message.contains(readOnly.path), "\(error)")
            #expect(error.message.contains("--data-dir"), "\(error)")
        }

        // A crash (no shutdown flush), then a restart: every acknowledged event comes back, once.
        await cloud.warehouse.stop()
        let next = try await LocalCloud.start(options: options)
        await next.emulator.flushAll()
        var counts: [String: Int] = [:]
        for body in try await LiveServer.objects(in: next.store, bucket: "inlet-data").values {
            for line in String(decoding: body, as: UTF8.self).split(separator: "\n") {
                guard let range = line.range(of: #""Id":""#) else { continue }
                counts[String(line[range.upperBound...].prefix { $0 != "\"" }), default: 0] += 1
            }
        }
        let missing = acknowledged.filter { counts[$0] == nil }
        print("disk faults: \(acknowledged.count) events acknowledged, \(counts.count) recovered and delivered, "
            + "\(missing.count) missing, \(counts.values.filter { $0 > 1 }.count) duplicated")
        #expect(missing.isEmpty)
        #expect(counts.values.allSatisfy { $0 == 1 })
        await next.warehouse.stop()
        await next.emulator.shutdown()
        await cloud.emulator.shutdown()
    }
}
