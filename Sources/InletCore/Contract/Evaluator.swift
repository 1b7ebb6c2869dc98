/// Where validation failures go. The fast path uses ``NoReasons`` and stops at the
/// first failure; the reporting path uses ``ReasonList`` and keeps going.
protocol ReasonSink {
    static var collects: Bool { get }
    mutating func add(_ instance: Int, _ keyword: String, _ message: @autoclosure () -> String)
}

struct NoReasons: ReasonSink {
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
    let schemas: UnsafeBufferPointer<SchemaNode>
    let tape: Tape
    let schemaTape: Tape

    /// The most nested schema applications one validation may make.
    static let maxDepth = 320

    // MARK: - One schema

    func eval<S: ReasonSink>(_ s: Int, _ i: Int, _ depth: Int, _ sink: inout S) -> Bool {
        let schema = schemas[s]
        if let constant = schema.constant {
            if !constant { sink.add(i, "false", "no value is allowed here (the schema is false)") }
            return constant
        }
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
            if let rules = schema.number, !checkNumber(rules, i, n, &sink) {
                guard S.collects else { return false }
                valid = false
            }
        case .string:
            if let rules = schema.string, !checkString(rules, i, n, &sink) {
                guard S.collects else { return false }
                valid = false
            }
        case .array:
            if let rules = schema.array, !checkArray(rules, i, n, depth, &sink) {
                guard S.collects else { return false }
                valid = false
            }
        case .object:
            if let rules = schema.object, !checkObject(rules, i, n, depth, &sink) {
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
                sink.add(i, "anyOf", "must match at least one of the \(schema.anyOf.count) anyOf schemas, but matches none")
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
                    condition ? "is not allowed when the if schema matches" : "is not allowed unless the if schema matches")
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
        if schemas[s].constant == false {
            sink.add(i, keyword, refusal())
            return false
        }
        return eval(s, i, depth + 1, &sink)
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

    func checkNumber<S: ReasonSink>(_ r: NumberRules, _ i: Int, _ n: JSONNode, _ sink: inout S) -> Bool {
        // Integers of up to 18 digits compare as Int64; anything else exactly by digits.
        var small: Int64?
        let negative = n.flags & JSONNode.Flags.negative != 0
        let digits = Int(n.end - n.start) - (negative ? 1 : 0)
        if n.flags & JSONNode.Flags.fractional == 0 && digits <= 18 {
            var v: Int64 = 0
            var k = Int(n.start) + (negative ? 1 : 0)
            while k < Int(n.end) {
                v = v * 10 + Int64(tape.bytes[k] &- 0x30)
                k += 1
            }
            small = negative ? -v : v
        }
        @inline(__always) func compare(_ bound: NumericBound) -> Int {
            if let v = small, let f = bound.floor, let c = bound.ceil {
                if f == c { return v < f ? -1 : (v > f ? 1 : 0) }
                return v <= f ? -1 : 1
            }
            return ExactNumber.compare(tape.number(i), bound.value)
        }
        var valid = true
        if let b = r.minimum, compare(b) < 0 {
            sink.add(i, "minimum", "must be at least \(b.text)")
            guard S.collects else { return false }
            valid = false
        }
        if let b = r.maximum, compare(b) > 0 {
            sink.add(i, "maximum", "must be at most \(b.text)")
            guard S.collects else { return false }
            valid = false
        }
        if let b = r.exclusiveMinimum, compare(b) <= 0 {
            sink.add(i, "exclusiveMinimum", "must be greater than \(b.text)")
            guard S.collects else { return false }
            valid = false
        }
        if let b = r.exclusiveMaximum, compare(b) >= 0 {
            sink.add(i, "exclusiveMaximum", "must be less than \(b.text)")
            guard S.collects else { return false }
            valid = false
        }
        if let d = r.multipleOf, !d.divides(tape.number(i)) {
            sink.add(i, "multipleOf", "must be a multiple of \(r.multipleOfText)")
            valid = false
        }
        return valid
    }

    // MARK: - Strings

    func checkString<S: ReasonSink>(_ r: StringRules, _ i: Int, _ n: JSONNode, _ sink: inout S) -> Bool {
        var valid = true
        if r.minLength > 0 || r.maxLength < Int.max {
            let length = tape.codePoints(i)
            if length < r.minLength {
                sink.add(i, "minLength", "must be at least \(r.minLength) character\(r.minLength == 1 ? "" : "s") long")
                guard S.collects else { return false }
                valid = false
            }
            if length > r.maxLength {
                sink.add(i, "maxLength", "must be at most \(r.maxLength) character\(r.maxLength == 1 ? "" : "s") long")
                guard S.collects else { return false }
                valid = false
            }
        }
        if r.pattern != nil || r.format != nil {
            let (patternOK, formatOK) = tape.withString(i) { s in
                (r.pattern.map { $0.matches(s) } ?? true, r.format.map { $0.matches(s) } ?? true)
            }
            if !patternOK {
                sink.add(i, "pattern", "must match the regular expression \(quoted(r.pattern!.source))")
                guard S.collects else { return false }
                valid = false
            }
            if !formatOK {
                sink.add(i, "format", r.format!.message)
                valid = false
            }
        }
        return valid
    }

    // MARK: - Arrays

    func checkArray<S: ReasonSink>(_ r: ArrayRules, _ i: Int, _ n: JSONNode, _ depth: Int, _ sink: inout S) -> Bool {
        let count = Int(n.count)
        var valid = true
        if count < r.minItems {
            sink.add(i, "minItems", "must have at least \(r.minItems) item\(r.minItems == 1 ? "" : "s")")
            guard S.collects else { return false }
            valid = false
        }
        if count > r.maxItems {
            sink.add(i, "maxItems", "must have at most \(r.maxItems) item\(r.maxItems == 1 ? "" : "s")")
            guard S.collects else { return false }
            valid = false
        }
        if !r.prefixItems.isEmpty || r.items >= 0 || r.contains >= 0 {
            var cursor = i + 1
            var matches = 0
            for position in 0..<count {
                let element = cursor
                cursor = Int(tape.nodes[element].next)
                if position < r.prefixItems.count {
                    if !child(
                        r.prefixItems[position], element, depth, &sink, "prefixItems",
                        "no item is allowed at position \(position)")
                    {
                        guard S.collects else { return false }
                        valid = false
                    }
                } else if r.items >= 0 {
                    if !child(
                        r.items, element, depth, &sink, "items",
                        "is not allowed: the array may have at most \(r.prefixItems.count) item\(r.prefixItems.count == 1 ? "" : "s")")
                    {
                        guard S.collects else { return false }
                        valid = false
                    }
                }
                if r.contains >= 0 {
                    var quiet = NoReasons()
                    if eval(r.contains, element, depth + 1, &quiet) { matches += 1 }
                }
            }
            if r.contains >= 0 {
                if matches < r.minContains {
                    sink.add(
                        i, r.minContains == 1 ? "contains" : "minContains",
                        r.minContains == 1
                            ? "must contain an item that matches the contains schema"
                            : "must contain at least \(r.minContains) items that match the contains schema, but has \(matches)")
                    guard S.collects else { return false }
                    valid = false
                }
                if matches > r.maxContains {
                    sink.add(
                        i, "maxContains",
                        "must contain at most \(r.maxContains) items that match the contains schema, but has \(matches)")
                    guard S.collects else { return false }
                    valid = false
                }
            }
        }
        if r.uniqueItems && count > 1, let (a, b) = firstDuplicate(i, count) {
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

    @inline(__always)
    func nameIndex(_ names: NameTable, _ key: Int) -> Int {
        tape.withString(key) { names.find($0) } ?? -1
    }

    /// Whether object `i` has a member named `name` (for names beyond the 64 tracked ones).
    func hasMember(_ i: Int, _ names: NameTable, _ k: Int) -> Bool {
        var cursor = i + 1
        for _ in 0..<Int(tape.nodes[i].count) {
            if nameIndex(names, cursor) == k { return true }
            cursor = Int(tape.nodes[cursor + 1].next)
        }
        return false
    }

    func checkObject<S: ReasonSink>(_ r: ObjectRules, _ i: Int, _ n: JSONNode, _ depth: Int, _ sink: inout S) -> Bool {
        let count = Int(n.count)
        var valid = true
        if count < r.minProperties {
            sink.add(i, "minProperties", "must have at least \(r.minProperties) propert\(r.minProperties == 1 ? "y" : "ies")")
            guard S.collects else { return false }
            valid = false
        }
        if count > r.maxProperties {
            sink.add(i, "maxProperties", "must have at most \(r.maxProperties) propert\(r.maxProperties == 1 ? "y" : "ies")")
            guard S.collects else { return false }
            valid = false
        }
        let names = r.names
        var seen: UInt64 = 0
        if names.count > 0 || !r.patternProperties.isEmpty || r.additionalProperties >= 0 || r.propertyNames >= 0 {
            var cursor = i + 1
            for _ in 0..<count {
                let key = cursor
                let value = key + 1
                cursor = Int(tape.nodes[value].next)
                let k = names.count > 0 ? nameIndex(names, key) : -1
                var covered = false
                if k >= 0 {
                    if k < 64 { seen |= 1 << UInt64(k) }
                    let sub = r.nameSchemas[k]
                    if sub >= 0 {
                        covered = true
                        if !child(sub, value, depth, &sink, "properties", "property \(quoted(tape.string(key))) is not allowed") {
                            guard S.collects else { return false }
                            valid = false
                        }
                    }
                }
                if !r.patternProperties.isEmpty {
                    for (pattern, sub) in r.patternProperties where tape.withString(key, { pattern.matches($0) }) {
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
                if r.additionalProperties >= 0 && !covered {
                    if !child(
                        r.additionalProperties, value, depth, &sink, "additionalProperties",
                        "property \(quoted(tape.string(key))) is not allowed")
                    {
                        guard S.collects else { return false }
                        valid = false
                    }
                }
                if r.propertyNames >= 0 {
                    if S.collects {
                        var inner = ReasonList()
                        if !eval(r.propertyNames, key, depth + 1, &inner) {
                            let why = inner.items.map(\.message).joined(separator: "; ")
                            sink.add(key, "propertyNames", "property name \(quoted(tape.string(key))) is not allowed: \(why)")
                            valid = false
                        }
                    } else {
                        var quiet = NoReasons()
                        if !eval(r.propertyNames, key, depth + 1, &quiet) { return false }
                    }
                }
            }
        }
        @inline(__always) func present(_ k: Int) -> Bool {
            k < 64 ? seen & (1 << UInt64(k)) != 0 : hasMember(i, names, k)
        }
        for k in r.required where !present(k) {
            sink.add(i, "required", "missing required property \(quoted(names.name(k)))")
            guard S.collects else { return false }
            valid = false
        }
        for (trigger, dependents) in r.dependentRequired where present(trigger) {
            for k in dependents where !present(k) {
                sink.add(
                    i, "dependentRequired",
                    "missing property \(quoted(names.name(k))), which is required when \(quoted(names.name(trigger))) is present")
                guard S.collects else { return false }
                valid = false
            }
        }
        for (trigger, sub) in r.dependentSchemas where present(trigger) {
            if !child(
                sub, i, depth, &sink, "dependentSchemas",
                "is not allowed when property \(quoted(names.name(trigger))) is present")
            {
                guard S.collects else { return false }
                valid = false
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
