import Foundation
import InletCompression
import InletCore
import InletTestSupport
import Testing

@testable import InletEmulator

/// Buffering, compression, naming, durability, group commit and fault injection of the emulator.
@Suite struct FirehoseEmulatorTests {
    let keyPattern = #"[0-9]{4}-[0-9]{2}-[0-9]{2}-[0-9]{2}-[0-9]{2}-[0-9]{2}-[0-9a-f-]{36}"#

    func records(_ count: Int, prefix: String = "r") -> [[UInt8]] {
        (0..<count).map { Array("\(prefix)\($0)".utf8) }
    }

    @Test func flushesBySize() async throws {
        let dir = temporaryDirectory()
        defer { removeDirectory(dir) }
        let sink = MemorySink()
        let clock = ManualClock(fixedMillis)
        let emulator = FirehoseEmulator(dataDirectory: dir, sink: sink, now: clock.closure)
        try await emulator.createStream(DeliveryStreamConfig(name: "big", bucket: "b", bufferingSizeMiB: 1))
        let chunk = [UInt8](repeating: 0x61, count: 600_000)
        _ = try await emulator.putRecords(stream: "big", records: [chunk])
        #expect(await sink.objects.isEmpty)
        _ = try await emulator.putRecords(stream: "big", records: [chunk])  // 1,200,000 ≥ 1 MiB
        await emulator.deliveriesSettled()  // the delivery runs in a task of its own
        let objects = await sink.objects
        #expect(objects.count == 1)
        #expect(objects.first?.body == chunk + chunk)
        #expect(objects.first?.bucket == "b")
        #expect(matches(objects.first?.key ?? "", "2026/11/27/10/big-1-" + keyPattern))
        // The segment went with the delivery.
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir + "/firehose/big") == ["config.json"])
    }

    /// The request whose records reach the size hint is answered once they are durable, not
    /// after the object is written to S3: delivery runs in a task of its own.
    @Test func aPutThatReachesTheSizeHintDoesNotWaitForTheDelivery() async throws {
        try await withStream(DeliveryStreamConfig(name: "big", bucket: "b", bufferingSizeMiB: 1)) { emulator, sink in
            let chunk = [UInt8](repeating: 0x61, count: 600_000)
            await sink.hold()
            // Were the put to wait for the delivery, only this would end the wait (and the
            // object would then be there when the put returns).
            let releaser = Task {
                try? await Task.sleep(for: .seconds(2))
                await sink.release()
            }
            let results = try await emulator.putRecords(stream: "big", records: [chunk, chunk])
            #expect(results.count == 2)
            #expect(await sink.objects.isEmpty)
            releaser.cancel()
            await sink.release()
            await emulator.deliveriesSettled()
            #expect(await sink.objects.map(\.body) == [chunk + chunk])
            await emulator.shutdown()
        }
    }

    /// While a delivery cannot keep up, the next buffer grows only to the backlog limit;
    /// then puts are refused (and nothing is appended) until the backlog is delivered.
    @Test func aStreamWhoseDeliveryCannotKeepUpRefusesPutsUntilItDrains() async throws {
        let dir = temporaryDirectory()
        defer { removeDirectory(dir) }
        let sink = MemorySink()
        let config = DeliveryStreamConfig(name: "slow", bucket: "b", bufferingSizeMiB: 1)
        // No headroom: the limit is twice the 1 MiB hint.
        let emulator = FirehoseEmulator(dataDirectory: dir, sink: sink, now: ManualClock(fixedMillis).closure, backlogHeadroomBytes: 0)
        try await emulator.createStream(config)
        let limit = emulator.backlogLimit(config)
        #expect(limit == 2 * 1_048_576)
        #expect(FirehoseEmulator(dataDirectory: dir, sink: sink).backlogLimit(config) == 2 * 1_048_576 + 128 * 1_048_576)
        do {
            await sink.hold()
            var accepted: [[UInt8]] = []
            var refusal: FirehoseError?
            for k in 0..<64 {
                let record = [UInt8](repeating: UInt8(0x41 + k % 26), count: 200_000)
                do throws(FirehoseError) {
                    _ = try await emulator.putRecords(stream: "slow", records: [record])
                    accepted.append(record)
                } catch {
                    refusal = error
                    break
                }
            }
            // The first buffer (the first 6 records, 1.2 MB) waits in the held delivery; the
            // next one fills to the limit.
            let refused = try #require(refusal)
            #expect(refused.type == "ServiceUnavailableException")
            #expect(refused.message.hasPrefix("Slow down."))
            let backlog = accepted.count * 200_000 - 6 * 200_000
            #expect(backlog >= limit && backlog < limit + 200_000)
            #expect(await emulator.statistics.throttledCalls == 1)
            // Refused puts append nothing: the segments hold only the accepted records.
            await sink.release()
            await emulator.deliveriesSettled()
            // The delivery that ended started the backlog's at once (no timer, no new put).
            #expect(await sink.objects.count >= 2)
            _ = try await emulator.putRecords(stream: "slow", records: [Array("after".utf8)])
            await emulator.shutdown()
            #expect(try await sink.allBytes() == accepted.flatMap { $0 } + Array("after".utf8))
        }
    }

    @Test func flushesByIntervalFromTheFirstRecord() async throws {
        let dir = temporaryDirectory()
        defer { removeDirectory(dir) }
        let sink = MemorySink()
        let clock = ManualClock(fixedMillis)
        let emulator = FirehoseEmulator(dataDirectory: dir, sink: sink, now: clock.closure)
        try await emulator.createStream(
            DeliveryStreamConfig(name: "slow", bucket: "b", prefix: "logs/", bufferingIntervalSeconds: 60))
        _ = try await emulator.putRecords(stream: "slow", records: [Array("a".utf8)])
        clock.advance(seconds: 30)
        _ = try await emulator.putRecords(stream: "slow", records: [Array("b".utf8)])
        clock.advance(seconds: 29)
        await emulator.flushDue()
        #expect(await sink.objects.isEmpty)
        clock.advance(seconds: 1)
        await emulator.flushDue()
        let objects = await sink.objects
        #expect(objects.count == 1)
        #expect(objects.first?.body == Array("ab".utf8))
        // Named after the first record's arrival, under the static prefix plus the time prefix.
        #expect(matches(objects.first?.key ?? "", "logs/2026/11/27/10/slow-1-2026-11-27-10-15-30-[0-9a-f-]{36}"))
        await emulator.flushDue()
        #expect(await sink.objects.count == 1)
    }

    @Test func gzipWithDelimiterDecompressesToTheRecords() async throws {
        let dir = temporaryDirectory()
        defer { removeDirectory(dir) }
        let sink = MemorySink()
        let emulator = FirehoseEmulator(dataDirectory: dir, sink: sink, now: ManualClock(fixedMillis).closure)
        try await emulator.createStream(
            DeliveryStreamConfig(
                name: "gz", bucket: "b", prefix: "p/!{timestamp:yyyy}/", errorOutputPrefix: "e/",
                compression: .gzip, appendDelimiterToRecord: true))
        let input = records(100)
        _ = try await emulator.putRecords(stream: "gz", records: input)
        await emulator.shutdown()
        let objects = await sink.objects
        #expect(objects.count == 1)
        let key = objects.first?.key ?? ""
        #expect(matches(key, "p/2026/gz-1-" + keyPattern + #"\.gz"#))
        #expect(try Gzip.decompress(objects[0].body, limit: 1 << 20) == input.flatMap { $0 + [0x0A] })
    }

    @Test func uncompressedWithoutDelimiterConcatenates() async throws {
        let dir = temporaryDirectory()
        defer { removeDirectory(dir) }
        let sink = MemorySink()
        let emulator = FirehoseEmulator(dataDirectory: dir, sink: sink, now: ManualClock(fixedMillis).closure)
        try await emulator.createStream(DeliveryStreamConfig(name: "plain", bucket: "b"))
        _ = try await emulator.putRecords(stream: "plain", records: records(3))
        await emulator.shutdown()
        #expect(await sink.objects.map(\.body) == [Array("r0r1r2".utf8)])
        #expect(matches(await sink.objects[0].key, "2026/11/27/10/plain-1-" + keyPattern))
    }

    @Test func recoveryDeliversEveryAcknowledgedRecordOnceInOrder() async throws {
        let dir = temporaryDirectory()
        defer { removeDirectory(dir) }
        let clock = ManualClock(fixedMillis)
        let lost = MemorySink()
        var expected: [[UInt8]] = []
        do {
            let first = FirehoseEmulator(dataDirectory: dir, sink: lost, now: clock.closure)
            try await first.createStream(
                DeliveryStreamConfig(name: "wal", bucket: "b", bufferingSizeMiB: 1, appendDelimiterToRecord: true))
            for batch in 0..<5 {
                let input = records(50, prefix: "b\(batch)-")
                let results = try await first.putRecords(stream: "wal", records: input)
                #expect(results.allSatisfy { if case .accepted = $0 { true } else { false } })
                expected += input
            }
            // No shutdown: the emulator is dropped as by kill -9.
        }
        #expect(await lost.objects.isEmpty)
        // The segment's blocks were written ahead as zeros, past its frames.
        let segment = dir + "/firehose/wal/segment-1.wal"
        let onDisk = try #require(try Files.read(segment))
        let framed = SegmentFormat.readFrames(onDisk)
        #expect(framed.records.count == 250)
        #expect(onDisk.count == SegmentFormat.preallocationBytes)
        #expect(onDisk[framed.validLength...].allSatisfy { $0 == 0 })
        // A torn frame right after the last one (a write the crash interrupted) is dropped.
        let handle = try #require(FileHandle(forWritingAtPath: segment))
        handle.seek(toFileOffset: UInt64(framed.validLength))
        handle.write(Data([0x10, 0, 0, 0, 1, 2, 3]))
        try handle.close()

        let sink = MemorySink()
        let second = FirehoseEmulator(dataDirectory: dir, sink: sink, now: clock.closure)
        #expect(try await second.recover() == 250)
        #expect(try await sink.allBytes() == expected.flatMap { $0 + [0x0A] })
        #expect(await second.streamNames() == ["wal"])
        // Delivered once: a third start finds nothing left.
        let third = FirehoseEmulator(dataDirectory: dir, sink: sink, now: clock.closure)
        #expect(try await third.recover() == 0)
        #expect(await sink.objects.count == 1)
        // The recovered stream keeps working and its next segment does not reuse a number.
        _ = try await third.putRecords(stream: "wal", records: [Array("after".utf8)])
        await third.shutdown()
        #expect(await sink.objects.count == 2)
        #expect(await sink.objects[1].body == Array("after\n".utf8))
    }

    @Test func recoveryAfterAFailedDeliveryKeepsOrderAcrossSegments() async throws {
        let dir = temporaryDirectory()
        defer { removeDirectory(dir) }
        let clock = ManualClock(fixedMillis)
        let refusing = MemorySink()
        await refusing.setFailing(true)
        let big = [UInt8](repeating: 0x62, count: 700_000)
        do {
            let first = FirehoseEmulator(dataDirectory: dir, sink: refusing, now: clock.closure)
            try await first.createStream(DeliveryStreamConfig(name: "seg", bucket: "b", bufferingSizeMiB: 1))
            _ = try await first.putRecords(stream: "seg", records: [Array("a".utf8), big])
            _ = try await first.putRecords(stream: "seg", records: [big])  // size reached: the delivery fails
            await first.deliveriesSettled()
            #expect(await first.statistics.deliveryFailures == 1)
            _ = try await first.putRecords(stream: "seg", records: [Array("z".utf8)])  // into a second segment
            await first.deliveriesSettled()  // its retry fails too, and changes no file
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir + "/firehose/seg").sorted()
            == ["config.json", "segment-1.wal", "segment-2.wal"])
        let sink = MemorySink()
        let second = FirehoseEmulator(dataDirectory: dir, sink: sink, now: clock.closure)
        #expect(try await second.recover() == 4)
        #expect(try await sink.allBytes() == Array("a".utf8) + big + big + Array("z".utf8))
        // Objects of at most about the size hint each, all named after their first record.
        #expect(await sink.objects.count == 2)
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir + "/firehose/seg") == ["config.json"])
    }

    @Test func aFailedDeliveryKeepsTheRecords() async throws {
        try await withStream(DeliveryStreamConfig(name: "s", bucket: "b", bufferingIntervalSeconds: 0)) { emulator, sink in
            await sink.setFailing(true)
            _ = try await emulator.putRecords(stream: "s", records: [Array("x".utf8)])
            _ = try await emulator.putRecords(stream: "s", records: [Array("y".utf8)])
            await emulator.deliveriesSettled()
            #expect(await emulator.statistics.deliveryFailures >= 1)
            await sink.setFailing(false)
            await emulator.flushDue()
            #expect(await sink.objects.map(\.body) == [Array("xy".utf8)])
        }
    }

    @Test func concurrentPutsShareFsyncs() async throws {
        let dir = temporaryDirectory()
        defer { removeDirectory(dir) }
        let sink = MemorySink()
        let emulator = FirehoseEmulator(dataDirectory: dir, sink: sink, now: ManualClock(fixedMillis).closure)
        try await emulator.createStream(DeliveryStreamConfig(name: "gc", bucket: "b", appendDelimiterToRecord: true))
        let calls = 40
        await withTaskGroup(of: Void.self) { group in
            for i in 0..<calls {
                group.addTask { _ = try? await emulator.putRecords(stream: "gc", records: [Array("c\(i)".utf8)]) }
            }
        }
        let statistics = await emulator.statistics
        #expect(statistics.appendCalls == calls)
        #expect(statistics.groupCommits < calls)  // 2 for 40 calls when measured
        #expect(statistics.groupCommits >= 1)
        await emulator.shutdown()
        let lines = String(decoding: try await sink.allBytes(), as: UTF8.self).split(separator: "\n")
        #expect(Set(lines) == Set((0..<calls).map { Substring("c\($0)") }))
        #expect(lines.count == calls)
    }

    @Test func aSynchronousPutIsAcknowledgedOnlyOnceItsGroupCommitIsDone() async throws {
        try await withStream(DeliveryStreamConfig(name: "now", bucket: "b", appendDelimiterToRecord: true)) {
            emulator, sink in
            let acknowledged = AsyncStream.makeStream(of: String.self)
            let (appended, commitsBefore, acknowledgedAtOnce) = try await emulator.isolated { emulator in
                let calls = Locked(0)
                let count = try emulator.putRecordsNow(stream: "now", records: [Array("a".utf8), Array("b".utf8)]) {
                    failure in
                    calls.withLock { $0 += 1 }
                    acknowledged.continuation.yield(failure.map { "\($0)" } ?? "durable")
                }
                // Still on the emulator's executor: the fsync cannot have completed yet.
                return (count, emulator.statistics.groupCommits, calls.withLock { $0 })
            }
            #expect(appended == 2)
            #expect(commitsBefore == 0)
            #expect(acknowledgedAtOnce == 0)
            var iterator = acknowledged.stream.makeAsyncIterator()
            #expect(await iterator.next() == "durable")
            let statistics = await emulator.statistics
            #expect(statistics.groupCommits == 1)
            #expect(statistics.appendCalls == 1)
            // The records are in the segment, framed, before any delivery.
            let segment = try #require(try Files.read(await emulator.segmentPath("now", 1)))
            #expect(SegmentFormat.readFrames(segment).records.map(\.data) == [Array("a".utf8), Array("b".utf8)])
            await emulator.shutdown()
            #expect(try await sink.allBytes() == Array("a\nb\n".utf8))
        }
    }

    @Test func aSynchronousPutLeavesFaultInjectionAndUnknownStreamsToTheAsyncPut() async throws {
        try await withStream(DeliveryStreamConfig(name: "now", bucket: "b")) { emulator, sink in
            await emulator.setFaultInjection(fraction: 0.5)
            let withFaults = try await emulator.isolated { emulator in
                try emulator.putRecordsNow(stream: "now", records: [Array("a".utf8)]) { _ in
                    Issue.record("no put, no acknowledgement")
                }
            }
            #expect(withFaults == nil)
            await emulator.setFaultInjection(fraction: 0)
            await #expect(throws: FirehoseError.self) {
                try await emulator.isolated { emulator in
                    try emulator.putRecordsNow(stream: "missing", records: [Array("a".utf8)]) { _ in
                        Issue.record("no put, no acknowledgement")
                    }
                }
            }
            #expect(await emulator.statistics.appendCalls == 0)
            await emulator.shutdown()
            #expect(await sink.objects.isEmpty)
        }
    }

    @Test func faultInjectionFailsAboutTheConfiguredFraction() async throws {
        let dir = temporaryDirectory()
        defer { removeDirectory(dir) }
        let sink = MemorySink()
        let emulator = FirehoseEmulator(dataDirectory: dir, sink: sink, now: ManualClock(fixedMillis).closure)
        try await emulator.createStream(DeliveryStreamConfig(name: "f", bucket: "b", appendDelimiterToRecord: true))
        await emulator.setFaultInjection(fraction: 0.3, seed: 42)
        var failed = 0
        var accepted: [[UInt8]] = []
        for batch in 0..<8 {
            let input = records(500, prefix: "\(batch)-")
            let results = try await emulator.putRecords(stream: "f", records: input)
            for (record, result) in zip(input, results) {
                switch result {
                case .accepted: accepted.append(record)
                case .failed(let code, _):
                    #expect(code == "ServiceUnavailableException")
                    failed += 1
                }
            }
        }
        let fraction = Double(failed) / 4000
        #expect(fraction > 0.26 && fraction < 0.34)
        await emulator.shutdown()
        // Only accepted records are delivered.
        #expect(try await sink.allBytes() == accepted.flatMap { $0 + [0x0A] })
    }

    @Test func deleteRemovesTheStreamAndItsFiles() async throws {
        let dir = temporaryDirectory()
        defer { removeDirectory(dir) }
        let sink = MemorySink()
        let emulator = FirehoseEmulator(dataDirectory: dir, sink: sink, now: ManualClock(fixedMillis).closure)
        try await emulator.createStream(DeliveryStreamConfig(name: "d", bucket: "b"))
        _ = try await emulator.putRecords(stream: "d", records: [Array("z".utf8)])
        try await emulator.deleteStream("d")
        #expect(await emulator.streamNames().isEmpty)
        #expect(!FileManager.default.fileExists(atPath: dir + "/firehose/d"))
        #expect(await sink.objects.map(\.body) == [Array("z".utf8)])
        await #expect(throws: FirehoseError.self) { try await emulator.deleteStream("d") }
    }
}

