/// Where validation failures go. The fast path uses ``NoReasons`` and stops at the
/// first failure; the reporting path uses ``ReasonList`` and keeps going.
protocol ReasonSink {
    static var collects: Bool { get }
    mutating func add(_ instance: Int, _ keyword: String, _ message: @autoclosure () -> String)
}

struct NoReasons: ReasonSink {
    #if INLET_TSAN
    /// Never read: it gives the type a size in the ThreadSanitizer build (scripts/sanitizers.sh
    /// passes -DINLET_TSAN). TSan's check of an `inout` access to an empty struct captured by a
    /// closure reads a bogus address and crashes (Swift 6.3.1; Tests/README.md, "Sanitizers").
    private var sized: UInt8 = 0
    #endif
    static var collects: Bool { false }
    @inline(__always)
    mutating func add(_ instance: Int, _ keyword: String, _ message: @autoclosure () -> String) {}
}

struct ReasonList: ReasonSink {
    static var collects: Bool { true }
    var items: [(instance: Int, keyword: String, message: String)] = []
    mutating func add(_ instance: Int, _ keyword: String, _ message: @autoclosure () -> String) {
        items.append((instance, keyword, message()))
    }
}

/// Runs a compiled contract over one parsed value.
///
/// Recursion follows the instance and the schema together; `depth` counts schema
/// applications so that no schema/instance combination can exhaust the stack.
struct Evaluator {
    /// The program's schema nodes, borrowed: the program outlives every validation.
    let schemas: UnsafeBufferPointer<Unmanaged<SchemaNode>>
    let tape: Tape
    let schemaTape: Tape

    /// The most nested schema applications one validation may make.
    static let maxDepth = 320

    // MARK: - One schema

    @inline(__always)
    func eval<S: ReasonSink>(_ s: Int, _ i: Int, _ depth: Int, _ sink: inout S) -> Bool {
        schemas[s]._withUnsafeGuaranteedRef { schema in
            if let constant = schema.constant {
                if !constant { sink.add(i, "false", "no value is allowed here (the schema is false)") }
                return constant
            }
            return evalObjectSchema(schema, i, depth, &sink)
        }
    }

