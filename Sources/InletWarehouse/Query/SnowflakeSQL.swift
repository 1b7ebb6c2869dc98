/// Snowflake's VARIANT syntax in SQLite: `record:Name::string` becomes
/// `CAST(json_extract(record, '$.Name') AS TEXT)`, so the queries of `snowflake/` run on the
/// local warehouse. Everything else (string literals, quoted identifiers, comments, SQLite's
/// own syntax) passes through byte for byte.
///
/// - `expr:a.b[0]."Quoted Key"` (no space before the `:`) is `json_extract(expr, '$.a.b[0]."Quoted Key"')`.
///   Element names are case-sensitive, as in Snowflake.
/// - `value::type` casts: string/varchar/text/char, number/numeric/decimal (with a scale: rounded
///   REAL), int/integer/bigint/smallint, float/double/real, boolean (`true`/`false`/`yes`/`no`/`1`/`0`…,
///   other text NULL), timestamp[_ntz|_ltz|_tz]/datetime (`YYYY-MM-DD HH:MM:SS.SSS`, UTC), date,
///   time, variant/object/array (unchanged). A path cast to a string turns JSON `true`/`false`
///   into `'true'`/`'false'`.
///
/// Errors carry the position in the text given; ``TranslatedSQL/sourcePosition(_:)`` maps
/// SQLite's error offsets in the translation back to it.
public enum SnowflakeSQL {
    /// Translates `sql`; throws `unsupportedSyntax` with the position of what it cannot translate.
    public static func translate(_ sql: String) throws(WarehouseError) -> TranslatedSQL {
        var translator = Translator(sql: Array(sql.utf8))
        try translator.run()
        return TranslatedSQL(text: String(decoding: translator.out, as: UTF8.self), sources: translator.sources)
    }
}

/// SQL after ``SnowflakeSQL/translate(_:)``, with a map back to the original positions.
public struct TranslatedSQL: Sendable, Equatable {
    /// The SQLite text.
    public var text: String
    /// For each byte of `text`, the byte offset in the original it came from.
    var sources: [Int32]

    /// The original byte offset of byte `offset` of ``text``.
    public func sourcePosition(_ offset: Int) -> Int {
        guard !sources.isEmpty else { return 0 }
        if offset >= sources.count { return Int(sources[sources.count - 1]) + 1 }
        return Int(sources[max(0, offset)])
    }
}

private struct Translator {
    let sql: [UInt8]
    var tokens: [SQLToken] = []
    var out: [UInt8] = []
    var sources: [Int32] = []

    /// The most recent value that `:` or `::` may apply to: where it starts in `out`, the
    /// index of its last token, and for a path, its base and path literal.
    struct Primary {
        var start: Int
        /// Where it ends in `out`: whitespace or comments may follow before a `::`.
        var end: Int
        var lastToken: Int
        var path: (base: ArraySlice<UInt8>, baseSources: ArraySlice<Int32>, literal: [UInt8])?
    }

    init(sql: [UInt8]) {
        self.sql = sql
        out.reserveCapacity(sql.count + 64)
        sources.reserveCapacity(sql.count + 64)
    }

