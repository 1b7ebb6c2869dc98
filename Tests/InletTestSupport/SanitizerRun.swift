import Foundation

/// Whether the tests run under a sanitizer: scripts/sanitizers.sh sets `INLET_SANITIZER` to
/// `address` or `thread`. Suites' time limits are scaled by ``slowdown`` (Tests/README.md,
/// "Sanitizers"); what the tests check is the same.
public enum SanitizerRun {
    /// `address`, `thread`, or nil for a plain run.
    public static let name: String? = ProcessInfo.processInfo.environment["INLET_SANITIZER"].flatMap { $0.isEmpty ? nil : $0 }

    /// How many times longer a suite may take: 3 under a sanitizer (the slowest suites ran two
    /// to four times slower under ThreadSanitizer than plain, on a shared 2-core machine), else 1.
    public static var slowdown: Int { name == nil ? 1 : 3 }
}