/// The background timer and declaring streams from code across restarts.
@Suite struct FirehoseEmulatorLifecycleTests {
    @Test func theTimerFlushesWhenTheIntervalElapses() async throws {
        let dir = temporaryDirectory()
        defer { removeDirectory(dir) }
        let sink = MemorySink()
        let clock = ManualClock(fixedMillis)
        let emulator = FirehoseEmulator(dataDirectory: dir, sink: sink, now: clock.closure)
        try await emulator.createStream(DeliveryStreamConfig(name: "t", bucket: "b", bufferingIntervalSeconds: 1))
        await emulator.startTimer(period: .milliseconds(5))
        _ = try await emulator.putRecords(stream: "t", records: [Array("tick".utf8)])
        try await Task.sleep(for: .milliseconds(50))
        #expect(await sink.objects.isEmpty)
        clock.advance(seconds: 1)
        for _ in 0..<400 where await sink.objects.isEmpty { try await Task.sleep(for: .milliseconds(5)) }
        #expect(await sink.objects.map(\.body) == [Array("tick".utf8)])
        await emulator.shutdown()
    }

    @Test func declaringAgainAfterARestartKeepsTheRecoveredStream() async throws {
        let dir = temporaryDirectory()
        defer { removeDirectory(dir) }
        let sink = MemorySink()
        let clock = ManualClock(fixedMillis)
        let config = DeliveryStreamConfig(name: "decl", bucket: "b")
        do {
            let first = FirehoseEmulator(dataDirectory: dir, sink: sink, now: clock.closure)
            try await first.declareStream(config)
            try await first.declareStream(config)
            _ = try await first.putRecords(stream: "decl", records: [Array("kept".utf8)])
        }
        let second = FirehoseEmulator(dataDirectory: dir, sink: sink, now: clock.closure)
        var changed = config
        changed.compression = .gzip
        try await second.declareStream(changed)  // declared before recovery, as `inlet local` may
        // A record put before recover() goes to a new segment, not into the old one.
        _ = try await second.putRecords(stream: "decl", records: [Array("new".utf8)])
        #expect(try await second.recover() == 1)
        #expect(await sink.objects.count == 1)
        #expect(await sink.objects.first?.key.hasSuffix(".gz") == true)
        #expect(try await sink.allBytes() == Array("keptnew".utf8))
        // The new configuration was persisted.
        let third = FirehoseEmulator(dataDirectory: dir, sink: sink, now: clock.closure)
        try await third.recover()
        #expect(try await third.describe("decl").config == changed)
        #expect(try await third.describe("decl").createdMillis == fixedMillis)
    }
}

