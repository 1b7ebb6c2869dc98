import Foundation
import InletCore
import InletEmulator
import InletTestSupport
import NIOCore
import NIOPosix
import Testing

@testable import InletLocal

/// The in-process function's common case is answered on the event loop (``GatewayIngestLane``);
/// everything else must still reach the general path, with nothing appended twice.
@Suite(.timeLimit(.minutes(1 * SanitizerRun.slowdown)), .serialized) struct GatewayIngestLaneTests {
    /// What the lane did with a request.
    enum Outcome: Equatable {
        /// It left the request to the general path at once, having done nothing.
        case declined
        /// It answered.
        case answered(status: Int, body: String, requestId: String?)
        /// It started and then handed the request to the general path.
        case general
    }

    /// Hands `request` to the lane from `loop`, as the gateway's fast path does.
    func send(_ request: LocalRequest, to lane: GatewayIngestLane, from loop: any EventLoop) async -> Outcome {
        await withCheckedContinuation { continuation in
            loop.execute {
                let taken = lane.answer(
                    request, on: loop,
                    reply: { response in
                        #expect(loop.inEventLoop)
                        continuation.resume(
                            returning: .answered(
                                status: response.status, body: String(decoding: response.body, as: UTF8.self),
                                requestId: response.headers["apigw-requestid"]))
                    },
                    fallback: {
                        #expect(loop.inEventLoop)
                        continuation.resume(returning: .general)
                    })
                if !taken { continuation.resume(returning: .declined) }
            }
        }
    }

    static func post(_ body: String, contentType: String = "application/json") -> LocalRequest {
        LocalRequest(
            method: "POST", rawPath: "/events", headers: HTTPHeaders([("Content-Type", contentType)]),
            body: Array(body.utf8), remoteAddress: "127.0.0.1")
    }

    /// A started local cloud (no server), removed after `body`.
    func withCloud(
        _ configure: (inout LocalCloudOptions) -> Void = { _ in }, _ body: (LocalCloud, GatewayIngestLane) async throws -> Void
    ) async throws {
        let directory = NSTemporaryDirectory() + "inlet-lane-" + UUID().uuidString
        defer { try? FileManager.default.removeItem(atPath: directory) }
        var options = LocalCloudOptions(dataDirectory: directory)
        configure(&options)
        let cloud = try await LocalCloud.start(options: options)
        let lane = try #require(cloud.router.ingestLane)
        try await body(cloud, lane)
        await cloud.emulator.shutdown()
    }

    @Test func validEventsAreAnsweredOnTheLoopOnceDurableFromEveryLoop() async throws {
        try await withCloud { cloud, lane in
            // The emulator's own loop (inline) and any other (a hop there and back).
            let loops = Array(MultiThreadedEventLoopGroup.singleton.makeIterator())
            for (k, loop) in loops.enumerated() {
                let outcome = await send(Self.post(#"[{"Id":"lane-\#(k)-a"},{"Id":"lane-\#(k)-b"}]"#), to: lane, from: loop)
                guard case .answered(let status, let body, let requestId) = outcome else {
                    Issue.record("not answered on the lane: \(outcome)")
                    continue
                }
                #expect(status == 200)
                #expect(body.contains(#""events":2,"accepted":2,"rejected":0"#), "\(body)")
                #expect(requestId?.count == 16)
                #expect(body.contains(#""requestId":"\#(requestId ?? "")""#))
            }
            let statistics = await cloud.emulator.statistics
            #expect(statistics.appendCalls == loops.count)
            #expect(statistics.groupCommits >= 1)
            await cloud.emulator.flushAll()
            let delivered = String(
                decoding: try await LiveServer.objects(in: cloud.store, bucket: "inlet-data").values.flatMap { $0 },
                as: UTF8.self)
            for k in loops.indices {
                #expect(delivered.contains(#""Id":"lane-\#(k)-a""#) && delivered.contains(#""Id":"lane-\#(k)-b""#))
            }
        }
    }

    @Test func theLaneAnswersAsTheGeneralPathDoes() async throws {
        try await withCloud { cloud, lane in
            let loop = lane.emulatorLoop
            // A valid event, and a body refused whole (a media type the function does not read).
            for request in [Self.post(#"{"Id":"same"}"#), Self.post("a,b", contentType: "text/csv")] {
                let onLane = await send(request, to: lane, from: loop)
                let general = await cloud.router.handle(request)
                guard case .answered(let status, let text, let requestId) = onLane, let requestId else {
                    Issue.record("not answered on the lane: \(onLane)")
                    continue
                }
                let generalId = try #require(general.headers["apigw-requestid"])
                #expect(status == general.status)
                #expect([200, 415].contains(status))
                #expect(text.replacingOccurrences(of: requestId, with: "ID")
                    == String(decoding: general.body, as: UTF8.self).replacingOccurrences(of: generalId, with: "ID"))
            }
            // The valid event was appended once by each path; the refused body not at all.
            #expect(await cloud.emulator.statistics.appendCalls == 2)
        }
    }

    @Test func rejectedEventsAndFaultInjectionTakeTheGeneralPathWithNothingAppended() async throws {
        try await withCloud { cloud, lane in
            let loop = lane.emulatorLoop
            // An invalid event is owed to the error bucket: the lane declines before appending.
            #expect(await send(Self.post(#"[{"Id":"ok"},{"Id":""}]"#), to: lane, from: loop) == .declined)
            #expect(await cloud.emulator.statistics.appendCalls == 0)
            // With faults injected, the emulator refuses the synchronous put: the general path
            // (which retries refused records) takes the request.
            await cloud.emulator.setFaultInjection(fraction: 0.5)
            #expect(await send(Self.post(#"{"Id":"f"}"#), to: lane, from: loop) == .general)
            #expect(await cloud.emulator.statistics.appendCalls == 0)
        }
    }
}
