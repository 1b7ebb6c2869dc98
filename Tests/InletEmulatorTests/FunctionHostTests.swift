import Foundation
import InletCore
import InletEmulator
import InletHTTP
import InletLambdaRuntime
import Logging
import Testing

/// A handler from a closure.
struct ClosureHandler: LambdaHandler {
    let body: @Sendable ([UInt8], LambdaContext) async throws -> [UInt8]
    func handle(_ payload: [UInt8], context: LambdaContext, logger: Logger) async throws -> [UInt8] {
        try await body(payload, context)
    }
}

struct Boom: Error {}

/// Running a handler in process: the context, errors, the deadline and Lambda's 6 MB limits.
@Suite struct InProcessFunctionHostTests {
    func deadline(in millis: Int64) -> Int64 { FirehoseEmulator.systemMillis() + millis }

    @Test func theHandlerGetsThePayloadAndAContextPerInvocation() async {
        let host = InProcessFunctionHost(
            handler: ClosureHandler { payload, context in
                Array("\(context.requestId)|\(context.deadlineMillis)|\(context.invokedFunctionArn)|".utf8) + payload
            }, functionArn: "arn:fn")
        let d = deadline(in: 5_000)
        let result = await host.invoke(Array("hi".utf8), requestId: "req-1", deadlineMillis: d)
        #expect(result == .success(Array("req-1|\(d)|arn:fn|hi".utf8)))
    }

    @Test func aThrownErrorIsAFunctionError() async {
        let host = InProcessFunctionHost(handler: ClosureHandler { _, _ in throw Boom() })
        let result = await host.invoke([], requestId: "r", deadlineMillis: deadline(in: 5_000))
        guard case .functionError(let report) = result else {
            Issue.record("expected a function error, got \(result)")
            return
        }
        #expect(report.errorType == "Boom")
    }

    @Test func pastTheDeadlineTheInvocationTimesOutAndTheHandlerIsCancelled() async {
        let cancelled = Flag()
        let host = InProcessFunctionHost(
            handler: ClosureHandler { _, _ in
                do {
                    try await Task.sleep(for: .seconds(30))
                } catch {
                    await cancelled.set()
                    throw error
                }
                return []
            })
        let result = await host.invoke([], requestId: "r", deadlineMillis: deadline(in: 100))
        // The result, and the handler's cancellation below, show the deadline cut it off;
        // no wall-clock bound, since a loaded machine can stall the cooperative pool.
        #expect(result == .timedOut)
        for _ in 0..<100 where !(await cancelled.value) { try? await Task.sleep(for: .milliseconds(10)) }
        #expect(await cancelled.value)
        #expect(await host.invoke([], requestId: "r", deadlineMillis: deadline(in: -1)) == .timedOut)
    }

    @Test func payloadsOver6MBAreRefusedAsLambdaDoes() async {
        let called = Flag()
        let host = InProcessFunctionHost(
            handler: ClosureHandler { payload, _ in
                await called.set()
                return payload + payload
            })
        let tooBig = [UInt8](repeating: 0x20, count: LambdaLimits.maximumRequestBytes + 1)
        guard case .functionError(let request) = await host.invoke(tooBig, requestId: "r", deadlineMillis: deadline(in: 5_000))
        else {
            Issue.record("expected RequestEntityTooLargeException")
            return
        }
        #expect(request.errorType == "RequestEntityTooLargeException")
        #expect(!(await called.value))

        let half = [UInt8](repeating: 0x20, count: LambdaLimits.maximumResponseBytes / 2 + 1)
        guard case .functionError(let response) = await host.invoke(half, requestId: "r", deadlineMillis: deadline(in: 5_000))
        else {
            Issue.record("expected Function.ResponseSizeTooLarge")
            return
        }
        #expect(response.errorType == "Function.ResponseSizeTooLarge")
    }
}

actor Flag {
    private(set) var value = false
    func set() { value = true }
}

/// The function's AWS calls, routed in process.
@Suite struct LoopbackTransportTests {
    @Test func urlsSplitIntoHostPathAndQuery() {
        #expect(LoopbackTransport.parseURL("http://127.0.0.1:4566/b/k%20x?uploads=&x=1") == ("127.0.0.1:4566", "/b/k%20x", "uploads=&x=1"))
        #expect(LoopbackTransport.parseURL("http://127.0.0.1:4566") == ("127.0.0.1:4566", "/", ""))
        #expect(LoopbackTransport.parseURL("https://bucket.s3.amazonaws.com?list-type=2") == ("bucket.s3.amazonaws.com", "/", "list-type=2"))
        #expect(LoopbackTransport.parseURL("http://h/p#frag") == ("h", "/p", ""))
    }

    @Test func theS3HandlerGetsTheRequestAsASocketWouldCarryIt() async throws {
        let dir = temporaryDirectory()
        defer { removeDirectory(dir) }
        let seen = S3Recorder()
        let transport = LoopbackTransport(
            firehose: FirehoseService(emulator: FirehoseEmulator(dataDirectory: dir, sink: MemorySink())),
            s3: { await seen.handle($0) })
        let response = try await transport.send(
            HTTPRequest(method: .put, url: "http://127.0.0.1:4566/b/a%2Bb?x-id=PutObject", headers: ["X-Amz-Date": "d"], body: [7]))
        #expect(response.status == 200)
        let request = try #require(await seen.requests.first)
        #expect(request.method == "PUT")
        #expect(request.rawPath == "/b/a%2Bb")
        #expect(request.rawQuery == "x-id=PutObject")
        #expect(request.headers["host"] == "127.0.0.1:4566")
        #expect(request.headers["x-amz-date"] == "d")
        #expect(request.body == [7])
    }

    @Test func withoutAnS3ServiceS3CallsGetServiceUnavailable() async throws {
        let dir = temporaryDirectory()
        defer { removeDirectory(dir) }
        let transport = LoopbackTransport(firehose: FirehoseService(emulator: FirehoseEmulator(dataDirectory: dir, sink: MemorySink())))
        let response = try await transport.send(HTTPRequest(method: .put, url: "http://127.0.0.1:4566/b/k", body: [1]))
        #expect(response.status == 503)
        #expect(response.bodyText.contains("<Code>ServiceUnavailable</Code>"))

        let firehose = try await transport.send(
            HTTPRequest(
                method: .post, url: "http://127.0.0.1:4566/",
                headers: ["X-Amz-Target": "Firehose_20150804.ListDeliveryStreams",
                          "Content-Type": "application/x-amz-json-1.1"], body: Array("{}".utf8)))
        #expect(firehose.status == 200)
        #expect(firehose.bodyText.contains("DeliveryStreamNames"))
    }
}