    /// Applies a non-boolean schema. The node is borrowed from the program's table,
    /// which outlives the validation.
    func evalObjectSchema<S: ReasonSink>(_ schema: SchemaNode, _ i: Int, _ depth: Int, _ sink: inout S) -> Bool {
        guard depth < Self.maxDepth else {
            sink.add(i, "$ref", "the contract nests more than \(Self.maxDepth) schemas deep at this value")
            return false
        }
        let n = tape.nodes[i]
        var valid = true

        if schema.typeMask != 0 && !typeMatches(schema.typeMask, n, i) {
            sink.add(i, "type", "must be \(TypeBits.describe(schema.typeMask)), not \(describe(i))")
            guard S.collects else { return false }
            valid = false
        }
        if schema.constValue >= 0 && !JSONEquality.equal(tape, i, schemaTape, schema.constValue) {
            sink.add(i, "const", "must be \(schemaTape.compactText(schema.constValue))")
            guard S.collects else { return false }
            valid = false
        }
        if let values = schema.enumValues, !enumMatches(schema, values, i, n) {
            sink.add(i, "enum", enumMessage(values))
            guard S.collects else { return false }
            valid = false
        }

        switch n.kind {
        case .number:
            if schema.ruleKinds & RuleKinds.number != 0 && !checkNumber(schema, i, n, &sink) {
                guard S.collects else { return false }
                valid = false
            }
        case .string:
            if schema.ruleKinds & RuleKinds.string != 0 && !checkString(schema, i, n, &sink) {
                guard S.collects else { return false }
                valid = false
            }
        case .array:
            if schema.ruleKinds & RuleKinds.array != 0 && !checkArray(schema, i, n, depth, &sink) {
                guard S.collects else { return false }
                valid = false
            }
        case .object:
            if schema.ruleKinds & RuleKinds.object != 0 && !checkObject(schema, i, n, depth, &sink) {
                guard S.collects else { return false }
                valid = false
            }
        default:
            break
        }

        if schema.ref >= 0 && !eval(schema.ref, i, depth + 1, &sink) {
            guard S.collects else { return false }
            valid = false
        }
        guard schema.hasApplicators else { return valid }
        for sub in schema.allOf where !eval(sub, i, depth + 1, &sink) {
            guard S.collects else { return false }
            valid = false
        }
        if !schema.anyOf.isEmpty {
            var quiet = NoReasons()
            var matched = false
            for sub in schema.anyOf where eval(sub, i, depth + 1, &quiet) {
                matched = true
                break
            }
            if !matched {
                sink.add(
                    i, "anyOf", "must match at least one of the \(schema.anyOf.count) anyOf schemas, but matches none")
                guard S.collects else { return false }
                valid = false
            }
        }
        if !schema.oneOf.isEmpty {
            var quiet = NoReasons()
            var first = -1
            var second = -1
            for (position, sub) in schema.oneOf.enumerated() where eval(sub, i, depth + 1, &quiet) {
                if first < 0 {
                    first = position
                } else {
                    second = position
                    break
                }
            }
            if first < 0 || second >= 0 {
                sink.add(
                    i, "oneOf",
                    "must match exactly one of the \(schema.oneOf.count) oneOf schemas, but "
                        + (first < 0 ? "matches none" : "matches #\(first) and #\(second)"))
                guard S.collects else { return false }
                valid = false
            }
        }
        if schema.not >= 0 {
            var quiet = NoReasons()
            if eval(schema.not, i, depth + 1, &quiet) {
                sink.add(i, "not", "must not match the schema in not")
                guard S.collects else { return false }
                valid = false
            }
        }
        if schema.ifSchema >= 0 {
            var quiet = NoReasons()
            let condition = eval(schema.ifSchema, i, depth + 1, &quiet)
            let branch = condition ? schema.thenSchema : schema.elseSchema
            if branch >= 0
                && !child(
                    branch, i, depth, &sink, condition ? "then" : "else",
                    condition
                        ? "is not allowed when the if schema matches" : "is not allowed unless the if schema matches")
            {
                guard S.collects else { return false }
                valid = false
            }
        }
        return valid
    }

    /// Applies subschema `s` to child value `i`, reporting a `false` subschema with the
    /// parent's keyword and `refusal`.
    @inline(__always)
    func child<S: ReasonSink>(
        _ s: Int, _ i: Int, _ depth: Int, _ sink: inout S, _ keyword: String, _ refusal: @autoclosure () -> String
    ) -> Bool {
        schemas[s]._withUnsafeGuaranteedRef { schema in
            if let constant = schema.constant {
                if !constant { sink.add(i, keyword, refusal()) }
                return constant
            }
            return evalObjectSchema(schema, i, depth + 1, &sink)
        }
    }

    // MARK: - Any type

    @inline(__always)
    func typeMatches(_ mask: UInt8, _ n: JSONNode, _ i: Int) -> Bool {
        switch n.kind {
        case .null: return mask & TypeBits.null != 0
        case .true, .false: return mask & TypeBits.boolean != 0
        case .string: return mask & TypeBits.string != 0
        case .array: return mask & TypeBits.array != 0
        case .object: return mask & TypeBits.object != 0
        case .number:
            if mask & TypeBits.number != 0 { return true }
            return mask & TypeBits.integer != 0 && tape.isInteger(i)
        }
    }

    func describe(_ i: Int) -> String {
        switch tape.nodes[i].kind {
        case .null: "null"
        case .true, .false: "a boolean"
        case .string: "a string"
        case .array: "an array"
        case .object: "an object"
        case .number: tape.isInteger(i) ? "an integer" : "a number with a fractional part"
        }
    }

    func enumMatches(_ schema: SchemaNode, _ values: [Int], _ i: Int, _ n: JSONNode) -> Bool {
        if let strings = schema.enumStrings {
            guard n.kind == .string else { return false }
            return tape.withString(i) { s in
                strings.contains { candidate in
                    candidate.withUnsafeBufferPointer { JSONEquality.bytesEqual($0, s) }
                }
            }
        }
        return values.contains { JSONEquality.equal(tape, i, schemaTape, $0) }
    }

