import Foundation
import Testing

/// The Python loopback server in `Support/test_server.py`, one process per test.
final class TestServer: @unchecked Sendable {
    let port: Int
    private let process: Process
    private let stdin: Pipe  // held open; the server exits when it reaches EOF

    static func start() throws -> TestServer {
        let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("Support/test_server.py")
        let process = Process()
        if FileManager.default.isExecutableFile(atPath: "/usr/bin/python3") {
            process.executableURL = URL(fileURLWithPath: "/usr/bin/python3")
            process.arguments = [script.path]
        } else {
            process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            process.arguments = ["python3", script.path]
        }
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
            throw ServerStartFailure(output: String(decoding: line, as: UTF8.self))
        }
        return TestServer(port: port, process: process, stdin: stdin)
    }

    private init(port: Int, process: Process, stdin: Pipe) {
        self.port = port
        self.process = process
        self.stdin = stdin
    }

    func url(_ path: String) -> String { "http://127.0.0.1:\(port)\(path)" }

    /// Terminates the server and waits (by polling: `waitUntilExit` spins a CPU on Linux)
    /// up to 5 s, then kills it.
    func stop() {
        process.terminate()
        for _ in 0..<500 where process.isRunning { usleep(10_000) }
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
    }

    struct ServerStartFailure: Error, CustomStringConvertible {
        var output: String
        var description: String { "test_server.py did not print its port; got \"\(output)\"" }
    }
}

/// A loopback port with nothing listening on it: bound, read, then closed.
func closedLoopbackPort() -> Int {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    precondition(fd >= 0)
    defer { close(fd) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    address.sin_port = 0
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    let bound = withUnsafeMutablePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { pointer in
            bind(fd, pointer, length) == 0 && getsockname(fd, pointer, &length) == 0
        }
    }
    precondition(bound)
    return Int(UInt16(bigEndian: address.sin_port))
}

/// The JSON object a response body holds.
func json(_ body: [UInt8]) throws -> [String: Any] {
    let object = try JSONSerialization.jsonObject(with: Data(body))
    return try #require(object as? [String: Any])
}

/// Sum of bytes mod 2^32, as `/echo` reports it.
func byteSum(_ bytes: [UInt8]) -> Int {
    Int(bytes.reduce(UInt32(0)) { $0 &+ UInt32($1) })
}

/// A deterministic, non-repeating-looking byte pattern.
func pattern(_ count: Int, seed: UInt32 = 1) -> [UInt8] {
    var state = seed &* 2_654_435_761 | 1
    return (0..<count).map { _ in
        state ^= state << 13
        state ^= state >> 17
        state ^= state << 5
        return UInt8(truncatingIfNeeded: state)
    }
}

func milliseconds(since start: ContinuousClock.Instant) -> Int {
    let elapsed = start.duration(to: .now).components
    return Int(elapsed.seconds) * 1000 + Int(elapsed.attoseconds / 1_000_000_000_000_000)
}
