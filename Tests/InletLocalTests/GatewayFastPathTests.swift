import Foundation
import InletCore
import InletEmulator
import InletTestSupport
import Testing

@testable import InletLocal

/// The HTTP API's requests are answered in the channel pipeline (``GatewayFastPath``), every
/// other request by Hummingbird's responder: on one connection the two must keep HTTP/1.1's
/// order and framing, and hand the same events on.
@Suite(.timeLimit(.minutes(1 * SanitizerRun.slowdown)), .serialized) struct GatewayFastPathTests {
    static func post(_ body: String, extra: String = "") -> String {
        "POST /events HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n\(extra)Content-Length: \(body.utf8.count)\r\n\r\n"
            + body
    }

    static let health = "GET /health HTTP/1.1\r\nHost: x\r\n\r\n"

    /// A fresh server, and a connection to it on which `text` was sent in one write.
    func sending(_ text: String) async throws -> (server: LiveServer, fd: Int32) {
        let server = try await LiveServer.start()
        do {
            let fd = try RawClient.connect(server.address.port)
            RawClient.write(fd, text)
            return (server, fd)
        } catch {
            server.remove()
            throw error
        }
    }

    @Test func pipelinedRequestsOnBothPathsAreAnsweredInOrder() async throws {
        // Sent in one write: the server reads them together and must answer them in turn.
        let (server, fd) = try await sending(
            Self.post(#"{"Id":"p1"}"#) + Self.health + Self.post(#"{"Id":"p2"}"#) + Self.post(#"{"Id":""}"#)
                + Self.post(#"{"Id":"p3"}"#) + "GET /health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        defer { server.remove() }
        defer { close(fd) }
        let responses = await RawClient.readResponses(fd, count: 6)
        #expect(responses.map(\.status) == [200, 200, 200, 400, 200, 200])
        // The last asked to close.
        #expect(await RawClient.readUntilClosed(fd) == "")
        guard responses.count == 6 else { return }
        #expect(responses[1].body == #"{"status":"ok"}"#)
        #expect(responses[5].body == #"{"status":"ok"}"#)
        for index in [0, 2, 4] {
            #expect(responses[index].body.contains(#""accepted":1"#), "\(responses[index].body)")
            #expect(responses[index].headers["apigw-requestid"]?.count == 16)
            #expect(responses[index].headers["date"]?.hasSuffix(" GMT") == true)
            #expect(responses[index].headers["content-type"] == "application/json")
        }
        #expect(responses[3].body.contains("contract_violation"))
        try await server.stop()

        let delivered = String(
            decoding: try await server.objects(bucket: "inlet-data").values.flatMap { $0 }, as: UTF8.self)
        let ids = delivered.split(separator: "\n").compactMap { line in
            ["p1", "p2", "p3"].first { line.contains(#""Id":"\#($0)""#) }
        }
        #expect(ids.sorted() == ["p1", "p2", "p3"])
    }

    @Test func chunkedAndClosingRequestsAreAnsweredByHummingbirdWithTheSameResult() async throws {
        let chunk = #"{"Id":"c1"}"#
        let (server, fd) = try await sending(
            "POST /events HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"
                + String(chunk.utf8.count, radix: 16) + "\r\n" + chunk + "\r\n0\r\n\r\n"
                + Self.post(#"{"Id":"c2"}"#, extra: "Connection: close\r\n"))
        defer { server.remove() }
        defer { close(fd) }
        // The connection closes after the second (readUntilClosed returns).
        let responses = RawClient.responses(try #require(await RawClient.readUntilClosed(fd)))
        #expect(responses.map(\.status) == [200, 200])
        for response in responses {
            #expect(response.body.contains(#""accepted":1"#), "\(response.body)")
            #expect(response.headers["apigw-requestid"]?.count == 16)
        }
        try await server.stop()
        let delivered = String(
            decoding: try await server.objects(bucket: "inlet-data").values.flatMap { $0 }, as: UTF8.self)
        #expect(delivered.contains(#""Id":"c1""#) && delivered.contains(#""Id":"c2""#))
    }

    @Test func aDeclaredBodyOverTheLimitIsRefusedWithoutBeingRead() async throws {
        let (server, fd) = try await sending(
            "POST /events HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: "
                + "\(APIGatewayEmulator.maximumBodyBytes + 1)\r\n\r\n{\"Id\":")
        defer { server.remove() }
        defer { close(fd) }
        // The server answers before the body arrives (the connection cannot be reused).
        let responses = await RawClient.readResponses(fd, count: 1)
        #expect(responses.map(\.status) == [413])
        #expect(responses.first?.headers["connection"] == "close")
        #expect(responses.first?.body == #"{"message":"Request Entity Too Large"}"#)
        try await server.stop()
    }
}
