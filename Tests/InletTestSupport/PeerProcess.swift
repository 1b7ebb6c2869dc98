import Foundation

/// A child process started for a test and stopped by PID, with its output in a file.
public final class PeerProcess: @unchecked Sendable {
    /// The running process.
    public let process: Process
    /// Where its standard output and error go.
    public let logURL: URL

    /// Starts `executable` with `arguments` and exactly `environment` (plus PATH).
    public init(executable: String, arguments: [String], environment: [String: String]) throws {
        process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        var env = environment
        env["PATH"] = env["PATH"] ?? "/usr/local/bin:/usr/bin:/bin"
        process.environment = env
        logURL = FileManager.default.temporaryDirectory.appendingPathComponent("inlet-peer-\(UUID().uuidString).log")
        _ = FileManager.default.createFile(atPath: logURL.path, contents: nil)
        let log = try FileHandle(forWritingTo: logURL)
        process.standardOutput = log
        process.standardError = log
        process.standardInput = FileHandle.nullDevice
        try process.run()
    }

    /// Waits until something accepts connections on `port`, without holding a thread of the
    /// cooperative pool between tries.
    public func waitForPort(_ port: Int, seconds: Double = 10) async throws {
        let until = Date().addingTimeInterval(seconds)
        while Date() < until {
            if canConnect(port: port) { return }
            if !process.isRunning { break }
            try await Task.sleep(for: .milliseconds(20))
        }
        throw MotoPeer.PeerFailure(message: "the process did not listen on \(port); its log:\n\(log)")
    }

    /// Waits until the process has exited, on a thread of its own.
    public func waitForExit() async {
        let process = self.process
        _ = try? await offPool { blockUntilExit(process) }
    }

    /// What the process printed so far.
    public var log: String { (try? String(contentsOf: logURL, encoding: .utf8)) ?? "" }

    /// Stops the process (SIGKILL: children of a test process may block SIGTERM) and, once it
    /// has exited, removes its log. Returns at once (a `defer` can call it); the process is
    /// reaped on a thread of its own.
    public func stop() {
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        let logURL = self.logURL
        reapInBackground(process, grace: 0) { try? FileManager.default.removeItem(at: logURL) }
    }
}

/// Binaries that ship inside Python packages the test command installs.
public enum PeerBinaries {
    /// The repository's top folder.
    public static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()

    /// AWS's Runtime Interface Emulator from the aws-sam-cli wheel: `INLET_TEST_RIE`, else
    /// the copy in `.venv-sam` (scripts/test.sh installs it), else one importable by python3.
    public static func runtimeInterfaceEmulator() throws -> String {
        if let given = ProcessInfo.processInfo.environment["INLET_TEST_RIE"], !given.isEmpty { return given }
        #if arch(arm64)
        let name = "aws-lambda-rie-arm64"
        #else
        let name = "aws-lambda-rie-x86_64"
        #endif
        let lib = repository.appendingPathComponent(".venv-sam/lib")
        for python in (try? FileManager.default.contentsOfDirectory(atPath: lib.path)) ?? [] {
            let path = lib.appendingPathComponent("\(python)/site-packages/samcli/local/rapid/\(name)").path
            if FileManager.default.isExecutableFile(atPath: path) { return path }
        }
        if let output = try? MotoPeer.runPython(["-c", "import samcli, os; print(os.path.dirname(samcli.__file__))"]) {
            let path = String(decoding: output, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
                + "/local/rapid/\(name)"
            if FileManager.default.isExecutableFile(atPath: path) { return path }
        }
        throw MotoPeer.PeerFailure(
            message: "AWS's Runtime Interface Emulator was not found; run scripts/test.sh (it installs aws-sam-cli) "
                + "or set INLET_TEST_RIE")
    }

    /// A command-line tool of the Python test peers (`aws`, `moto_server`, …): the copy in
    /// `.venv-test/bin` (scripts/test.sh installs them), else the first one on `PATH`, else nil.
    public static func pythonTool(_ name: String) -> String? {
        let local = repository.appendingPathComponent(".venv-test/bin/\(name)").path
        if FileManager.default.isExecutableFile(atPath: local) { return local }
        for directory in (ProcessInfo.processInfo.environment["PATH"] ?? "").split(separator: ":") {
            let path = "\(directory)/\(name)"
            if FileManager.default.isExecutableFile(atPath: path) { return path }
        }
        return nil
    }

    /// Whether tests that need a peer must run rather than skip: under CI (`CI=true`) a missing
    /// peer is a failure, not a skip, so a broken install cannot pass unnoticed.
    public static let peersRequired = ProcessInfo.processInfo.environment["CI"] == "true"

    /// The Python with the test peers (moto, boto3, awslambdaric): `.venv-test/bin/python3`
    /// (scripts/test.sh makes it), else `python3` on PATH.
    public static func python() -> String {
        let venv = repository.appendingPathComponent(".venv-test/bin/python3").path
        return FileManager.default.isExecutableFile(atPath: venv) ? venv : "python3"
    }

    /// The `bootstrap` that ships (release, static Swift runtime and libcurl) when
    /// `INLET_SHIPPED_BOOTSTRAP` names it, as `scripts/test.sh` does; else the debug one built
    /// next to the test bundle. A named file that is not an executable is an error.
    public static func shippedBootstrap() throws -> String {
        guard let path = ProcessInfo.processInfo.environment["INLET_SHIPPED_BOOTSTRAP"], !path.isEmpty else {
            return try builtProduct("bootstrap")
        }
        guard FileManager.default.isExecutableFile(atPath: path) else {
            throw MotoPeer.PeerFailure(message: "INLET_SHIPPED_BOOTSTRAP=\(path) is not an executable file")
        }
        return path
    }

    /// An executable product built next to the running test bundle (`swift build --build-tests` builds them).
    public static func builtProduct(_ name: String) throws -> String {
        let bundle = URL(fileURLWithPath: try FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe"))
        let path = bundle.deletingLastPathComponent().appendingPathComponent(name).path
        guard FileManager.default.isExecutableFile(atPath: path) else {
            throw MotoPeer.PeerFailure(message: "\(path) is not built; run swift build --build-tests first")
        }
        return path
    }
}
