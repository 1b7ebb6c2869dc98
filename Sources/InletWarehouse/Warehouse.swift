import InletCore
import InletThreads

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The embedded warehouse: one SQLite file in WAL mode with the raw tables, the views of
/// `snowflake/08_views.sql`, and the pipes' load history. This actor is its only writer;
/// queries go through ``WarehouseReader``'s read-only connections, which WAL lets run
/// while a file loads.
///
/// A file's rows, its load-history row and its `copy_history` row commit in one
/// transaction, so a crash loses either the whole load (and the file loads again) or
/// nothing. `synchronous = NORMAL`: a committed load survives a killed process; after a
/// power cut the last loads may roll back, and then load again, since their history rolls
/// back with them.
public actor Warehouse {
    /// The database file.
    public nonisolated let path: String
    /// The warehouse's own thread: a file's load is seconds of SQLite, which must not stop
    /// the HTTP server's event loop (where `inlet local` runs its other actors). It runs at
    /// nice 10: where it shares a core with the event loop, requests go first, and loads take
    /// the time they leave (as Snowpipe loads behind ingestion, never in its way).
    private let thread = ThreadExecutor(niceness: 10)
    public nonisolated var unownedExecutor: UnownedSerialExecutor { thread.asUnownedSerialExecutor() }
    let connection: SQLiteConnection
    let now: @Sendable () -> Int64
    private var inserts: [String: SQLiteStatement] = [:]
    private var statements: [String: SQLiteStatement] = [:]
    private var lastPurgeMillis: Int64 = 0
    /// Called between a file's rows in tests that simulate a crash mid-load.
    var faultAfterRows: (count: Int, error: WarehouseError)?

    /// How long load history, copy history and error details are kept, as Snowpipe keeps its load
    /// history: 14 days.
    public static let historyRetentionMillis: Int64 = 14 * 86_400_000
    /// The most a gzip file may inflate to.
    public static let maxDecompressedBytes = 1 << 30
    /// How many bad records of one file get a `validate_pipe_load` row.
    public static let recordedErrorsPerFile = 100

    /// `<dataDirectory>/warehouse/inlet.db`, where `inlet local` keeps its warehouse.
    public static func path(dataDirectory: String) -> String {
        var base = dataDirectory
        while base.count > 1 && base.hasSuffix("/") { base.removeLast() }
        return base + "/warehouse/inlet.db"
    }

    /// Opens (creating it, its folder and its tables when missing) the warehouse at `path`.
    ///
    /// - Parameter now: the clock, milliseconds since 1970 (the system clock when nil).
    public init(path: String, now: (@Sendable () -> Int64)? = nil) throws(WarehouseError) {
        try Self.createParentDirectories(of: path)
        let connection = try SQLiteConnection(path: path, readOnly: false)
        try connection.execute("PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL;")
        try Self.migrate(connection)
        self.connection = connection
        self.path = path
        self.now = now ?? { Warehouse.systemMillis() }
    }

    /// Creates or upgrades the tables and views, once per schema version.
    static func migrate(_ connection: SQLiteConnection) throws(WarehouseError) {
        let version = try connection.prepare("PRAGMA user_version").rows().first?.first?.integer ?? 0
        guard version != Int64(WarehouseSchema.version) else { return }
        try connection.execute("BEGIN IMMEDIATE")
        do {
            try connection.execute(WarehouseSchema.ddl + "PRAGMA user_version = \(WarehouseSchema.version);")
            try connection.execute("COMMIT")
        } catch {
            try? connection.execute("ROLLBACK")
            throw error
        }
    }

    // MARK: Pipes

    /// Declares `pipe`: creates its table when missing and records its definition, keeping the
    /// execution state it already had.
    public func define(_ pipe: PipeDefinition) throws(WarehouseError) {
        try pipe.validate()
        try connection.execute(WarehouseSchema.rawTable(pipe.table))
        try statement(
            """
            INSERT INTO pipes (pipe_name, stage_bucket, stage_prefix, table_name, strip_outer_array, on_error, created_on)
            VALUES (?, ?, ?, ?, ?, ?, ?)
            ON CONFLICT (pipe_name) DO UPDATE SET stage_bucket = excluded.stage_bucket,
                stage_prefix = excluded.stage_prefix, table_name = excluded.table_name,
                strip_outer_array = excluded.strip_outer_array, on_error = excluded.on_error
            """
        ).run([
            .text(pipe.name), .text(pipe.bucket), .text(pipe.prefix), .text(pipe.table),
            .integer(pipe.fileFormat.stripOuterArray ? 1 : 0), .text(pipe.onError.text), .text(iso(now())),
        ])
    }

    /// The pipes defined so far, by name.
    public func pipes() throws(WarehouseError) -> [PipeDefinition] {
        try statement(
            "SELECT pipe_name, stage_bucket, stage_prefix, table_name, strip_outer_array, on_error FROM pipes ORDER BY pipe_name"
        ).rows().map { row in
            PipeDefinition(
                name: row[0].text ?? "", bucket: row[1].text ?? "", prefix: row[2].text ?? "", table: row[3].text ?? "",
                fileFormat: JSONFileFormat(stripOuterArray: row[4].integer == 1),
                onError: OnError(row[5].text ?? "") ?? .skipFile)
        }
    }

    /// `RUNNING` or `PAUSED`, as last set (`RUNNING` for an unknown pipe).
    public func executionState(pipe: String) throws(WarehouseError) -> String {
        try statement("SELECT execution_state FROM pipes WHERE pipe_name = ?").rows([.text(pipe)]).first?.first?.text
            ?? "RUNNING"
    }

    /// Records `ALTER PIPE … SET PIPE_EXECUTION_PAUSED = TRUE|FALSE`.
    public func setPaused(pipe: String, _ paused: Bool) throws(WarehouseError) {
        try statement("UPDATE pipes SET execution_state = ? WHERE pipe_name = ?")
            .run([.text(paused ? "PAUSED" : "RUNNING"), .text(pipe)])
    }

    // MARK: History

    /// The files `pipe` has loaded (or skipped) within the retention period.
    public func loadedFiles(pipe: String) throws(WarehouseError) -> Set<String> {
        Set(try statement("SELECT file_name FROM load_history WHERE pipe_name = ?").rows([.text(pipe)]).compactMap { $0[0].text })
    }

    /// The copy history, newest first; of one pipe when `pipe` is given.
    public func copyHistory(pipe: String? = nil) throws(WarehouseError) -> [CopyHistoryEntry] {
        let rows = try statement(
            """
            SELECT file_name, stage_location, last_load_time, row_count, row_parsed, file_size, first_error_message,
                first_error_line_number, first_error_character_pos, first_error_column_name, error_count, error_limit,
                status, table_name, pipe_name, pipe_received_time, first_commit_time
            FROM copy_history WHERE ?1 IS NULL OR pipe_name = ?1 ORDER BY last_load_time DESC, rowid DESC
            """
        ).rows([.text(pipe)])
        return rows.map { r in
            CopyHistoryEntry(
                fileName: r[0].text ?? "", stageLocation: r[1].text ?? "", lastLoadTime: r[2].text ?? "",
                rowCount: Int(r[3].integer ?? 0), rowParsed: Int(r[4].integer ?? 0), fileSize: Int(r[5].integer ?? 0),
                firstErrorMessage: r[6].text, firstErrorLineNumber: r[7].integer.map(Int.init),
                firstErrorCharacterPosition: r[8].integer.map(Int.init), firstErrorColumnName: r[9].text,
                errorCount: Int(r[10].integer ?? 0), errorLimit: Int(r[11].integer ?? 0),
                status: CopyHistoryEntry.Status(rawValue: r[12].text ?? "") ?? .loadFailed, tableName: r[13].text ?? "",
                pipeName: r[14].text ?? "", pipeReceivedTime: r[15].text ?? "", firstCommitTime: r[16].text)
        }
    }

    /// The last file `pipe` loaded rows from, and when.
    public func lastIngested(pipe: String) throws(WarehouseError) -> (time: String, file: String)? {
        let row = try statement(
            """
            SELECT last_load_time, file_name FROM copy_history
            WHERE pipe_name = ? AND status IN ('Loaded', 'Partially loaded')
            ORDER BY last_load_time DESC, rowid DESC LIMIT 1
            """
        ).rows([.text(pipe)]).first
        guard let row, let time = row[0].text, let file = row[1].text else { return nil }
        return (time, file)
    }

    /// Forgets load history, copy history and error details older than 14 days; returns how many
    /// files' load history went. Snowpipe's REFRESH only looks 7 days back, so a forgotten file
    /// is not loaded again by a refresh.
    @discardableResult
    public func purgeHistory() throws(WarehouseError) -> Int {
        let current = now()
        lastPurgeMillis = current
        let cutoff = iso(current - Self.historyRetentionMillis)
        try statement("DELETE FROM load_history WHERE last_load_time < ?").run([.text(cutoff)])
        let purged = connection.changes
        try statement("DELETE FROM copy_history WHERE last_load_time < ?").run([.text(cutoff)])
        try statement("DELETE FROM validate_pipe_load WHERE load_time < ?").run([.text(cutoff)])
        return purged
    }

    /// Makes loads fail after `count` rows of a file, inside its transaction, as a crash
    /// there would (tests); nil stops it.
    func injectFault(afterRows count: Int?) {
        faultAfterRows = count.map { ($0, WarehouseError(.sqlError, "a fault injected after \($0) rows")) }
    }

    // MARK: Statements

    /// A prepared statement kept for the warehouse's life.
    func statement(_ sql: String) throws(WarehouseError) -> SQLiteStatement {
        if let cached = statements[sql] { return cached }
        let prepared = try connection.prepare(sql)
        statements[sql] = prepared
        return prepared
    }

    /// The prepared INSERT into `table`'s raw columns.
    func insertStatement(table: String) throws(WarehouseError) -> SQLiteStatement {
        if let cached = inserts[table] { return cached }
        let columns = WarehouseSchema.rawColumns.joined(separator: ", ")
        let prepared = try connection.prepare("INSERT INTO \(table) (\(columns)) VALUES (?, ?, ?, ?, ?, ?)")
        inserts[table] = prepared
        return prepared
    }

    /// Purges old history at most once an hour, from the load path.
    func purgeIfDue() throws(WarehouseError) {
        if now() - lastPurgeMillis > 3_600_000 { try purgeHistory() }
    }

    // MARK: Time and files

    /// ISO 8601 UTC with milliseconds.
    nonisolated func iso(_ millis: Int64) -> String { UTCDateTime(epochMillis: millis).iso8601 }

    /// The system clock in milliseconds since 1970.
    public static func systemMillis() -> Int64 {
        var spec = timespec()
        clock_gettime(CLOCK_REALTIME, &spec)
        return Int64(spec.tv_sec) * 1000 + Int64(spec.tv_nsec) / 1_000_000
    }

    static func createParentDirectories(of path: String) throws(WarehouseError) {
        guard let slash = path.lastIndex(of: "/"), slash != path.startIndex else { return }
        var prefix = path.hasPrefix("/") ? "/" : ""
        for part in path[..<slash].split(separator: "/") {
            prefix += part
            if mkdir(prefix, 0o755) != 0 && errno != EEXIST {
                let reason = strerror(errno).map { String(cString: $0) } ?? "errno \(errno)"
                throw WarehouseError(
                    .openFailed, "cannot create the folder '\(prefix)' for the warehouse: \(reason); choose another --data-dir")
            }
            prefix += "/"
        }
    }
}
