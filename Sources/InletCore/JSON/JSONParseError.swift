/// Why a byte sequence is not acceptable JSON.
///
/// Every class of malformed input has its own ``Code`` so that a sender can tell a
/// duplicate key from a lone surrogate without reading the message.
public struct JSONParseError: Error, Sendable, Equatable, CustomStringConvertible {
    /// A stable, machine-readable reason.
    public enum Code: String, Sendable {
        case emptyInput = "empty_input"
        case unexpectedEnd = "unexpected_end"
        case unexpectedCharacter = "unexpected_character"
        case invalidNumber = "invalid_number"
        case nanOrInfinity = "nan_or_infinity"
        case controlCharacter = "control_character_in_string"
        case invalidEscape = "invalid_escape"
        case loneSurrogate = "lone_surrogate"
        case invalidUTF8 = "invalid_utf8"
        case duplicateKey = "duplicate_key"
        case tooDeep = "nesting_too_deep"
        case trailingData = "trailing_data"
        case notAnObject = "not_an_object"
    }

    /// The reason's code.
    public var code: Code
    /// Byte offset of the problem, relative to the start of the parsed text.
    public var offset: Int
    /// A sentence a sender can act on.
    public var message: String

    public init(_ code: Code, at offset: Int, _ message: String) {
        self.code = code
        self.offset = offset
        self.message = message
    }

    public var description: String { "\(code.rawValue) at byte \(offset): \(message)" }
}
