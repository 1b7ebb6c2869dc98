/// A warehouse failure: a stable code, what happened and what to do, and for SQL the
/// position in the text the user wrote.
public struct WarehouseError: Error, Sendable, Equatable, CustomStringConvertible {
    /// A stable reason.
    public enum Code: String, Sendable {
        /// The database file could not be opened or created.
        case openFailed = "open_failed"
        /// SQLite refused a statement (syntax, missing table, constraint...).
        case sqlError = "sql_error"
        /// Snowflake syntax that the translation to SQLite does not accept.
        case unsupportedSyntax = "unsupported_syntax"
        /// A write through the read-only query connection.
        case readOnly = "read_only"
        /// Another process held the database locked for longer than the busy timeout.
        case busy = "busy"
        /// A pipe or table definition that cannot be used.
        case invalidDefinition = "invalid_definition"
        /// The stage (the S3 store) could not be listed or read.
        case stageFailed = "stage_failed"
    }

    /// The reason.
    public var code: Code
    /// What happened and what to do.
    public var message: String
    /// SQLite's extended result code, when SQLite reported the failure.
    public var sqliteCode: Int32?
    /// The byte offset of the problem in the SQL the caller gave, when known.
    public var position: Int?

    /// An error with its code and message.
    public init(_ code: Code, _ message: String, sqliteCode: Int32? = nil, position: Int? = nil) {
        self.code = code
        self.message = message
        self.sqliteCode = sqliteCode
        self.position = position
    }

    /// `code: message`.
    public var description: String { "\(code.rawValue): \(message)" }

    /// The 1-based line and column (in characters) of ``position`` in `sql`.
    public func location(in sql: String) -> (line: Int, column: Int)? {
        guard let position else { return nil }
        let bytes = Array(sql.utf8)
        let end = min(max(position, 0), bytes.count)
        var line = 1
        var lineStart = 0
        for k in 0..<end where bytes[k] == 0x0A {
            line += 1
            lineStart = k + 1
        }
        let column = String(decoding: bytes[lineStart..<end], as: UTF8.self).count + 1
        return (line, column)
    }

    /// The message with, when the position is known, the line of `sql` it points into and a caret
    /// under the offending character:
    ///
    ///     sql_error at line 1, column 8: no such column: nme
    ///       SELECT nme FROM raw_events
    ///              ^
    public func explained(in sql: String) -> String {
        guard let (line, column) = location(in: sql) else { return description }
        let text = sql.split(separator: "\n", omittingEmptySubsequences: false)
        let shown = line - 1 < text.count ? String(text[line - 1]) : ""
        let pad = String(repeating: " ", count: max(0, column - 1))
        return "\(code.rawValue) at line \(line), column \(column): \(message)\n  \(shown)\n  \(pad)^"
    }
}
