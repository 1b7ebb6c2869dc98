import Foundation
import InletTestSupport
import Testing

@testable import InletLocal

/// Raw-socket clients that misbehave: the server cuts off a connection that stalls while a
/// request is being read (slowloris), and refuses a request with a flood of headers, while
/// it keeps serving everyone else.
@Suite(.timeLimit(.minutes(1 * SanitizerRun.slowdown)), .serialized) struct SlowClientTests {
    /// A connected blocking socket to 127.0.0.1:`port`, with a receive timeout.
    func connect(_ port: Int) throws -> Int32 {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else { throw Failure("connect failed: errno \(errno)") }
        var timeout = timeval(tv_sec: 8, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        return fd
    }

    func write(_ fd: Int32, _ text: String) {
        let bytes = Array(text.utf8)
        _ = bytes.withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
    }

    /// Everything the server sends until it closes (or the receive timeout passes: nil).
    func readUntilClosed(_ fd: Int32) -> String? {
        var out: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let n = recv(fd, &buffer, buffer.count, 0)
            if n == 0 { return String(decoding: out, as: UTF8.self) }
            if n < 0 { return errno == ECONNRESET ? String(decoding: out, as: UTF8.self) : nil }
            out += buffer[0..<n]
        }
    }

    @Test func aClientThatStallsMidBodyIsCutOffAfterTheReadTimeout() async throws {
        let server = try await LiveServer.start(readTimeout: .seconds(1))
        defer { server.remove() }
        let fd = try connect(server.address.port)
        defer { close(fd) }
        let started = ContinuousClock.now
        write(fd, "POST /events HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{\"Id\":")
        let answer = try #require(readUntilClosed(fd), "the server kept a stalled connection open for 8 s")
        let waited = ContinuousClock.now - started
        #expect(waited >= .milliseconds(900) && waited < .seconds(6), "closed after \(waited)")
        #expect(!answer.contains("200 OK"))

        // The server still serves others.
        let other = try connect(server.address.port)
        defer { close(other) }
        write(other, "GET /health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        #expect(readUntilClosed(other)?.hasPrefix("HTTP/1.1 200") == true)
        try await server.stop()
    }

    @Test func aHeaderFloodIsRefusedWithoutReachingTheFunction() async throws {
        let server = try await LiveServer.start()
        defer { server.remove() }
        let fd = try connect(server.address.port)
        defer { close(fd) }
        let flood = (0..<(LocalServerConfiguration.maximumHeaderCount + 50)).map { "X-Flood-\($0): \($0)\r\n" }.joined()
        write(fd, "POST /events HTTP/1.1\r\nHost: x\r\n" + flood + "Content-Length: 10\r\n\r\n{\"Id\":\"1\"}")
        let answer = readUntilClosed(fd) ?? ""
        #expect(!answer.contains("200 OK"), "\(answer.prefix(200))")
        #expect(answer.isEmpty || answer.hasPrefix("HTTP/1.1 4"), "\(answer.prefix(200))")
        try await server.stop()
        #expect(try await server.objects(bucket: "inlet-data").isEmpty)
    }
}
