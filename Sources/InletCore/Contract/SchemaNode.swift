/// The compiled form of a contract: schema nodes in a table, children by index.

/// Instance type bits for `type`.
enum TypeBits {
    static let null: UInt8 = 1
    static let boolean: UInt8 = 2
    static let integer: UInt8 = 4
    static let number: UInt8 = 8
    static let string: UInt8 = 16
    static let array: UInt8 = 32
    static let object: UInt8 = 64

    static let names: [(UInt8, String)] = [
        (null, "null"), (boolean, "boolean"), (integer, "integer"), (number, "number"), (string, "string"),
        (array, "array"), (object, "object"),
    ]

    static func bit(named name: String) -> UInt8? { names.first { $0.1 == name }?.0 }

    /// "a string", "an integer or null", ...
    static func describe(_ mask: UInt8) -> String {
        let words = names.filter { mask & $0.0 != 0 }.map { article($0.1) }
        if words.count <= 1 { return words.first ?? "nothing" }
        return words.dropLast().joined(separator: ", ") + " or " + words.last!
    }

    static func article(_ name: String) -> String {
        switch name {
        case "null": "null"
        case "integer", "array", "object": "an \(name)"
        default: "a \(name)"
        }
    }
}

/// A bound such as `minimum`, kept exactly and with integer shortcuts.
struct NumericBound: Sendable {
    let value: ExactDecimal
    /// The bound's text as written in the schema, for messages.
    let text: String
    /// floor and ceiling of the bound when |bound| < 10¹⁸, for integer instances.
    let floor: Int64?
    let ceil: Int64?

    init(_ value: ExactDecimal, text: String) {
        self.value = value
        self.text = text
        floor = value.floorInt64
        ceil = value.ceilInt64
    }
}

struct NumberRules: Sendable {
    var minimum: NumericBound?
    var maximum: NumericBound?
    var exclusiveMinimum: NumericBound?
    var exclusiveMaximum: NumericBound?
    var multipleOf: Divisor?
    var multipleOfText = ""
}

struct StringRules: Sendable {
    var minLength = 0
    var maxLength = Int.max
    var pattern: Pattern?
    var format: Format?
}

struct ArrayRules: Sendable {
    var minItems = 0
    var maxItems = Int.max
    var uniqueItems = false
    var prefixItems: [Int] = []
    var items = -1
    var contains = -1
    var minContains = 1
    var maxContains = Int.max
}

/// Property names in one flat byte buffer, matched by a packed 8-byte signature
/// (length and first seven bytes), with a hash index for long lists.
struct NameTable: Sendable {
    private(set) var bytes: [UInt8] = []
    private(set) var starts: [Int] = [0]
    private var signatures: [UInt64] = []
    private var slots: [Int32] = []
    /// Bit `min(length, 63)` is set for the length of every name, so that most
    /// other names are turned away before any byte is read.
    private var lengths: UInt64 = 0

    var count: Int { signatures.count }

    func name(_ k: Int) -> String { String(decoding: bytes[starts[k]..<starts[k + 1]], as: UTF8.self) }

    /// Adds `name` unless present; returns its index.
    mutating func intern(_ name: [UInt8]) -> Int {
        if let k = name.withUnsafeBufferPointer({ find($0) }) { return k }
        bytes.append(contentsOf: name)
        starts.append(bytes.count)
        signatures.append(name.withUnsafeBufferPointer { Self.signature($0) })
        lengths |= Self.lengthBit(name.count)
        rebuildIndex()
        return count - 1
    }

    private mutating func rebuildIndex() {
        guard count > 8 else {
            slots = []
            return
        }
        var size = 16
        while size < count * 2 { size <<= 1 }
        slots = [Int32](repeating: -1, count: size)
        for k in 0..<count {
            let h = bytes.withUnsafeBufferPointer {
                Self.hash(UnsafeBufferPointer(rebasing: $0[starts[k]..<starts[k + 1]]))
            }
            var slot = Int(h) & (size - 1)
            while slots[slot] >= 0 { slot = (slot + 1) & (size - 1) }
            slots[slot] = Int32(k)
        }
    }

    /// The length (saturated at 255) in the top byte and the first seven bytes below it.
    /// Names of up to seven bytes are equal exactly when their signatures are.
    @inline(__always)
    static func signature(_ s: UnsafeBufferPointer<UInt8>) -> UInt64 {
        var v = UInt64(Swift.min(s.count, 255)) << 56
        var j = 0
        let n = Swift.min(s.count, 7)
        while j < n {
            v |= UInt64(s[j]) << (UInt64(j) &* 8)
            j += 1
        }
        return v
    }

