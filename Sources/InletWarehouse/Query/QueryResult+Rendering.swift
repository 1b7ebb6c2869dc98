import InletCore

extension QueryResult {
    /// An aligned text table, psql-style, with a row count under it. Cells wider than
    /// `maxWidth` characters (0: no limit) are cut with `…`; line breaks in cells show as `↵`.
    public func renderTable(maxWidth: Int = 60) -> String {
        func cell(_ value: SQLValue) -> String {
            var text = (value.text ?? "NULL").replacingNewlines()
            if maxWidth > 0 && text.count > maxWidth { text = String(text.prefix(maxWidth - 1)) + "…" }
            return text
        }
        let cells = rows.map { $0.map(cell) }
        var widths = columns.map(\.count)
        for row in cells {
            for (k, text) in row.enumerated() { widths[k] = max(widths[k], text.count) }
        }
        func pad(_ text: String, _ width: Int, right: Bool) -> String {
            let fill = String(repeating: " ", count: max(0, width - text.count))
            return right ? fill + text : text + fill
        }
        var lines: [String] = []
        if !columns.isEmpty {
            lines.append(columns.enumerated().map { pad($0.element, widths[$0.offset], right: false) }.joined(separator: " | "))
            lines.append(widths.map { String(repeating: "-", count: $0) }.joined(separator: "-+-"))
        }
        for (r, row) in cells.enumerated() {
            lines.append(
                row.enumerated().map { k, text in
                    let numeric: Bool
                    switch rows[r][k] {
                    case .integer, .real: numeric = true
                    default: numeric = false
                    }
                    return pad(text, widths[k], right: numeric)
                }.joined(separator: " | "))
        }
        let count = rows.count == 1 ? "(1 row)" : "(\(rows.count) rows)"
        lines.append(truncated ? "\(count), more not shown" : count)
        // Trailing spaces of the last column are noise.
        return lines.map { $0.trimmingTrailingSpaces() }.joined(separator: "\n") + "\n"
    }

    /// A JSON array with one object per row: numbers as numbers, NULL as null, text as strings,
    /// blobs as hex strings.
    public func renderJSON() -> String {
        var out: [UInt8] = [0x5B]
        for (r, row) in rows.enumerated() {
            out += r == 0 ? [0x0A, 0x20, 0x20] : [0x2C, 0x0A, 0x20, 0x20]
            out.append(0x7B)
            for (k, value) in row.enumerated() {
                if k > 0 { out.append(0x2C) }
                JSONText.appendQuoted(columns[k], to: &out)
                out.append(0x3A)
                switch value {
                case .null: out += Array("null".utf8)
                case .integer(let v): out += Array(String(v).utf8)
                case .real(let v): out += Array((v.isFinite ? SQLValue.format(v) : "null").utf8)
                case .text(let v): JSONText.appendQuoted(v, to: &out)
                case .blob: JSONText.appendQuoted(value.text ?? "", to: &out)
                }
            }
            out.append(0x7D)
        }
        out += rows.isEmpty ? [0x5D, 0x0A] : [0x0A, 0x5D, 0x0A]
        return String(decoding: out, as: UTF8.self)
    }

    /// RFC 4180 CSV with a header row; NULL is an empty field.
    public func renderCSV() -> String {
        func field(_ text: String) -> String {
            guard text.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else { return text }
            return "\"" + text.replacingOccurrencesOfQuote() + "\""
        }
        var lines = [columns.map(field).joined(separator: ",")]
        for row in rows { lines.append(row.map { field($0.text ?? "") }.joined(separator: ",")) }
        return lines.joined(separator: "\r\n") + "\r\n"
    }
}

extension String {
    fileprivate func replacingNewlines() -> String {
        guard contains(where: { $0 == "\n" || $0 == "\r" || $0 == "\r\n" }) else { return self }
        return String(map { $0 == "\n" || $0 == "\r" || $0 == "\r\n" ? "↵" : $0 })
    }

    fileprivate func replacingOccurrencesOfQuote() -> String {
        var out = ""
        for c in self {
            if c == "\"" { out.append("\"") }
            out.append(c)
        }
        return out
    }

    fileprivate func trimmingTrailingSpaces() -> String {
        var s = Substring(self)
        while s.last == " " { s.removeLast() }
        return String(s)
    }
}
