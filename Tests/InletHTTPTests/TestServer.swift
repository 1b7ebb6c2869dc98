import Foundation
import InletTestSupport
import Testing

/// The Python loopback server in `Support/test_server.py`, one process per test.
enum TestServer {
    static func start() async throws -> PythonServer {
        try await PythonServer.start(
            script: URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Support/test_server.py"))
    }
}

/// A loopback port with nothing listening on it.
func closedLoopbackPort() -> Int { freeLoopbackPort() }

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
