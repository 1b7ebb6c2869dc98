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
