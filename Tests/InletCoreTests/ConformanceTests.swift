import Foundation
import Testing

@testable import InletCore

/// Runs every case of the JSON-Schema-Test-Suite (draft 2020-12) files in
/// `Fixtures/json-schema`. Only cases listed in `skipped.json` may be skipped.
@Suite struct ConformanceTests {
    static var directory: URL {
        Bundle.module.url(forResource: "Fixtures", withExtension: nil)!.appendingPathComponent("json-schema")
    }

    @Test func jsonSchemaTestSuite() throws {
        let skipDocument = try JSONDocument(
            parsing: Array(try Data(contentsOf: Self.directory.appendingPathComponent("skipped.json"))))
        var skips: [String: String] = [:]
        for (key, value) in skipDocument.members(0) { skips[skipDocument.string(key)] = skipDocument.string(value) }

        let files = try FileManager.default.contentsOfDirectory(atPath: Self.directory.path)
            .filter { $0.hasSuffix(".json") && $0 != "skipped.json" }
            .sorted()
        #expect(files.count >= 35)

        var passed = 0
        var skipped = 0
        var failures: [String] = []
        var usedSkips: Set<String> = []
        for file in files {
            let bytes = Array(try Data(contentsOf: Self.directory.appendingPathComponent(file)))
            let suite = try JSONDocument(parsing: bytes, maxDepth: 256)
            for group in suite.elements(0) {
                let groupName = suite.string(suite.member(group, named: Array("description".utf8))!)
                var schemaText: [UInt8] = []
                suite.writeCompact(suite.member(group, named: Array("schema".utf8))!, into: &schemaText)
                let contract: Result<Contract, ContractError>
                do {
                    contract = .success(try Contract(schema: schemaText))
                } catch {
                    contract = .failure(error)
                }
                for test in suite.elements(suite.member(group, named: Array("tests".utf8))!) {
                    let testName = suite.string(suite.member(test, named: Array("description".utf8))!)
                    let key = "\(file) / \(groupName) / \(testName)"
                    if skips[key] != nil {
                        skipped += 1
                        usedSkips.insert(key)
                        continue
                    }
                    let expected = suite.kind(suite.member(test, named: Array("valid".utf8))!) == .true
                    var dataText: [UInt8] = []
                    suite.writeCompact(suite.member(test, named: Array("data".utf8))!, into: &dataText)
                    switch contract {
                    case .failure(let error):
                        failures.append("\(key): schema does not compile: \(error)")
                    case .success(let contract):
                        let data = try JSONDocument(parsing: dataText)
                        let valid = contract.isValid(data, 0)
                        let reasons = contract.validate(data, 0)
                        if valid != expected {
                            failures.append(
                                "\(key): expected \(expected ? "valid" : "invalid"), got \(valid ? "valid" : "invalid") \(reasons)"
                            )
                        } else if reasons.isEmpty != valid {
                            failures.append("\(key): isValid is \(valid) but validate gave \(reasons)")
                        } else {
                            passed += 1
                        }
                    }
                }
            }
        }
        print("JSON-Schema-Test-Suite draft2020-12: passed \(passed), failed \(failures.count), skipped \(skipped)")
        for failure in failures { print("  FAILED \(failure)") }
        #expect(failures.isEmpty, "\(failures.count) conformance cases failed")
        let stale = Set(skips.keys).subtracting(usedSkips)
        #expect(stale.isEmpty, "skipped.json lists cases that do not exist: \(stale.sorted())")
    }
}
