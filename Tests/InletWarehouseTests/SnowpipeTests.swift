import Foundation
import InletEmulator
import InletLocal
import Testing

@testable import InletWarehouse

/// The local pipe: notifications queue files, a loader loads them, REFRESH finds what was
/// missed, and SYSTEM$PIPE_STATUS reports it.
@Suite struct SnowpipeTests {
    let definition = PipeDefinition.events(bucket: "inlet-data", prefix: "events/")

    @Test func notifiedFilesUnderTheStageLoad() async throws {
        let f = try WarehouseFixture(label: "pipe")
        defer { f.remove() }
        let stage = MemoryStage()
        let pipe = Snowpipe(definition: definition, warehouse: f.warehouse, stage: stage, now: f.clock.function)
        try await pipe.start()
        await stage.put(bucket: "inlet-data", key: "events/a", record(id: "1", eventId: "e1"))
        await stage.put(bucket: "inlet-data", key: "other/b", record(id: "2", eventId: "e2"))
        await stage.put(bucket: "other-bucket", key: "events/c", record(id: "3", eventId: "e3"))
        pipe.notify(bucket: "inlet-data", key: "events/a")
        pipe.notify(bucket: "inlet-data", key: "other/b")
        pipe.notify(bucket: "other-bucket", key: "events/c")
        await pipe.waitUntilIdle()
        #expect(try await f.texts("SELECT event_id FROM events_typed") == ["e1"])
        #expect(await stage.reads == 1)
        await pipe.stop()
    }

    @Test func aFileNotifiedTwiceLoadsOnce() async throws {
        let f = try WarehouseFixture(label: "pipe")
        defer { f.remove() }
        let stage = MemoryStage()
        let pipe = Snowpipe(definition: definition, warehouse: f.warehouse, stage: stage, now: f.clock.function)
        try await pipe.start()
        await stage.put(bucket: "inlet-data", key: "events/a", record(id: "1", eventId: "e1"))
        for _ in 0..<3 { pipe.notify(bucket: "inlet-data", key: "events/a") }
        await pipe.waitUntilIdle()
        // Rewritten with new content: still not loaded again.
        await stage.put(bucket: "inlet-data", key: "events/a", record(id: "9", eventId: "e9"))
        pipe.notify(bucket: "inlet-data", key: "events/a")
        await pipe.waitUntilIdle()
        #expect(try await f.texts("SELECT event_id FROM events_typed") == ["e1"])
        #expect(try await f.count("copy_history") == 1)
        await pipe.stop()
    }

    @Test func startRefreshesFilesStagedBeforeItAndRefreshFindsMissedOnes() async throws {
        let f = try WarehouseFixture(label: "pipe")
        defer { f.remove() }
        let stage = MemoryStage()
        let now = f.clock.now
        await stage.put(bucket: "inlet-data", key: "events/1", record(id: "1", eventId: "e1"), modified: now - 1000)
        await stage.put(bucket: "inlet-data", key: "events/2", record(id: "2", eventId: "e2"), modified: now - 500)
        // Older than REFRESH's 7 days: left alone.
        await stage.put(bucket: "inlet-data", key: "events/old", record(id: "0", eventId: "e0"), modified: now - 8 * 86_400_000)
        let pipe = Snowpipe(definition: definition, warehouse: f.warehouse, stage: stage, now: f.clock.function)
        #expect(try await pipe.start() == ["events/1", "events/2"])
        await pipe.waitUntilIdle()
        #expect(try await f.texts("SELECT event_id FROM events_typed ORDER BY event_id") == ["e1", "e2"])
        // Loaded in last-modified order.
        #expect(try await f.texts("SELECT file_name FROM copy_history ORDER BY rowid") == ["events/1", "events/2"])

        await stage.put(bucket: "inlet-data", key: "events/3", record(id: "3", eventId: "e3"), modified: now)
        #expect(try await pipe.refresh() == ["events/3"])
        #expect(try await pipe.refresh().isEmpty)  // queued or loading: not again
        await pipe.waitUntilIdle()
        #expect(try await pipe.refresh().isEmpty)
        #expect(try await f.count("raw_events") == 3)
        await pipe.stop()
    }

    @Test func statusReportsPipeStatusFields() async throws {
        let f = try WarehouseFixture(label: "pipe")
        defer { f.remove() }
        let stage = MemoryStage()
        let pipe = Snowpipe(definition: definition, warehouse: f.warehouse, stage: stage, now: f.clock.function)
        try await pipe.start()
        #expect(await pipe.status().json == #"{"executionState":"RUNNING","pendingFileCount":0}"#)

        await stage.put(bucket: "inlet-data", key: "events/a", "{}")
        pipe.notify(bucket: "inlet-data", key: "events/a")
        await pipe.waitUntilIdle()
        let status = await pipe.status()
        #expect(status.pendingFileCount == 0)
        #expect(status.lastIngestedFilePath == "events/a")
        #expect(status.lastIngestedTimestamp == "2025-11-27T09:20:00.000Z")
        #expect(status.json == #"{"executionState":"RUNNING","pendingFileCount":0,"lastIngestedTimestamp":"2025-11-27T09:20:00.000Z","lastIngestedFilePath":"events/a","lastReceivedMessageTimestamp":"2025-11-27T09:20:00.000Z"}"#)
        await pipe.stop()
    }