    func enumMessage(_ values: [Int]) -> String {
        if values.isEmpty { return "no value is allowed (enum is empty)" }
        if values.count == 1 { return "must be \(schemaTape.compactText(values[0]))" }
        let listed = values.prefix(10).map { schemaTape.compactText($0, limit: 40) }.joined(separator: ", ")
        return "must be one of \(listed)" + (values.count > 10 ? " (and \(values.count - 10) more)" : "")
    }

    // MARK: - Numbers

    func checkNumber<S: ReasonSink>(_ schema: SchemaNode, _ i: Int, _ n: JSONNode, _ sink: inout S) -> Bool {
        // Integers of up to 18 digits compare as Int64; anything else exactly by digits.
        let small = smallInteger(n)
        var valid = true
        if let b = schema.number.minimum, compare(i, small, b) < 0 {
            sink.add(i, "minimum", "must be at least \(b.text)")
            guard S.collects else { return false }
            valid = false
        }
        if let b = schema.number.maximum, compare(i, small, b) > 0 {
            sink.add(i, "maximum", "must be at most \(b.text)")
            guard S.collects else { return false }
            valid = false
        }
        if let b = schema.number.exclusiveMinimum, compare(i, small, b) <= 0 {
            sink.add(i, "exclusiveMinimum", "must be greater than \(b.text)")
            guard S.collects else { return false }
            valid = false
        }
        if let b = schema.number.exclusiveMaximum, compare(i, small, b) >= 0 {
            sink.add(i, "exclusiveMaximum", "must be less than \(b.text)")
            guard S.collects else { return false }
            valid = false
        }
        if let d = schema.number.multipleOf, !d.divides(tape.number(i)) {
            sink.add(i, "multipleOf", "must be a multiple of \(schema.number.multipleOfText)")
            valid = false
        }
        return valid
    }

    /// The value of an integer of at most 18 digits, without fraction or exponent.
    @inline(__always)
    func smallInteger(_ n: JSONNode) -> Int64? {
        let negative = n.flags & JSONNode.Flags.negative != 0
        let digits = Int(n.end - n.start) - (negative ? 1 : 0)
        guard n.flags & JSONNode.Flags.fractional == 0 && digits <= 18 else { return nil }
        var v: Int64 = 0
        var k = Int(n.start) + (negative ? 1 : 0)
        while k < Int(n.end) {
            v = v * 10 + Int64(tape.bytes[k] &- 0x30)
            k += 1
        }
        return negative ? -v : v
    }

    /// Compares number `i` with a bound: -1, 0 or 1. Small integers compare as `Int64`
    /// against the bound's floor and ceiling; anything else digit by digit.
    @inline(__always)
    func compare(_ i: Int, _ small: Int64?, _ bound: NumericBound) -> Int {
        if let v = small, let f = bound.floor, let c = bound.ceil {
            if f == c { return v < f ? -1 : (v > f ? 1 : 0) }
            return v <= f ? -1 : 1
        }
        return ExactNumber.compare(tape.number(i), bound.value)
    }

    // MARK: - Strings

    func checkString<S: ReasonSink>(_ schema: SchemaNode, _ i: Int, _ n: JSONNode, _ sink: inout S) -> Bool {
        var valid = true
        if schema.string.minLength > 0 || schema.string.maxLength < Int.max {
            let length = tape.codePoints(i)
            if length < schema.string.minLength {
                sink.add(
                    i, "minLength",
                    "must be at least \(schema.string.minLength) character\(schema.string.minLength == 1 ? "" : "s") long"
                )
                guard S.collects else { return false }
                valid = false
            }
            if length > schema.string.maxLength {
                sink.add(
                    i, "maxLength",
                    "must be at most \(schema.string.maxLength) character\(schema.string.maxLength == 1 ? "" : "s") long"
                )
                guard S.collects else { return false }
                valid = false
            }
        }
        if schema.string.pattern != nil || schema.string.format != nil {
            let (patternOK, formatOK) = tape.withString(i) { s in
                (
                    schema.string.pattern.map { $0.matches(s) } ?? true,
                    schema.string.format.map { $0.matches(s) } ?? true
                )
            }
            if !patternOK {
                sink.add(i, "pattern", schema.string.pattern!.failureMessage)
                guard S.collects else { return false }
                valid = false
            }
            if !formatOK {
                sink.add(i, "format", schema.string.format!.message)
                valid = false
            }
        }
        return valid
    }

