extension RuntimeAPIFunctionHost {
    /// How often the supervisor reads the processes' output and looks for exits.
    static let supervisePeriod = Duration.milliseconds(20)
    /// A line longer than this is forwarded in pieces.
    static let maximumLineBytes = 64 * 1024

    /// Watches the live processes, off the actor, until none is left: forwards their output
    /// line by line with a `[function N] ` prefix, and reaps each one that exited (with
    /// `waitpid` on its own pid, never `-1`, so other children of this process are left alone).
    /// Polling with non-blocking reads keeps every blocking call off Swift's thread pool.
    nonisolated static func supervise(_ host: RuntimeAPIFunctionHost) async {
        var partial: [Int: [UInt8]] = [:]
        let output = host.configuration.output
        while let processes = await host.supervisedProcesses() {
            var lines: [UInt8] = []
            var exits: [(Int, ExitStatus)] = []
            for (id, process) in processes {
                var bytes = process.readAvailable()
                let status = process.reap()
                if status != nil {
                    // What it wrote just before exiting.
                    bytes += process.readAvailable()
                    process.closeOutput()
                }
                var pending = partial[id, default: []] + bytes
                appendLines(id, from: &pending, to: &lines, flush: status != nil)
                partial[id] = status == nil ? pending : nil
                if let status { exits.append((id, status)) }
            }
            if !lines.isEmpty { output(lines) }
            for (id, status) in exits { await host.exited(id, status) }
            try? await Task.sleep(for: supervisePeriod)
        }
    }

    /// Moves the complete lines of `pending` (all of it when `flush`) to `out`, each prefixed
    /// `[function id] `.
    nonisolated static func appendLines(_ id: Int, from pending: inout [UInt8], to out: inout [UInt8], flush: Bool) {
        let prefix = Array("[function \(id)] ".utf8)
        var start = 0
        var index = 0
        while index < pending.count {
            if pending[index] == 0x0A || index - start + 1 >= maximumLineBytes {
                out += prefix
                out += pending[start...index]
                if pending[index] != 0x0A { out.append(0x0A) }
                start = index + 1
            }
            index += 1
        }
        if flush && start < pending.count {
            out += prefix
            out += pending[start...]
            out.append(0x0A)
            start = pending.count
        }
        pending.removeFirst(start)
    }
}
