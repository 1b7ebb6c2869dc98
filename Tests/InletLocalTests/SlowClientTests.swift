import Foundation
import InletTestSupport
import Testing

@testable import InletLocal

/// Raw-socket clients that misbehave: the server cuts off a connection that stalls while a
/// request is being read (slowloris), and refuses a request with a flood of headers, while
/// it keeps serving everyone else.
@Suite(.timeLimit(.minutes(1 * SanitizerRun.slowdown)), .serialized) struct SlowClientTests {
    @Test func aClientThatStallsMidBodyIsCutOffAfterTheReadTimeout() async throws {
        let server = try await LiveServer.start(readTimeout: .seconds(1))
        defer { server.remove() }
        let fd = try RawClient.connect(server.address.port)
        defer { close(fd) }
        let started = ContinuousClock.now
        RawClient.write(fd, "POST /events HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{\"Id\":")
        let answer = try #require(await RawClient.readUntilClosed(fd), "the server kept a stalled connection open for 8 s")
        let waited = ContinuousClock.now - started
        #expect(waited >= .milliseconds(900) && waited < .seconds(6), "closed after \(waited)")
        #expect(!answer.contains("200 OK"))

        // The server still serves others.
        let other = try RawClient.connect(server.address.port)
        defer { close(other) }
        RawClient.write(other, "GET /health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        #expect(await RawClient.readUntilClosed(other)?.hasPrefix("HTTP/1.1 200") == true)
        try await server.stop()
    }

    @Test func aHeaderFloodIsRefusedWithoutReachingTheFunction() async throws {
        let server = try await LiveServer.start()
        defer { server.remove() }
        let fd = try RawClient.connect(server.address.port)
        defer { close(fd) }
        let flood = (0..<(LocalServerConfiguration.maximumHeaderCount + 50)).map { "X-Flood-\($0): \($0)\r\n" }.joined()
        RawClient.write(fd, "POST /events HTTP/1.1\r\nHost: x\r\n" + flood + "Content-Length: 10\r\n\r\n{\"Id\":\"1\"}")
        let answer = await RawClient.readUntilClosed(fd) ?? ""
        #expect(!answer.contains("200 OK"), "\(answer.prefix(200))")
        #expect(answer.isEmpty || answer.hasPrefix("HTTP/1.1 4"), "\(answer.prefix(200))")
        try await server.stop()
        #expect(try await server.objects(bucket: "inlet-data").isEmpty)
    }
}
