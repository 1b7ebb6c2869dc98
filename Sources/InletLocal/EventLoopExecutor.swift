#if canImport(Glibc)
import Glibc
#endif
import NIOCore
import NIOPosix

/// Swift concurrency's global executor for `inlet local`.
public enum EventLoopExecutor {
    /// Runs Swift concurrency's jobs on the HTTP server's event loops
    /// (`MultiThreadedEventLoopGroup.singleton`, which Hummingbird serves on) instead of a
    /// separate pool, so a request's handler runs on the thread that read it and writes its
    /// answer without waking another thread. Every blocking call of the local cloud runs on
    /// threads of its own: the write-ahead buffer's fsync, the joining and compressing of
    /// Firehose's objects, the function's libcurl requests, and the S3 store's and the
    /// warehouse's actors (``ThreadExecutor``).
    ///
    /// The loops are as many as the CPUs this process may run on (its affinity mask, so
    /// `taskset -c 0 inlet local` gets one loop rather than one per CPU of the machine,
    /// which would only switch between threads on the one core).
    ///
    /// Call once, at the start of a command that serves HTTP, before it starts tasks.
    ///
    /// - Returns: whether the event loops took over (false where NIO cannot, and then the
    ///   default executor stays).
    @discardableResult
    public static func adopt() -> Bool {
        if let cpus = allowedCPUs(), cpus < System.coreCount {
            NIOSingletons.groupLoopCountSuggestion = cpus
        }
        return NIOSingletons.unsafeTryInstallSingletonPosixEventLoopGroupAsConcurrencyGlobalExecutor()
    }

    /// How many CPUs the process may run on: the bits of `Cpus_allowed` in
    /// `/proc/self/status` (its affinity mask); nil where that cannot be read.
    static func allowedCPUs() -> Int? {
        guard let file = fopen("/proc/self/status", "r") else { return nil }
        defer { fclose(file) }
        var line: UnsafeMutablePointer<CChar>? = nil
        var capacity = 0
        defer { free(line) }
        while getline(&line, &capacity, file) > 0, let line {
            let text = String(cString: line)
            guard text.hasPrefix("Cpus_allowed:") else { continue }
            var count = 0
            for character in text.dropFirst("Cpus_allowed:".count) {
                guard let nibble = character.hexDigitValue else { continue }
                count += nibble.nonzeroBitCount
            }
            return count > 0 ? count : nil
        }
        return nil
    }
}
