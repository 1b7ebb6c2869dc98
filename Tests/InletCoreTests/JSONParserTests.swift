import Testing
@testable import InletCore

@Suite struct JSONParserTests {
    func parse(_ text: String) throws(JSONParseError) -> JSONDocument { try JSONDocument(parsing: bytes(text)) }

    func code(_ text: [UInt8]) -> JSONParseError.Code? {
        do {
            _ = try JSONDocument(parsing: text)
            return nil
        } catch {
            return error.code
        }
    }

    @Test func parsesObjectsIntoATapeInDocumentOrder() throws {
        let doc = try parse(#"{"Id":"1","n":[1,{"x":null}],"t":true}"#)
        #expect(doc.kind(0) == .object)
        #expect(doc.nodes[0].count == 3)
        let members = Array(doc.members(0))
        #expect(members.map { doc.string($0.key) } == ["Id", "n", "t"])
        let array = members[1].value
        #expect(doc.kind(array) == .array)
        #expect(Array(doc.elements(array)).map { doc.kind($0) } == [.number, .object])
        #expect(doc.kind(members[2].value) == .true)
        #expect(doc.nodes[0].next == UInt32(doc.nodes.count))
    }

    @Test func keepsNumbersByteExact() throws {
        let text = #"{"big":123456789012345678901234567890,"dec":0.10000000000000000000000001,"e":-1.5E+300,"z":-0}"#
        let doc = try parse(text)
        let values = doc.members(0).map { doc.numberText($0.value) }
        #expect(values == ["123456789012345678901234567890", "0.10000000000000000000000001", "-1.5E+300", "-0"])
        var out: [UInt8] = []
        doc.writeCompact(0, into: &out)
        #expect(out.text == text)
    }

    @Test func decodesEscapesAndSurrogatePairs() throws {
        let doc = try parse(#"{"s":"a\"b\\c\/d\n\u00e9\ud83d\ude00"}"#)
        #expect(doc.string(doc.member(0, named: bytes("s"))!) == "a\"b\\c/d\né😀")
        #expect(doc.stringLength(doc.member(0, named: bytes("s"))!) == 10)
    }

    @Test func findsMembersByNameWithOrWithoutEscapes() throws {
        let doc = try parse(#"{"a":1,"":2,"_ingest":3,"\u005fingest2":4,"\u00e9":5,"x":{"a":6}}"#)
        #expect(doc.member(0, named: bytes("a")).map { doc.numberText($0) } == "1")
        #expect(doc.member(0, named: []).map { doc.numberText($0) } == "2")
        #expect(doc.member(0, named: bytes("_ingest")).map { doc.numberText($0) } == "3")
        #expect(doc.member(0, named: bytes("_ingest2")).map { doc.numberText($0) } == "4")
        #expect(doc.member(0, named: bytes("é")).map { doc.numberText($0) } == "5")
        #expect(doc.member(0, named: bytes("_inges")) == nil)
        #expect(doc.member(0, named: bytes("b")) == nil)
        let empty = try parse("{}")
        #expect(empty.member(0, named: bytes("a")) == nil)
        // Names near the end of the text, and of 8 and 9 bytes.
        let tail = try parse(#"{"abcdefgh":1,"abcdefghi":2,"abcdefgX":3,"b":4}"#)
        #expect(tail.member(0, named: bytes("abcdefgh")).map { tail.numberText($0) } == "1")
        #expect(tail.member(0, named: bytes("abcdefghi")).map { tail.numberText($0) } == "2")
        #expect(tail.member(0, named: bytes("abcdefgX")).map { tail.numberText($0) } == "3")
        #expect(tail.member(0, named: bytes("b")).map { tail.numberText($0) } == "4")
        #expect(tail.member(0, named: bytes("abcdefgY")) == nil)
        #expect(tail.member(0, named: bytes("c")) == nil)
    }

    @Test func remembersWhichNamesTheRootObjectCannotHave() throws {
        var text = "{"
        for k in 0..<12 { text += "\"key\(k)\":{\"inner\(k)\":1}," }
        text += #""\u0065scaped":1,"":2}"#
        let doc = try parse(text)
        for k in 0..<12 { #expect(doc.rootMayHaveMember(named: bytes("key\(k)"))) }
        #expect(doc.rootMayHaveMember(named: bytes("escaped")))
        #expect(doc.rootMayHaveMember(named: []))
        // Of many absent names, most are ruled out (12 of 256 bits are set).
        let ruledOut = (0..<1000).filter { !doc.rootMayHaveMember(named: bytes("absent\($0)")) }.count
        #expect(ruledOut > 800)
        #expect(try parse("[1]").rootMayHaveMember(named: bytes("a")))
        #expect(!(try parse("{}").rootMayHaveMember(named: bytes("a"))))
        var failed = JSONDocument(bytes: bytes(#"{"a":1,"#))
        #expect(throws: JSONParseError.self) { try failed.parse(0..<failed.bytes.count) }
        #expect(failed.rootMayHaveMember(named: bytes("b")))
        var masked = JSONDocument(bytes: bytes(#"{"a":1,"b":2}"#))
        masked.keyHashMask = 0
        try masked.parse(0..<masked.bytes.count)
        #expect(masked.rootMayHaveMember(named: bytes("zzz")))
    }

    @Test func minifiesWhitespaceOutsideStringsOnly() throws {
        let doc = try parse("{ \"a\" : [ 1 , 2 ] ,\n \"b\" : \"x y \\\" z\" }")
        var out: [UInt8] = []
        doc.writeCompact(0, into: &out)
        #expect(out.text == #"{"a":[1,2],"b":"x y \" z"}"#)
    }

    @Test func acceptsNestingUpToTheLimit() throws {
        let deep = String(repeating: "[", count: 64) + String(repeating: "]", count: 64)
        #expect(code(bytes(deep)) == nil)
        let tooDeep = String(repeating: "[", count: 65) + String(repeating: "]", count: 65)
        #expect(code(bytes(tooDeep)) == .tooDeep)
    }

    @Test func survivesAMillionOpenBrackets() {
        #expect(code([UInt8](repeating: 0x5B, count: 1_000_000)) == .tooDeep)
        #expect(code([UInt8](repeating: 0x5B, count: 1_000_000) + [UInt8](repeating: 0x5D, count: 1_000_000)) == .tooDeep)
    }

    @Test(arguments: [
        ("", JSONParseError.Code.emptyInput), ("   ", .emptyInput), ("{", .unexpectedEnd), ("[1,]", .unexpectedCharacter),
        ("NaN", .nanOrInfinity), ("-Infinity", .nanOrInfinity), ("01", .invalidNumber), ("1.", .invalidNumber),
        ("\"\\ud800\"", .loneSurrogate), ("\"\\udfff\"", .loneSurrogate), ("{\"a\":1,\"a\":2}", .duplicateKey),
        ("{\"a\":1} x", .trailingData), ("\"\\q\"", .invalidEscape), ("tru", .unexpectedCharacter),
    ])
    func rejectsEachMalformedClassWithItsOwnCode(text: String, expected: JSONParseError.Code) {
        #expect(code(bytes(text)) == expected)
    }

    @Test func rejectsInvalidUTF8() {
        for bad: [UInt8] in [[0x22, 0xC0, 0xAF, 0x22], [0x22, 0xED, 0xA0, 0x80, 0x22], [0x22, 0xF5, 0x80, 0x80, 0x80, 0x22], [0x22, 0xE2, 0x82, 0x22]] {
            #expect(code(bad) == .invalidUTF8)
        }
        #expect(code([0x22, 0xE2, 0x82, 0xAC, 0x22]) == nil)
    }

    @Test func detectsDuplicateKeysInLargeObjects() {
        var text = "{"
        for k in 0..<100 { text += "\"k\(k)\":\(k)," }
        #expect(code(bytes(text + "\"k5\":0}")) == .duplicateKey)
        #expect(code(bytes(text + "\"k100\":0}")) == nil)
    }

    func failure(_ text: String, mask: UInt64 = ~0) -> JSONParseError? {
        var doc = JSONDocument(bytes: bytes(text))
        doc.keyHashMask = mask
        do {
            try doc.parse(0..<doc.bytes.count)
            return nil
        } catch {
            return error
        }
    }

    /// `{"k0":0,...}` with `count` members named by `name`, and the byte offset of each key's quote.
    func object(_ count: Int, name: (Int) -> String = { "k\($0)" }) -> (text: String, offsets: [Int]) {
        var text = "{"
        var offsets: [Int] = []
        for k in 0..<count {
            if k > 0 { text += "," }
            offsets.append(text.utf8.count)
            text += "\"\(name(k))\":\(k)"
        }
        return (text + "}", offsets)
    }

    @Test(arguments: [2, 8, 9, 16, 32, 33, 64, 200])
    func findsDuplicateKeysInObjectsOfEverySize(count: Int) throws {
        for mask: UInt64 in [~0, 3, 0] {
            #expect(failure(object(count).text, mask: mask) == nil)
            // The last key repeats the first.
            let last = object(count) { $0 == count - 1 ? "k0" : "k\($0)" }
            let error = try #require(failure(last.text, mask: mask))
            #expect(error.code == .duplicateKey)
            #expect(error.offset == last.offsets[count - 1])
            #expect(error.message == "the key \"k0\" appears more than once in one object")
            // A key written with escapes repeats one written without.
            let escaped = object(count) { $0 == count - 1 ? "\\u006b\\/0" : ($0 == 0 ? "k/0" : "k\($0)") }
            #expect(failure(escaped.text, mask: mask)?.code == .duplicateKey)
            #expect(failure(escaped.text, mask: mask)?.offset == escaped.offsets[count - 1])
            #expect(failure(escaped.text, mask: mask)?.message == "the key \"k/0\" appears more than once in one object")
        }
    }

    @Test func reportsTheSameDuplicateAsBefore() throws {
        // Keys a, b, b, a: objects of up to 32 members name the twin of the first key
        // that has one (the second a); larger ones the first repeat (the second b).
        let names = ["a", "b", "b", "a"]
        for count in [4, 9, 32, 33, 100] {
            let doc = object(count) { $0 < 4 ? names[$0] : "f\($0)" }
            for mask: UInt64 in [~0, 0] {
                let error = try #require(failure(doc.text, mask: mask))
                #expect(error.offset == doc.offsets[count <= 32 ? 3 : 2])
            }
        }
    }

    @Test func keysThatOnlyLookAlikeAreNotDuplicates() {
        let lookalikes: [[String]] = [
            ["a", "a\\u0000"], ["", "\\u0000"], ["abcdefgh", "abcdefg"], ["abcdefgh", "abcdefgh\\u0000"],
            ["property_0001_value_name", "property_0002_value_name"], ["0123456789abcdef", "0123456789abcdeg"],
            ["0123456789abcdef0", "1123456789abcdef0"], ["\u{E9}", "e\u{301}"], ["\\u00e9", "e\\u0301"],
        ]
        for pair in lookalikes {
            for count in [2, 9, 33] {
                for mask: UInt64 in [~0, 0] {
                    let doc = object(count) { $0 < 2 ? pair[$0] : "f\($0)" }
                    #expect(failure(doc.text, mask: mask) == nil, "\(pair) in \(count) members")
                }
            }
        }
    }

    @Test func findsDuplicatesInEveryNestedObject() {
        let inner = object(40).text
        #expect(failure("[\(inner),{\"x\":\(inner),\"y\":[\(inner)]}]") == nil)
        let bad = object(40) { $0 == 39 ? "k7" : "k\($0)" }.text
        #expect(failure("[\(inner),{\"x\":\(inner),\"y\":[\(bad)]}]")?.code == .duplicateKey)
        #expect(failure("{\"a\":{\"a\":1},\"b\":{\"a\":2}}") == nil)
        #expect(failure("{\"a\":{\"a\":1},\"a\":{\"a\":2}}")?.offset == 13)
    }

    @Test func findsDuplicatesAtEveryDepth() {
        for depth in [1, 2, 23, 24, 25, 32, 33, 63] {
            let open = String(repeating: #"{"a":"#, count: depth - 1)
            let close = String(repeating: "}", count: depth - 1)
            #expect(failure(open + #"{"x":1,"y":2}"# + close, mask: ~0) == nil, "depth \(depth)")
            #expect(failure(open + #"{"x":1,"x":2}"# + close)?.code == .duplicateKey, "depth \(depth)")
            #expect(failure(open + #"{"x":1,"y":{"x":2}}"# + close) == nil, "depth \(depth)")
            // A sibling at the same depth starts with a clean filter.
            let siblings = open + #"{"s":{"x":1},"t":{"x":2,"y":3}}"# + close
            #expect(failure(siblings) == nil, "depth \(depth)")
        }
    }

    @Test func findsDuplicatesWhileTheTapeGrows() {
        // Fresh documents start with a small tape, so these objects are parsed across
        // several pauses for room, with the duplicate after them.
        let big = object(3000) { $0 == 2999 ? "k1" : "k\($0)" }
        #expect(failure(big.text)?.offset == big.offsets[2999])
        #expect(failure(object(3000).text) == nil)
        let filler = "[" + Array(repeating: "0", count: 300).joined(separator: ",") + "]"
        var text = "{"
        for k in 0..<20 { text += "\"m\(k)\":\(filler)," }
        #expect(failure(text + #""m3":0}"#)?.code == .duplicateKey)
        #expect(failure(text + #""m20":0}"#) == nil)
    }

    @Test func growsTheTapeAndReusesItAcrossParses() throws {
        let element = #"{"a":[1,2,{"b":null}],"c":"x","d":{}}"#
        let big = "[" + Array(repeating: element, count: 5000).joined(separator: ",") + "]"
        let small = "[" + element + "]"
        let text = bytes(big + " " + small)
        var doc = JSONDocument(bytes: text)
        for _ in 0..<2 {
            let end = try doc.parseValue(from: 0, upTo: text.count)
            #expect(end == big.utf8.count)
            #expect(doc.nodes.count == 1 + 5000 * 12)
            #expect(doc.nodes[0].count == 5000)
            #expect(doc.nodes[0].next == UInt32(doc.nodes.count))
            #expect(doc.elements(0).map { doc.kind($0) } == Array(repeating: .object, count: 5000))
            #expect(try doc.parseValue(from: end + 1, upTo: text.count) == text.count)
            #expect(doc.nodes.count == 13)
            var out: [UInt8] = []
            doc.writeCompact(0, into: &out)
            #expect(out.text == small)
        }
        #expect(code(bytes(String(repeating: "[", count: 64) + String(repeating: "]", count: 63))) == .unexpectedEnd)
    }

    @Test func keepsNoNodesFromAFailedParse() throws {
        let dense = "[" + Array(repeating: "0", count: 10_000).joined(separator: ",") + "]"
        let text = bytes(dense + " [1,2,}")
        var doc = JSONDocument(bytes: text)
        #expect(try doc.parseValue(from: 0, upTo: dense.utf8.count) == dense.utf8.count)
        #expect(doc.nodes.count == 10_001)
        #expect(doc.nodes.last == JSONNode(kind: .number, start: dense.utf8.count - 2, end: dense.utf8.count - 1, next: 10_001))
        #expect(throws: JSONParseError.self) { try doc.parseValue(from: dense.utf8.count + 1, upTo: text.count) }
        #expect(doc.nodes.isEmpty)
        #expect(throws: JSONParseError.self) { try doc.parseValue(from: 0, upTo: 4) }  // "[0,0"
        #expect(doc.nodes.isEmpty)
        #expect(try doc.parseValue(from: 1, upTo: 2) == 2)
        #expect(Array(doc.nodes) == [JSONNode(kind: .number, start: 1, end: 2, next: 1)])
    }

    @Test func scansStringsWithSpecialBytesAtEveryOffset() throws {
        for k in 0..<20 {
            let plain = String(repeating: "x", count: k)
            let doc = try parse("[\"\(plain)\",\"\(plain)\\n\(plain)\",\"\(plain)é\"]")
            let items = Array(doc.elements(0))
            #expect(doc.string(items[0]) == plain)
            #expect(doc.nodes[items[0]].flags == 0)
            #expect(doc.string(items[1]) == plain + "\n" + plain)
            #expect(doc.nodes[items[1]].flags == JSONNode.Flags.escaped)
            #expect(doc.string(items[2]) == plain + "é")
            #expect(doc.nodes[items[2]].flags == JSONNode.Flags.nonASCII)
            let control = try #require(failure("[\"\(plain)\u{1}\"]"))
            #expect(control.code == .controlCharacter)
            #expect(control.offset == 2 + k)
            let open = try #require(failure("\"\(plain)"))
            #expect(open.code == .unexpectedEnd)
            #expect(open.offset == 1 + k)
            #expect(failure("\"\(plain)\"") == nil)
            #expect(failure("\"\(plain)\\")?.code == .unexpectedEnd)
        }
    }

    @Test func readsLiteralsUpToTheLastByte() {
        for (text, expected) in [
            ("true", nil), ("false", nil), ("null", nil), ("[true", JSONParseError.Code.unexpectedEnd),
            ("nul", .unexpectedCharacter), ("fals", .unexpectedCharacter), ("falsy", .unexpectedCharacter),
            ("[nulL]", .unexpectedCharacter), ("trUe", .unexpectedCharacter),
        ] {
            #expect(code(bytes(text)) == expected, "\(text)")
        }
    }

    @Test func reportsOffsetsRelativeToTheValue() {
        var doc = JSONDocument(bytes: bytes("xxxx{\"a\":tru}"))
        #expect(throws: JSONParseError.self) { try doc.parseValue(from: 4, upTo: 13) }
        do {
            try doc.parseValue(from: 4, upTo: 13)
        } catch {
            #expect(error.offset == 5)
        }
    }
}