    mutating func run() throws(WarehouseError) {
        tokens = try SQLTokenizer.tokens(sql)
        var primary: Primary?
        var chainStart: Int?
        var parens: [Int?] = []
        var t = 0
        while t < tokens.count {
            let token = tokens[t]
            switch token.kind {
            case .whitespace, .comment:
                emit(token)
                t += 1
                continue
            case .identifier, .quotedIdentifier:
                let start = chainStart ?? out.count
                let word = token.kind == .identifier ? keyword(token) : nil
                // CASE … END is a value, like a parenthesized one.
                if word == "CASE" { parens.append(out.count) }
                emit(token)
                if word == "END" {
                    let opened = parens.popLast() ?? nil
                    primary = opened.map { Primary(start: $0, end: out.count, lastToken: t) }
                } else {
                    primary = word != nil ? nil : Primary(start: start, end: out.count, lastToken: t)
                }
            case .string, .number:
                let start = out.count
                emit(token)
                primary = Primary(start: start, end: out.count, lastToken: t)
            case .doubleColon:
                guard let operand = primary else {
                    throw WarehouseError(
                        .unsupportedSyntax, "'::' must follow a value, as in record:Name::string",
                        position: token.range.lowerBound)
                }
                let (next, end) = try cast(operand, at: t)
                t = next
                primary?.lastToken = t - 1
                primary?.end = end
                primary?.path = nil
                chainStart = nil
                continue
            case .punctuation:
                let c = sql[token.range.lowerBound]
                if c == 0x3A, let operand = primary, operand.lastToken == t - 1, t + 1 < tokens.count,
                    tokens[t + 1].kind == .identifier || tokens[t + 1].kind == .quotedIdentifier
                {
                    t = try path(operand, colon: t)
                    primary = Primary(start: operand.start, end: out.count, lastToken: t - 1, path: lastPath)
                    chainStart = nil
                    continue
                }
                chainStart = nil
                if c == 0x2E, let operand = primary, operand.lastToken == t - 1, operand.path == nil {
                    chainStart = operand.start
                    primary = nil
                } else if c == 0x28 {
                    let isCall = primary.map { $0.lastToken == previousSignificant(before: t) } ?? false
                    parens.append(isCall ? primary?.start : out.count)
                    primary = nil
                } else if c == 0x29 {
                    let opened = parens.popLast() ?? nil
                    emit(token)
                    primary = opened.map { Primary(start: $0, end: out.count, lastToken: t) }
                    t += 1
                    continue
                } else {
                    primary = nil
                }
                emit(token)
            }
            if token.kind != .punctuation || sql[token.range.lowerBound] != 0x2E { chainStart = nil }
            t += 1
        }
    }

    private var lastPath: (base: ArraySlice<UInt8>, baseSources: ArraySlice<Int32>, literal: [UInt8])?

    // MARK: Paths

