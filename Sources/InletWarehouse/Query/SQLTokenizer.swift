/// A token of SQL text: just enough lexing to tell strings, quoted identifiers and comments
/// (left untouched) from the Snowflake operators `:` and `::` that are translated.
struct SQLToken: Equatable {
    enum Kind: Equatable {
        /// Spaces, tabs, newlines.
        case whitespace
        /// `-- …` or `/* … */`.
        case comment
        /// `'…'` with `''` escapes.
        case string
        /// `"…"` with `""` escapes.
        case quotedIdentifier
        /// A word: keyword, name or function.
        case identifier
        /// A numeric literal.
        case number
        /// `::`.
        case doubleColon
        /// Any other character (`:`, `.`, `(`, `[`, operators…).
        case punctuation
    }

    var kind: Kind
    /// The byte range in the text.
    var range: Range<Int>
}

/// Splits SQL text into ``SQLToken``s.
enum SQLTokenizer {
    /// The tokens of `sql`, covering every byte; throws `unsupportedSyntax` for an unterminated
    /// string, quoted identifier or comment, with its position.
    static func tokens(_ sql: [UInt8]) throws(WarehouseError) -> [SQLToken] {
        var out: [SQLToken] = []
        var i = 0
        let n = sql.count
        func isWordStart(_ c: UInt8) -> Bool { c == 0x5F || (c | 0x20) >= 0x61 && (c | 0x20) <= 0x7A || c >= 0x80 }
        func isDigit(_ c: UInt8) -> Bool { c >= 0x30 && c <= 0x39 }
        while i < n {
            let start = i
            let c = sql[i]
            let kind: SQLToken.Kind
            if c == 0x20 || c == 0x09 || c == 0x0A || c == 0x0D {
                while i < n && (sql[i] == 0x20 || sql[i] == 0x09 || sql[i] == 0x0A || sql[i] == 0x0D) { i += 1 }
                kind = .whitespace
            } else if c == 0x2D && i + 1 < n && sql[i + 1] == 0x2D {
                while i < n && sql[i] != 0x0A { i += 1 }
                kind = .comment
            } else if c == 0x2F && i + 1 < n && sql[i + 1] == 0x2A {
                i += 2
                while i + 1 < n && !(sql[i] == 0x2A && sql[i + 1] == 0x2F) { i += 1 }
                guard i + 1 < n else { throw unterminated("comment", at: start) }
                i += 2
                kind = .comment
            } else if c == 0x27 || c == 0x22 {
                i += 1
                while true {
                    guard i < n else { throw unterminated(c == 0x27 ? "string" : "quoted identifier", at: start) }
                    if sql[i] == c {
                        if i + 1 < n && sql[i + 1] == c {
                            i += 2
                            continue
                        }
                        i += 1
                        break
                    }
                    i += 1
                }
                kind = c == 0x27 ? .string : .quotedIdentifier
            } else if isWordStart(c) {
                while i < n && (isWordStart(sql[i]) || isDigit(sql[i]) || sql[i] == 0x24) { i += 1 }
                kind = .identifier
            } else if isDigit(c) || (c == 0x2E && i + 1 < n && isDigit(sql[i + 1])) {
                while i < n && (isDigit(sql[i]) || sql[i] == 0x2E) { i += 1 }
                if i < n && (sql[i] | 0x20) == 0x65 {
                    var j = i + 1
                    if j < n && (sql[j] == 0x2B || sql[j] == 0x2D) { j += 1 }
                    if j < n && isDigit(sql[j]) {
                        i = j
                        while i < n && isDigit(sql[i]) { i += 1 }
                    }
                }
                kind = .number
            } else if c == 0x3A && i + 1 < n && sql[i + 1] == 0x3A {
                i += 2
                kind = .doubleColon
            } else {
                // One character (a whole UTF-8 sequence never starts here: bytes ≥ 0x80 start words).
                i += 1
                kind = .punctuation
            }
            out.append(SQLToken(kind: kind, range: start..<i))
        }
        return out
    }

    private static func unterminated(_ what: String, at position: Int) -> WarehouseError {
        WarehouseError(.unsupportedSyntax, "this \(what) is not terminated", position: position)
    }
}