    @Test func aPausedPipeQueuesButDoesNotLoadUntilResumed() async throws {
        let f = try WarehouseFixture(label: "pipe")
        defer { f.remove() }
        let stage = MemoryStage()
        let pipe = Snowpipe(definition: definition, warehouse: f.warehouse, stage: stage, now: f.clock.function)
        try await pipe.start()
        try await pipe.setPaused(true)
        await stage.put(bucket: "inlet-data", key: "events/a", "{}")
        await stage.put(bucket: "inlet-data", key: "events/b", "{}")
        pipe.notify(bucket: "inlet-data", key: "events/a")
        pipe.notify(bucket: "inlet-data", key: "events/b")
        await pipe.waitUntilIdle()
        let paused = await pipe.status()
        #expect(paused.executionState == "PAUSED")
        #expect(paused.pendingFileCount == 2)
        #expect(paused.oldestPendingFilePath == "events/a")
        #expect(try await f.count("raw_events") == 0)
        // The state is the warehouse's: another process sees it.
        #expect(try await f.warehouse.executionState(pipe: definition.name) == "PAUSED")

        try await pipe.setPaused(false)
        await pipe.waitUntilIdle()
        #expect(try await f.count("raw_events") == 2)
        await pipe.stop()
    }

    @Test func statusFromTheStageCountsFilesARefreshWouldQueue() async throws {
        let f = try WarehouseFixture(label: "pipe")
        defer { f.remove() }
        let stage = MemoryStage()
        await stage.put(bucket: "inlet-data", key: "events/a", "{}", modified: f.clock.now)
        await stage.put(bucket: "inlet-data", key: "events/b", "{}", modified: f.clock.now)
        let pipe = Snowpipe(definition: definition, warehouse: f.warehouse, stage: stage, now: f.clock.function)
        try await f.warehouse.define(definition)
        let before = try await pipe.statusFromStage()
        #expect(before.pendingFileCount == 2)
        #expect(before.oldestPendingFilePath == "events/a")
        _ = try await f.warehouse.load(try #require(try await stage.read(bucket: "inlet-data", key: "events/a")), into: definition, receivedAtMillis: 0)
        #expect(try await pipe.statusFromStage().pendingFileCount == 1)
    }

    @Test func aFileThatCannotBeReadStaysOutOfTheHistoryAndLoadsOnRefresh() async throws {
        let f = try WarehouseFixture(label: "pipe")
        defer { f.remove() }
        let stage = FlakyStage()
        let pipe = Snowpipe(definition: definition, warehouse: f.warehouse, stage: stage, now: f.clock.function)
        try await pipe.start()
        pipe.notify(bucket: "inlet-data", key: "events/a")
        await pipe.waitUntilIdle()
        #expect(await pipe.status().error?.contains("events/a") == true)
        #expect(try await f.count("raw_events") == 0)
        await stage.heal()
        #expect(try await pipe.refresh() == ["events/a"])
        await pipe.waitUntilIdle()
        #expect(try await f.count("raw_events") == 1)
        await pipe.stop()
    }

    /// The pipe wired to the emulator's real S3 store: a PutObject notifies it, it reads the
    /// object back through the store, and the file's ETag becomes the content key.
    @Test func loadsObjectsWrittenToTheLocalS3Store() async throws {
        let directory = temporaryDirectory("pipe-s3")
        defer { removeDirectory(directory) }
        let store = try LocalS3Store(dataDirectory: directory)
        try await store.createBucket("inlet-data")
        _ = try await store.putObject(
            bucket: "inlet-data", key: "events/before", body: Array(record(id: "0", eventId: "e0").utf8),
            contentType: "application/json", contentMD5: nil, ifNoneMatch: false)
        let warehouse = try Warehouse(path: Warehouse.path(dataDirectory: directory))
        let pipe = Snowpipe(definition: definition, warehouse: warehouse, stage: LocalS3Stage(store: store))
        // Weakly, as LocalWarehouse does: the pipe's stage holds the store.
        await store.onObjectCreated { [weak pipe] in pipe?.notify(bucket: $0, key: $1) }
        try await pipe.start()
        let info = try await store.putObject(
            bucket: "inlet-data", key: "events/2026/11/27/09/inlet-events-1-x", body: Array((record(id: "1", eventId: "e1") + "\n").utf8),
            contentType: "application/octet-stream", contentMD5: nil, ifNoneMatch: false)
        await pipe.waitUntilIdle()

        let reader = try WarehouseReader(path: warehouse.path)
        let rows = try await reader.query(
            "SELECT record:_ingest.event_id::string AS event_id, file_name, file_content_key, file_last_modified FROM raw_events ORDER BY 1")
        #expect(rows.column("event_id") == [.text("e0"), .text("e1")])
        #expect(rows.rows[1][1] == .text("events/2026/11/27/09/inlet-events-1-x"))
        #expect(rows.rows[1][2] == .text(info.etag.filter { $0 != "\"" }))
        #expect(rows.rows[1][3].text?.hasSuffix("Z") == true)
        await pipe.stop()
    }
}

/// A stage whose reads fail until healed.
actor FlakyStage: StageStore {
    struct Broken: Error {}
    private var broken = true

    func heal() { broken = false }

    func list(bucket: String, prefix: String) async throws -> [StagedObjectInfo] {
        [StagedObjectInfo(key: "events/a", size: 2, lastModifiedMillis: 1_764_235_200_000, contentKey: "c")]
    }

    func read(bucket: String, key: String) async throws -> StagedObject? {
        if broken { throw Broken() }
        return StagedObject(key: key, body: Array("{}".utf8), lastModifiedMillis: 1_764_235_200_000, contentKey: "c")
    }
}
