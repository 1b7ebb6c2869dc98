import CSQLite

/// A prepared statement: bind, step, read columns, reset. Owned by the same actor as its
/// connection; finalized when released.
final class SQLiteStatement {
    let handle: OpaquePointer
    private let connection: SQLiteConnection

    init(_ handle: OpaquePointer, connection: SQLiteConnection) {
        self.handle = handle
        self.connection = connection
    }

    deinit {
        sqlite3_finalize(handle)
    }

    // MARK: Binding (1-based indexes, as in SQLite)

    func bind(_ index: Int32, _ value: String?) {
        guard var text = value else {
            sqlite3_bind_null(handle, index)
            return
        }
        text.withUTF8 { utf8 in
            utf8.withMemoryRebound(to: CChar.self) { chars in
                if let base = chars.baseAddress {
                    _ = inlet_sqlite3_bind_text_transient(handle, index, base, Int32(chars.count))
                } else {
                    bindEmptyText(index)
                }
            }
        }
    }

    /// Binds '' (a NULL pointer would bind SQL NULL).
    private func bindEmptyText(_ index: Int32) {
        var zero: CChar = 0
        _ = inlet_sqlite3_bind_text_transient(handle, index, &zero, 0)
    }

    func bind(_ index: Int32, _ value: Int64?) {
        guard let value else {
            sqlite3_bind_null(handle, index)
            return
        }
        sqlite3_bind_int64(handle, index, value)
    }

    func bind(_ index: Int32, _ value: Int?) {
        bind(index, value.map(Int64.init))
    }

    /// Binds text that the caller keeps alive and unchanged until the next ``step()`` or ``reset()``.
    func bindUnretained(_ index: Int32, _ text: UnsafeBufferPointer<UInt8>) {
        text.withMemoryRebound(to: CChar.self) { chars in
            if let base = chars.baseAddress {
                _ = inlet_sqlite3_bind_text_static(handle, index, base, Int32(chars.count))
            } else {
                bindEmptyText(index)
            }
        }
    }

    /// Binds every parameter in order.
    func bind(_ values: [SQLBinding]) {
        for (k, value) in values.enumerated() {
            switch value {
            case .text(let text): bind(Int32(k + 1), text)
            case .integer(let number): bind(Int32(k + 1), number)
            }
        }
    }

    // MARK: Running

    /// Advances: true when a row is available, false when done.
    @discardableResult
    func step() throws(WarehouseError) -> Bool {
        let status = sqlite3_step(handle)
        switch status {
        case SQLITE_ROW: return true
        case SQLITE_DONE: return false
        default: throw connection.error(status)
        }
    }

    /// Runs to completion, ignoring rows, and resets for the next use.
    func run(_ values: [SQLBinding] = []) throws(WarehouseError) {
        bind(values)
        defer { reset() }
        while try step() {}
    }

    /// Every row of one run, as values, then resets.
    func rows(_ values: [SQLBinding] = []) throws(WarehouseError) -> [[SQLValue]] {
        bind(values)
        defer { reset() }
        var out: [[SQLValue]] = []
        while try step() { out.append((0..<columnCount).map { value($0) }) }
        return out
    }

    /// Ready to run again; bindings stay.
    func reset() {
        sqlite3_reset(handle)
    }

    // MARK: Columns

    var columnCount: Int32 { sqlite3_column_count(handle) }

    func columnName(_ index: Int32) -> String {
        sqlite3_column_name(handle, index).map { String(cString: $0) } ?? "?"
    }

    func value(_ index: Int32) -> SQLValue {
        switch sqlite3_column_type(handle, index) {
        case SQLITE_INTEGER:
            return .integer(sqlite3_column_int64(handle, index))
        case SQLITE_FLOAT:
            return .real(sqlite3_column_double(handle, index))
        case SQLITE_TEXT:
            let count = Int(sqlite3_column_bytes(handle, index))
            guard let text = sqlite3_column_text(handle, index) else { return .text("") }
            return .text(String(decoding: UnsafeBufferPointer(start: text, count: count), as: UTF8.self))
        case SQLITE_BLOB:
            let count = Int(sqlite3_column_bytes(handle, index))
            guard let bytes = sqlite3_column_blob(handle, index) else { return .blob([]) }
            return .blob(Array(UnsafeRawBufferPointer(start: bytes, count: count)))
        default:
            return .null
        }
    }

    /// Whether this statement only reads.
    var isReadOnly: Bool { sqlite3_stmt_readonly(handle) != 0 }
}

/// A parameter value for the warehouse's own statements.
enum SQLBinding {
    case text(String?)
    case integer(Int64?)
}