    @inline(__always)
    static func hash(_ s: UnsafeBufferPointer<UInt8>) -> UInt32 {
        var h: UInt32 = 0x811C_9DC5
        for c in s { h = (h ^ UInt32(c)) &* 0x0100_0193 }
        return h
    }

    /// The signature of `s` read with one 8-byte load; `s.baseAddress` must have at
    /// least 8 readable bytes.
    @inline(__always)
    static func wideSignature(_ s: UnsafeBufferPointer<UInt8>) -> UInt64 {
        let word = UInt64(littleEndian: UnsafeRawPointer(s.baseAddress!).loadUnaligned(as: UInt64.self))
        let kept = Swift.min(s.count, 7)
        let mask: UInt64 = (1 << (UInt64(kept) &* 8)) &- 1
        return UInt64(Swift.min(s.count, 255)) << 56 | word & mask
    }

    @inline(__always)
    static func lengthBit(_ length: Int) -> UInt64 { 1 &<< UInt64(truncatingIfNeeded: Swift.min(length, 63)) }

    /// The index of the name equal to the UTF-8 bytes `s`, if any. `readable` is how
    /// many bytes may be read from `s.baseAddress` (at least `s.count`).
    @inline(__always)
    func find(_ s: UnsafeBufferPointer<UInt8>, readable: Int = 0) -> Int? {
        guard lengths & Self.lengthBit(s.count) != 0 else { return nil }
        let signature = readable >= 8 ? Self.wideSignature(s) : Self.signature(s)
        return signatures.withUnsafeBufferPointer { sig in
            @inline(__always) func equal(_ k: Int) -> Bool {
                guard sig[k] == signature else { return false }
                if s.count <= 7 { return true }
                return bytes.withUnsafeBufferPointer { b in
                    let start = starts[k]
                    guard starts[k + 1] - start == s.count else { return false }
                    var j = 7
                    while j < s.count {
                        if b[start + j] != s[j] { return false }
                        j += 1
                    }
                    return true
                }
            }
            if slots.isEmpty {
                var k = 0
                while k < sig.count {
                    if equal(k) { return k }
                    k += 1
                }
                return nil
            }
            return slots.withUnsafeBufferPointer { table in
                let mask = table.count - 1
                var slot = Int(Self.hash(s)) & mask
                while true {
                    let k = Int(table[slot])
                    if k < 0 { return nil }
                    if equal(k) { return k }
                    slot = (slot + 1) & mask
                }
            }
        }
    }
}

struct ObjectRules: Sendable {
    var minProperties = 0
    var maxProperties = Int.max
    /// Every property name the schema mentions.
    var names = NameTable()
    /// For each name, the `properties` schema, or -1.
    var nameSchemas: [Int] = []
    /// Indexes into `names` of required properties.
    var required: [Int] = []
    var dependentRequired: [(trigger: Int, required: [Int])] = []
    var dependentSchemas: [(trigger: Int, schema: Int)] = []
    var patternProperties: [(pattern: Pattern, schema: Int)] = []
    var additionalProperties = -1
    var propertyNames = -1
    /// Bits of the required names among the first 64 names.
    var requiredMask: UInt64 = 0
    /// Whether a required name lies beyond the first 64 names.
    var requiredBeyondMask = false
    /// Whether any keyword needs to look at each member.
    var scansMembers = false

    /// Derives the precomputed fields once all keywords are in.
    mutating func finish() {
        requiredMask = 0
        requiredBeyondMask = false
        for k in required {
            if k < 64 { requiredMask |= 1 << UInt64(k) } else { requiredBeyondMask = true }
        }
        scansMembers = names.count > 0 || !patternProperties.isEmpty || additionalProperties >= 0 || propertyNames >= 0
    }

    /// Whether `properties` is the only keyword that looks at each member
    /// (`additionalProperties`, if present, being `true`).
    @inline(__always)
    func onlyNamesScan(_ schemas: UnsafeBufferPointer<Unmanaged<SchemaNode>>) -> Bool {
        guard scansMembers && patternProperties.isEmpty && propertyNames < 0 else { return false }
        return additionalProperties < 0
            || schemas[additionalProperties]._withUnsafeGuaranteedRef { $0.constant == true }
    }

    mutating func intern(_ name: [UInt8]) -> Int {
        let k = names.intern(name)
        if k == nameSchemas.count { nameSchemas.append(-1) }
        return k
    }
}

/// Bits of ``SchemaNode/ruleKinds``.
enum RuleKinds {
    static let number: UInt8 = 1
    static let string: UInt8 = 2
    static let array: UInt8 = 4
    static let object: UInt8 = 8
}

