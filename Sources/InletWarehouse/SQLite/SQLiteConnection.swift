import CSQLite

/// One SQLite connection. Not thread-safe by itself: an actor owns each one and uses it from
/// its own executor only (hence `SQLITE_OPEN_NOMUTEX`).
final class SQLiteConnection {
    let handle: OpaquePointer
    let path: String

    /// How long a statement waits for another connection's lock before failing with `busy`.
    static let busyTimeoutMillis: Int32 = 10_000

    /// Opens `path`: read-write (created when missing), or read-only.
    init(path: String, readOnly: Bool) throws(WarehouseError) {
        var db: OpaquePointer?
        let flags = (readOnly ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE) | SQLITE_OPEN_NOMUTEX
        let status = sqlite3_open_v2(path, &db, flags, nil)
        guard status == SQLITE_OK, let db else {
            let reason = db.map { String(cString: sqlite3_errmsg($0)) } ?? "out of memory"
            if let db { sqlite3_close_v2(db) }
            throw WarehouseError(
                .openFailed,
                "cannot open the warehouse at '\(path)': \(reason). Check that its folder exists and is writable, "
                    + "or choose another --data-dir.", sqliteCode: status)
        }
        handle = db
        self.path = path
        sqlite3_extended_result_codes(db, 1)
        sqlite3_busy_timeout(db, Self.busyTimeoutMillis)
    }

    deinit {
        sqlite3_close_v2(handle)
    }

    /// Runs `sql` (one or more statements, no results).
    func execute(_ sql: String) throws(WarehouseError) {
        var message: UnsafeMutablePointer<CChar>?
        let status = sqlite3_exec(handle, sql, nil, nil, &message)
        if status != SQLITE_OK {
            let text = message.map { String(cString: $0) } ?? String(cString: sqlite3_errstr(status))
            sqlite3_free(message)
            throw error(status, text, sql: sql)
        }
    }

    /// Prepares the first statement of `sql[offset...]`: nil when only whitespace and comments
    /// remain. `tail` is the byte offset just after the statement.
    func prepare(_ sql: [UInt8], from offset: Int = 0, persistent: Bool = false) throws(WarehouseError)
        -> (statement: SQLiteStatement?, tail: Int)
    {
        var statement: OpaquePointer?
        var tailOffset = sql.count
        let status = sql.withUnsafeBufferPointer { buffer -> Int32 in
            buffer.withMemoryRebound(to: CChar.self) { chars in
                let start = chars.baseAddress! + offset
                var tail: UnsafePointer<CChar>?
                let flags = UInt32(persistent ? SQLITE_PREPARE_PERSISTENT : 0)
                let status = sqlite3_prepare_v3(handle, start, Int32(sql.count - offset), flags, &statement, &tail)
                if let tail { tailOffset = offset + (tail - UnsafePointer(start)) }
                return status
            }
        }
        guard status == SQLITE_OK else {
            let offsetInStatement = sqlite3_error_offset(handle)
            throw error(
                status, String(cString: sqlite3_errmsg(handle)),
                position: offsetInStatement >= 0 ? offset + Int(offsetInStatement) : nil)
        }
        return (statement.map { SQLiteStatement($0, connection: self) }, tailOffset)
    }

    /// Prepares exactly one statement kept for reuse.
    func prepare(_ sql: String) throws(WarehouseError) -> SQLiteStatement {
        let (statement, _) = try prepare(Array(sql.utf8), persistent: true)
        guard let statement else { throw WarehouseError(.sqlError, "empty statement: \(sql)") }
        return statement
    }

    /// Rows changed by the last INSERT, UPDATE or DELETE.
    var changes: Int { Int(sqlite3_changes(handle)) }

    /// Whether a transaction is open.
    var inTransaction: Bool { sqlite3_get_autocommit(handle) == 0 }

    /// The warehouse error for a failed call with result `status`.
    func error(_ status: Int32, _ text: String? = nil, sql: String? = nil, position: Int? = nil) -> WarehouseError {
        let message = text ?? String(cString: sqlite3_errmsg(handle))
        let primary = status & 0xff
        if primary == SQLITE_BUSY || primary == SQLITE_LOCKED {
            return WarehouseError(
                .busy,
                "\(message): another process held the warehouse '\(path)' locked for more than "
                    + "\(Self.busyTimeoutMillis / 1000) s; try again", sqliteCode: status, position: position)
        }
        if primary == SQLITE_READONLY {
            return WarehouseError(
                .readOnly,
                "\(message): queries are read-only; the warehouse is written only by its pipes",
                sqliteCode: status, position: position)
        }
        return WarehouseError(.sqlError, message, sqliteCode: status, position: position)
    }
}
