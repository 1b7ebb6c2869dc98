import Foundation

/// A value behind a lock ThreadSanitizer understands (`NSLock`, a pthread mutex), for state
/// the tests share between tasks. The standard library's `Mutex` locks with futexes that
/// TSan does not see, so it reports every guarded access as a race (Tests/README.md,
/// "Sanitizers").
public final class Locked<Value>: @unchecked Sendable {
    private let lock = NSLock()
    private var value: Value

    /// A lock around `value`.
    public init(_ value: Value) { self.value = value }

    /// Runs `body` with exclusive access to the value.
    public func withLock<R>(_ body: (inout Value) throws -> R) rethrows -> R {
        lock.lock()
        defer { lock.unlock() }
        return try body(&value)
    }
}
