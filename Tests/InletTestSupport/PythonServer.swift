import Foundation

/// A Python test server that binds 127.0.0.1 on a free port, prints the port as its first
/// line, and exits when its standard input closes (so it cannot outlive the tests).
public final class PythonServer: @unchecked Sendable {
    /// The port it listens on.
    public let port: Int
    private let process: Process
    private let stdin: Pipe  // held open; the server exits when it reaches EOF

    /// Starts `python3 script arguments…` and waits for its port, on a thread of its own.
    public static func start(script: URL, arguments: [String] = []) async throws -> PythonServer {
        try await offPool { try startBlocking(script: script, arguments: arguments) }
    }

    private static func startBlocking(script: URL, arguments: [String]) throws -> PythonServer {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", script.path] + arguments
        let stdout = Pipe(), stdin = Pipe()
        process.standardOutput = stdout
        process.standardInput = stdin
        try process.run()
        var line: [UInt8] = []
        let reader = stdout.fileHandleForReading
        while true {
            let byte = reader.readData(ofLength: 1)
            guard let first = byte.first, first != UInt8(ascii: "\n") else { break }
            line.append(first)
        }
        guard let port = Int(String(decoding: line, as: UTF8.self)) else {
            process.terminate()
            throw MotoPeer.PeerFailure(
                message: "\(script.lastPathComponent) did not print its port; got \"\(String(decoding: line, as: UTF8.self))\"")
        }
        return PythonServer(port: port, process: process, stdin: stdin)
    }

    private init(port: Int, process: Process, stdin: Pipe) {
        self.port = port
        self.process = process
        self.stdin = stdin
    }

    /// `http://127.0.0.1:port` followed by `path`.
    public func url(_ path: String) -> String { "http://127.0.0.1:\(port)\(path)" }

    /// Terminates the server and returns at once; a thread of its own reaps it, and kills it
    /// if it is still running after 5 s.
    public func stop() {
        process.terminate()
        reapInBackground(process, grace: 5)
    }
}
