#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// How often and how patiently a client retries: exponential backoff with full jitter.
///
/// Before attempt `n + 1` the client sleeps a uniformly random time in
/// `0 ... min(maximumDelay, baseDelay · 2^(n-1))` (AWS's "full jitter"). What is retried is
/// decided by ``AWSError/isRetryable`` alone; the caller's deadline bounds everything:
/// no attempt starts and no sleep ends after it.
public struct RetryPolicy: Sendable, Hashable {
    /// The most attempts for one request or one record, the first included (at least 1).
    public var maximumAttempts: Int
    /// The backoff before the second attempt grows from this (its upper bound). Default 50 ms.
    public var baseDelay: Duration
    /// The backoff never exceeds this. Default 2 s.
    public var maximumDelay: Duration

    /// A policy from its parts; `maximumAttempts` is raised to 1 if lower.
    public init(maximumAttempts: Int = 10, baseDelay: Duration = .milliseconds(50), maximumDelay: Duration = .seconds(2)) {
        self.maximumAttempts = max(1, maximumAttempts)
        self.baseDelay = baseDelay
        self.maximumDelay = maximumDelay
    }

    /// Ten attempts, 50 ms base, 2 s cap: the nine backoffs add up to at most 9.15 s (about
    /// half that on average, with full jitter), so a function with a longer timeout gives up
    /// before its deadline, and what is left goes to the error bucket.
    public static let `default` = RetryPolicy()

    /// One attempt, no retries.
    public static let none = RetryPolicy(maximumAttempts: 1)

    /// The upper bound of the backoff after failed attempt `attempt` (1-based):
    /// `min(maximumDelay, baseDelay · 2^(attempt-1))`.
    public func backoffCeiling(afterAttempt attempt: Int) -> Duration {
        let exponent = min(max(attempt - 1, 0), 30)
        let grown = baseDelay * (1 << exponent)
        return grown < maximumDelay ? grown : maximumDelay
    }

    /// The full-jitter backoff after failed attempt `attempt`: `random(ceiling in ns)` nanoseconds,
    /// where `random(n)` returns a uniform value in `0...n`.
    public func delay(afterAttempt attempt: Int, random: (UInt64) -> UInt64) -> Duration {
        let ceiling = backoffCeiling(afterAttempt: attempt)
        let nanoseconds = max(0, ceiling.components.seconds * 1_000_000_000 + ceiling.components.attoseconds / 1_000_000_000)
        return .nanoseconds(Int64(min(random(UInt64(nanoseconds)), UInt64(nanoseconds))))
    }
}

/// The clock, sleep, randomness and wall clock an AWS client uses. Tests substitute them to
/// run retries and deadlines without waiting; ``system`` is the real thing.
public struct AWSClientEnvironment: Sendable {
    /// The current instant on the clock that deadlines are measured by.
    public var now: @Sendable () -> ContinuousClock.Instant
    /// Sleeps for a duration (returning early if the task is cancelled).
    public var sleep: @Sendable (Duration) async -> Void
    /// A uniformly random value in `0...upperBound`, for backoff jitter.
    public var random: @Sendable (_ upperBound: UInt64) -> UInt64
    /// Seconds since 1970 (UTC), for the SigV4 date of each attempt.
    public var epochSeconds: @Sendable () -> Int64

    /// An environment from its parts.
    public init(
        now: @escaping @Sendable () -> ContinuousClock.Instant,
        sleep: @escaping @Sendable (Duration) async -> Void,
        random: @escaping @Sendable (UInt64) -> UInt64,
        epochSeconds: @escaping @Sendable () -> Int64
    ) {
        self.now = now
        self.sleep = sleep
        self.random = random
        self.epochSeconds = epochSeconds
    }

    /// `ContinuousClock`, `Task.sleep`, the system random generator and the system wall clock.
    public static let system = AWSClientEnvironment(
        now: { ContinuousClock.now },
        sleep: { duration in try? await Task.sleep(for: duration) },
        random: { upperBound in UInt64.random(in: 0...upperBound) },
        epochSeconds: { wallClockSeconds() })
}

/// Seconds since 1970 from the system's real-time clock.
func wallClockSeconds() -> Int64 {
    var spec = timespec()
    clock_gettime(CLOCK_REALTIME, &spec)
    return Int64(spec.tv_sec)
}