/// The write-ahead segment format: length, arrival time, CRC-32, data.
@Suite struct FirehoseSegmentFormatTests {
    @Test func framesRoundTripAndATornOrCorruptTailIsDropped() {
        var bytes: [UInt8] = []
        SegmentFormat.appendFrame(data: Array("one".utf8), arrival: 5, to: &bytes)
        SegmentFormat.appendFrame(data: [], arrival: -1, to: &bytes)
        let intact = bytes.count
        SegmentFormat.appendFrame(data: Array("three".utf8), arrival: 7, to: &bytes)
        let all = SegmentFormat.readFrames(bytes)
        #expect(all.records.map(\.data) == [Array("one".utf8), [], Array("three".utf8)])
        #expect(all.records.map(\.arrival) == [5, -1, 7])
        #expect(all.validLength == bytes.count)
        // Torn: the last frame is cut short.
        let torn = SegmentFormat.readFrames(Array(bytes.dropLast(2)))
        #expect(torn.records.count == 2)
        #expect(torn.validLength == intact)
        // Corrupt: a flipped bit in the last frame's data fails its CRC.
        var corrupt = bytes
        corrupt[corrupt.count - 1] ^= 1
        #expect(SegmentFormat.readFrames(corrupt).records.count == 2)
        #expect(SegmentFormat.readFrames(corrupt).validLength == intact)
    }