/// One compiled schema.
final class SchemaNode: Sendable {
    /// For boolean schemas (`true`/`false`): the constant outcome.
    let constant: Bool?
    /// The node's index on the schema's tape, for messages.
    let location: Int
    let typeMask: UInt8
    let ref: Int
    /// `const` as a schema tape index, or -1.
    let constValue: Int
    /// `enum` values as schema tape indexes.
    let enumValues: [Int]?
    /// `enum` values when they are all strings: their UTF-8 bytes, for fast comparison.
    let enumStrings: [[UInt8]]?
    /// Which of `number`, `string`, `array` and `object` hold rules (``RuleKinds``).
    let ruleKinds: UInt8
    let number: NumberRules
    let string: StringRules
    let array: ArrayRules
    let object: ObjectRules
    /// Whether any of allOf, anyOf, oneOf, not or if is present.
    let hasApplicators: Bool
    /// Whether the schema is `type: string` with no const, enum, $ref or applicators, so
    /// that a value keeps it exactly when it is a string that keeps the string rules
    /// (rules for other types never apply to it).
    let isPlainString: Bool
    let allOf: [Int]
    let anyOf: [Int]
    let oneOf: [Int]
    let not: Int
    let ifSchema: Int
    let thenSchema: Int
    let elseSchema: Int

    init(constant: Bool, location: Int) {
        self.constant = constant
        self.location = location
        typeMask = 0
        ref = -1
        constValue = -1
        enumValues = nil
        enumStrings = nil
        ruleKinds = 0
        number = NumberRules()
        string = StringRules()
        array = ArrayRules()
        object = ObjectRules()
        hasApplicators = false
        isPlainString = false
        allOf = []
        anyOf = []
        oneOf = []
        not = -1
        ifSchema = -1
        thenSchema = -1
        elseSchema = -1
    }

    init(_ b: SchemaBuilder) {
        constant = nil
        location = b.location
        typeMask = b.typeMask
        ref = b.ref
        constValue = b.constValue
        enumValues = b.enumValues
        enumStrings = b.enumStrings
        ruleKinds =
            (b.number != nil ? RuleKinds.number : 0) | (b.string != nil ? RuleKinds.string : 0)
            | (b.array != nil ? RuleKinds.array : 0) | (b.object != nil ? RuleKinds.object : 0)
        number = b.number ?? NumberRules()
        string = b.string ?? StringRules()
        array = b.array ?? ArrayRules()
        object = b.object ?? ObjectRules()
        hasApplicators = !b.allOf.isEmpty || !b.anyOf.isEmpty || !b.oneOf.isEmpty || b.not >= 0 || b.ifSchema >= 0
        isPlainString =
            b.typeMask == TypeBits.string && b.constValue < 0 && b.enumValues == nil && b.ref < 0 && !hasApplicators
        allOf = b.allOf
        anyOf = b.anyOf
        oneOf = b.oneOf
        not = b.not
        ifSchema = b.ifSchema
        thenSchema = b.thenSchema
        elseSchema = b.elseSchema
    }

    /// Schemas applied to the same instance location (edges that can loop).
    var inPlaceChildren: [Int] {
        var out = allOf + anyOf + oneOf
        for s in [ref, not, ifSchema, thenSchema, elseSchema] where s >= 0 { out.append(s) }
        out += object.dependentSchemas.map(\.schema)
        return out
    }
}

/// The mutable form of ``SchemaNode`` used while compiling.
struct SchemaBuilder {
    var location: Int
    var typeMask: UInt8 = 0
    var ref = -1
    var constValue = -1
    var enumValues: [Int]?
    var enumStrings: [[UInt8]]?
    var number: NumberRules?
    var string: StringRules?
    var array: ArrayRules?
    var object: ObjectRules?
    var allOf: [Int] = []
    var anyOf: [Int] = []
    var oneOf: [Int] = []
    var not = -1
    var ifSchema = -1
    var thenSchema = -1
    var elseSchema = -1
}

/// Everything a compiled contract needs at validation time.
final class Program: Sendable {
    /// The schema text and tape; `const` and `enum` values point into it.
    let schema: JSONDocument
    let nodes: [SchemaNode]
    /// `nodes` again, unretained: `nodes` keeps them alive, and the evaluator borrows
    /// them from here without a retain and release for every subschema it applies.
    let borrowed: [Unmanaged<SchemaNode>]
    let root: Int

    init(schema: JSONDocument, nodes: [SchemaNode], root: Int) {
        self.schema = schema
        self.nodes = nodes
        self.borrowed = nodes.map { Unmanaged.passUnretained($0) }
        self.root = root
    }
}
