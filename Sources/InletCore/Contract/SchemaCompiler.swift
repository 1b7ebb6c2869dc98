/// Compiles a JSON Schema (draft 2020-12 subset) into a ``Program``.
///
/// Compilation never recurses: every subschema gets a slot in the node table and
/// is queued, so neither deep schemas nor long `$ref` chains can exhaust the stack.
/// `$id`, `$anchor` and JSON-pointer fragments are resolved within the document.
struct SchemaCompiler {
    let doc: JSONDocument
    private var slots: [SchemaNode?] = []
    private var slotOf: [Int: Int] = [:]
    private var queue: [(location: Int, base: URIReference)] = []
    /// Absolute URIs (without fragment) of schema resources → tape index.
    private var resources: [String: Int] = [:]
    /// "absolute-uri#anchor" → tape index.
    private var anchors: [String: Int] = [:]
    /// The base URI in effect inside each scanned schema object.
    private var scopeOf: [Int: URIReference] = [:]

    /// The base URI of a schema without `$id`.
    static let defaultBase = URIReference("https://inlet.invalid/contract.schema.json")

    /// The deepest nesting accepted in a schema document.
    static let maxSchemaDepth = 256

    init(doc: JSONDocument) {
        self.doc = doc
    }

    /// Compiles the document's root schema.
    mutating func compile() throws(ContractError) -> Program {
        try scan()
        let root = slot(for: 0, base: Self.defaultBase)
        while let (location, base) = queue.popLast() {
            let node = try build(location, base)
            slots[slotOf[location]!] = node
        }
        let nodes = slots.map { $0! }
        try checkCycles(nodes)
        return Program(schema: doc, nodes: nodes, root: root)
    }

    // MARK: - Errors

    private func pointer(_ index: Int) -> String { doc.pointer(to: index) }

    private func invalid(_ index: Int, _ message: String) -> ContractError {
        ContractError(.invalidSchema, at: pointer(index), message)
    }

    private func kindName(_ index: Int) -> String {
        switch doc.kind(index) {
        case .null: "null"
        case .true, .false: "a boolean"
        case .number: "a number"
        case .string: "a string"
        case .array: "an array"
        case .object: "an object"
        }
    }

    // MARK: - Resources: $id and $anchor

    /// Keywords whose value is one subschema.
    private static let schemaKeywords: Set<String> = [
        "additionalProperties", "propertyNames", "items", "contains", "not", "if", "then", "else",
        "unevaluatedItems", "unevaluatedProperties", "contentSchema",
    ]
    /// Keywords whose value is an object of subschemas.
    private static let schemaMapKeywords: Set<String> = [
        "properties", "patternProperties", "$defs", "definitions", "dependentSchemas",
    ]
    /// Keywords whose value is an array of subschemas.
    private static let schemaArrayKeywords: Set<String> = ["prefixItems", "allOf", "anyOf", "oneOf"]

    /// Records every embedded resource (`$id`) and anchor, walking only schema positions.
    private mutating func scan() throws(ContractError) {
        var stack: [(Int, URIReference)] = [(0, Self.defaultBase)]
        resources[Self.defaultBase.absoluteText] = 0
        while let (t, parentBase) = stack.popLast() {
            guard doc.kind(t) == .object else { continue }
            var scope = parentBase
            if let id = doc.member(t, named: Array("$id".utf8)) {
                guard doc.kind(id) == .string else { throw invalid(id, "$id must be a string, not \(kindName(id))") }
                var resolved = URIReference(doc.string(id)).resolved(against: parentBase)
                if let fragment = resolved.fragment, !fragment.isEmpty {
                    throw invalid(
                        id, "$id must not have a fragment (\"#\(fragment)\"); use $anchor to name a subschema")
                }
                resolved.fragment = nil
                scope = resolved
                if resources[resolved.absoluteText] == nil || t == 0 { resources[resolved.absoluteText] = t }
            }
            for name in ["$anchor", "$dynamicAnchor"] {
                if let anchor = doc.member(t, named: Array(name.utf8)) {
                    guard doc.kind(anchor) == .string else {
                        throw invalid(anchor, "\(name) must be a string, not \(kindName(anchor))")
                    }
                    let key = scope.absoluteText + "#" + doc.string(anchor)
                    if anchors[key] == nil { anchors[key] = t }
                }
            }
            scopeOf[t] = scope
            for (k, v) in doc.members(t) {
                let keyword = doc.string(k)
                if Self.schemaKeywords.contains(keyword) {
                    stack.append((v, scope))
                } else if Self.schemaMapKeywords.contains(keyword), doc.kind(v) == .object {
                    for (_, sub) in doc.members(v) { stack.append((sub, scope)) }
                } else if Self.schemaArrayKeywords.contains(keyword), doc.kind(v) == .array {
                    for sub in doc.elements(v) { stack.append((sub, scope)) }
                }
            }
        }
    }

