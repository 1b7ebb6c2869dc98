import Foundation
import Testing
@testable import InletSigV4

/// The AWS SigV4 test suite (aws-c-auth's `aws-signing-test-suite/v4`), every case in
/// both the header and the query form, compared exactly at each step.
@Suite struct SigV4SuiteTests {
    /// Cases the signer does not run, each with the reason. Keep it empty.
    static let skipped: [String: String] = [:]

    @Test func everySuiteCaseMatchesInBothForms() throws {
        let cases = try SuiteCase.all()
        #expect(cases.count == 38, "the fixture copy should hold all 38 cases of the suite")
        var passed = 0
        var failed: [String] = []
        var skippedCount = 0
        for suiteCase in cases {
            if let reason = Self.skipped[suiteCase.name] {
                print("SigV4 suite: skipping \(suiteCase.name): \(reason)")
                skippedCount += 2
                continue
            }
            for form in ["header", "query"] {
                let problems = try check(suiteCase, form: form)
                if problems.isEmpty {
                    passed += 1
                } else {
                    failed.append("\(suiteCase.name) [\(form)]")
                    for problem in problems { Issue.record("\(suiteCase.name) [\(form)]: \(problem)") }
                }
            }
        }
        print("SigV4 suite: \(passed) passed, \(failed.count) failed, \(skippedCount) skipped (case × form)")
        #expect(failed.isEmpty, "failed: \(failed)")
    }

    /// The mismatches of one case in one form; empty when everything matches.
    private func check(_ suiteCase: SuiteCase, form: String) throws -> [String] {
        let signer = suiteCase.signer
        let request = suiteCase.sigV4Request
        let canonical: [UInt8]
        let stringToSign: [UInt8]
        let signature: String
        let signedRequest: String
        if form == "header" {
            let signing = signer.headerSigning(request, date: suiteCase.date)
            (canonical, stringToSign, signature) =
                (signing.canonicalRequest, signing.stringToSign, signing.result.signature)
            signedRequest = suiteCase.request.text(target: suiteCase.request.target, extraHeaders: signing.result.all)
        } else {
            let signing = signer.querySigning(request, date: suiteCase.date, expires: suiteCase.expires)
            (canonical, stringToSign) = (signing.canonicalRequest, signing.stringToSign)
            signature = signing.items.last!.value
            let added = PercentEncoding.encodeQuery(signing.items)
            let target = suiteCase.request.target.contains("?")
                ? suiteCase.request.target + "&" + added : suiteCase.request.target + "?" + added
            signedRequest = suiteCase.request.text(target: target, extraHeaders: [])
        }
        var problems: [String] = []
        func compare(_ step: String, _ actual: String, _ file: String) throws {
            let expected = try suiteCase.read(file)
            if actual != expected { problems.append("\(step) differs\n--- expected\n\(expected)\n--- actual\n\(actual)") }
        }
        try compare("canonical request", String(decoding: canonical, as: UTF8.self), "\(form)-canonical-request.txt")
        try compare("string to sign", String(decoding: stringToSign, as: UTF8.self), "\(form)-string-to-sign.txt")
        try compare("signature", signature, "\(form)-signature.txt")
        try compare("signed request", signedRequest, "\(form)-signed-request.txt")
        return problems
    }
}
