import Foundation
import InletCore
import InletEmulator
import InletHTTP
import InletLocal
import InletTestSupport
import InletWarehouse
import Testing

/// The pipeline end to end with the function as the real `bootstrap` (a child process on
/// the Runtime API, signing its Firehose and S3 calls over the port), and `inlet demo`, the
/// README's main job, as a user runs it.
@Suite(.timeLimit(.minutes(3 * SanitizerRun.slowdown)), .serialized) struct EndToEndTests {
    @Test func theRealBootstrapTurnsPostedEventsIntoRowsAndErrorRows() async throws {
        let directory = temporaryDirectory("e2e-bootstrap")
        defer { removeDirectory(directory) }
        var options = LocalCloudOptions(dataDirectory: directory, bufferIntervalSeconds: 900)
        options.functionProcesses = RuntimeAPIConfiguration(command: [try PeerBinaries.builtProduct("bootstrap")])
        let cloud = try await LocalCloud.start(options: options, flushPeriod: .milliseconds(100))
        let server = LocalServer(router: cloud.router, gracefulShutdownSignals: [])
        let (addresses, continuation) = AsyncStream.makeStream(of: LocalServerAddress.self)
        let serving = Task { try await server.run { continuation.yield($0) } }
        var iterator = addresses.makeAsyncIterator()
        let address = try #require(await iterator.next())

        var lines = (0..<300).map { #"{"Id":"b\#($0)","Name":"bootstrap","Age":"\#($0)","Sex":"F"}"# }
        lines[10] = #"{"Id":""}"#
        lines[20] = #"{"Name":"no id"}"#
        let request = HTTPRequest(
            method: .post, url: address.baseURL + "/events",
            headers: HTTPHeaders([("Content-Type", "application/x-ndjson"), ("User-Agent", "e2e-test")]),
            body: Array(lines.joined(separator: "\n").utf8))
        let response = try await CurlTransport().send(request, timeout: .seconds(60))
        #expect(response.status == 207, "\(String(decoding: response.body, as: UTF8.self))")

        // Stopping the server stops the process, then flushes Firehose; then the pipes finish.
        serving.cancel()
        _ = await serving.result
        await cloud.emulator.flushAll()
        await cloud.warehouse.waitUntilLoaded()

        let reader = try WarehouseReader(path: cloud.warehouse.path)
        let rows = try await reader.query(
            "SELECT count(*) AS n, count(DISTINCT event_id) AS ids, min(user_agent) AS agent, min(source_ip) AS ip FROM events_dedup")
        #expect(rows.column("n") == [.integer(298)])
        #expect(rows.column("ids") == [.integer(298)])
        #expect(rows.column("agent") == [.text("e2e-test")])
        #expect(rows.column("ip") == [.text("127.0.0.1")])
        let typed = try await reader.query("SELECT record:Age::number AS age FROM raw_events WHERE record:Id::string = 'b299'")
        #expect(typed.column("age") == [.integer(299)])
        let errors = try await reader.query("SELECT event_index, error FROM ingest_errors ORDER BY event_index")
        #expect(errors.column("event_index") == [.integer(10), .integer(20)])
        #expect(errors.column("error") == [.text("contract_violation"), .text("contract_violation")])
        let history = try await reader.query("SELECT pipe_name, status, row_count FROM copy_history ORDER BY pipe_name")
        #expect(history.column("pipe_name") == [.text("ERRORS_PIPE"), .text("EVENTS_PIPE")])
        #expect(history.column("status") == [.text("Loaded"), .text("Loaded")])
        #expect(history.column("row_count") == [.integer(2), .integer(298)])
        await cloud.warehouse.stop()
    }

    @Test func inletDemoRunsThePipelineAndExitsZero() async throws {
        let inlet = try PeerBinaries.builtProduct("inlet")
        let result = try await runProgram(
            [inlet, "demo", "--events", "120", "--sample", PeerBinaries.repository.path + "/tests/sample.json"])
        let text = result.stdout + result.stderr
        #expect(result.status == 0, "\(text)")
        // 120 generated events (one in ten invalid) and the sample: 109 accepted, 12 rejected.
        #expect(text.contains("109 events accepted, 12 rejected, 0 failed"), "\(text)")
        #expect(text.contains("| John "), "the sample's row is shown: \(text)")
        #expect(text.contains("reserved_field"), "\(text)")
        #expect(text.contains("End-to-end latency"), "\(text)")
        #expect(text.contains("every accepted event is one row and every rejected one an error row"), "\(text)")
    }
}
