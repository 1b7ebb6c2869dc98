/// A compiled event contract: a JSON Schema (draft 2020-12 subset). Compile once,
/// validate many events fast.
///
/// Supported keywords: `type`, `enum`, `const`, `required`, `properties`,
/// `additionalProperties`, `patternProperties`, `propertyNames`, `dependentRequired`,
/// `dependentSchemas`, `items`, `prefixItems`, `contains`, `minContains`, `maxContains`,
/// `minItems`, `maxItems`, `uniqueItems`, `minLength`, `maxLength`, `pattern`,
/// `minimum`, `maximum`, `exclusiveMinimum`, `exclusiveMaximum`, `multipleOf`,
/// `minProperties`, `maxProperties`, `allOf`, `anyOf`, `oneOf`, `not`,
/// `if`/`then`/`else`, `$ref` (within the document, by JSON pointer, `$id` or
/// `$anchor`), `$defs`, boolean schemas, and `format` `date-time`, `uuid` and `email`
/// as assertions. Other keywords are ignored. Numbers are compared exactly.
public struct Contract: Sendable {
    let program: Program

    /// The schema's `$id` if it has one, else `sha256:` and the hex digest of the schema bytes.
    public var id: String

    /// Parses `schema` as JSON and compiles it.
    public init(schema: [UInt8]) throws(ContractError) {
        let document: JSONDocument
        do {
            document = try JSONDocument(parsing: schema, maxDepth: SchemaCompiler.maxSchemaDepth)
        } catch {
            throw ContractError(.invalidJSON, at: "", "the schema is not valid JSON: \(error.description)")
        }
        var compiler = SchemaCompiler(doc: document)
        program = try compiler.compile()
        if document.kind(0) == .object, let declared = document.member(0, named: Array("$id".utf8)) {
            id = document.string(declared)
        } else {
            id = "sha256:" + SHA256.hex(schema)
        }
    }

    /// Parses and compiles the schema text `schema`.
    public init(schemaText schema: String) throws(ContractError) {
        try self.init(schema: Array(schema.utf8))
    }

    /// Whether the value at node `index` of `document` keeps the contract. Never allocates.
    public func isValid(_ document: JSONDocument, _ index: Int) -> Bool {
        precondition(index >= 0 && index < document.nodes.count, "index is not a node of the document")
        return run(document) { evaluator in
            var sink = NoReasons()
            return evaluator.eval(program.root, index, 0, &sink)
        }
    }

    /// Every reason the value at node `index` of `document` breaks the contract; empty
    /// when it keeps it. Pointers are relative to that value. Allocates only on failure.
    public func validate(_ document: JSONDocument, _ index: Int) -> [ValidationReason] {
        if isValid(document, index) { return [] }
        let found = run(document) { evaluator in
            var sink = ReasonList()
            _ = evaluator.eval(program.root, index, 0, &sink)
            return sink.items
        }
        if found.isEmpty {
            // Every failing check reports itself; this only guards the invariant.
            return [ValidationReason(pointer: "", keyword: "contract", message: "does not keep the contract")]
        }
        return found.map {
            ValidationReason(
                pointer: document.pointer(to: $0.instance, from: index), keyword: $0.keyword, message: $0.message)
        }
    }

    @inline(__always)
    private func run<R>(_ document: JSONDocument, _ body: (Evaluator) -> R) -> R {
        program.borrowed.withUnsafeBufferPointer { schemas in
            Tape.with(document) { tape in
                Tape.with(program.schema) { schemaTape in
                    body(Evaluator(schemas: schemas, tape: tape, schemaTape: schemaTape))
                }
            }
        }
    }
}

extension Contract {
    /// The built-in contract for events such as `{"Id":"1","Name":"John","Age":"10","Sex":"Male"}`:
    /// an object with a required, non-blank string `Id`; optional string `Name`, `Age`
    /// and `Sex`; other properties allowed. The same text is `contracts/default.schema.json`.
    public static let defaultSchemaText: String = #"""
        {
          "$schema": "https://json-schema.org/draft/2020-12/schema",
          "$id": "inlet:default-contract:v1",
          "title": "Inlet default event contract",
          "description": "An event is an object with a non-blank string Id. Name, Age and Sex are optional strings. Other properties are allowed.",
          "type": "object",
          "required": ["Id"],
          "properties": {
            "Id": {
              "description": "The event's identifier: at least one non-whitespace character.",
              "type": "string",
              "minLength": 1,
              "maxLength": 256,
              "pattern": "\\S"
            },
            "Name": { "type": "string", "maxLength": 256 },
            "Age": { "type": "string", "maxLength": 256 },
            "Sex": { "type": "string", "maxLength": 256 }
          },
          "additionalProperties": true
        }

        """#

    /// The built-in default contract, compiled from ``defaultSchemaText``.
    public static let `default`: Contract = {
        do {
            return try Contract(schemaText: defaultSchemaText)
        } catch {
            fatalError("the built-in default contract does not compile: \(error)")
        }
    }()
}
