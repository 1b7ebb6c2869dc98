#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A read-only connection to the warehouse for queries, beside the loading pipes: WAL lets it
/// read the last committed state while a file loads, and SQLite refuses any write through it.
public actor WarehouseReader {
    /// The database file.
    public nonisolated let path: String
    private let connection: SQLiteConnection

    /// Opens `path` read-only, creating the warehouse first when the file does not exist yet
    /// (so a query on a fresh data directory sees empty tables rather than an error).
    public init(path: String) throws(WarehouseError) {
        if access(path, F_OK) != 0 { _ = try Warehouse(path: path) }
        connection = try SQLiteConnection(path: path, readOnly: true)
        try connection.execute("PRAGMA query_only = ON")
        self.path = path
    }

    /// Runs `sql` (one or more statements, after ``SnowflakeSQL`` translation unless
    /// `translate` is false) and returns the last statement's rows.
    ///
    /// Errors carry the byte position in `sql` (SQLite's error offset, mapped back through the
    /// translation); ``WarehouseError/explained(in:)`` shows it.
    public func query(_ sql: String, translate: Bool = true, maxRows: Int? = nil) throws(WarehouseError) -> QueryResult {
        let translated = translate ? try SnowflakeSQL.translate(sql) : nil
        let text = Array((translated?.text ?? sql).utf8)
        func original(_ error: WarehouseError) -> WarehouseError {
            var error = error
            if let translated, let position = error.position { error.position = translated.sourcePosition(position) }
            return error
        }
        var result = QueryResult(columns: [], rows: [], sql: translated?.text ?? sql)
        var offset = 0
        while offset < text.count {
            let prepared: (statement: SQLiteStatement?, tail: Int)
            do {
                prepared = try connection.prepare(text, from: offset)
            } catch {
                var located = error
                if located.position == nil { located.position = Self.guessPosition(located.message, in: text, from: offset) }
                throw original(located)
            }
            guard let statement = prepared.statement else { break }
            var rows: [[SQLValue]] = []
            let count = statement.columnCount
            do {
                while try statement.step() {
                    if let maxRows, rows.count >= maxRows {
                        result.truncated = true
                        break
                    }
                    rows.append((0..<count).map { statement.value($0) })
                }
            } catch {
                var located = original(error)
                if located.position == nil { located.position = translated?.sourcePosition(offset) ?? offset }
                throw located
            }
            if count > 0 || result.columns.isEmpty {
                result.columns = (0..<count).map { statement.columnName($0) }
                result.rows = rows
            }
            offset = prepared.tail
        }
        return result
    }
}

extension WarehouseReader {
    /// Where an error SQLite gave no offset for most likely is: the end for incomplete input,
    /// the named table, column or function for "no such …", else the statement's start.
    static func guessPosition(_ message: String, in text: [UInt8], from start: Int) -> Int {
        if message.hasPrefix("incomplete input") { return text.count }
        let prefixes = ["no such table: ", "no such column: ", "no such function: ", "ambiguous column name: "]
        guard let prefix = prefixes.first(where: { message.hasPrefix($0) }) else { return start }
        let name = message.dropFirst(prefix.count)
        for candidate in [String(name), name.split(separator: ".").last.map(String.init) ?? ""] where !candidate.isEmpty {
            let needle = Array(candidate.lowercased().utf8)
            let haystack = text.map { $0 >= 0x41 && $0 <= 0x5A ? $0 | 0x20 : $0 }
            var k = start
            while k + needle.count <= haystack.count {
                if haystack[k..<(k + needle.count)].elementsEqual(needle)
                    && (k == 0 || !isWordByte(haystack[k - 1]))
                    && (k + needle.count == haystack.count || !isWordByte(haystack[k + needle.count]))
                {
                    return k
                }
                k += 1
            }
        }
        return start
    }

    private static func isWordByte(_ c: UInt8) -> Bool {
        c == 0x5F || c >= 0x30 && c <= 0x39 || c >= 0x61 && c <= 0x7A || c >= 0x80
    }
}

/// The rows a query returned.
public struct QueryResult: Sendable, Equatable {
    /// Column names, in order.
    public var columns: [String]
    /// The rows, each with one value per column.
    public var rows: [[SQLValue]]
    /// The SQL SQLite ran (after translation).
    public var sql: String
    /// Whether rows were left out because of `maxRows`.
    public var truncated = false

    /// A result.
    public init(columns: [String], rows: [[SQLValue]], sql: String) {
        self.columns = columns
        self.rows = rows
        self.sql = sql
    }

    /// The values of the column named `name` (case-insensitive), one per row.
    public func column(_ name: String) -> [SQLValue] {
        guard let index = columns.firstIndex(where: { $0.lowercased() == name.lowercased() }) else { return [] }
        return rows.map { $0[index] }
    }
}
