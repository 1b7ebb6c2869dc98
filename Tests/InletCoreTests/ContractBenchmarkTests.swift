import Foundation
import InletCore
import Testing

/// Timing for the default contract on the sample event. Runs only when
/// `INLET_BENCH_ITERATIONS` is set, e.g. `INLET_BENCH_ITERATIONS=1000000 swift test -c release --filter ContractBenchmark`.
@Suite struct ContractBenchmarkTests {
    static let iterations = Int(ProcessInfo.processInfo.environment["INLET_BENCH_ITERATIONS"] ?? "") ?? 0

    @Test(.enabled(if: iterations > 0)) func defaultContractOnSampleEvent() throws {
        let event = Array(#"{"Id":"1","Name":"John","Age":"10","Sex":"Male","Email":"john@example.com","Note":"a longer free text field for good measure"}"#.utf8)
        var document = JSONDocument(bytes: event)
        let contract = Contract.default
        let n = Self.iterations
        var valid = 0
        let clock = ContinuousClock()
        let parseTime = try clock.measure {
            for _ in 0..<n { try document.parse(0..<event.count) }
        }
        let validateTime = clock.measure {
            for _ in 0..<n where contract.isValid(document, 0) { valid += 1 }
        }
        let both = try clock.measure {
            for _ in 0..<n {
                try document.parse(0..<event.count)
                if contract.validate(document, 0).isEmpty { valid += 1 }
            }
        }
        #expect(valid == 2 * n)
        func ns(_ d: Duration) -> String {
            let total = Double(d.components.seconds) * 1e9 + Double(d.components.attoseconds) / 1e9
            return String(format: "%.0f ns", total / Double(n))
        }
        print("\(event.count)-byte event, \(n) runs: parse \(ns(parseTime)), isValid \(ns(validateTime)), parse+validate \(ns(both))")
    }
}
