import Foundation
import InletAPIGateway
import InletCompression
import InletCore
import InletFunction
import InletLambdaRuntime
import Logging
import Testing

@testable import InletEmulator

/// A function that answers from the request it sees, through either entry, and counts which
/// entry it was called through.
struct MirrorFunction: APIGatewayLambdaHandler {
    let typedCalls = Counter()
    let jsonCalls = Counter()

    final class Counter: @unchecked Sendable {
        private let lock = NSLock()
        private var value = 0
        func add() { lock.withLock { value += 1 } }
        var count: Int { lock.withLock { value } }
    }

    func handle(_ payload: [UInt8], context: LambdaContext, logger: Logger) async throws -> [UInt8] {
        jsonCalls.add()
        let request = try APIGatewayRequest(json: payload)
        return answer(request).encoded(for: request.version)
    }

    func handle(_ request: APIGatewayRequest, context: LambdaContext, logger: Logger) async -> APIGatewayResponse {
        typedCalls.add()
        return answer(request)
    }

    func answer(_ request: APIGatewayRequest) -> APIGatewayResponse {
        var headers = HTTPHeaders([("Content-Type", "text/plain"), ("X-Seen", "a"), ("x-seen", "b")])
        headers.add(name: "X-Method", value: request.method)
        let text = "\(request.path)?\(request.rawQueryString) \(request.headers) \(request.cookies) \(request.isBase64Encoded)"
        return APIGatewayResponse(
            statusCode: 201, headers: headers, cookies: ["a=1", "b=2"], body: Array(text.utf8) + request.body)
    }
}

/// The in-process shortcut past the event's JSON (``APIGatewayLambdaHandler``) gives what
/// the JSON path gives: the same request to the function, the same HTTP response, and the
/// JSON path whenever the event might be over Lambda's 6 MB.
@Suite struct APIGatewayProxyPathTests {
    static let context = APIGatewayEvent.Context(route: .postEvents, requestId: "Zq1pQeGfIAMEV3w=", timeEpochMillis: 1_764_235_141_123)

    static func request(_ headers: [(String, String)], body: [UInt8], query: String = "") -> LocalRequest {
        // A trace id of the client's own: API Gateway's would be random.
        LocalRequest(
            method: "POST", rawPath: "/events", rawQuery: query,
            headers: HTTPHeaders([("Host", "127.0.0.1:4566"), ("X-Amzn-Trace-Id", "Root=1-abc")] + headers), body: body,
            remoteAddress: "127.0.0.9")
    }