    @Test func zerosWrittenAheadEndTheFrames() {
        var bytes: [UInt8] = []
        SegmentFormat.appendFrame(data: Array("one".utf8), arrival: 5, to: &bytes)
        let framed = bytes.count
        // A zero header (length 0, arrival 0, CRC 0) is not a frame: the CRC-32 of the
        // eight zero bytes of its arrival time is not 0.
        var crc = CRC32()
        crc.update([UInt8](repeating: 0, count: 8))
        #expect(crc.value != 0)
        let read = SegmentFormat.readFrames(bytes + SegmentFormat.preallocatedZeros)
        #expect(read.records.map(\.data) == [Array("one".utf8)])
        #expect(read.validLength == framed)
        #expect(SegmentFormat.readFrames([UInt8](repeating: 0, count: 64)).records.isEmpty)
    }

    @Test func crc32MatchesTheStandardCheckValue() {
        var crc = CRC32()
        crc.update(Array("123456789".utf8))
        #expect(crc.value == 0xCBF4_3926)
    }
}

/// An emulator on a fresh folder (removed afterwards) with one stream, delivering to a
/// ``MemorySink`` on a clock that stands still.
func withStream(
    _ config: DeliveryStreamConfig, _ body: (FirehoseEmulator, MemorySink) async throws -> Void
) async throws {
    let dir = temporaryDirectory()
    defer { removeDirectory(dir) }
    let sink = MemorySink()
    let emulator = FirehoseEmulator(dataDirectory: dir, sink: sink, now: ManualClock(fixedMillis).closure)
    try await emulator.createStream(config)
    try await body(emulator, sink)
}

extension FirehoseEmulator {
    /// Runs `body` on the emulator's executor, as a caller already there would.
    func isolated<T: Sendable>(_ body: @Sendable (isolated FirehoseEmulator) throws -> T) throws -> T { try body(self) }
}
