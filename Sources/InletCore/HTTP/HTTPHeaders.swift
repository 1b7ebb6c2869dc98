/// An ordered list of HTTP header fields with case-insensitive name lookup.
///
/// Order and duplicates are kept exactly as given (or as received), because some
/// headers legitimately repeat and a signer needs to see what is actually sent.
/// Lookups compare names ASCII-case-insensitively, as HTTP requires.
public struct HTTPHeaders: Sendable, Equatable, Sequence, ExpressibleByDictionaryLiteral,
    CustomStringConvertible
{
    /// The fields in order, as `(name, value)` pairs.
    public private(set) var fields: [(name: String, value: String)]

    /// Creates an empty header list.
    public init() { fields = [] }

    /// Creates a header list from `(name, value)` pairs, keeping their order and duplicates.
    public init(_ fields: [(String, String)]) {
        self.fields = fields.map { (name: $0.0, value: $0.1) }
    }

    /// Creates a header list from a literal such as `["Content-Type": "application/json"]`,
    /// keeping the literal's order.
    public init(dictionaryLiteral elements: (String, String)...) {
        self.init(elements)
    }

    /// The number of fields, counting duplicates.
    public var count: Int { fields.count }

    /// Whether there are no fields.
    public var isEmpty: Bool { fields.isEmpty }

    /// The value of the first field named `name` (compared case-insensitively), or nil.
    ///
    /// Setting a value replaces every field of that name by one field at the position of
    /// the first; setting nil removes them all.
    public subscript(name: String) -> String? {
        get {
            for field in fields where Self.namesEqual(field.name, name) { return field.value }
            return nil
        }
        set {
            guard let newValue else {
                remove(name: name)
                return
            }
            if let first = fields.firstIndex(where: { Self.namesEqual($0.name, name) }) {
                fields[first].value = newValue
                var index = fields.index(after: first)
                while index < fields.endIndex {
                    if Self.namesEqual(fields[index].name, name) {
                        fields.remove(at: index)
                    } else {
                        index += 1
                    }
                }
            } else {
                fields.append((name: name, value: newValue))
            }
        }
    }

    /// The values of every field named `name` (compared case-insensitively), in order.
    public func values(for name: String) -> [String] {
        fields.filter { Self.namesEqual($0.name, name) }.map(\.value)
    }

    /// Whether any field is named `name` (compared case-insensitively).
    public func contains(name: String) -> Bool {
        fields.contains { Self.namesEqual($0.name, name) }
    }

    /// Appends a field, keeping any existing fields of the same name.
    public mutating func add(name: String, value: String) {
        fields.append((name: name, value: value))
    }

    /// Removes every field named `name` (compared case-insensitively).
    public mutating func remove(name: String) {
        fields.removeAll { Self.namesEqual($0.name, name) }
    }

    /// Removes every field.
    package mutating func removeAll(keepingCapacity: Bool) {
        fields.removeAll(keepingCapacity: keepingCapacity)
    }

    /// Appends `text` to the value of the last field (for obsolete folded header lines).
    package mutating func appendToLastValue(_ text: String) {
        guard !fields.isEmpty else { return }
        fields[fields.count - 1].value += fields[fields.count - 1].value.isEmpty ? text : " " + text
    }

    /// Returns an iterator over the `(name, value)` pairs in order.
    public func makeIterator() -> IndexingIterator<[(name: String, value: String)]> {
        fields.makeIterator()
    }

    /// Whether both lists hold the same names and values in the same order (names compared
    /// exactly, as given).
    public static func == (lhs: HTTPHeaders, rhs: HTTPHeaders) -> Bool {
        lhs.fields.count == rhs.fields.count
            && zip(lhs.fields, rhs.fields).allSatisfy { $0.name == $1.name && $0.value == $1.value }
    }

    /// The fields as `Name: value` lines.
    public var description: String {
        fields.map { "\($0.name): \($0.value)" }.joined(separator: "\n")
    }

    /// Compares two header names ASCII-case-insensitively, without Foundation.
    package static func namesEqual(_ a: String, _ b: String) -> Bool {
        let a = a.utf8, b = b.utf8
        guard a.count == b.count else { return false }
        // Native strings compare over their contiguous bytes, without iterators.
        let fast = a.withContiguousStorageIfAvailable { x in
            b.withContiguousStorageIfAvailable { y in
                for i in 0..<x.count where x[i] != y[i] {
                    guard asciiLower(x[i]) == asciiLower(y[i]) else { return false }
                }
                return true
            }
        }
        if let fast, let result = fast { return result }
        for (x, y) in zip(a, b) where x != y {
            guard asciiLower(x) == asciiLower(y) else { return false }
        }
        return true
    }

    /// `name` in lower case: ASCII letters only (the bytes of a header name), without
    /// Unicode's tables; other bytes are kept.
    package static func lowercasedName(_ name: String) -> String {
        let utf8 = name.utf8
        guard utf8.contains(where: { $0 &- 0x41 < 26 }) else { return name }
        return String(unsafeUninitializedCapacity: utf8.count) { out in
            var n = 0
            for byte in utf8 {
                out[n] = asciiLower(byte)
                n += 1
            }
            return n
        }
    }

    @inline(__always)
    static func asciiLower(_ byte: UInt8) -> UInt8 {
        byte &- 0x41 < 26 ? byte | 0x20 : byte
    }
}
