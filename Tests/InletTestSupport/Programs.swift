import Foundation

/// How a program a test ran ended, and what it printed.
public struct ProgramResult: Sendable {
    /// The exit status (or the signal's number, if a signal ended it).
    public var status: Int32
    /// Its standard output.
    public var output: Data
    /// Its standard error.
    public var errors: Data

    /// Standard output as text.
    public var stdout: String { String(decoding: output, as: UTF8.self) }
    /// Standard error as text.
    public var stderr: String { String(decoding: errors, as: UTF8.self) }
}

/// Runs `arguments` (a program found on `PATH`, then its arguments) to its end with this
/// process's environment plus `environment`, on a thread of its own: a test that waits for
/// a child never holds one of the few threads of Swift's cooperative pool, which the
/// in-process servers the child may be talking to need.
public func runProgram(_ arguments: [String], environment: [String: String] = [:]) async throws -> ProgramResult {
    try await offPool { try runProgramBlocking(arguments, environment: environment) }
}

/// ``runProgram(_:environment:)`` on the calling thread, for one-off checks outside any test
/// (such as a `static let` that decides whether a test is enabled).
///
/// Output goes to temporary files rather than pipes, so that a child that writes much to
/// both streams cannot block on one while the other is read.
public func runProgramBlocking(_ arguments: [String], environment: [String: String] = [:]) throws -> ProgramResult {
    let folder = FileManager.default.temporaryDirectory
    let outURL = folder.appendingPathComponent("inlet-program-\(UUID().uuidString).out")
    let errURL = folder.appendingPathComponent("inlet-program-\(UUID().uuidString).err")
    defer {
        try? FileManager.default.removeItem(at: outURL)
        try? FileManager.default.removeItem(at: errURL)
    }
    _ = FileManager.default.createFile(atPath: outURL.path, contents: nil)
    _ = FileManager.default.createFile(atPath: errURL.path, contents: nil)
    let out = try FileHandle(forWritingTo: outURL)
    let err = try FileHandle(forWritingTo: errURL)
    defer {
        try? out.close()
        try? err.close()
    }
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = arguments
    process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
    process.standardInput = FileHandle.nullDevice
    process.standardOutput = out
    process.standardError = err
    try process.run()
    blockUntilExit(process)
    return ProgramResult(
        status: process.terminationStatus, output: (try? Data(contentsOf: outURL)) ?? Data(),
        errors: (try? Data(contentsOf: errURL)) ?? Data())
}

/// Blocks the calling thread until `process` has exited (by polling: Foundation's
/// `waitUntilExit` spins a CPU on Linux).
func blockUntilExit(_ process: Process) {
    while process.isRunning { usleep(5_000) }
}

/// Waits on a thread of its own for `process`, which the caller has just signalled, to exit;
/// sends it SIGKILL if it is still running after `grace` seconds; then runs `cleanup`.
/// Returns at once.
func reapInBackground(_ process: Process, grace: Double, cleanup: @escaping @Sendable () -> Void = {}) {
    Thread {
        let until = Date().addingTimeInterval(grace)
        while process.isRunning && Date() < until { usleep(10_000) }
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        blockUntilExit(process)
        cleanup()
    }.start()
}