    /// The base URI inside the schema at `t`, given the base of the place it was reached from.
    private func scope(of t: Int, from base: URIReference) -> URIReference {
        if let known = scopeOf[t] { return known }
        guard doc.kind(t) == .object, let id = doc.member(t, named: Array("$id".utf8)), doc.kind(id) == .string
        else { return base }
        var resolved = URIReference(doc.string(id)).resolved(against: base)
        resolved.fragment = nil
        return resolved
    }

    /// Resolves a `$ref` value to a tape index.
    private func resolve(_ ref: String, base: URIReference, at v: Int) throws(ContractError) -> (Int, URIReference) {
        let uri = URIReference(ref).resolved(against: base)
        let resourceKey = uri.absoluteText
        guard let resource = resources[resourceKey] else {
            let shown = uri.authority == Self.defaultBase.authority ? "" : " (\(resourceKey))"
            throw ContractError(
                .unresolvedReference, at: pointer(v),
                "$ref \"\(ref)\" points outside this schema\(shown); only references within the same document are supported"
            )
        }
        let resourceBase = scopeOf[resource] ?? base
        guard let fragment = JSONPointer.percentDecoded(uri.fragment ?? "") else {
            throw ContractError(
                .unresolvedReference, at: pointer(v), "$ref \"\(ref)\" has a malformed %-escape in its fragment")
        }
        if fragment.isEmpty { return (resource, resourceBase) }
        if fragment.hasPrefix("/") {
            guard let tokens = JSONPointer.tokens(fragment) else {
                throw ContractError(.unresolvedReference, at: pointer(v), "$ref \"\(ref)\" is not a valid JSON pointer")
            }
            var current = resource
            var currentBase = resourceBase
            for token in tokens {
                var next: Int?
                switch doc.kind(current) {
                case .object:
                    next = doc.member(current, named: Array(token.utf8))
                case .array:
                    if let position = Int(token), position >= 0, String(position) == token,
                        position < Int(doc.nodes[current].count)
                    {
                        next = Array(doc.elements(current))[position]
                    }
                default:
                    next = nil
                }
                guard let found = next else {
                    throw ContractError(
                        .unresolvedReference, at: pointer(v),
                        "$ref \"\(ref)\" points at nothing: there is no \"\(token)\" at #\(pointer(current))")
                }
                currentBase = scope(of: current, from: currentBase)
                current = found
            }
            return (current, currentBase)
        }
        guard let anchored = anchors[resourceKey + "#" + fragment] else {
            throw ContractError(
                .unresolvedReference, at: pointer(v),
                "$ref \"\(ref)\" names an anchor \"\(fragment)\" that no $anchor defines")
        }
        return (anchored, resourceBase)
    }

    // MARK: - Slots

    /// The node-table index for the schema at tape index `t`, queuing it if new.
    private mutating func slot(for t: Int, base: URIReference) -> Int {
        if let existing = slotOf[t] { return existing }
        let index = slots.count
        slots.append(nil)
        slotOf[t] = index
        queue.append((t, base))
        return index
    }

    private mutating func subschema(_ v: Int, _ keyword: String, base: URIReference) throws(ContractError) -> Int {
        switch doc.kind(v) {
        case .object, .true, .false: return slot(for: v, base: base)
        default: throw invalid(v, "\(keyword) must be a schema (an object or a boolean), not \(kindName(v))")
        }
    }