    static let requests: [LocalRequest] = [
        request([("Content-Type", "application/json"), ("User-Agent", "curl/8")], body: Array(#"{"Id":"1","Note":"a \"quoted\" \\ line\n"}"#.utf8)),
        request([("content-type", "application/x-ndjson")], body: Array("{\"Id\":\"1\"}\n{\"Id\":\"2\"}\n".utf8), query: "a=1&b=%20x&a=2"),
        request([("Content-Type", "application/json"), ("Content-Encoding", "gzip")], body: Gzip.compress(Array(#"{"Id":"z"}"#.utf8))),
        request([], body: Array("no content type: binary".utf8)),
        request([("Content-Type", "application/json")], body: [0x7B, 0xFF, 0xFE, 0x7D]),
        request([("Content-Type", "text/plain; charset=utf-8"), ("Cookie", "s=1; t=2"), ("cookie", "u=3")], body: Array("héllo ✓ \u{1}".utf8)),
        request([("X-Dup", "1"), ("x-dup", "2"), ("X-Forwarded-For", "10.0.0.1"), ("Content-Type", "application/json")], body: []),
    ]

    @Test func theRequestHandedOverIsWhatTheFunctionDecodesFromTheEvent() throws {
        for request in Self.requests {
            let fromJSON = try APIGatewayRequest(json: APIGatewayEvent.v2(request, context: Self.context))
            #expect(APIGatewayEvent.v2Request(request, context: Self.context) == fromJSON)
        }
    }

    @Test func theSizeBoundIsNeverBelowTheEventSize() {
        let hostile: [LocalRequest] = [
            Self.request([("Content-Type", "application/json")], body: [UInt8](repeating: 0x01, count: 10_000)),
            Self.request([("Content-Type", "application/json")], body: Array(String(repeating: "\"\\\n", count: 5_000).utf8)),
            Self.request(
                [("Content-Type", "text/plain"), ("Cookie", String(repeating: "a;", count: 2_000)),
                 ("User-Agent", String(repeating: "\u{1}", count: 500))],
                body: Array(String(repeating: "✓", count: 3_000).utf8), query: String(repeating: "%01=%01&", count: 500)),
            Self.request([("Content-Encoding", "br")], body: [UInt8](repeating: 0xFF, count: 30_001)),
        ]
        for request in Self.requests + hostile {
            let bound = APIGatewayEvent.v2SizeBound(request, parts: APIGatewayEvent.v2Parts(request))
            let size = APIGatewayEvent.v2(request, context: Self.context).count
            #expect(bound >= size, "bound \(bound) < event \(size)")
        }
    }

    @Test func aResponseHandedOverMapsAsItsJSONDoes() {
        let responses: [APIGatewayResponse] = [
            .json(200, Array(#"{"ok":true}"#.utf8)),
            APIGatewayResponse(
                statusCode: 207, headers: HTTPHeaders([("X-A", "1"), ("x-a", "2"), ("Retry-After", "1")]), cookies: ["c=1"],
                body: Array("text body".utf8)),
            APIGatewayResponse(statusCode: 200, body: [0, 1, 2, 255], isBase64Encoded: true),
            APIGatewayResponse(statusCode: 204),
            APIGatewayResponse(statusCode: 600, body: Array("out of range".utf8)),
        ]
        for answer in responses {
            let viaJSON = APIGatewayEmulator.response(answer.encoded(for: .v2), format: .v2)
            let handedOver = APIGatewayEmulator.response(answer)
            #expect(handedOver?.status == viaJSON?.status)
            #expect(handedOver?.headers == viaJSON?.headers)
            #expect(handedOver?.body == viaJSON?.body)
        }
    }

    @Test func theGatewayAnswersAlikeOnBothPathsAndTakesTheJSONPathNearTheLimit() async {
        let typed = MirrorFunction()
        let gateway = APIGatewayEmulator(
            host: InProcessFunctionHost(handler: typed), makeRequestId: { "Zq1pQeGfIAMEV3w=" })
        // The same function behind a host that only speaks JSON (a child process would).
        struct JSONOnly: FunctionHost {
            let inner: InProcessFunctionHost
            func invoke(_ payload: [UInt8], requestId: String, deadlineMillis: Int64) async -> FunctionResult {
                await inner.invoke(payload, requestId: requestId, deadlineMillis: deadlineMillis)
            }
        }
        let plain = MirrorFunction()
        let reference = APIGatewayEmulator(
            host: JSONOnly(inner: InProcessFunctionHost(handler: plain)), makeRequestId: { "Zq1pQeGfIAMEV3w=" })
        for request in Self.requests {
            let now = FirehoseEmulator.systemMillis()
            let a = await gateway.handle(request, now: now)
            let b = await reference.handle(request, now: now)
            #expect(a.status == 201, "\(String(decoding: a.body, as: UTF8.self))")
            #expect(a.status == b.status && a.headers == b.headers && a.body == b.body, "\(request.headers)")
        }
        #expect(typed.typedCalls.count == Self.requests.count && typed.jsonCalls.count == 0)
        #expect(plain.jsonCalls.count == Self.requests.count && plain.typedCalls.count == 0)

        // An event that may be over 6 MB is measured on the JSON path: 413, and no call.
        let large = Self.request(
            [("Content-Type", "application/json")], body: [UInt8](repeating: 0x22, count: LambdaLimits.maximumRequestBytes / 2))
        let refused = await gateway.handle(large, now: FirehoseEmulator.systemMillis())
        #expect(refused.status == 413)
        #expect(typed.typedCalls.count == Self.requests.count && typed.jsonCalls.count == 0)
    }
}
