/// Why a schema cannot be compiled into a ``Contract``.
public struct ContractError: Error, Sendable, Equatable, CustomStringConvertible {
    /// A stable, machine-readable reason.
    public enum Code: String, Sendable {
        /// The schema text is not JSON.
        case invalidJSON = "invalid_json"
        /// A keyword has a value the specification does not allow.
        case invalidSchema = "invalid_schema"
        /// A `$ref` points at nothing in this document (remote references are not fetched).
        case unresolvedReference = "unresolved_reference"
        /// A `pattern` or `patternProperties` key is not a usable regular expression.
        case invalidPattern = "invalid_pattern"
        /// `$ref`s or in-place applicators loop back without consuming any of the instance.
        case referenceCycle = "reference_cycle"
    }

    /// The reason's code.
    public var code: Code
    /// RFC 6901 pointer to the offending place in the schema; "" for the root.
    public var pointer: String
    /// A sentence a contract author can act on, ending with the schema location
    /// as a URI fragment, e.g. `unknown type "strin"; use … (at #/properties/a/type)`.
    public var message: String

    /// Creates an error; `problem` is completed with the location of `pointer`
    /// (except for `.invalidJSON`, whose problem names a byte offset instead).
    public init(_ code: Code, at pointer: String, _ problem: String) {
        self.code = code
        self.pointer = pointer
        self.message = code == .invalidJSON ? problem : "\(problem) (at #\(pointer))"
    }

    /// "code: message".
    public var description: String { "\(code.rawValue): \(message)" }
}

/// One reason an event breaks its contract.
public struct ValidationReason: Sendable, Equatable, CustomStringConvertible {
    /// RFC 6901 JSON pointer into the instance; "" for the validated value itself.
    public var pointer: String
    /// The schema keyword that failed, such as `required` or `minLength`.
    public var keyword: String
    /// A sentence a sender can act on.
    public var message: String

    /// Creates a reason.
    public init(pointer: String, keyword: String, message: String) {
        self.pointer = pointer
        self.keyword = keyword
        self.message = message
    }

    /// "/pointer: message (keyword)".
    public var description: String { "\(pointer.isEmpty ? "(root)" : pointer): \(message) (\(keyword))" }
}