    // MARK: - Arrays

    func checkArray<S: ReasonSink>(_ schema: SchemaNode, _ i: Int, _ n: JSONNode, _ depth: Int, _ sink: inout S) -> Bool
    {
        let count = Int(n.count)
        var valid = true
        if count < schema.array.minItems {
            sink.add(
                i, "minItems",
                "must have at least \(schema.array.minItems) item\(schema.array.minItems == 1 ? "" : "s")")
            guard S.collects else { return false }
            valid = false
        }
        if count > schema.array.maxItems {
            sink.add(
                i, "maxItems", "must have at most \(schema.array.maxItems) item\(schema.array.maxItems == 1 ? "" : "s")"
            )
            guard S.collects else { return false }
            valid = false
        }
        if !schema.array.prefixItems.isEmpty || schema.array.items >= 0 || schema.array.contains >= 0 {
            var cursor = i + 1
            var matches = 0
            for position in 0..<count {
                let element = cursor
                cursor = Int(tape.nodes[element].next)
                if position < schema.array.prefixItems.count {
                    if !child(
                        schema.array.prefixItems[position], element, depth, &sink, "prefixItems",
                        "no item is allowed at position \(position)")
                    {
                        guard S.collects else { return false }
                        valid = false
                    }
                } else if schema.array.items >= 0 {
                    if !child(
                        schema.array.items, element, depth, &sink, "items",
                        "is not allowed: the array may have at most \(schema.array.prefixItems.count) item\(schema.array.prefixItems.count == 1 ? "" : "s")"
                    ) {
                        guard S.collects else { return false }
                        valid = false
                    }
                }
                if schema.array.contains >= 0 {
                    var quiet = NoReasons()
                    if eval(schema.array.contains, element, depth + 1, &quiet) { matches += 1 }
                }
            }
            if schema.array.contains >= 0 {
                if matches < schema.array.minContains {
                    sink.add(
                        i, schema.array.minContains == 1 ? "contains" : "minContains",
                        schema.array.minContains == 1
                            ? "must contain an item that matches the contains schema"
                            : "must contain at least \(schema.array.minContains) items that match the contains schema, but has \(matches)"
                    )
                    guard S.collects else { return false }
                    valid = false
                }
                if matches > schema.array.maxContains {
                    sink.add(
                        i, "maxContains",
                        "must contain at most \(schema.array.maxContains) items that match the contains schema, but has \(matches)"
                    )
                    guard S.collects else { return false }
                    valid = false
                }
            }
        }
        if schema.array.uniqueItems && count > 1, let (a, b) = firstDuplicate(i, count) {
            sink.add(i, "uniqueItems", "must not contain duplicates, but items \(a) and \(b) are equal")
            valid = false
        }
        return valid
    }

    /// The positions of the first two equal elements of array `i`, if any.
    func firstDuplicate(_ i: Int, _ count: Int) -> (Int, Int)? {
        if count <= 16 {
            var p = i + 1
            for a in 0..<count {
                var q = Int(tape.nodes[p].next)
                for b in (a + 1)..<count {
                    if JSONEquality.equal(tape, p, tape, q) { return (a, b) }
                    q = Int(tape.nodes[q].next)
                }
                p = Int(tape.nodes[p].next)
            }
            return nil
        }
        // Larger arrays: sort by a hash that equal values share, compare within runs.
        var entries: [(hash: UInt64, position: Int, node: Int)] = []
        entries.reserveCapacity(count)
        var p = i + 1
        for position in 0..<count {
            entries.append((JSONEquality.hash(tape, p), position, p))
            p = Int(tape.nodes[p].next)
        }
        entries.sort { $0.hash != $1.hash ? $0.hash < $1.hash : $0.position < $1.position }
        var best: (Int, Int)?
        var start = 0
        while start < entries.count {
            var end = start + 1
            while end < entries.count && entries[end].hash == entries[start].hash { end += 1 }
            if end - start > 1 {
                for x in start..<end {
                    for y in (x + 1)..<end where JSONEquality.equal(tape, entries[x].node, tape, entries[y].node) {
                        let pair = (entries[x].position, entries[y].position)
                        if best == nil || pair.1 < best!.1 || (pair.1 == best!.1 && pair.0 < best!.0) { best = pair }
                    }
                }
            }
            start = end
        }
        return best
    }

