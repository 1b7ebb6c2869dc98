import Foundation
import InletLambdaRuntime
import Logging
import Testing

/// A Runtime API double: hands out queued invocations and records what the loop reports.
final class ScriptedRuntimeAPI: RuntimeAPIClient, @unchecked Sendable {
    enum Report: Equatable {
        case response(String, String)
        case error(String, String, String)
        case initError(String)
    }

    private let lock = NSLock()
    private var queue: [(LambdaContext, [UInt8])]
    private var recorded: [Report] = []
    private let refuseResponses: Bool

    init(_ invocations: [(LambdaContext, String)], refuseResponses: Bool = false) {
        queue = invocations.map { ($0.0, Array($0.1.utf8)) }
        self.refuseResponses = refuseResponses
    }

    var reports: [Report] { lock.withLock { recorded } }

    func next() async throws -> (LambdaContext, [UInt8]) {
        try lock.withLock {
            guard !queue.isEmpty else { throw RuntimeAPIError(code: .unreachable, message: "no more", status: nil) }
            return queue.removeFirst()
        }
    }

    func respond(requestId: String, body: [UInt8]) async throws {
        if refuseResponses {
            throw RuntimeAPIError(code: .unexpectedStatus, message: "413 RequestEntityTooLarge", status: 413)
        }
        lock.withLock { recorded.append(.response(requestId, String(decoding: body, as: UTF8.self))) }
    }

    func reportError(requestId: String, _ report: LambdaErrorReport) async throws {
        lock.withLock { recorded.append(.error(requestId, report.errorType, report.errorMessage)) }
    }

    func reportInitError(_ report: LambdaErrorReport) async throws {
        lock.withLock { recorded.append(.initError(report.errorType)) }
    }
}

struct Failure: Error, CustomStringConvertible {
    var description: String { "the handler failed on purpose" }
}

/// Echoes the payload, fails on "fail", and records the trace id it saw.
struct EchoHandler: LambdaHandler {
    func handle(_ payload: [UInt8], context: LambdaContext, logger: Logger) async throws -> [UInt8] {
        if payload == Array("fail".utf8) { throw Failure() }
        let trace = getenv("_X_AMZN_TRACE_ID").map { String(cString: $0) } ?? "-"
        return payload + Array(" \(trace)".utf8)
    }
}

func context(_ id: String, trace: String? = nil) -> LambdaContext {
    LambdaContext(requestId: id, deadlineMillis: 1_000, invokedFunctionArn: "arn:aws:lambda:us-east-1:1:function:f", traceId: trace)
}

@Suite(.serialized) struct LambdaRuntimeTests {
    let logger = Logger(label: "test")

    @Test func survivesAHandlerErrorAndTakesTheNextInvocation() async throws {
        let api = ScriptedRuntimeAPI([(context("a", trace: "Root=1-a"), "one"), (context("b"), "fail"), (context("c"), "three")])
        await #expect(throws: RuntimeAPIError.self) {
            try await LambdaRuntime(client: api, handler: EchoHandler(), logger: logger).run()
        }
        #expect(
            api.reports == [
                .response("a", "one Root=1-a"),
                .error("b", "Failure", "the handler failed on purpose"),
                .response("c", "three -"),
            ])
    }

    @Test func reportsARefusedResponseAsAnError() async throws {
        let api = ScriptedRuntimeAPI([(context("a"), "big")], refuseResponses: true)
        try await LambdaRuntime(client: api, handler: EchoHandler(), logger: logger).run(maxInvocations: 1)
        #expect(api.reports == [.error("a", "Runtime.ResponseRejected", "413 RequestEntityTooLarge")])
    }

    @Test func readsTheContextFromTheNextHeaders() throws {
        let headers = [
            "lambda-runtime-aws-request-id": "r-1", "lambda-runtime-deadline-ms": "1764235141123",
            "lambda-runtime-invoked-function-arn": "arn:f", "lambda-runtime-trace-id": "Root=1-x",
            "lambda-runtime-client-context": "{\"c\":1}", "lambda-runtime-cognito-identity": "{\"i\":2}",
            "lambda-runtime-aws-tenant-id": "tenant-7",
        ]
        let context = try #require(LambdaContext(header: { headers[$0] }))
        #expect(context.requestId == "r-1")
        #expect(context.deadlineMillis == 1_764_235_141_123)
        #expect(context.remainingMillis(nowMillis: 1_764_235_140_123) == 1000)
        #expect(context.invokedFunctionArn == "arn:f")
        #expect(context.traceId == "Root=1-x")
        #expect(context.clientContext == "{\"c\":1}")
        #expect(context.cognitoIdentity == "{\"i\":2}")
        #expect(context.tenantId == "tenant-7")
        #expect(LambdaContext(header: { _ in nil }) == nil)
    }

    @Test func encodesErrorReportsAsLambdaExpects() throws {
        let report = LambdaErrorReport(errorMessage: "bad \"thing\"", errorType: "InitError.missing_variable", stackTrace: ["a"])
        let object = try JSONSerialization.jsonObject(with: Data(report.json)) as! [String: Any]
        #expect(object["errorMessage"] as? String == "bad \"thing\"")
        #expect(object["errorType"] as? String == "InitError.missing_variable")
        #expect(object["stackTrace"] as? [String] == ["a"])
    }
}

@Suite struct LambdaLogHandlerTests {
    @Test func writesJSONLinesWithTheRequestId() throws {
        let handler = LambdaLogHandler(label: "t", format: .json, level: .info)
        let line = handler.render(level: .warning, message: "slow \"down\"", metadata: ["requestId": "r-9", "count": "3"], nowMillis: 1_764_235_141_123)
        #expect(line.last == 0x0A)
        let object = try JSONSerialization.jsonObject(with: Data(line.dropLast())) as! [String: Any]
        #expect(object["timestamp"] as? String == "2025-11-27T09:19:01.123Z")
        #expect(object["level"] as? String == "WARN")
        #expect(object["message"] as? String == "slow \"down\"")
        #expect(object["requestId"] as? String == "r-9")
        #expect(object["count"] as? String == "3")
    }

    @Test func writesTextLinesOtherwise() {
        let handler = LambdaLogHandler(label: "t", format: .text, level: .info)
        let line = String(decoding: handler.render(level: .error, message: "m", metadata: ["requestId": "r"], nowMillis: 0), as: UTF8.self)
        #expect(line == "1970-01-01T00:00:00.000Z\tr\tERROR\tm\n")
    }

    @Test func readsLambdasLevelNames() {
        #expect(LambdaLogHandler.parseLevel("WARN") == .warning)
        #expect(LambdaLogHandler.parseLevel("fatal") == .critical)
        #expect(LambdaLogHandler.parseLevel("TRACE") == .trace)
        #expect(LambdaLogHandler.parseLevel("nonsense") == nil)
    }
}