    private mutating func subschemaArray(_ v: Int, _ keyword: String, base: URIReference) throws(ContractError) -> [Int]
    {
        guard doc.kind(v) == .array, doc.nodes[v].count > 0 else {
            throw invalid(v, "\(keyword) must be a non-empty array of schemas")
        }
        var out: [Int] = []
        for element in doc.elements(v) { out.append(try subschema(element, keyword, base: base)) }
        return out
    }

    // MARK: - Keyword values

    private func decimal(_ v: Int) -> ExactDecimal {
        let range = doc.byteRange(v)
        return doc.bytes.withUnsafeBufferPointer { ExactDecimal(text: UnsafeBufferPointer(rebasing: $0[range])) }
    }

    private func number(_ v: Int, _ keyword: String) throws(ContractError) -> NumericBound {
        guard doc.kind(v) == .number else { throw invalid(v, "\(keyword) must be a number, not \(kindName(v))") }
        return NumericBound(decimal(v), text: String(doc.numberText(v)))
    }

    private func count(_ v: Int, _ keyword: String) throws(ContractError) -> Int {
        guard doc.kind(v) == .number else {
            throw invalid(v, "\(keyword) must be a non-negative integer, not \(kindName(v))")
        }
        let value = decimal(v)
        guard value.isInteger, !value.negative || value.isZero else {
            throw invalid(v, "\(keyword) must be a non-negative integer, not \(doc.numberText(v))")
        }
        return value.saturatedMagnitude
    }

    private func utf8(_ v: Int) -> [UInt8] { Array(doc.string(v).utf8) }

    private func stringArray(_ v: Int, _ keyword: String) throws(ContractError) -> [[UInt8]] {
        guard doc.kind(v) == .array else {
            throw invalid(v, "\(keyword) must be an array of strings, not \(kindName(v))")
        }
        var out: [[UInt8]] = []
        for element in doc.elements(v) {
            guard doc.kind(element) == .string else {
                throw invalid(element, "\(keyword) must contain only strings, not \(kindName(element))")
            }
            out.append(utf8(element))
        }
        return out
    }

    private func pattern(_ source: String, at v: Int) throws(ContractError) -> Pattern {
        do {
            return try Pattern.compile(source)
        } catch {
            throw ContractError(
                .invalidPattern, at: pointer(v), "the regular expression \"\(source)\" cannot be used: \(error.reason)")
        }
    }

    // MARK: - Building one node

