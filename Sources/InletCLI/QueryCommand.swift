import ArgumentParser
import Foundation
import InletWarehouse

/// `inlet query`: SQL against the local warehouse, with Snowflake's VARIANT paths.
struct QueryCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "query",
        abstract: "Run SQL against the local warehouse that inlet local loads (Snowflake's record:path::type works).",
        discussion: """
            The warehouse is <data-dir>/warehouse/inlet.db (SQLite, read-only here). Tables and views:
              RAW_EVENTS, RAW_ERRORS     record (JSON text) and the file metadata columns
              EVENTS_TYPED, EVENTS_DEDUP the contract and _ingest fields; one row per event_id
              INGEST_ERRORS              the error envelopes, typed
              copy_history               one row per loaded file (COPY_HISTORY's columns)
              validate_pipe_load         each bad record of a file (the first 100)

            Examples:
              inlet query "SELECT id, name, event_id FROM events_dedup ORDER BY received_at DESC LIMIT 10"
              inlet query "SELECT record:_ingest.source_ip::string AS ip, count(*) FROM raw_events GROUP BY 1"
              inlet query "SELECT file_name, status, row_count, first_error_message FROM copy_history" --format json
            """)

    enum Format: String, ExpressibleByArgument, CaseIterable {
        case table, json, csv
    }

    @Argument(help: "The SQL, or - to read it from standard input.")
    var sql: String

    @Option(name: .customLong("data-dir"), help: "The data directory of inlet local.")
    var dataDir: String = "./.inlet"

    @Option(help: "table, json or csv.")
    var format: Format = .table

    @Option(name: .customLong("max-width"), help: "Cut table cells wider than this many characters (0: never).")
    var maxWidth: Int = 60

    @Flag(name: .customLong("no-translate"), help: "Pass the SQL to SQLite as written, without the VARIANT translation.")
    var noTranslate = false

    func run() async throws {
        let text = sql == "-" ? String(decoding: try CLIInput.read("-"), as: UTF8.self) : sql
        try requireDataDirectory(dataDir)
        let result: QueryResult
        do {
            let reader = try WarehouseReader(path: Warehouse.path(dataDirectory: dataDir))
            result = try await reader.query(text, translate: !noTranslate)
        } catch {
            throw CLIError(error.explained(in: text))
        }
        switch format {
        case .table: writeStdout(Array(result.renderTable(maxWidth: maxWidth).utf8))
        case .json: writeStdout(Array(result.renderJSON().utf8))
        case .csv: writeStdout(Array(result.renderCSV().utf8))
        }
    }
}

/// Throws unless `path` is a folder: a mistyped --data-dir should not create an empty warehouse.
func requireDataDirectory(_ path: String) throws {
    var isDirectory: ObjCBool = false
    guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue else {
        throw CLIError("there is no data directory at '\(path)'; start inlet local --data-dir \(path) first, or pass --data-dir")
    }
}