    // MARK: - Objects

    /// The index of member key `key` among `names`, or -1.
    @inline(__always)
    func nameIndex(_ names: NameTable, _ key: Int) -> Int {
        if !tape.isEscaped(key) {
            let raw = tape.raw(key)
            let readable = tape.bytes.count - Int(tape.nodes[key].start)
            return names.find(raw, readable: readable) ?? -1
        }
        return tape.withString(key) { names.find($0) } ?? -1
    }

    /// Whether object `i` has the member named `names[k]`, given the bitmask of the first 64 names seen.
    @inline(__always)
    func present(_ k: Int, _ seen: UInt64, _ i: Int, _ names: NameTable) -> Bool {
        k < 64 ? seen & (1 << UInt64(k)) != 0 : hasMember(i, names, k)
    }

    /// Whether object `i` has a member named `names[k]` (for names beyond the 64 tracked ones).
    func hasMember(_ i: Int, _ names: NameTable, _ k: Int) -> Bool {
        var cursor = i + 1
        for _ in 0..<Int(tape.nodes[i].count) {
            if nameIndex(names, cursor) == k { return true }
            cursor = Int(tape.nodes[cursor + 1].next)
        }
        return false
    }

    /// Applies the `properties` schemas to the members of object `i` that have one,
    /// noting the first 64 names seen in `seen`; stops at the first failure.
    func checkNamedMembers(_ schema: SchemaNode, _ i: Int, _ count: Int, _ depth: Int, _ seen: inout UInt64) -> Bool {
        var cursor = i + 1
        for _ in 0..<count {
            let key = cursor
            cursor = Int(tape.nodes[key + 1].next)
            let k = nameIndex(schema.object.names, key)
            if k < 0 { continue }
            if k < 64 { seen |= 1 << UInt64(k) }
            let sub = schema.object.nameSchemas[k]
            if sub >= 0 && !checkMember(sub, key + 1, depth) { return false }
        }
        return true
    }

    /// Whether member value `i` keeps property schema `s`, applied one level below `depth`.
    /// A plain string schema is checked here, without a full schema application.
    @inline(__always)
    func checkMember(_ s: Int, _ i: Int, _ depth: Int) -> Bool {
        schemas[s]._withUnsafeGuaranteedRef { schema in
            if let constant = schema.constant { return constant }
            var quiet = NoReasons()
            if schema.isPlainString && depth + 1 < Self.maxDepth {
                let n = tape.nodes[i]
                guard n.kind == .string else { return false }
                return schema.ruleKinds & RuleKinds.string == 0 || checkString(schema, i, n, &quiet)
            }
            return evalObjectSchema(schema, i, depth + 1, &quiet)
        }
    }