    /// Replaces the operand with `json_extract(operand, '$…')`; returns the token after the path.
    private mutating func path(_ operand: Primary, colon: Int) throws(WarehouseError) -> Int {
        var json: [UInt8] = [0x24]  // $
        var t = colon + 1
        var expectKey = true
        while t < tokens.count {
            let token = tokens[t]
            if expectKey {
                guard token.kind == .identifier || token.kind == .quotedIdentifier else {
                    throw WarehouseError(
                        .unsupportedSyntax, "a path element name must follow '.' or ':'", position: token.range.lowerBound)
                }
                try appendKey(token.kind == .quotedIdentifier ? unquote(token) : Array(sql[token.range]), to: &json, at: token)
                expectKey = false
                t += 1
                continue
            }
            let c = sql[token.range.lowerBound]
            if token.kind == .punctuation && c == 0x2E {
                expectKey = true
                t += 1
            } else if token.kind == .punctuation && c == 0x5B {
                guard t + 2 < tokens.count, tokens[t + 2].kind == .punctuation, sql[tokens[t + 2].range.lowerBound] == 0x5D
                else {
                    throw WarehouseError(
                        .unsupportedSyntax, "a subscript is [<index>] or ['<name>']", position: token.range.lowerBound)
                }
                let inner = tokens[t + 1]
                if inner.kind == .number, sql[inner.range].allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) {
                    json += [0x5B] + sql[inner.range] + [0x5D]
                } else if inner.kind == .string {
                    try appendKey(unquote(inner), to: &json, at: inner)
                } else {
                    throw WarehouseError(
                        .unsupportedSyntax, "a subscript is [<index>] or ['<name>']", position: inner.range.lowerBound)
                }
                t += 3
            } else {
                break
            }
        }
        if expectKey {
            throw WarehouseError(.unsupportedSyntax, "the path ends with '.'", position: tokens[t - 1].range.lowerBound)
        }
        var literal: [UInt8] = [0x27]
        for byte in json {
            literal.append(byte)
            if byte == 0x27 { literal.append(0x27) }
        }
        literal.append(0x27)
        let source = Int32(tokens[colon].range.lowerBound)
        let base = out[operand.start...]
        let baseSources = sources[operand.start...]
        lastPath = (base, baseSources, literal)
        replace(from: operand.start, with: [
            .generated(Array("json_extract(".utf8), source), .copied(base, baseSources),
            .generated(Array(", ".utf8) + literal + [0x29], source),
        ])
        return t
    }

    private func appendKey(_ key: [UInt8], to json: inout [UInt8], at token: SQLToken) throws(WarehouseError) {
        guard !key.isEmpty else {
            throw WarehouseError(.unsupportedSyntax, "a path element name is empty", position: token.range.lowerBound)
        }
        let plain = key.allSatisfy { $0 == 0x5F || ($0 | 0x20) >= 0x61 && ($0 | 0x20) <= 0x7A || $0 >= 0x30 && $0 <= 0x39 }
            && !(key[0] >= 0x30 && key[0] <= 0x39)
        json.append(0x2E)
        if plain {
            json += key
        } else {
            guard !key.contains(0x22) else {
                throw WarehouseError(
                    .unsupportedSyntax, "a path element name holding '\"' is not supported by SQLite's JSON paths",
                    position: token.range.lowerBound)
            }
            json += [0x22] + key + [0x22]
        }
    }

    private func unquote(_ token: SQLToken) -> [UInt8] {
        let quote = sql[token.range.lowerBound]
        var out: [UInt8] = []
        var k = token.range.lowerBound + 1
        let end = token.range.upperBound - 1
        while k < end {
            out.append(sql[k])
            k += sql[k] == quote && k + 1 < end && sql[k + 1] == quote ? 2 : 1
        }
        return out
    }

    // MARK: Casts

    /// Wraps the operand in the cast named after `::`; returns the token after the type and where
    /// the cast ends in `out`.
    private mutating func cast(_ operand: Primary, at doubleColon: Int) throws(WarehouseError) -> (next: Int, end: Int) {
        var t = nextSignificant(after: doubleColon)
        guard t < tokens.count, tokens[t].kind == .identifier else {
            throw WarehouseError(
                .unsupportedSyntax, "a type name must follow '::'", position: tokens[doubleColon].range.upperBound)
        }
        let typeToken = tokens[t]
        let name = String(decoding: sql[typeToken.range], as: UTF8.self).lowercased()
        t += 1
        if name == "double" {
            let after = nextSignificant(after: t - 1)
            if after < tokens.count, tokens[after].kind == .identifier,
                String(decoding: sql[tokens[after].range], as: UTF8.self).lowercased() == "precision"
            {
                t = after + 1
            }
        }
        var scale = 0
        let open = nextSignificant(after: t - 1)
        if open < tokens.count, tokens[open].kind == .punctuation, sql[tokens[open].range.lowerBound] == 0x28 {
            var k = open + 1
            var numbers: [Int] = []
            while k < tokens.count, !(tokens[k].kind == .punctuation && sql[tokens[k].range.lowerBound] == 0x29) {
                if tokens[k].kind == .number, let n = Int(String(decoding: sql[tokens[k].range], as: UTF8.self)) {
                    numbers.append(n)
                } else if tokens[k].kind != .whitespace && !(tokens[k].kind == .punctuation && sql[tokens[k].range.lowerBound] == 0x2C) {
                    throw WarehouseError(
                        .unsupportedSyntax, "a type's precision and scale are numbers", position: tokens[k].range.lowerBound)
                }
                k += 1
            }
            guard k < tokens.count else {
                throw WarehouseError(.unsupportedSyntax, "'(' after the type is not closed", position: tokens[open].range.lowerBound)
            }
            scale = numbers.count > 1 ? numbers[1] : 0
            t = k + 1
        }
        let source = Int32(tokens[doubleColon].range.lowerBound)
        // Whitespace or comments between the value and '::' move after the cast.
        let trailing = Piece.copied(out[operand.end...], sources[operand.end...])
        let whole = Piece.copied(out[operand.start..<operand.end], sources[operand.start..<operand.end])
        func text(_ s: String) -> Piece { .generated(Array(s.utf8), source) }
        let pieces: [Piece]
        switch name {
        case "string", "varchar", "text", "char", "character", "nchar", "nvarchar", "nvarchar2":
            if let path = operand.path {
                pieces = [
                    text("CASE json_type("), .copied(path.base, path.baseSources),
                    .generated(Array(", ".utf8) + path.literal, source),
                    text(") WHEN 'true' THEN 'true' WHEN 'false' THEN 'false' ELSE CAST("), whole, text(" AS TEXT) END"),
                ]
            } else {
                pieces = [text("CAST("), whole, text(" AS TEXT)")]
            }
        case "number", "numeric", "decimal":
            pieces = scale > 0
                ? [text("ROUND(CAST("), whole, text(" AS REAL), \(scale))")]
                : [text("CAST("), whole, text(" AS INTEGER)")]
        case "int", "integer", "bigint", "smallint", "tinyint", "byteint":
            pieces = [text("CAST("), whole, text(" AS INTEGER)")]
        case "float", "float4", "float8", "double", "real":
            pieces = [text("CAST("), whole, text(" AS REAL)")]
        case "boolean":
            pieces = [
                text("(CASE lower(CAST("), whole,
                text(
                    " AS TEXT)) WHEN 'true' THEN 1 WHEN 't' THEN 1 WHEN 'yes' THEN 1 WHEN 'y' THEN 1 WHEN 'on' THEN 1 "
                        + "WHEN '1' THEN 1 WHEN 'false' THEN 0 WHEN 'f' THEN 0 WHEN 'no' THEN 0 WHEN 'n' THEN 0 "
                        + "WHEN 'off' THEN 0 WHEN '0' THEN 0 END)"),
            ]
        case "timestamp", "timestamp_ntz", "timestamp_ltz", "timestamp_tz", "datetime":
            pieces = [text("strftime('%Y-%m-%d %H:%M:%f', "), whole, text(")")]
        case "date":
            pieces = [text("date("), whole, text(")")]
        case "time":
            pieces = [text("time("), whole, text(")")]
        case "variant", "object", "array":
            pieces = [whole]
        default:
            throw WarehouseError(
                .unsupportedSyntax,
                "the cast type '\(name)' is not supported locally; use string, number, int, float, boolean, "
                    + "timestamp, date, time or variant", position: typeToken.range.lowerBound)
        }
        let trailingCount = out.count - operand.end
        replace(from: operand.start, with: pieces + [trailing])
        return (t, out.count - trailingCount)
    }

    // MARK: Output

    enum Piece {
        case generated([UInt8], Int32)
        case copied(ArraySlice<UInt8>, ArraySlice<Int32>)
    }

    private mutating func emit(_ token: SQLToken) {
        out += sql[token.range]
        sources += token.range.map { Int32($0) }
    }

    private mutating func replace(from start: Int, with pieces: [Piece]) {
        var bytes: [UInt8] = []
        var origins: [Int32] = []
        for piece in pieces {
            switch piece {
            case .generated(let text, let source):
                bytes += text
                origins += repeatElement(source, count: text.count)
            case .copied(let text, let textSources):
                bytes += text
                origins += textSources
            }
        }
        out.replaceSubrange(start..., with: bytes)
        sources.replaceSubrange(start..., with: origins)
    }

    private func nextSignificant(after t: Int) -> Int {
        var k = t + 1
        while k < tokens.count && (tokens[k].kind == .whitespace || tokens[k].kind == .comment) { k += 1 }
        return k
    }

    private func previousSignificant(before t: Int) -> Int {
        var k = t - 1
        while k >= 0 && (tokens[k].kind == .whitespace || tokens[k].kind == .comment) { k -= 1 }
        return k
    }

    /// The keyword `token` is, upper-cased, or nil for a name.
    private func keyword(_ token: SQLToken) -> String? {
        guard token.range.count <= 9 else { return nil }
        let word = String(decoding: sql[token.range], as: UTF8.self).uppercased()
        return Self.keywords.contains(word) ? word : nil
    }

    /// Words that end no value: a `(` after them opens a group, not a call, and `:` or `::`
    /// after them is not applied to them.
    static let keywords: Set<String> = [
        "SELECT", "FROM", "WHERE", "AND", "OR", "NOT", "IN", "ON", "WHEN", "THEN", "ELSE", "AS", "JOIN", "BY",
        "HAVING", "EXISTS", "VALUES", "CASE", "IS", "LIKE", "GLOB", "BETWEEN", "DISTINCT", "ALL", "ANY", "UNION",
        "USING", "OVER", "WITH", "LIMIT", "OFFSET", "GROUP", "ORDER", "INTERSECT", "EXCEPT", "RETURNING", "SET",
        "INTO", "QUALIFY", "PARTITION", "FILTER", "WINDOW", "END",
    ]
}
