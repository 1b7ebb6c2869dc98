import Foundation
import InletCompression
import Testing

@testable import InletWarehouse

/// Loading staged files into the warehouse: rows, metadata columns, copy history, load
/// history and ON_ERROR, through `Warehouse.load` and read back with SQL.
@Suite struct WarehouseLoadTests {
    let events = PipeDefinition.events(bucket: "inlet-data")

    func object(_ key: String, _ text: String, modified: Int64 = 1_764_235_141_000) -> StagedObject {
        StagedObject(key: key, body: Array(text.utf8), lastModifiedMillis: modified, contentKey: "0123abcd")
    }

    @Test func loadsEachNDJSONLineWithItsFileMetadata() async throws {
        let f = try WarehouseFixture()
        defer { f.remove() }
        try await f.warehouse.define(events)
        let text = record(id: "1", eventId: "e1") + "\n" + record(id: "2", eventId: "e2") + "\n"
        let entry = try #require(
            try await f.warehouse.load(object("2026/11/27/09/inlet-events-1-a", text), into: events, receivedAtMillis: 1_764_235_199_000))

        #expect(entry.status == .loaded)
        let result = try await f.query(
            "SELECT record, file_name, file_row_number, file_content_key, file_last_modified, start_scan_time FROM raw_events ORDER BY file_row_number")
        #expect(result.rows.count == 2)
        #expect(result.rows[0][0] == .text(record(id: "1", eventId: "e1")))
        #expect(result.rows[1][1] == .text("2026/11/27/09/inlet-events-1-a"))
        #expect(result.column("file_row_number") == [.integer(1), .integer(2)])
        #expect(result.column("file_content_key") == [.text("0123abcd"), .text("0123abcd")])
        #expect(result.column("file_last_modified") == [.text("2025-11-27T09:19:01.000Z"), .text("2025-11-27T09:19:01.000Z")])
        #expect(result.column("start_scan_time") == [.text("2025-11-27T09:20:00.000Z"), .text("2025-11-27T09:20:00.000Z")])
    }

    @Test func typedViewExtractsTheContractAndIngestFields() async throws {
        let f = try WarehouseFixture()
        defer { f.remove() }
        try await f.warehouse.define(events)
        _ = try await f.warehouse.load(object("k1", record(id: "7", eventId: "e7", name: "Ada")), into: events, receivedAtMillis: 0)
        let result = try await f.query("SELECT id, name, age, sex, event_id, received_at, request_id, source_ip, user_agent, contract FROM events_typed")
        #expect(result.rows == [[
            .text("7"), .text("Ada"), .text("10"), .text("Male"), .text("e7"), .text("2026-11-27T09:19:01.123Z"),
            .text("req-1"), .text("203.0.113.7"), .text("test"), .text("inlet:default-contract:v1"),
        ]])
    }

    @Test func recordsAreStoredAsCompactJSON() async throws {
        let f = try WarehouseFixture()
        defer { f.remove() }
        try await f.warehouse.define(events)
        _ = try await f.warehouse.load(object("k", "{ \"a\" : [ 1, 2 ],\n  \"b\": \"x y\" }\n"), into: events, receivedAtMillis: 0)
        #expect(try await f.texts("SELECT record FROM raw_events") == [#"{"a":[1,2],"b":"x y"}"#])
    }

    @Test func loadsConcatenatedObjectsWithoutDelimiters() async throws {
        let f = try WarehouseFixture()
        defer { f.remove() }
        try await f.warehouse.define(events)
        let entry = try await f.warehouse.load(object("k", #"{"Id":"1"}{"Id":"2"}  {"Id":"3"}"#), into: events, receivedAtMillis: 0)
        #expect(entry?.rowCount == 3)
        #expect(try await f.texts("SELECT record:Id::string FROM raw_events ORDER BY file_row_number") == ["1", "2", "3"])
    }

    @Test func loadsGzipFilesDetectedByTheirMagicBytes() async throws {
        let f = try WarehouseFixture()
        defer { f.remove() }
        try await f.warehouse.define(events)
        let text = record(id: "1", eventId: "e1") + "\n" + record(id: "2", eventId: "e2") + "\n"
        let gzip = Gzip.compress(Array(text.utf8))
        let entry = try await f.warehouse.load(
            StagedObject(key: "k.gz", body: gzip, lastModifiedMillis: 0, contentKey: "c"), into: events, receivedAtMillis: 0)
        #expect(entry?.status == .loaded)
        #expect(entry?.rowCount == 2)
        #expect(entry?.fileSize == gzip.count)
        #expect(try await f.texts("SELECT event_id FROM events_typed ORDER BY event_id") == ["e1", "e2"])
    }

    @Test func aCorruptGzipFileFailsToLoad() async throws {
        let f = try WarehouseFixture()
        defer { f.remove() }
        try await f.warehouse.define(events)
        var gzip = Gzip.compress(Array(String(repeating: record(id: "1", eventId: "e1") + "\n", count: 20).utf8))
        gzip.removeLast(gzip.count / 2)
        let entry = try #require(try await f.warehouse.load(
            StagedObject(key: "k.gz", body: gzip, lastModifiedMillis: 0, contentKey: "c"), into: events, receivedAtMillis: 0))
        #expect(entry.status == .loadFailed)
        #expect(entry.firstErrorMessage?.hasPrefix("Error decompressing the file (gzip)") == true)
        #expect(try await f.count("raw_events") == 0)
    }

    @Test func stripOuterArrayLoadsEachElementAsARow() async throws {
        let f = try WarehouseFixture()
        defer { f.remove() }
        var pipe = events
        pipe.fileFormat = JSONFileFormat(stripOuterArray: true)
        try await f.warehouse.define(pipe)
        let entry = try await f.warehouse.load(object("k", #"[{"Id":"1"}, {"Id":"2"},{"Id":"3"}]"#), into: pipe, receivedAtMillis: 0)
        #expect(entry?.rowCount == 3)
        #expect(try await f.texts("SELECT record FROM raw_events ORDER BY file_row_number") == [#"{"Id":"1"}"#, #"{"Id":"2"}"#, #"{"Id":"3"}"#])
        #expect(try await f.query("SELECT file_row_number FROM raw_events").column("file_row_number") == [.integer(1), .integer(2), .integer(3)])
    }

    @Test func withoutStripOuterArrayAnArrayIsOneRow() async throws {
        let f = try WarehouseFixture()
        defer { f.remove() }
        try await f.warehouse.define(events)
        let entry = try await f.warehouse.load(object("k", #"[{"Id":"1"},{"Id":"2"}]"#), into: events, receivedAtMillis: 0)
        #expect(entry?.rowCount == 1)
        #expect(try await f.texts("SELECT record FROM raw_events") == [#"[{"Id":"1"},{"Id":"2"}]"#])
    }

    @Test func copyHistoryHasSnowflakesColumnsAndValues() async throws {
        let f = try WarehouseFixture()
        defer { f.remove() }
        try await f.warehouse.define(events)
        let text = record(id: "1", eventId: "e1") + "\n"
        _ = try await f.warehouse.load(object("2026/a", text), into: events, receivedAtMillis: 1_764_235_199_500)
        let result = try await f.query("SELECT * FROM copy_history")
        #expect(result.columns == [
            "file_name", "stage_location", "last_load_time", "row_count", "row_parsed", "file_size", "first_error_message",
            "first_error_line_number", "first_error_character_pos", "first_error_column_name", "error_count", "error_limit",
            "status", "table_name", "pipe_name", "pipe_received_time", "first_commit_time",
        ])
        #expect(result.rows == [[
            .text("2026/a"), .text("s3://inlet-data/"), .text("2025-11-27T09:20:00.000Z"), .integer(1), .integer(1),
            .integer(Int64(text.utf8.count)), .null, .null, .null, .null, .integer(0), .integer(1), .text("Loaded"),
            .text("RAW_EVENTS"), .text("EVENTS_PIPE"), .text("2025-11-27T09:19:59.500Z"), .text("2025-11-27T09:20:00.000Z"),
        ]])
    }

    @Test func aLoadedPathIsNeverLoadedAgainEvenWithNewContent() async throws {
        let f = try WarehouseFixture()
        defer { f.remove() }
        try await f.warehouse.define(events)
        #expect(try await f.warehouse.load(object("k", #"{"Id":"1"}"#), into: events, receivedAtMillis: 0) != nil)
        #expect(try await f.warehouse.load(object("k", #"{"Id":"2"}{"Id":"3"}"#), into: events, receivedAtMillis: 0) == nil)
        #expect(try await f.texts("SELECT record FROM raw_events") == [#"{"Id":"1"}"#])
        #expect(try await f.count("copy_history") == 1)
        // Another pipe keeps its own history.
        let other = PipeDefinition(name: "OTHER_PIPE", bucket: "inlet-data", table: "RAW_EVENTS")
        try await f.warehouse.define(other)
        #expect(try await f.warehouse.load(object("k", #"{"Id":"9"}"#), into: other, receivedAtMillis: 0) != nil)
    }

    @Test func skipFileLoadsNothingFromAFileWithABadRecord() async throws {
        let f = try WarehouseFixture()
        defer { f.remove() }
        try await f.warehouse.define(events)
        let text = "{\"Id\":\"1\"}\n{\"Id\":\"2\",}\n{\"Id\":\"3\"}\n{\"Id\":\n{\"Id\":\"5\"}\n"
        let entry = try #require(try await f.warehouse.load(object("bad", text), into: events, receivedAtMillis: 0))
        #expect(entry.status == .loadFailed)
        #expect(entry.rowCount == 0)
        #expect(entry.rowParsed == 5)
        #expect(entry.errorCount == 2)
        #expect(entry.errorLimit == 1)
        #expect(entry.firstErrorLineNumber == 2)
        #expect(entry.firstErrorCharacterPosition == 11)
        #expect(entry.firstErrorMessage?.hasPrefix("Error parsing JSON: ") == true)
        #expect(entry.firstErrorColumnName == #""RAW_EVENTS"["RECORD":1]"#)
        #expect(entry.firstCommitTime == nil)
        #expect(try await f.count("raw_events") == 0)
        // The skipped file is in the load history: not retried.
        #expect(try await f.warehouse.loadedFiles(pipe: "EVENTS_PIPE") == ["bad"])
        let errors = try await f.query("SELECT file, line, character, row_number, row_start_line, code, rejected_record FROM validate_pipe_load ORDER BY line")
        #expect(errors.rows == [
            [.text("bad"), .integer(2), .integer(11), .integer(2), .integer(2), .text("unexpected_character"), .text(#"{"Id":"2",}"#)],
            // The unfinished record swallows the next line and ends with the file.
            [.text("bad"), .integer(6), .integer(1), .integer(4), .integer(4), .text("unexpected_end"), .text(#"{"Id":"#)],
        ])
    }

    @Test func continueLoadsTheGoodRecordsAndCountsTheBadOnes() async throws {
        let f = try WarehouseFixture()
        defer { f.remove() }
        var pipe = events
        pipe.onError = .continue
        try await f.warehouse.define(pipe)
        let text = "{\"Id\":\"1\"}\n{\"Id\":\"2\",}\n{\"Id\":\"3\"}\nnot json\n{\"Id\":\"5\"}\n"
        let entry = try #require(try await f.warehouse.load(object("mixed", text), into: pipe, receivedAtMillis: 0))
        #expect(entry.status == .partiallyLoaded)
        #expect(entry.rowCount == 3)
        #expect(entry.rowParsed == 5)
        #expect(entry.errorCount == 2)
        #expect(entry.errorLimit == 5)
        #expect(entry.firstErrorLineNumber == 2)
        #expect(try await f.texts("SELECT record:Id::string FROM raw_events ORDER BY file_row_number") == ["1", "3", "5"])
        #expect(try await f.query("SELECT file_row_number FROM raw_events ORDER BY 1").column("file_row_number") == [.integer(1), .integer(3), .integer(5)])
        #expect(try await f.texts("SELECT rejected_record FROM validate_pipe_load ORDER BY line") == [#"{"Id":"2",}"#, "not json"])
    }

    @Test func continueWithOnlyBadRecordsIsALoadFailure() async throws {
        let f = try WarehouseFixture()
        defer { f.remove() }
        var pipe = events
        pipe.onError = .continue
        try await f.warehouse.define(pipe)
        let entry = try await f.warehouse.load(object("bad", "nope\n"), into: pipe, receivedAtMillis: 0)
        #expect(entry?.status == .loadFailed)
    }

    @Test func skipFileAfterNErrorsToleratesFewer() async throws {
        let f = try WarehouseFixture()
        defer { f.remove() }
        var pipe = events
        pipe.onError = try #require(OnError("skip_file_3"))
        try await f.warehouse.define(pipe)
        let two = try await f.warehouse.load(object("two", "{}\nx\ny\n{}\n"), into: pipe, receivedAtMillis: 0)
        #expect(two?.status == .partiallyLoaded)
        #expect(two?.rowCount == 2)
        let three = try await f.warehouse.load(object("three", "{}\nx\ny\nz\n{}\n"), into: pipe, receivedAtMillis: 0)
        #expect(three?.status == .loadFailed)
        #expect(three?.errorLimit == 3)
        #expect(try await f.count("raw_events") == 2)
    }

    @Test func dedupViewKeepsTheNewestLoadOfEachEvent() async throws {
        let f = try WarehouseFixture()
        defer { f.remove() }
        try await f.warehouse.define(events)
        let older = record(id: "1", eventId: "e1", name: "Old") + "\n" + record(id: "2", eventId: "e2", name: "Only") + "\n"
        let newer = record(id: "1", eventId: "e1", name: "New") + "\n"
        _ = try await f.warehouse.load(object("b-newer", newer, modified: 2_000), into: events, receivedAtMillis: 0)
        _ = try await f.warehouse.load(object("a-older", older, modified: 1_000), into: events, receivedAtMillis: 0)
        #expect(try await f.count("events_typed") == 3)
        let result = try await f.query("SELECT event_id, name, file_name FROM events_dedup ORDER BY event_id")
        #expect(result.rows == [
            [.text("e1"), .text("New"), .text("b-newer")],
            [.text("e2"), .text("Only"), .text("a-older")],
        ])
        // Within one file, the later line wins.
        _ = try await f.warehouse.load(
            object("c", record(id: "3", eventId: "e3", name: "First") + "\n" + record(id: "3", eventId: "e3", name: "Second"), modified: 3_000),
            into: events, receivedAtMillis: 0)
        #expect(try await f.texts("SELECT name FROM events_dedup WHERE event_id = 'e3'") == ["Second"])
    }

    @Test func errorEnvelopesReadThroughIngestErrors() async throws {
        let f = try WarehouseFixture()
        defer { f.remove() }
        let errors = PipeDefinition.errors(bucket: "inlet-errors")
        try await f.warehouse.define(errors)
        let envelope = #"{"error":"contract_violation","event_index":1,"reasons":[{"pointer":"/Id","keyword":"minLength","message":"too short"}],"received_at":"2026-11-27T09:19:01.123Z","request_id":"r1","source_ip":null,"user_agent":"curl","contract":"inlet:default-contract:v1","raw_event":"{\"Id\":\"\"}"}"#
        _ = try await f.warehouse.load(object("errors/2026/11/27/09/r1.json", envelope + "\n"), into: errors, receivedAtMillis: 0)
        let result = try await f.query("SELECT error, event_index, reasons, received_at, request_id, source_ip, user_agent, raw_event, file_name FROM ingest_errors")
        #expect(result.rows == [[
            .text("contract_violation"), .integer(1), .text(#"[{"pointer":"/Id","keyword":"minLength","message":"too short"}]"#),
            .text("2026-11-27T09:19:01.123Z"), .text("r1"), .null, .text("curl"), .text(#"{"Id":""}"#),
            .text("errors/2026/11/27/09/r1.json"),
        ]])
    }

    @Test func aFailureMidFileLeavesNoRowsAndTheFileLoadsOnceAfterReopening() async throws {
        let f = try WarehouseFixture()
        defer { f.remove() }
        try await f.warehouse.define(events)
        let text = (1...50).map { record(id: "\($0)", eventId: "e\($0)") }.joined(separator: "\n")
        await f.warehouse.injectFault(afterRows: 20)
        await #expect(throws: WarehouseError.self) {
            try await f.warehouse.load(object("k", text), into: events, receivedAtMillis: 0)
        }
        #expect(try await f.count("raw_events") == 0)
        #expect(try await f.count("copy_history") == 0)

        let reopened = try Warehouse(path: f.warehouse.path, now: f.clock.function)
        #expect(try await reopened.loadedFiles(pipe: "EVENTS_PIPE").isEmpty)
        #expect(try await reopened.load(object("k", text), into: events, receivedAtMillis: 0)?.rowCount == 50)
        #expect(try await reopened.load(object("k", text), into: events, receivedAtMillis: 0) == nil)
        #expect(try await f.count("raw_events") == 50)
        #expect(try await f.count("events_dedup") == 50)
    }

    @Test func historyOlderThan14DaysIsForgotten() async throws {
        let f = try WarehouseFixture()
        defer { f.remove() }
        try await f.warehouse.define(events)
        _ = try await f.warehouse.load(object("old", "{}"), into: events, receivedAtMillis: 0)
        f.clock.advance(13 * 86_400_000)
        _ = try await f.warehouse.load(object("newer", "{}"), into: events, receivedAtMillis: 0)
        f.clock.advance(2 * 86_400_000)
        #expect(try await f.warehouse.purgeHistory() == 1)
        #expect(try await f.warehouse.loadedFiles(pipe: "EVENTS_PIPE") == ["newer"])
        #expect(try await f.texts("SELECT file_name FROM copy_history") == ["newer"])
    }

    @Test func theRawTablesHaveTheColumnsOfRawColumnsTxt() async throws {
        let f = try WarehouseFixture()
        defer { f.remove() }
        let listing = try String(contentsOfFile: repositoryRoot() + "/snowflake/raw_columns.txt", encoding: .utf8)
        let expected = listing.split(separator: "\n").filter { !$0.hasPrefix("#") && !$0.isEmpty }
            .map { String($0.split(separator: " ")[0]) }
        for table in ["raw_events", "raw_errors"] {
            #expect(try await f.texts("SELECT name FROM pragma_table_info('\(table)') ORDER BY cid") == expected)
        }
    }

    @Test func queriesCannotWrite() async throws {
        let f = try WarehouseFixture()
        defer { f.remove() }
        await #expect(throws: WarehouseError.self) { try await f.query("DELETE FROM raw_events") }
        do {
            _ = try await f.query("INSERT INTO raw_events (record) VALUES ('{}')")
        } catch {
            #expect(error.code == .readOnly)
        }
    }

    @Test func theDatabaseIsInWALMode() async throws {
        let f = try WarehouseFixture()
        defer { f.remove() }
        #expect(try await f.texts("PRAGMA journal_mode") == ["wal"])
    }
}

/// The repository's root, from this file's path.
func repositoryRoot() -> String {
    URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path
}
