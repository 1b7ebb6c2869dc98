import Foundation
import InletCore
import InletEmulator
import InletLocal
import InletTestSupport
import InletWarehouse
import Testing

/// The whole local path into the warehouse: the HTTP API → the ingest function → Firehose →
/// the S3 store → the pipes → rows and error rows, and a crash in the middle of a load.
@Suite struct LocalWarehouseTests {
    @Test func postedEventsBecomeRowsAndErrorRowsThroughTheLocalCloud() async throws {
        let directory = temporaryDirectory("local-warehouse")
        defer { removeDirectory(directory) }
        let options = LocalCloudOptions(dataDirectory: directory, bufferIntervalSeconds: 60, gzip: true)
        let cloud = try await LocalCloud.start(options: options)
        let (store, warehouse) = (cloud.store, cloud.warehouse)

        let body = #"{"Id":"1","Name":"Ann","Age":"30","Sex":"F"}"# + "\n" + #"{"Id":""}"# + "\n" + #"{"Id":"3","Name":"Bo"}"# + "\n"
        let response = await cloud.router.handle(
            LocalRequest(
                method: "POST", rawPath: "/events",
                headers: HTTPHeaders([("content-type", "application/x-ndjson"), ("user-agent", "warehouse-test")]),
                body: Array(body.utf8), remoteAddress: "203.0.113.9"))
        #expect(response.status == 207)
        await cloud.emulator.flushAll()
        await warehouse.waitUntilLoaded()

        let reader = try WarehouseReader(path: warehouse.path)
        let rows = try await reader.query(
            """
            SELECT id, name, age, sex, event_id, source_ip, user_agent, contract, request_id, received_at,
                   file_name, file_row_number
            FROM events_dedup ORDER BY file_row_number
            """)
        #expect(rows.column("id") == [.text("1"), .text("3")])
        #expect(rows.column("name") == [.text("Ann"), .text("Bo")])
        #expect(rows.column("source_ip") == [.text("203.0.113.9"), .text("203.0.113.9")])
        #expect(rows.column("user_agent") == [.text("warehouse-test"), .text("warehouse-test")])
        #expect(rows.column("contract") == [.text("inlet:default-contract:v1"), .text("inlet:default-contract:v1")])
        #expect(rows.column("event_id").allSatisfy { $0.text?.count == 36 })
        #expect(rows.column("received_at").allSatisfy { $0.text?.hasSuffix("Z") == true })
        #expect(rows.column("file_row_number") == [.integer(1), .integer(2)])
        let requestId = try #require(response.headers["apigw-requestid"])
        #expect(rows.column("request_id") == [.text(requestId), .text(requestId)])

        // The metadata columns describe the delivered (gzip) object.
        let data = try await store.listObjectsV2(bucket: options.dataBucket, query: S3ListQuery())
        let object = try #require(data.contents.first)
        #expect(object.key.hasSuffix(".gz"))
        let metadata = try await reader.query("SELECT DISTINCT file_name, file_content_key FROM raw_events")
        #expect(metadata.rows == [[.text(object.key), .text(object.etag.filter { $0 != "\"" })]])

        let errors = try await reader.query("SELECT error, event_index, raw_event, request_id, file_name FROM ingest_errors")
        #expect(errors.rows.count == 1)
        #expect(errors.column("error") == [.text("contract_violation")])
        #expect(errors.column("event_index") == [.integer(1)])
        #expect(errors.column("raw_event") == [.text(#"{"Id":""}"#)])
        #expect(errors.column("request_id") == [.text(requestId)])
        #expect(errors.column("file_name").first?.text?.hasPrefix("errors/") == true)

        let history = try await reader.query("SELECT pipe_name, table_name, status, row_count, error_count, file_size FROM copy_history ORDER BY pipe_name")
        #expect(history.rows == [
            [.text("ERRORS_PIPE"), .text("RAW_ERRORS"), .text("Loaded"), .integer(1), .integer(0), history.rows[0][5]],
            [.text("EVENTS_PIPE"), .text("RAW_EVENTS"), .text("Loaded"), .integer(2), .integer(0), .integer(Int64(object.size))],
        ])

        // Firehose redelivering the same records (at-least-once) under another key: the raw
        // table holds them twice, the dedup view once.
        let (_, delivered) = try await store.getObject(bucket: options.dataBucket, key: object.key)
        _ = try await store.putObject(
            bucket: options.dataBucket, key: object.key + "-retry", body: delivered, contentType: "application/octet-stream",
            contentMD5: nil, ifNoneMatch: false)
        await warehouse.waitUntilLoaded()
        #expect(try await reader.query("SELECT count(*) FROM raw_events").rows == [[.integer(4)]])
        #expect(try await reader.query("SELECT count(*) FROM events_dedup").rows == [[.integer(2)]])
        await warehouse.stop()

        // A restart finds everything loaded: nothing is loaded twice.
        let restarted = try await LocalWarehouse.open(options: options, store: store)
        await restarted.waitUntilLoaded()
        #expect(try await reader.query("SELECT count(*) FROM raw_events").rows == [[.integer(4)]])
        #expect(try await reader.query("SELECT count(*) FROM copy_history").rows == [[.integer(3)]])
        await restarted.stop()
    }

    /// A local cloud let go without stopping its pipes closes its database: the S3 store only
    /// observes the pipes, so nothing keeps them (nor, through them, the warehouse) alive.
    @Test func aReleasedLocalCloudClosesItsWarehouse() async throws {
        let directory = temporaryDirectory("released-cloud")
        defer { removeDirectory(directory) }
        var cloud: LocalCloud? = try await LocalCloud.start(options: LocalCloudOptions(dataDirectory: directory))
        let path = try #require(cloud?.warehouse.path)
        let response = await cloud?.router.handle(
            LocalRequest(
                method: "POST", rawPath: "/events", headers: HTTPHeaders([("content-type", "application/json")]),
                body: Array(#"{"Id":"1","Name":"Ann"}"#.utf8), remoteAddress: "203.0.113.9"))
        #expect(response?.status == 200)
        await cloud?.emulator.shutdown()
        await cloud?.warehouse.waitUntilLoaded()
        #expect(openDescriptors(under: path) > 0)

        cloud = nil
        // The pipes' loader tasks end once the pipes are released, and the warehouse with them.
        let deadline = ContinuousClock.now + .seconds(10)
        while openDescriptors(under: path) > 0 && ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(10))
        }
        #expect(openDescriptors(under: path) == 0, "the database (or its WAL) is still open")
        #expect(try await WarehouseReader(path: path).query("SELECT count(*) FROM raw_events").rows == [[.integer(1)]])
    }

    /// `inlet pipe pause` on a data directory before `inlet local` starts: delivered files
    /// queue in the stage and load only after `inlet pipe resume` and a refresh, as with
    /// `ALTER PIPE … SET PIPE_EXECUTION_PAUSED`.
    @Test func aPausedPipeQueuesDeliveredFilesUntilResumedAndRefreshed() async throws {
        let inlet = try PeerBinaries.builtProduct("inlet")
        let directory = temporaryDirectory("paused-pipe")
        defer { removeDirectory(directory) }
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let paused = try await runProgram([inlet, "pipe", "pause", "EVENTS_PIPE", "--data-dir", directory])
        #expect(paused.status == 0, "\(paused.stderr)")
        #expect(paused.stdout == "EVENTS_PIPE PAUSED\n")

        let cloud = try await LocalCloud.start(options: LocalCloudOptions(dataDirectory: directory, bufferIntervalSeconds: 60))
        let response = await cloud.router.handle(
            LocalRequest(
                method: "POST", rawPath: "/events", headers: HTTPHeaders([("content-type", "application/json")]),
                body: Array(#"{"Id":"paused-1"}"#.utf8)))
        #expect(response.status == 200)
        await cloud.emulator.flushAll()
        await cloud.warehouse.waitUntilLoaded()
        let reader = try WarehouseReader(path: cloud.warehouse.path)
        #expect(try await reader.query("SELECT count(*) FROM raw_events").rows == [[.integer(0)]])
        await cloud.emulator.shutdown()
        await cloud.warehouse.stop()

        let status = try await runProgram([inlet, "pipe", "status", "EVENTS_PIPE", "--data-dir", directory])
        #expect(status.stdout.contains(#""executionState":"PAUSED""#), "\(status.stdout)")
        #expect(status.stdout.contains(#""pendingFileCount":1"#), "\(status.stdout)")

        let resumed = try await runProgram([inlet, "pipe", "resume", "EVENTS_PIPE", "--data-dir", directory])
        #expect(resumed.stdout == "EVENTS_PIPE RUNNING\n", "\(resumed.stderr)")
        let refreshed = try await runProgram([inlet, "pipe", "refresh", "EVENTS_PIPE", "--data-dir", directory])
        #expect(refreshed.status == 0, "\(refreshed.stderr)")
        #expect(try await reader.query("SELECT id FROM events_dedup").rows == [[.text("paused-1")]])
    }

    /// How many of this process's descriptors are open on `path`, its WAL or its shared memory.
    func openDescriptors(under path: String) -> Int {
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd")) ?? []
        return entries.filter {
            (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/fd/" + $0))?.hasPrefix(path) == true
        }.count
    }

    /// `kill -9` of `inlet pipe refresh` in the middle of a large file: the file's rows and its
    /// history were one transaction, so nothing of it is left, and the next refresh loads it
    /// exactly once.
    @Test func aLoadKilledMidFileLeavesNothingAndLoadsOnceAfterwards() async throws {
        let inlet = try PeerBinaries.builtProduct("inlet")
        let directory = temporaryDirectory("kill-load")
        defer { removeDirectory(directory) }
        let store = try LocalS3Store(dataDirectory: directory)
        try await store.createBucket("inlet-data")
        let count = 200_000
        var body = [UInt8]()
        body.reserveCapacity(count * 260)
        for n in 0..<count { body += Array((record(id: "\(n)", eventId: "event-\(n)") + "\n").utf8) }
        _ = try await store.putObject(
            bucket: "inlet-data", key: "2026/11/27/09/big", body: body, contentType: "application/octet-stream",
            contentMD5: nil, ifNoneMatch: false)
        let path = Warehouse.path(dataDirectory: directory)
        _ = try Warehouse(path: path)

        let child = try PeerProcess(executable: inlet, arguments: ["pipe", "refresh", "EVENTS_PIPE", "--data-dir", directory], environment: [:])
        defer { child.stop() }
        // Rows spill into the WAL long before the file's transaction commits.
        let deadline = Date().addingTimeInterval(60)
        while (try? FileManager.default.attributesOfItem(atPath: path + "-wal")[.size] as? Int) ?? 0 < 4 << 20 {
            try #require(child.process.isRunning, "the refresh ended before it was killed: \(child.log)")
            try #require(Date() < deadline, "the load never started: \(child.log)")
            try await Task.sleep(for: .milliseconds(2))
        }
        kill(child.process.processIdentifier, SIGKILL)
        await child.waitForExit()

        let warehouse = try Warehouse(path: path)
        let reader = try WarehouseReader(path: path)
        #expect(try await reader.query("SELECT count(*) FROM raw_events").rows == [[.integer(0)]])
        #expect(try await warehouse.loadedFiles(pipe: "EVENTS_PIPE").isEmpty)
        #expect(try await warehouse.copyHistory().isEmpty)

        let pipe = Snowpipe(
            definition: .events(bucket: "inlet-data"), warehouse: warehouse, stage: DataDirectoryStage(dataDirectory: directory))
        #expect(try await pipe.start() == ["2026/11/27/09/big"])
        await pipe.waitUntilIdle()
        await pipe.stop()
        #expect(try await reader.query("SELECT count(*) FROM raw_events").rows == [[.integer(Int64(count))]])
        #expect(try await reader.query("SELECT count(DISTINCT event_id), count(*) FROM events_dedup").rows
            == [[.integer(Int64(count)), .integer(Int64(count))]])
        #expect(try await warehouse.copyHistory().map(\.status) == [.loaded])
    }
}
