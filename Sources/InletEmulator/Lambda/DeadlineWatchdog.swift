import InletThreads

/// One invocation's answer, given once: by its handler, or by the watchdog at its deadline,
/// whichever comes first. The loser's answer is dropped.
final class InvocationAnswer<Output: Sendable>: Sendable {
    private let waiting: LockedState<CheckedContinuation<Output, Never>?>

    init(_ continuation: CheckedContinuation<Output, Never>) {
        waiting = LockedState(continuation)
    }

    /// Answers with `output` unless the invocation was answered already.
    func give(_ output: Output) {
        let continuation = waiting.withLock { waiting -> CheckedContinuation<Output, Never>? in
            defer { waiting = nil }
            return waiting
        }
        continuation?.resume(returning: output)
    }
}

/// The deadlines of the in-process invocations under way, kept by one timer instead of one
/// timer task per invocation (a sleeping task per request cost several percent of the
/// gateway's CPU). While any invocation is watched, a single task wakes every ``tick``; an
/// invocation past its deadline is expired (answered as timed out, its handler's task
/// cancelled). A deadline is thus honoured at most one tick late.
final class DeadlineWatchdog: Sendable {
    /// How often the timer looks at the deadlines while any are watched.
    static let tick = Duration.milliseconds(10)

    private struct Watched {
        var deadline: ContinuousClock.Instant
        var expire: @Sendable () -> Void
    }

    private struct State {
        var watched: [UInt64: Watched] = [:]
        var nextId: UInt64 = 0
        var timerRunning = false
    }

    private let state = LockedState(State())

    /// Watches an invocation: at `deadline`, `expire` runs, unless ``unwatch(_:)`` came first.
    ///
    /// - Returns: the ticket for ``unwatch(_:)``.
    func watch(deadline: ContinuousClock.Instant, expire: @escaping @Sendable () -> Void) -> UInt64 {
        let (id, startTimer) = state.withLock { state -> (UInt64, Bool) in
            state.nextId += 1
            state.watched[state.nextId] = Watched(deadline: deadline, expire: expire)
            let start = !state.timerRunning
            state.timerRunning = true
            return (state.nextId, start)
        }
        if startTimer { Task.detached { await self.runTimer() } }
        return id
    }

    /// Stops watching an invocation that was answered.
    func unwatch(_ id: UInt64) {
        _ = state.withLock { $0.watched.removeValue(forKey: id) }
    }

    private func runTimer() async {
        while true {
            try? await Task.sleep(for: Self.tick)
            let now = ContinuousClock.now
            let (expired, keepRunning) = state.withLock { state -> ([Watched], Bool) in
                let due = state.watched.filter { $0.value.deadline <= now }
                for id in due.keys { state.watched.removeValue(forKey: id) }
                state.timerRunning = !state.watched.isEmpty
                return (Array(due.values), state.timerRunning)
            }
            for watched in expired { watched.expire() }
            if !keepRunning { return }
        }
    }
}
