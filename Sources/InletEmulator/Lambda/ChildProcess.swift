import Glibc

/// Why a child process could not be started.
struct SpawnError: Error, Sendable, CustomStringConvertible {
    /// The program.
    var program: String
    /// `errno` from `posix_spawnp` (or `pipe`).
    var code: Int32

    /// Go's wording, which Lambda's messages use: `fork/exec ./bootstrap: no such file or directory`.
    var description: String {
        var text = String(cString: strerror(code))
        if let first = text.first { text = first.lowercased() + text.dropFirst() }
        return "fork/exec \(program): \(text)"
    }
}

/// How a child process ended, from `waitpid`'s status.
enum ExitStatus: Sendable, Equatable, CustomStringConvertible {
    /// It exited with this code.
    case exited(Int32)
    /// A signal ended it.
    case signaled(Int32)

    /// The status `waitpid` reported.
    init(waitStatus status: Int32) {
        let low = status & 0x7F
        self = low == 0 ? .exited((status >> 8) & 0xFF) : .signaled(low)
    }

    /// Go's `ProcessState.String()`, which Lambda and RIE quote in `Runtime.ExitError`:
    /// `exit status 1`, `signal: killed`.
    var description: String {
        switch self {
        case .exited(let code): return "exit status \(code)"
        case .signaled(let signal):
            let names: [Int32: String] = [
                SIGHUP: "hangup", SIGINT: "interrupt", SIGQUIT: "quit", SIGILL: "illegal instruction",
                SIGTRAP: "trace/breakpoint trap", SIGABRT: "aborted", SIGBUS: "bus error",
                SIGFPE: "floating point exception", SIGKILL: "killed", SIGSEGV: "segmentation fault",
                SIGPIPE: "broken pipe", SIGALRM: "alarm clock", SIGTERM: "terminated",
            ]
            return "signal: " + (names[signal] ?? "signal \(signal)")
        }
    }
}

/// A child process started with `posix_spawnp`, in a process group of its own, with its
/// standard output and error on one non-blocking pipe that the parent reads. Nothing here
/// blocks: ``readAvailable()`` and ``reap()`` return at once.
///
/// The child gets `/dev/null` as standard input, default signal dispositions and an empty
/// signal mask (the server ignores SIGPIPE and handles SIGTERM itself, and those settings
/// would otherwise pass through `exec`). Its own process group keeps a terminal's Ctrl-C
/// away from it: the parent decides when it stops, and ``signal(_:)`` reaches the whole group.
struct ChildProcess: Sendable {
    /// The process id (and process group id).
    let pid: pid_t
    /// The read end of the pipe holding its standard output and error.
    let output: Int32

    /// Starts `arguments[0]` (looked up on PATH) with `arguments` and exactly `environment`.
    static func spawn(_ arguments: [String], environment: [String]) throws(SpawnError) -> ChildProcess {
        precondition(!arguments.isEmpty, "a command needs a program")
        var fds: [Int32] = [0, 0]
        guard pipe(&fds) == 0 else { throw SpawnError(program: arguments[0], code: errno) }
        let (readEnd, writeEnd) = (fds[0], fds[1])
        // The parent's end must not leak into this or any other child.
        _ = fcntl(readEnd, F_SETFD, FD_CLOEXEC)
        _ = fcntl(writeEnd, F_SETFD, FD_CLOEXEC)
        _ = fcntl(readEnd, F_SETFL, fcntl(readEnd, F_GETFL) | O_NONBLOCK)

        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_adddup2(&actions, writeEnd, 1)
        posix_spawn_file_actions_adddup2(&actions, writeEnd, 2)
        closeInheritedDescriptors(&actions)

        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var empty = sigset_t()
        sigemptyset(&empty)
        posix_spawnattr_setsigmask(&attributes, &empty)
        var defaults = sigset_t()
        sigemptyset(&defaults)
        for signal in 1..<32 where signal != SIGKILL && signal != SIGSTOP { sigaddset(&defaults, Int32(signal)) }
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        posix_spawnattr_setpgroup(&attributes, 0)
        posix_spawnattr_setflags(
            &attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETPGROUP))

        let argv: [UnsafeMutablePointer<CChar>?] = arguments.map { strdup($0) } + [nil]
        let envp: [UnsafeMutablePointer<CChar>?] = environment.map { strdup($0) } + [nil]
        defer {
            for pointer in argv { free(pointer) }
            for pointer in envp { free(pointer) }
        }
        var pid: pid_t = 0
        let rc = posix_spawnp(&pid, arguments[0], &actions, &attributes, argv, envp)
        close(writeEnd)
        guard rc == 0 else {
            close(readEnd)
            throw SpawnError(program: arguments[0], code: rc)
        }
        return ChildProcess(pid: pid, output: readEnd)
    }

    /// Adds actions that close every descriptor above 2 in the child: the server's sockets
    /// and files are not all close-on-exec (SwiftNIO's are not), and a child holding the
    /// listening socket would keep the port bound. glibc 2.34+ does it in one action
    /// (`posix_spawn_file_actions_addclosefrom_np`, looked up at run time: Swift's Glibc
    /// module does not declare GNU extensions); otherwise each descriptor open now is closed
    /// (closing one that is gone by then is not an error).
    static func closeInheritedDescriptors(_ actions: inout posix_spawn_file_actions_t) {
        typealias CloseFrom = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>?, Int32) -> Int32
        if let symbol = dlsym(nil, "posix_spawn_file_actions_addclosefrom_np") {
            let closeFrom = unsafeBitCast(symbol, to: CloseFrom.self)
            if closeFrom(&actions, 3) == 0 { return }
        }
        guard let directory = opendir("/proc/self/fd") else { return }
        defer { closedir(directory) }
        let own = dirfd(directory)
        var descriptors: [Int32] = []
        for name in directoryEntryNames(directory) {
            if let fd = Int32(name), fd > 2, fd != own { descriptors.append(fd) }
        }
        for fd in descriptors { posix_spawn_file_actions_addclose(&actions, fd) }
    }

    /// Sends `signal` to the child's process group (so a wrapper's children get it too),
    /// or to the child alone if the group is gone. Only call this before ``reap()`` has
    /// returned a status: after that the id may belong to another process.
    func signal(_ signal: Int32) {
        if kill(-pid, signal) != 0 { _ = kill(pid, signal) }
    }

    /// The child's status if it has exited (and is now reaped), else nil. Never blocks.
    func reap() -> ExitStatus? {
        var status: Int32 = 0
        let rc = waitpid(pid, &status, WNOHANG)
        if rc == pid { return ExitStatus(waitStatus: status) }
        // ECHILD: someone else reaped it; it is gone either way.
        if rc < 0 && errno == ECHILD { return .signaled(SIGKILL) }
        return nil
    }

    /// Whatever the child has written so far, without waiting; empty when there is nothing.
    func readAvailable() -> [UInt8] {
        var out: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 16_384)
        while true {
            let n = buffer.withUnsafeMutableBytes { read(output, $0.baseAddress, $0.count) }
            if n > 0 {
                out.append(contentsOf: buffer[0..<n])
                if out.count >= 1 << 20 { break }
                continue
            }
            if n < 0 && errno == EINTR { continue }
            break  // EAGAIN (nothing now), 0 (every writer closed it) or an error
        }
        return out
    }

    /// Closes the parent's end of the output pipe. Call once, after the last read.
    func closeOutput() {
        close(output)
    }
}
