import Foundation
import Testing

@testable import InletCore

private func parse(_ text: String) throws -> JSONDocument { try JSONDocument(parsing: Array(text.utf8)) }

private func contract(_ schema: String) throws -> Contract { try Contract(schemaText: schema) }

private func reasons(_ c: Contract, _ instance: String) throws -> [ValidationReason] {
    let document = try parse(instance)
    let reasons = c.validate(document, 0)
    #expect(reasons.isEmpty == c.isValid(document, 0), "validate and isValid disagree on \(instance)")
    return reasons
}

private func valid(_ c: Contract, _ instance: String) throws -> Bool { try reasons(c, instance).isEmpty }

private func compileError(_ schema: String) -> ContractError? {
    do {
        _ = try Contract(schemaText: schema)
        return nil
    } catch {
        return error
    }
}

@Suite struct DefaultContractTests {
    @Test func samplePasses() throws {
        #expect(try reasons(.default, #"{"Id":"1","Name":"John","Age":"10","Sex":"Male"}"#) == [])
    }

    @Test func emptyIdFailsAtId() throws {
        let found = try reasons(.default, #"{"Id":""}"#)
        #expect(
            found.contains(
                ValidationReason(pointer: "/Id", keyword: "minLength", message: "must be at least 1 character long")))
        #expect(found.allSatisfy { $0.pointer == "/Id" })
    }

    @Test func missingIdFailsWithRequired() throws {
        #expect(
            try reasons(.default, #"{"Name":"x"}"#) == [
                ValidationReason(pointer: "", keyword: "required", message: "missing required property \"Id\"")
            ])
    }

    @Test func blankIdFails() throws {
        let found = try reasons(.default, #"{"Id":"   "}"#)
        #expect(found.map(\.keyword) == ["pattern"])
        #expect(found.first?.pointer == "/Id")
        #expect(try !valid(.default, #"{"Id":"\t\n\u00a0\u3000"}"#))
        #expect(try valid(.default, #"{"Id":"  x "}"#))
        #expect(try valid(.default, #"{"Id":"\u00e9"}"#))
    }

    @Test func typesAndExtras() throws {
        #expect(try reasons(.default, #"{"Id":1}"#).map(\.keyword) == ["type"])
        #expect(
            try reasons(.default, #"{"Id":"1","Name":null}"#) == [
                ValidationReason(pointer: "/Name", keyword: "type", message: "must be a string, not null")
            ])
        #expect(try reasons(.default, #"[1]"#).map(\.keyword) == ["type"])
        #expect(try valid(.default, #"{"Id":"1","Extra":{"anything":[1,2,3]}}"#))
        #expect(try valid(.default, #"{"I\u0064":"1"}"#), "escaped keys match by their decoded name")
        let long = String(repeating: "x", count: 257)
        #expect(try reasons(.default, #"{"Id":"1","Sex":"\#(long)"}"#).map(\.keyword) == ["maxLength"])
    }

    @Test func collectsEveryReason() throws {
        let long = String(repeating: "é", count: 300)
        let found = try reasons(.default, #"{"Id":"","Name":5,"Age":"\#(long)"}"#)
        #expect(
            found.map { "\($0.pointer) \($0.keyword)" }.sorted() == [
                "/Age maxLength", "/Id minLength", "/Id pattern", "/Name type",
            ])
    }

    @Test func validatesValuesInsideBatches() throws {
        let batch = try parse(#"[{"Id":"ok"},{"Id":""}]"#)
        let second = Int(batch.nodes[1].next)
        #expect(Contract.default.validate(batch, 1) == [])
        #expect(Contract.default.validate(batch, second).map(\.pointer) == ["/Id", "/Id"])
    }

    @Test func idAndFile() throws {
        #expect(Contract.default.id == "inlet:default-contract:v1")
        let file = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("contracts/default.schema.json")
        let text = try String(contentsOf: file, encoding: .utf8)
        #expect(text == Contract.defaultSchemaText)
    }

    @Test func idWithoutDollarIdIsTheSchemaHash() throws {
        let schema = #"{"type":"string"}"#
        #expect(try contract(schema).id == "sha256:" + SHA256.hex(Array(schema.utf8)))
    }
}

@Suite struct ContractErrorTests {
    @Test func invalidJSON() {
        let error = compileError("{")
        #expect(error?.code == .invalidJSON)
        #expect(error?.message.contains("not valid JSON") == true)
    }

