// Placeholder until the contract validator lands from the `schema` branch; it is
// deleted in that merge. It checks only the default contract's rule on `Id`.
public struct ValidationReason: Sendable, Equatable {
    public var pointer: String
    public var keyword: String
    public var message: String
    public init(pointer: String, keyword: String, message: String) {
        self.pointer = pointer
        self.keyword = keyword
        self.message = message
    }
}

public struct Contract: Sendable {
    public static let `default` = Contract()
    init() {}
    public init(schema: [UInt8]) throws(JSONParseError) { _ = try JSONDocument(parsing: schema) }
    public var id: String { "inlet:default-contract:v1" }
    public func validate(_ document: JSONDocument, _ index: Int) -> [ValidationReason] {
        guard let id = document.member(index, named: Array("Id".utf8)) else {
            return [ValidationReason(pointer: "", keyword: "required", message: "missing required property \"Id\"")]
        }
        if document.kind(id) != .string || document.string(id).allSatisfy { $0 == " " || $0 == "\t" || $0 == "\n" } {
            return [ValidationReason(pointer: "/Id", keyword: "minLength", message: "must not be blank")]
        }
        return []
    }
}