    private mutating func build(_ t: Int, _ parentBase: URIReference) throws(ContractError) -> SchemaNode {
        switch doc.kind(t) {
        case .true: return SchemaNode(constant: true, location: t)
        case .false: return SchemaNode(constant: false, location: t)
        case .object: break
        default: throw invalid(t, "a schema must be an object or a boolean, not \(kindName(t))")
        }
        let base = scope(of: t, from: parentBase)
        var b = SchemaBuilder(location: t)
        var number = NumberRules()
        var string = StringRules()
        var array = ArrayRules()
        var object = ObjectRules()
        var hasNumber = false
        var hasString = false
        var hasArray = false
        var hasObject = false

        for (k, v) in doc.members(t) {
            let keyword = doc.string(k)
            switch keyword {
            // Core
            case "$ref":
                guard doc.kind(v) == .string else { throw invalid(v, "$ref must be a string, not \(kindName(v))") }
                let (target, targetBase) = try resolve(doc.string(v), base: base, at: v)
                switch doc.kind(target) {
                case .object, .true, .false: b.ref = slot(for: target, base: targetBase)
                default:
                    throw ContractError(
                        .unresolvedReference, at: pointer(v),
                        "$ref \"\(doc.string(v))\" points at \(kindName(target)), which is not a schema")
                }
            case "$defs":
                // Compiled even when unused, so that a broken definition is reported now.
                guard doc.kind(v) == .object else { throw invalid(v, "$defs must be an object of schemas") }
                for (_, sub) in doc.members(v) { _ = try subschema(sub, keyword, base: base) }
            case "$id", "$anchor", "$dynamicAnchor", "$schema", "$comment":
                guard doc.kind(v) == .string else {
                    throw invalid(v, "\(keyword) must be a string, not \(kindName(v))")
                }

            // Any instance type
            case "type":
                b.typeMask = try typeMask(v)
            case "enum":
                guard doc.kind(v) == .array else { throw invalid(v, "enum must be an array, not \(kindName(v))") }
                let values = Array(doc.elements(v))
                b.enumValues = values
                if values.allSatisfy({ doc.kind($0) == .string }) { b.enumStrings = values.map { utf8($0) } }
            case "const":
                b.constValue = v

            // Numbers
            case "minimum":
                number.minimum = try self.number(v, keyword)
                hasNumber = true
            case "maximum":
                number.maximum = try self.number(v, keyword)
                hasNumber = true
            case "exclusiveMinimum":
                number.exclusiveMinimum = try self.number(v, keyword)
                hasNumber = true
            case "exclusiveMaximum":
                number.exclusiveMaximum = try self.number(v, keyword)
                hasNumber = true
            case "multipleOf":
                let bound = try self.number(v, keyword)
                guard !bound.value.negative, !bound.value.isZero else {
                    throw invalid(v, "multipleOf must be greater than 0, not \(bound.text)")
                }
                number.multipleOf = Divisor(bound.value, approximate: doc.double(v))
                number.multipleOfText = bound.text
                hasNumber = true

            // Strings
            case "minLength":
                string.minLength = try count(v, keyword)
                hasString = true
            case "maxLength":
                string.maxLength = try count(v, keyword)
                hasString = true
            case "pattern":
                guard doc.kind(v) == .string else { throw invalid(v, "pattern must be a string, not \(kindName(v))") }
                string.pattern = try pattern(doc.string(v), at: v)
                hasString = true
            case "format":
                guard doc.kind(v) == .string else { throw invalid(v, "format must be a string, not \(kindName(v))") }
                if let format = Format(name: doc.string(v)) {
                    string.format = format
                    hasString = true
                }

            // Arrays
            case "minItems":
                array.minItems = try count(v, keyword)
                hasArray = true
            case "maxItems":
                array.maxItems = try count(v, keyword)
                hasArray = true
            case "uniqueItems":
                guard doc.kind(v) == .true || doc.kind(v) == .false else {
                    throw invalid(v, "uniqueItems must be true or false, not \(kindName(v))")
                }
                array.uniqueItems = doc.kind(v) == .true
                hasArray = true
            case "prefixItems":
                array.prefixItems = try subschemaArray(v, keyword, base: base)
                hasArray = true
            case "items":
                if doc.kind(v) == .array {
                    throw invalid(
                        v, "in draft 2020-12 items takes a single schema; use prefixItems for per-position schemas")
                }
                array.items = try subschema(v, keyword, base: base)
                hasArray = true
            case "contains":
                array.contains = try subschema(v, keyword, base: base)
                hasArray = true
            case "minContains":
                array.minContains = try count(v, keyword)
            case "maxContains":
                array.maxContains = try count(v, keyword)

            // Objects
            case "minProperties":
                object.minProperties = try count(v, keyword)
                hasObject = true
            case "maxProperties":
                object.maxProperties = try count(v, keyword)
                hasObject = true
            case "required":
                for name in try stringArray(v, keyword) {
                    let index = object.intern(name)
                    if !object.required.contains(index) { object.required.append(index) }
                }
                hasObject = true
            case "properties":
                guard doc.kind(v) == .object else { throw invalid(v, "properties must be an object of schemas") }
                for (name, sub) in doc.members(v) {
                    let index = object.intern(utf8(name))
                    object.nameSchemas[index] = try subschema(sub, keyword, base: base)
                }
                hasObject = true
            case "patternProperties":
                guard doc.kind(v) == .object else { throw invalid(v, "patternProperties must be an object of schemas") }
                for (name, sub) in doc.members(v) {
                    let compiled = try pattern(doc.string(name), at: sub)
                    object.patternProperties.append((compiled, try subschema(sub, keyword, base: base)))
                }
                hasObject = true
            case "additionalProperties":
                object.additionalProperties = try subschema(v, keyword, base: base)
                hasObject = true
            case "propertyNames":
                object.propertyNames = try subschema(v, keyword, base: base)
                hasObject = true
            case "dependentRequired":
                guard doc.kind(v) == .object else {
                    throw invalid(v, "dependentRequired must be an object whose values are arrays of strings")
                }
                for (name, list) in doc.members(v) {
                    let trigger = object.intern(utf8(name))
                    var names: [Int] = []
                    for dependent in try stringArray(list, "each dependentRequired value") {
                        names.append(object.intern(dependent))
                    }
                    object.dependentRequired.append((trigger, names))
                }
                hasObject = true
            case "dependentSchemas":
                guard doc.kind(v) == .object else { throw invalid(v, "dependentSchemas must be an object of schemas") }
                for (name, sub) in doc.members(v) {
                    let trigger = object.intern(utf8(name))
                    object.dependentSchemas.append((trigger, try subschema(sub, keyword, base: base)))
                }
                hasObject = true

            // Applicators
            case "allOf": b.allOf = try subschemaArray(v, keyword, base: base)
            case "anyOf": b.anyOf = try subschemaArray(v, keyword, base: base)
            case "oneOf": b.oneOf = try subschemaArray(v, keyword, base: base)
            case "not": b.not = try subschema(v, keyword, base: base)
            case "if": b.ifSchema = try subschema(v, keyword, base: base)
            case "then": b.thenSchema = try subschema(v, keyword, base: base)
            case "else": b.elseSchema = try subschema(v, keyword, base: base)

            default:
                break  // Unknown keywords and annotations are ignored.
            }
        }
        if hasNumber { b.number = number }
        if hasString { b.string = string }
        if hasArray { b.array = array }
        if hasObject {
            object.finish()
            b.object = object
        }
        return SchemaNode(b)
    }