    @Test func invalidKeywordValues() {
        let type = compileError(#"{"properties":{"a":{"type":"strin"}}}"#)
        #expect(type?.code == .invalidSchema)
        #expect(type?.pointer == "/properties/a/type")
        #expect(type?.message.contains("unknown type \"strin\"") == true)
        #expect(type?.message.hasSuffix(" (at #/properties/a/type)") == true)
        #expect(type?.description.hasPrefix("invalid_schema: unknown type") == true)

        #expect(compileError(#"{"minLength":-1}"#)?.pointer == "/minLength")
        #expect(compileError(#"{"maxItems":1.5}"#)?.code == .invalidSchema)
        #expect(compileError(#"{"required":"Id"}"#)?.pointer == "/required")
        #expect(compileError(#"{"required":["a",1]}"#)?.pointer == "/required/1")
        #expect(compileError(#"{"multipleOf":0}"#)?.code == .invalidSchema)
        #expect(compileError(#"{"minimum":"1"}"#)?.message == "minimum must be a number, not a string (at #/minimum)")
        #expect(compileError(#"{"type":5}"#)?.message.hasSuffix("(at #/type)") == true)
        #expect(compileError(#"{"allOf":[]}"#)?.code == .invalidSchema)
        #expect(compileError(#"{"not":5}"#)?.pointer == "/not")
        #expect(compileError("5")?.message.contains("must be an object or a boolean") == true)
        #expect(compileError(#"{"items":[{}]}"#)?.message.contains("prefixItems") == true)
        #expect(compileError(##"{"$id":"#frag"}"##)?.code == .invalidSchema)
    }

    @Test func invalidPatterns() {
        let error = compileError(#"{"properties":{"a":{"pattern":"(?<=a)b"}}}"#)
        #expect(error?.code == .invalidPattern)
        #expect(error?.pointer == "/properties/a/pattern")
        #expect(error?.message.contains("(?<=a)b") == true)
        #expect(compileError(#"{"patternProperties":{"[":{}}}"#)?.code == .invalidPattern)
    }

    @Test func unresolvedReferences() {
        let missing = compileError(##"{"properties":{"a":{"$ref":"#/$defs/missing"}}}"##)
        #expect(missing?.code == .unresolvedReference)
        #expect(missing?.pointer == "/properties/a/$ref")
        #expect(compileError(#"{"$ref":"https://example.com/other.json"}"#)?.code == .unresolvedReference)
        #expect(compileError(##"{"$ref":"#nowhere"}"##)?.code == .unresolvedReference)
        #expect(compileError(##"{"$ref":"#/type","type":"string"}"##)?.code == .unresolvedReference)
    }

    @Test func referenceCycles() {
        #expect(compileError(##"{"$ref":"#"}"##)?.code == .referenceCycle)
        let indirect =
            ##"{"$defs":{"a":{"$ref":"#/$defs/b"},"b":{"anyOf":[{"$ref":"#/$defs/a"}]}},"$ref":"#/$defs/a"}"##
        #expect(compileError(indirect)?.code == .referenceCycle)
        // Recursion that descends into the instance is fine.
        #expect(compileError(##"{"properties":{"next":{"$ref":"#"}}}"##) == nil)
    }
}

@Suite struct ContractKeywordTests {
    @Test func matchesPropertyNamesOfEveryLength() throws {
        // Lengths from 0 to past 63 (where the length filter's last bit is shared).
        let names = [0, 1, 7, 8, 9, 62, 63, 64, 100].map { String(repeating: "n", count: $0) }
        var properties: [String] = []
        for name in names { properties.append("\"\(name)\":{\"type\":\"integer\"}") }
        let c = try contract(#"{"properties":{"# + properties.joined(separator: ",") + "}}")
        for name in names {
            #expect(try valid(c, "{\"\(name)\":1}"))
            #expect(try reasons(c, "{\"\(name)\":\"x\"}").map(\.pointer) == ["/" + name])
            #expect(try valid(c, "{\"\(name)x\":\"x\"}"))
            #expect(try reasons(c, "{\"\\u006e\(name.dropFirst())\":\"x\"}").count == 1)
        }
        #expect(try valid(c, "{\"\(String(repeating: "n", count: 65))\":\"x\",\"\(String(repeating: "m", count: 64))\":\"x\"}"))
    }

    @Test func checksStringPropertiesTheSameWhetherOrNotReasonsAreCollected() throws {
        // `reasons` checks that validate (which collects) and isValid (which takes the
        // lean paths) agree.
        let schemas = [
            #"{"properties":{"s":{"type":"string","minLength":2,"maxLength":3,"pattern":"^a"}}}"#,
            #"{"properties":{"s":{"type":"string","format":"uuid","minimum":3}}}"#,
            #"{"properties":{"s":{"type":"string","const":"ab"}}}"#,
            #"{"properties":{"s":{"type":["string","null"],"maxLength":1}}}"#,
            #"{"properties":{"s":{"type":"string","enum":["ab","abc"]}}}"#,
            #"{"properties":{"s":{"type":"string","not":{"const":"ab"}}}}"#,
            #"{"properties":{"s":{"maxLength":2}}}"#,
            #"{"properties":{"s":{"type":"string"},"t":false}}"#,
        ]
        let instances = [
            #"{}"#, #"{"s":"ab"}"#, #"{"s":"abc"}"#, #"{"s":"abcd"}"#, #"{"s":"b"}"#, #"{"s":null}"#, #"{"s":1}"#,
            #"{"s":"\u0061b"}"#, #"{"s":"ab","t":1}"#, #"{"s":["ab"]}"#,
            #"{"s":"5f1c1e2a-9b7e-4c1e-8f7a-2a9b7e4c1e8f"}"#,
        ]
        for schema in schemas {
            let c = try contract(schema)
            for instance in instances { _ = try reasons(c, instance) }
        }
        let c = try contract(schemas[0])
        #expect(try valid(c, #"{"s":"ab"}"#))
        #expect(try reasons(c, #"{"s":1}"#).map(\.keyword) == ["type"])
        #expect(try reasons(c, #"{"s":"b"}"#).map(\.keyword).sorted() == ["minLength", "pattern"])
    }

    @Test func additionalPropertiesTrueAllowsEverything() throws {
        let c = try contract(#"{"properties":{"a":{"type":"string"}},"additionalProperties":true,"required":["b"]}"#)
        #expect(try valid(c, #"{"a":"x","b":1,"c":[]}"#))
        #expect(try reasons(c, #"{"a":1,"c":[]}"#).map(\.keyword).sorted() == ["required", "type"])
        let d = try contract(##"{"additionalProperties":{"$ref":"#/$defs/t"},"$defs":{"t":true}}"##)
        #expect(try valid(d, #"{"a":"x"}"#))
    }

    @Test func unknownKeywordsAreIgnored() throws {
        let c = try contract(#"{"x-owner":{"type":5},"examples":[1],"unevaluatedStuff":false,"type":"string"}"#)
        #expect(try valid(c, #""a""#))
        #expect(try !valid(c, "1"))
    }

    @Test func bigIntegerBounds() throws {
        let minimum = try contract(#"{"minimum":9007199254740993}"#)
        #expect(try valid(minimum, "18446744073709551616"))
        #expect(try valid(minimum, "9007199254740993"))
        #expect(try !valid(minimum, "9007199254740992"), "a Double comparison would round the bound down")
        #expect(try !valid(minimum, "-18446744073709551616"))

        let maximum = try contract(#"{"maximum":9007199254740993}"#)
        #expect(try !valid(maximum, "18446744073709551616"))
        #expect(try !valid(maximum, "9007199254740994"))
        #expect(try valid(maximum, "9007199254740993.0"))

        let exclusive = try contract(
            #"{"exclusiveMaximum":18446744073709551616,"exclusiveMinimum":-9223372036854775809}"#)
        #expect(try valid(exclusive, "18446744073709551615"))
        #expect(try !valid(exclusive, "18446744073709551616"))
        #expect(try !valid(exclusive, "1.8446744073709551616e19"))
        #expect(try valid(exclusive, "-9223372036854775808"))
        #expect(try !valid(exclusive, "-9223372036854775809"))

        let decimal = try contract(#"{"maximum":0.1}"#)
        #expect(try valid(decimal, "0.1"))
        #expect(try !valid(decimal, "0.10000000000000001"), "equal as Doubles, but larger")
        #expect(try valid(decimal, "1e-400"))
        #expect(try !valid(decimal, "1e400"))
    }

    @Test func boundMessages() throws {
        #expect(
            try reasons(contract(#"{"minimum":1.5}"#), "1") == [
                ValidationReason(pointer: "", keyword: "minimum", message: "must be at least 1.5")
            ])
        #expect(try reasons(contract(#"{"exclusiveMaximum":3}"#), "3").map(\.message) == ["must be less than 3"])
    }

    @Test func integers() throws {
        let c = try contract(#"{"type":"integer"}"#)
        for text in ["1", "1.0", "-0", "1e2", "1.5e1", "12345678901234567890123"] {
            #expect(try valid(c, text), "\(text)")
        }
        for text in ["1.5", "12e-1", "1e-400"] { #expect(try !valid(c, text), "\(text)") }
        #expect(try reasons(c, "1.5").map(\.message) == ["must be an integer, not a number with a fractional part"])
    }

    @Test func multipleOf() throws {
        #expect(try valid(contract(#"{"multipleOf":0.0001}"#), "0.0075"))
        #expect(try !valid(contract(#"{"multipleOf":0.0001}"#), "0.00751"))
        #expect(try valid(contract(#"{"multipleOf":0.01}"#), "19.99"))
        #expect(try !valid(contract(#"{"multipleOf":0.123456789}"#), "1e308"))
        #expect(try valid(contract(#"{"multipleOf":1e-8}"#), "12391239123"))
        #expect(try valid(contract(#"{"multipleOf":7}"#), "7e1000000"))
        #expect(try !valid(contract(#"{"multipleOf":3}"#), "1e1000000"))
        #expect(try valid(contract(#"{"multipleOf":18446744073709551615}"#), "36893488147419103230"))
    }

    @Test func jsonEquality() throws {
        let c = try contract(#"{"const":{"a":[1,{"b":null}],"c":"x"}}"#)
        #expect(try valid(c, #"{"c":"x","a":[1.0,{"b":null}]}"#))
        #expect(try !valid(c, #"{"c":"x","a":[true,{"b":null}]}"#))
        #expect(try valid(contract(#"{"enum":["\u00e4",2]}"#), #""ä""#))
        #expect(try !valid(contract(#"{"enum":["\u00e4"]}"#), #""a\u0308""#), "no Unicode normalisation")
        #expect(try valid(contract(#"{"uniqueItems":true}"#), #"[1,"1",[1],{"1":1},true]"#))
        #expect(
            try reasons(contract(#"{"uniqueItems":true}"#), #"[{"a":1,"b":2},0,{"b":2,"a":1.0}]"#).map(\.message) == [
                "must not contain duplicates, but items 0 and 2 are equal"
            ])
        let many = (0..<100).map(String.init).joined(separator: ",")
        #expect(try valid(contract(#"{"uniqueItems":true}"#), "[\(many)]"))
        #expect(
            try reasons(contract(#"{"uniqueItems":true}"#), "[\(many),42.0]").map(\.message) == [
                "must not contain duplicates, but items 42 and 100 are equal"
            ])
    }

    @Test func pointersAreEscaped() throws {
        let c = try contract(
            #"{"properties":{"a/b":{"type":"string"},"m~n":{"type":"string"}},"items":{"type":"string"}}"#)
        #expect(try reasons(c, #"{"a/b":1,"m~n":2}"#).map(\.pointer) == ["/a~1b", "/m~0n"])
        #expect(try reasons(c, #"["a",1]"#).map(\.pointer) == ["/1"])
    }

    @Test func applicatorsGiveOneReason() throws {
        let anyOf = try contract(#"{"anyOf":[{"type":"string"},{"type":"integer","minimum":10}]}"#)
        #expect(
            try reasons(anyOf, "5") == [
                ValidationReason(
                    pointer: "", keyword: "anyOf",
                    message: "must match at least one of the 2 anyOf schemas, but matches none")
            ])
        let oneOf = try contract(#"{"properties":{"x":{"oneOf":[{"type":"integer"},{"minimum":0}]}}}"#)
        #expect(
            try reasons(oneOf, #"{"x":1}"#) == [
                ValidationReason(
                    pointer: "/x", keyword: "oneOf",
                    message: "must match exactly one of the 2 oneOf schemas, but matches #0 and #1")
            ])
    }

    @Test func objectKeywords() throws {
        let c = try contract(
            #"{"additionalProperties":false,"properties":{"a":true},"patternProperties":{"^x-":{"type":"string"}},"propertyNames":{"maxLength":5},"dependentRequired":{"a":["b"]},"minProperties":1}"#
        )
        #expect(try valid(c, #"{"x-1":"s"}"#))
        let found = try reasons(c, #"{"a":1,"x-1":2,"toolong":3}"#)
        #expect(
            found.contains(
                ValidationReason(pointer: "/x-1", keyword: "type", message: "must be a string, not an integer")))
        #expect(
            found.contains(
                ValidationReason(
                    pointer: "/toolong", keyword: "additionalProperties", message: "property \"toolong\" is not allowed"
                )))
        #expect(found.contains { $0.pointer == "/toolong" && $0.keyword == "propertyNames" })
        #expect(
            found.contains(
                ValidationReason(
                    pointer: "", keyword: "dependentRequired",
                    message: "missing property \"b\", which is required when \"a\" is present")))
        #expect(try reasons(c, "{}").map(\.keyword) == ["minProperties"])
    }

    @Test func propertyNamesOfEveryShortLength() throws {
        let names = (0...10).map { String("abcdefghijk".prefix($0)) }
        let properties = names.map { "\"\($0)\":{\"type\":\"integer\"}" }.joined(separator: ",")
        let c = try contract(#"{"properties":{\#(properties)},"additionalProperties":false}"#)
        #expect(try valid(c, "{" + names.map { "\"\($0)\":1" }.joined(separator: ",") + "}"))
        for name in names {
            // The member last, so that the key sits close to the end of the text.
            let other = name == "abc" ? "ab" : "abc"
            #expect(try reasons(c, #"{"\#(other)":1,"\#(name)":"x"}"#).map(\.pointer) == ["/\(name)"])
            #expect(try reasons(c, #"{"\#(name)x":1}"#).map(\.keyword) == ["additionalProperties"])
        }
        #expect(try reasons(c, #"{"abcdefg\u0068":"x"}"#).map(\.pointer) == ["/abcdefgh"])
    }

    @Test func manyProperties() throws {
        // More than 64 names: required beyond the tracked bitmask, and the hashed name index.
        let names = (0..<80).map { "p\($0)" }
        let properties = names.map { "\"\($0)\":{\"type\":\"integer\"}" }.joined(separator: ",")
        let required = names.map { "\"\($0)\"" }.joined(separator: ",")
        let c = try contract(#"{"properties":{\#(properties)},"required":[\#(required)]}"#)
        let all = names.map { "\"\($0)\":1" }.joined(separator: ",")
        #expect(try valid(c, "{\(all)}"))
        let missingLast = names.dropLast().map { "\"\($0)\":1" }.joined(separator: ",")
        #expect(try reasons(c, "{\(missingLast)}").map(\.message) == ["missing required property \"p79\""])
        #expect(
            try reasons(c, #"{\#(all),"p70":"x"}"#.replacingOccurrences(of: #""p70":1,"#, with: "")).map(\.pointer) == [
                "/p70"
            ])
    }

    @Test func arrayKeywords() throws {
        let c = try contract(#"{"prefixItems":[{"type":"string"}],"items":false,"minItems":1}"#)
        #expect(try valid(c, #"["a"]"#))
        #expect(
            try reasons(c, #"["a",2]"#) == [
                ValidationReason(
                    pointer: "/1", keyword: "items", message: "is not allowed: the array may have at most 1 item")
            ])
        #expect(try reasons(c, "[]").map(\.keyword) == ["minItems"])
        let contains = try contract(#"{"contains":{"type":"integer"},"minContains":2,"maxContains":3}"#)
        #expect(try valid(contains, #"[1,"a",2]"#))
        #expect(try !valid(contains, #"[1,"a"]"#))
        #expect(try !valid(contains, "[1,2,3,4]"))
    }

    @Test func ifThenElse() throws {
        let c = try contract(
            #"{"if":{"properties":{"kind":{"const":"a"}}},"then":{"required":["a"]},"else":{"required":["b"]}}"#)
        #expect(try valid(c, #"{"kind":"a","a":1}"#))
        #expect(try reasons(c, #"{"kind":"a"}"#).map(\.message) == ["missing required property \"a\""])
        #expect(try reasons(c, #"{"kind":"z"}"#).map(\.message) == ["missing required property \"b\""])
    }

    @Test func formats() throws {
        let dateTime = try contract(#"{"format":"date-time"}"#)
        #expect(try valid(dateTime, #""2024-02-29T23:59:59.5+01:00""#))
        #expect(try !valid(dateTime, #""2023-02-29T00:00:00Z""#))
        #expect(try reasons(dateTime, #""yesterday""#).map(\.keyword) == ["format"])
        let uuid = try contract(#"{"format":"uuid"}"#)
        #expect(try valid(uuid, #""2eb8aa08-aa98-11ea-b4aa-73b441d16380""#))
        #expect(try !valid(uuid, #""2eb8aa08aa9811eab4aa73b441d16380""#))
        let email = try contract(#"{"format":"email"}"#)
        #expect(try valid(email, #""joe.bloggs@example.com""#))
        #expect(try valid(email, #""a@[IPv6:2001:db8::1]""#))
        #expect(try !valid(email, #""joe..bloggs@example.com""#))
        #expect(try valid(contract(#"{"format":"not-a-known-format"}"#), #""anything""#))
    }

    @Test func patternsAreUnanchoredSearches() throws {
        #expect(try valid(contract(#"{"pattern":"b+"}"#), #""abbc""#))
        #expect(try valid(contract(#"{"pattern":"^ab"}"#), #""abc""#))
        #expect(try !valid(contract(#"{"pattern":"^ab"}"#), #""cab""#))
        #expect(try valid(contract(#"{"pattern":"bc$"}"#), #""abc""#))
        #expect(try !valid(contract(#"{"pattern":"^\\d+$"}"#), #""১২""#), "\\d is ASCII-only as in ECMA-262")
        #expect(try valid(contract(#"{"pattern":"^.$"}"#), #""\ud83d\udca9""#), "matching is by code point")
        #expect(try !valid(contract(#"{"pattern":"^abc$"}"#), #""abc\n""#))
    }

    @Test func refsAndRecursion() throws {
        let tree = try contract(
            ##"{"$defs":{"node":{"type":"object","properties":{"children":{"type":"array","items":{"$ref":"#/$defs/node"}},"v":{"type":"integer"}}}},"$ref":"#/$defs/node"}"##
        )
        #expect(try valid(tree, #"{"v":1,"children":[{"v":2,"children":[{"v":3}]}]}"#))
        #expect(
            try reasons(tree, #"{"v":1,"children":[{"v":2,"children":[{"v":"x"}]}]}"#).map(\.pointer) == [
                "/children/0/children/0/v"
            ])
        let nested = try contract(##"{"type":"array","items":{"$ref":"#"}}"##)
        let deep = String(repeating: "[", count: 64) + String(repeating: "]", count: 64)
        #expect(try valid(nested, deep))
    }

    @Test func longReferenceChainsAreBounded() throws {
        // 1000 chained $defs compile without recursion, and validation stops at its depth bound.
        var defs: [String] = []
        for k in 0..<1000 { defs.append("\"d\(k)\":{\"$ref\":\"#/$defs/d\(k + 1)\"}") }
        defs.append("\"d1000\":{\"type\":\"string\"}")
        let c = try contract(##"{"$defs":{\##(defs.joined(separator: ","))},"$ref":"#/$defs/d0"}"##)
        let found = try reasons(c, #""x""#)
        #expect(found.count == 1)
        #expect(found.first?.message.contains("nests more than") == true)
        let short = try contract(##"{"$defs":{"a":{"$ref":"#/$defs/b"},"b":{"type":"string"}},"$ref":"#/$defs/a"}"##)
        #expect(try valid(short, #""x""#))
    }

    @Test func lengthsCountCodePoints() throws {
        let one = try contract(#"{"minLength":1,"maxLength":1}"#)
        for text in [#""a""#, #""é""#, #""\n""#, #""\u00e9""#, #""\ud83d\udca9""#, #""💩""#] {
            #expect(try valid(one, text), "\(text)")
        }
        for text in [#""""#, #""ab""#, #""\n\t""#, #""a\u0308""#] { #expect(try !valid(one, text), "\(text)") }
    }

    @Test func sharedAcrossTasks() async throws {
        let c = try contract(
            #"{"type":"object","patternProperties":{"^[a-z]+[0-9]$":{"type":"integer"}},"required":["a1"]}"#)
        let results = await withTaskGroup(of: Bool.self) { group in
            for t in 0..<8 {
                group.addTask {
                    var ok = true
                    for k in 0..<500 {
                        let document = try! JSONDocument(parsing: Array(#"{"a1":\#(k),"b\#(t)":"x"}"#.utf8))
                        ok = ok && !c.isValid(document, 0) && c.validate(document, 0).map(\.pointer) == ["/b\(t)"]
                    }
                    return ok
                }
            }
            return await group.reduce(true) { $0 && $1 }
        }
        #expect(results)
    }

    @Test func booleanSchemas() throws {
        #expect(try valid(contract("true"), "1"))
        #expect(
            try reasons(contract("false"), "1") == [
                ValidationReason(
                    pointer: "", keyword: "false", message: "no value is allowed here (the schema is false)")
            ])
        #expect(
            try reasons(contract(#"{"properties":{"a":false}}"#), #"{"a":1}"#) == [
                ValidationReason(pointer: "/a", keyword: "properties", message: "property \"a\" is not allowed")
            ])
    }
}
