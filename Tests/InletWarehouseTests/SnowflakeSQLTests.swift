import Testing

@testable import InletWarehouse

/// Snowflake's VARIANT syntax translated for SQLite, and SQL errors located in the text the
/// user wrote.
@Suite struct SnowflakeSQLTests {
    static func stringOf(_ path: String) -> String {
        "CASE json_type(record, '\(path)') WHEN 'true' THEN 'true' WHEN 'false' THEN 'false' "
            + "ELSE CAST(json_extract(record, '\(path)') AS TEXT) END"
    }

    static let table: [(String, String)] = [
        ("SELECT record:Name FROM raw_events", "SELECT json_extract(record, '$.Name') FROM raw_events"),
        ("SELECT record:Name::string AS name", "SELECT \(stringOf("$.Name")) AS name"),
        ("record:_ingest.event_id", "json_extract(record, '$._ingest.event_id')"),
        (#"record:"Quoted Key""#, #"json_extract(record, '$."Quoted Key"')"#),
        (#"record:"it's""#, #"json_extract(record, '$."it''s"')"#),
        ("record:items[0].sku", "json_extract(record, '$.items[0].sku')"),
        ("record:a['b c']", #"json_extract(record, '$.a."b c"')"#),
        ("record:Age::number", "CAST(json_extract(record, '$.Age') AS INTEGER)"),
        ("record:Age::int + 1", "CAST(json_extract(record, '$.Age') AS INTEGER) + 1"),
        ("record:score::float", "CAST(json_extract(record, '$.score') AS REAL)"),
        // Space before '::' moves after the cast.
        ("record:score :: double precision", "CAST(json_extract(record, '$.score') AS REAL) "),
        ("x :: string :: int", "CAST(CAST(x AS TEXT) AS INTEGER)  "),
        ("record:price::number(10, 2)", "ROUND(CAST(json_extract(record, '$.price') AS REAL), 2)"),
        ("record:ok::boolean", "(CASE lower(CAST(json_extract(record, '$.ok') AS TEXT)) WHEN 'true' THEN 1 WHEN 't' THEN 1 WHEN 'yes' THEN 1 WHEN 'y' THEN 1 WHEN 'on' THEN 1 WHEN '1' THEN 1 WHEN 'false' THEN 0 WHEN 'f' THEN 0 WHEN 'no' THEN 0 WHEN 'n' THEN 0 WHEN 'off' THEN 0 WHEN '0' THEN 0 END)"),
        ("record:t::timestamp_tz", "strftime('%Y-%m-%d %H:%M:%f', json_extract(record, '$.t'))"),
        ("record:d::date", "date(json_extract(record, '$.d'))"),
        ("record:reasons::variant", "json_extract(record, '$.reasons')"),
        ("'42'::int", "CAST('42' AS INTEGER)"),
        ("(1 + 2)::string", "CAST((1 + 2) AS TEXT)"),
        ("count(*)::string", "CAST(count(*) AS TEXT)"),
        ("SELECT (a)::int", "SELECT CAST((a) AS INTEGER)"),
        ("e.record:Name", "json_extract(e.record, '$.Name')"),
        ("CASE WHEN a THEN 1 ELSE 2 END::string", "CAST(CASE WHEN a THEN 1 ELSE 2 END AS TEXT)"),
        ("x::string::int", "CAST(CAST(x AS TEXT) AS INTEGER)"),
        // Left alone: strings, quoted identifiers, comments, SQLite parameters, SQLite's own syntax.
        ("SELECT 'record:Name::string'", "SELECT 'record:Name::string'"),
        (#"SELECT "record:Name" FROM t"#, #"SELECT "record:Name" FROM t"#),
        ("SELECT 1 -- record:Name::string\n", "SELECT 1 -- record:Name::string\n"),
        ("SELECT a /* x::int */ FROM t", "SELECT a /* x::int */ FROM t"),
        ("WHERE x = :param", "WHERE x = :param"),
        ("SELECT json_extract(record, '$.Id') FROM raw_events", "SELECT json_extract(record, '$.Id') FROM raw_events"),
        ("SELECT 'it''s' || \"a\"\"b\"", "SELECT 'it''s' || \"a\"\"b\""),
        ("SELECT 1.5e3, .5", "SELECT 1.5e3, .5"),
    ]

    @Test(arguments: table)
    func translates(_ pair: (String, String)) throws {
        #expect(try SnowflakeSQL.translate(pair.0).text == pair.1)
    }

    @Test func theViewsOfSnowflake08RunLocally() async throws {
        let f = try WarehouseFixture()
        defer { f.remove() }
        let events = PipeDefinition.events(bucket: "b")
        try await f.warehouse.define(events)
        _ = try await f.warehouse.load(
            StagedObject(key: "k", body: Array((record(id: "1", eventId: "e1") + "\n").utf8), lastModifiedMillis: 0, contentKey: "c"),
            into: events, receivedAtMillis: 0)
        let result = try await f.query(
            """
            SELECT
                record:Id::string AS id,
                record:Name::string AS name,
                record:_ingest.event_id::string AS event_id,
                record:_ingest.source_ip::string AS source_ip,
                file_name,
                file_row_number
            FROM RAW_EVENTS
            """)
        #expect(result.columns == ["id", "name", "event_id", "source_ip", "file_name", "file_row_number"])
        #expect(result.rows == [[.text("1"), .text("John"), .text("e1"), .text("203.0.113.7"), .text("k"), .integer(1)]])
    }

    @Test func castsBehaveLikeSnowflakesOnJSONValues() async throws {
        let f = try WarehouseFixture()
        defer { f.remove() }
        let events = PipeDefinition.events(bucket: "b")
        try await f.warehouse.define(events)
        let text = #"{"ok":true,"no":false,"n":"42","x":3.7,"s":"yes","o":{"a":1},"nul":null,"t":"2026-11-27T09:19:01.123Z"}"#
        _ = try await f.warehouse.load(
            StagedObject(key: "k", body: Array(text.utf8), lastModifiedMillis: 0, contentKey: "c"), into: events, receivedAtMillis: 0)
        let result = try await f.query(
            """
            SELECT record:ok::string, record:no::string, record:n::int, record:x::float, record:s::boolean,
                record:ok::boolean, record:o::string, record:nul::string, record:t::timestamp, record:missing
            FROM raw_events
            """)
        #expect(result.rows == [[
            .text("true"), .text("false"), .integer(42), .real(3.7), .integer(1), .integer(1), .text(#"{"a":1}"#), .null,
            .text("2026-11-27 09:19:01.123"), .null,
        ]])
    }

    @Test func translationErrorsPointAtTheOffendingText() throws {
        func position(_ sql: String) -> Int? {
            do {
                _ = try SnowflakeSQL.translate(sql)
                return nil
            } catch {
                return error.position
            }
        }
        #expect(position("SELECT record:Name::strng FROM raw_events") == 20)
        #expect(position("SELECT 'abc") == 7)
        #expect(position("SELECT ::int") == 7)
        #expect(position("SELECT record:a. FROM t") == 16)
        #expect(position("SELECT /* open") == 7)
    }

    @Test func sqliteErrorsAreMappedBackThroughTheTranslation() async throws {
        let f = try WarehouseFixture()
        defer { f.remove() }
        let sql = "SELECT record:Name::string, nme FROM raw_events"
        do {
            _ = try await f.query(sql)
            Issue.record("the query should fail")
        } catch {
            #expect(error.code == .sqlError)
            #expect(error.message.contains("no such column: nme"))
            #expect(error.position == 28)
            #expect(error.explained(in: sql) == """
                sql_error at line 1, column 29: no such column: nme
                  SELECT record:Name::string, nme FROM raw_events
                                              ^
                """)
        }
        let multiline = "SELECT record:Id::string\nFROM raw_events\nWHERE nosuch = 1"
        do {
            _ = try await f.query(multiline)
            Issue.record("the query should fail")
        } catch {
            #expect(error.location(in: multiline)?.line == 3)
            #expect(error.location(in: multiline)?.column == 7)
        }
    }

    @Test func unknownTablesAndSyntaxErrorsHaveAPosition() async throws {
        let f = try WarehouseFixture()
        defer { f.remove() }
        for sql in ["SELECT * FROM nosuch", "SELECT * FROM raw_events WHERE"] {
            do {
                _ = try await f.query(sql)
                Issue.record("'\(sql)' should fail")
            } catch {
                #expect(error.position != nil, "\(sql): \(error)")
            }
        }
    }
}
