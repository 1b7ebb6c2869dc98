import Foundation
import InletCore
import Testing

/// Timing for the default contract on a sample event. Runs only when
/// `INLET_BENCH_ITERATIONS` is set, e.g.
/// `INLET_BENCH_ITERATIONS=1000000 swift test -c release --filter ContractBenchmark`.
/// Under `heaptrack`, the allocation count does not grow with the iteration count:
/// re-parsing and validating a valid event allocate nothing.
@Suite struct ContractBenchmarkTests {
    static let iterations = Int(ProcessInfo.processInfo.environment["INLET_BENCH_ITERATIONS"] ?? "") ?? 0

    @Test(.enabled(if: iterations > 0)) func defaultContractOnSampleEvent() throws {
        // About 300 bytes: the sample event's fields plus the kind of extras senders add.
        let event = Array(
            #"{"Id":"8f14e45f-ceea-467f-a0e6-1b8a2c3d4e5f","Name":"John Smith","Age":"10","Sex":"Male","Email":"john.smith@example.com","Country":"GB","Device":{"os":"ios","version":"17.4.1","model":"iPhone15,2"},"Tags":["a","b","c"],"Ts":"2024-05-01T12:30:00.123Z","Score":12.5,"Note":"free text, nothing more"}"#
                .utf8)
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
        print(
            "\(event.count)-byte event, \(n) runs: parse \(ns(parseTime)), isValid \(ns(validateTime)), parse+validate \(ns(both))"
        )
    }
}
