#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A child process whose stdin we hold (it exits when we close it) and whose first line
/// of stdout is a port number.
struct Child {
    let pid: pid_t
    let port: Int
    private let stdinWrite: Int32

    /// Spawns `arguments` (`arguments[0]` looked up on PATH) and reads the port it prints.
    static func spawn(_ arguments: [String]) -> Child? {
        var toChild: [Int32] = [0, 0]
        var fromChild: [Int32] = [0, 0]
        guard pipe(&toChild) == 0, pipe(&fromChild) == 0 else { return nil }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_adddup2(&actions, toChild[0], 0)
        posix_spawn_file_actions_adddup2(&actions, fromChild[1], 1)
        posix_spawn_file_actions_addclose(&actions, toChild[1])
        posix_spawn_file_actions_addclose(&actions, fromChild[0])
        // The child must not inherit a mask that blocks SIGTERM/SIGINT.
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var empty = sigset_t()
        sigemptyset(&empty)
        posix_spawnattr_setsigmask(&attributes, &empty)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK))
        let argv: [UnsafeMutablePointer<CChar>?] = arguments.map { strdup($0) } + [nil]
        defer { for pointer in argv { free(pointer) } }
        var pid: pid_t = 0
        let rc = posix_spawnp(&pid, arguments[0], &actions, &attributes, argv, environ)
        close(toChild[0])
        close(fromChild[1])
        guard rc == 0 else {
            close(toChild[1])
            close(fromChild[0])
            return nil
        }
        var line: [UInt8] = []
        var byte: UInt8 = 0
        while read(fromChild[0], &byte, 1) == 1 && byte != 10 { line.append(byte) }
        close(fromChild[0])
        guard let port = Int(String(decoding: line, as: UTF8.self)) else {
            close(toChild[1])
            kill(pid, SIGKILL)
            return nil
        }
        return Child(pid: pid, port: port, stdinWrite: toChild[1])
    }

    /// Closes its stdin, waits for it, and returns its CPU time (user + system) in seconds.
    func stop() -> Double {
        close(stdinWrite)
        var status: Int32 = 0
        var usage = rusage()
        for _ in 0..<500 {
            if wait4(pid, &status, WNOHANG, &usage) == pid { return cpuSeconds(usage) }
            usleep(10_000)
        }
        kill(pid, SIGKILL)
        _ = wait4(pid, &status, 0, &usage)
        return cpuSeconds(usage)
    }
}

/// User + system seconds of `usage`.
func cpuSeconds(_ usage: rusage) -> Double {
    Double(usage.ru_utime.tv_sec) + Double(usage.ru_utime.tv_usec) / 1e6 + Double(usage.ru_stime.tv_sec)
        + Double(usage.ru_stime.tv_usec) / 1e6
}

/// This process's CPU time (user + system) in seconds.
func processCPUSeconds() -> Double {
    var usage = rusage()
    #if os(Linux)
        getrusage(__rusage_who_t(RUSAGE_SELF.rawValue), &usage)
    #else
        getrusage(RUSAGE_SELF, &usage)
    #endif
    return cpuSeconds(usage)
}

/// The path of the running executable.
func executablePath() -> String {
    #if os(Linux)
        var buffer = [CChar](repeating: 0, count: 4096)
        let n = readlink("/proc/self/exe", &buffer, buffer.count - 1)
        if n > 0 { return String(decoding: buffer[0..<n].map { UInt8(bitPattern: $0) }, as: UTF8.self) }
    #endif
    return CommandLine.arguments[0]
}