    func checkObject<S: ReasonSink>(
        _ schema: SchemaNode, _ i: Int, _ n: JSONNode, _ depth: Int, _ sink: inout S
    ) -> Bool {
        let count = Int(n.count)
        var valid = true
        let minProperties = schema.object.minProperties
        let maxProperties = schema.object.maxProperties
        if count < minProperties {
            sink.add(
                i, "minProperties", "must have at least \(minProperties) propert\(minProperties == 1 ? "y" : "ies")")
            guard S.collects else { return false }
            valid = false
        }
        if count > maxProperties {
            sink.add(
                i, "maxProperties", "must have at most \(maxProperties) propert\(maxProperties == 1 ? "y" : "ies")")
            guard S.collects else { return false }
            valid = false
        }
        var seen: UInt64 = 0
        if !S.collects && schema.object.onlyNamesScan(schemas) {
            // Only `properties` looks at the members: a lean loop for the common case.
            if !checkNamedMembers(schema, i, count, depth, &seen) { return false }
        } else if schema.object.scansMembers {
            let hasNames = schema.object.names.count > 0
            let hasPatterns = !schema.object.patternProperties.isEmpty
            // additionalProperties: true allows everything; skip applying it to each member.
            var additional = schema.object.additionalProperties
            if additional >= 0 && schemas[additional]._withUnsafeGuaranteedRef({ $0.constant == true }) { additional = -1 }
            let propertyNames = schema.object.propertyNames
            var cursor = i + 1
            for _ in 0..<count {
                let key = cursor
                let value = key + 1
                cursor = Int(tape.nodes[value].next)
                var covered = false
                if hasNames {
                    let k = nameIndex(schema.object.names, key)
                    if k >= 0 {
                        if k < 64 { seen |= 1 << UInt64(k) }
                        let sub = schema.object.nameSchemas[k]
                        if sub >= 0 {
                            covered = true
                            if !child(
                                sub, value, depth, &sink, "properties",
                                "property \(quoted(tape.string(key))) is not allowed")
                            {
                                guard S.collects else { return false }
                                valid = false
                            }
                        }
                    }
                }
                if hasPatterns {
                    for (pattern, sub) in schema.object.patternProperties
                    where tape.withString(key, { pattern.matches($0) }) {
                        covered = true
                        if !child(
                            sub, value, depth, &sink, "patternProperties",
                            "property \(quoted(tape.string(key))) is not allowed")
                        {
                            guard S.collects else { return false }
                            valid = false
                        }
                    }
                }
                if additional >= 0 && !covered {
                    if !child(
                        additional, value, depth, &sink, "additionalProperties",
                        "property \(quoted(tape.string(key))) is not allowed")
                    {
                        guard S.collects else { return false }
                        valid = false
                    }
                }
                if propertyNames >= 0 {
                    if S.collects {
                        var inner = ReasonList()
                        if !eval(propertyNames, key, depth + 1, &inner) {
                            let why = inner.items.map(\.message).joined(separator: "; ")
                            sink.add(
                                key, "propertyNames", "property name \(quoted(tape.string(key))) is not allowed: \(why)"
                            )
                            valid = false
                        }
                    } else {
                        var quiet = NoReasons()
                        if !eval(propertyNames, key, depth + 1, &quiet) { return false }
                    }
                }
            }
        }
        let requiredMask = schema.object.requiredMask
        if seen & requiredMask != requiredMask || schema.object.requiredBeyondMask {
            for k in schema.object.required where !present(k, seen, i, schema.object.names) {
                sink.add(i, "required", "missing required property \(quoted(schema.object.names.name(k)))")
                guard S.collects else { return false }
                valid = false
            }
        }
        if !schema.object.dependentRequired.isEmpty {
            for (trigger, dependents) in schema.object.dependentRequired
            where present(trigger, seen, i, schema.object.names) {
                for k in dependents where !present(k, seen, i, schema.object.names) {
                    sink.add(
                        i, "dependentRequired",
                        "missing property \(quoted(schema.object.names.name(k))), which is required when \(quoted(schema.object.names.name(trigger))) is present"
                    )
                    guard S.collects else { return false }
                    valid = false
                }
            }
        }
        if !schema.object.dependentSchemas.isEmpty {
            for (trigger, sub) in schema.object.dependentSchemas where present(trigger, seen, i, schema.object.names) {
                if !child(
                    sub, i, depth, &sink, "dependentSchemas",
                    "is not allowed when property \(quoted(schema.object.names.name(trigger))) is present")
                {
                    guard S.collects else { return false }
                    valid = false
                }
            }
        }
        return valid
    }
}

/// `s` as a JSON string literal, for messages.
func quoted(_ s: String) -> String {
    var out: [UInt8] = []
    JSONText.appendQuoted(s, to: &out)
    return String(decoding: out, as: UTF8.self)
}
