/// A value SQLite returned: its five storage classes.
public enum SQLValue: Sendable, Hashable {
    /// SQL NULL.
    case null
    /// A 64-bit signed integer.
    case integer(Int64)
    /// An IEEE double.
    case real(Double)
    /// UTF-8 text.
    case text(String)
    /// Bytes.
    case blob([UInt8])

    /// The text, or the number written as SQLite would, or nil for NULL.
    public var text: String? {
        switch self {
        case .null: nil
        case .integer(let v): String(v)
        case .real(let v): Self.format(v)
        case .text(let v): v
        case .blob(let v): "x'" + v.map { Self.hex[Int($0 >> 4)] + Self.hex[Int($0 & 15)] }.joined() + "'"
        }
    }

    /// The integer, when this is one.
    public var integer: Int64? {
        if case .integer(let v) = self { return v }
        return nil
    }

    private static let hex = "0123456789abcdef".map { String($0) }

    /// A double as SQLite prints it: integral values keep one decimal (`3.0`).
    static func format(_ value: Double) -> String {
        if value.isFinite && value == value.rounded() && abs(value) < 1e15 { return String(Int64(value)) + ".0" }
        return String(value)
    }
}
