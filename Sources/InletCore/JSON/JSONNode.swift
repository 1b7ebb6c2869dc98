/// The kind of a JSON value on a parsed tape.
public enum JSONKind: UInt8, Sendable {
    case null
    case `false`
    case `true`
    case number
    case string
    case array
    case object
}

/// One value on a ``JSONDocument`` tape.
///
/// The tape lists values in document order. A container is followed by its
/// children: an array by its elements, an object by key/value pairs (the key is a
/// `.string` node). `next` is the index of the first node after the subtree, so
/// siblings are reached without walking the children.
public struct JSONNode: Sendable, Equatable {
    /// The value's kind.
    public var kind: JSONKind
    /// Kind-specific bits; see the `Flags` constants.
    public var flags: UInt8
    /// Offset of the first byte. For strings, the first byte after the opening quote.
    public var start: UInt32
    /// Offset one past the last byte. For strings, the offset of the closing quote.
    public var end: UInt32
    /// Number of elements (arrays) or members (objects); 0 otherwise.
    public var count: UInt32
    /// Index of the node that follows this value's subtree.
    public var next: UInt32

    /// Flag bits stored in ``flags``.
    public enum Flags {
        /// A string holds at least one backslash escape.
        public static let escaped: UInt8 = 1
        /// A number has a fraction or an exponent.
        public static let fractional: UInt8 = 2
        /// A number starts with a minus sign.
        public static let negative: UInt8 = 4
        /// A string holds bytes outside ASCII.
        public static let nonASCII: UInt8 = 8
        /// A container's text has whitespace between its tokens.
        public static let spaced: UInt8 = 16
    }

    @inlinable
    init(kind: JSONKind, flags: UInt8 = 0, start: Int, end: Int, count: UInt32 = 0, next: Int) {
        self.kind = kind
        self.flags = flags
        self.start = UInt32(truncatingIfNeeded: start)
        self.end = UInt32(truncatingIfNeeded: end)
        self.count = count
        self.next = UInt32(truncatingIfNeeded: next)
    }
}