    private func typeMask(_ v: Int) throws(ContractError) -> UInt8 {
        func bit(_ element: Int) throws(ContractError) -> UInt8 {
            guard doc.kind(element) == .string else {
                throw invalid(element, "type must be a type name or an array of them, not \(kindName(element))")
            }
            let name = doc.string(element)
            guard let bit = TypeBits.bit(named: name) else {
                throw invalid(
                    element,
                    "unknown type \"\(name)\"; use null, boolean, object, array, number, string or integer")
            }
            return bit
        }
        if doc.kind(v) == .array {
            var mask: UInt8 = 0
            for element in doc.elements(v) { mask |= try bit(element) }
            guard mask != 0 else { throw invalid(v, "type must not be an empty array") }
            return mask
        }
        return try bit(v)
    }

    // MARK: - Loops

    /// Rejects schemas that apply themselves to the same value forever, such as
    /// `{"$ref": "#"}` or `{"$defs": {"a": {"allOf": [{"$ref": "#/$defs/a"}]}}, ...}`.
    private func checkCycles(_ nodes: [SchemaNode]) throws(ContractError) {
        var color = [UInt8](repeating: 0, count: nodes.count)  // 0 new, 1 on the path, 2 done
        for start in nodes.indices where color[start] == 0 {
            var stack: [(node: Int, children: [Int], next: Int)] = [(start, nodes[start].inPlaceChildren, 0)]
            color[start] = 1
            while !stack.isEmpty {
                let top = stack.count - 1
                if stack[top].next == stack[top].children.count {
                    color[stack[top].node] = 2
                    stack.removeLast()
                    continue
                }
                let child = stack[top].children[stack[top].next]
                stack[top].next += 1
                if color[child] == 1 {
                    throw ContractError(
                        .referenceCycle, at: pointer(nodes[child].location),
                        "this schema applies itself to the same value again (through $ref, allOf, anyOf, oneOf, not, if/then/else or dependentSchemas) without descending into it, so validation would never end"
                    )
                }
                if color[child] == 0 {
                    color[child] = 1
                    stack.append((child, nodes[child].inPlaceChildren, 0))
                }
            }
        }
    }
}
