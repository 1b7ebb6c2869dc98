import Foundation
import InletAPIGateway
import InletCompression
import InletCore
import InletEmulator
import InletLambdaRuntime
import Testing

/// The events the emulated HTTP API sends: the shape of a real one, AWS's header, cookie and
/// query rules, and its base64 rule.
@Suite struct APIGatewayEventTests {
    func post(
        _ body: String, headers: [(String, String)] = [("Content-Type", "application/json")], query: String = ""
    ) -> LocalRequest {
        LocalRequest(
            method: "POST", rawPath: "/events", rawQuery: query, headers: HTTPHeaders(headers), body: Array(body.utf8),
            remoteAddress: "203.0.113.7")
    }

    @Test func theV2EventHasTheShapeOfTheSAMFixture() async throws {
        let host = ScriptedHost(.success(Array("{}".utf8)))
        let request = post(
            #"{"Id":"1"}"#,
            headers: [
                ("Content-Type", "application/json"), ("Host", "localhost:4566"), ("User-Agent", "agent"),
                ("Cookie", "cookie1; cookie2"),
            ], query: "parameter1=value1&parameter1=value2&parameter2=value")
        _ = await gateway(host).handle(request, now: gatewayMillis)
        let event = object(await host.lastPayload)
        let sam = try samHTTPAPIEvent()

        // The fixture also has the optional authorizer, client certificate, path parameters and
        // stage variables, which a route without them does not send.
        let optional: Set<String> = ["pathParameters", "stageVariables"]
        #expect(Set(event.keys) == Set(sam.keys).subtracting(optional))
        let context = try #require(event["requestContext"] as? [String: Any])
        let samContext = try #require(sam["requestContext"] as? [String: Any])
        #expect(Set(context.keys) == Set(samContext.keys).subtracting(["authentication", "authorizer"]))
        let http = try #require(context["http"] as? [String: Any])
        #expect(Set(http.keys) == Set((samContext["http"] as! [String: Any]).keys))
        for (key, value) in samContext where value is String {
            #expect(context[key] is String, "\(key)")
        }

        #expect(event["version"] as? String == "2.0")
        #expect(event["routeKey"] as? String == "POST /events")
        #expect(event["rawPath"] as? String == "/events")
        #expect(event["rawQueryString"] as? String == "parameter1=value1&parameter1=value2&parameter2=value")
        #expect(event["cookies"] as? [String] == ["cookie1", "cookie2"])
        #expect(event["queryStringParameters"] as? [String: String] == sam["queryStringParameters"] as? [String: String])
        #expect(event["body"] as? String == #"{"Id":"1"}"#)
        #expect(event["isBase64Encoded"] as? Bool == false)
        #expect(context["routeKey"] as? String == "POST /events")
        #expect(context["stage"] as? String == "$default")
        #expect(context["requestId"] as? String == "JKJaXmPLvHcESHA=")
        #expect(context["time"] as? String == "27/Nov/2026:10:00:00 +0000")
        #expect(context["timeEpoch"] as? Int64 == gatewayMillis)
        #expect(context["domainName"] as? String == "localhost")
        #expect(context["domainPrefix"] as? String == "localhost")
        #expect(http["method"] as? String == "POST")
        #expect(http["path"] as? String == "/events")
        #expect(http["protocol"] as? String == "HTTP/1.1")
        #expect(http["sourceIp"] as? String == "203.0.113.7")
        #expect(http["userAgent"] as? String == "agent")
        #expect(await host.deadlines == [gatewayMillis + 30_000])
    }

    @Test func headersAreLowercasedAndDuplicatesCommaJoinedWithoutTheCookieHeader() async throws {
        let host = ScriptedHost(.success(Array("{}".utf8)))
        let request = post(
            "{}",
            headers: [
                ("Content-Type", "application/json"), ("Header2", "value1"), ("header2", "value2"), ("Cookie", "a=1"),
                ("cookie", "b=2; c=3"), ("X-Forwarded-For", "198.51.100.1"),
            ])
        _ = await gateway(host).handle(request, now: gatewayMillis)
        let event = object(await host.lastPayload)
        let headers = try #require(event["headers"] as? [String: String])
        #expect(headers["header2"] == "value1,value2")
        #expect(headers["content-type"] == "application/json")
        #expect(headers["cookie"] == nil)
        #expect(headers.keys.allSatisfy { $0 == $0.lowercased() })
        #expect(headers["x-forwarded-for"] == "198.51.100.1, 203.0.113.7")
        #expect(headers["x-forwarded-proto"] == "http")
        #expect(headers["x-amzn-trace-id"]?.hasPrefix("Root=1-") == true)
        #expect(event["cookies"] as? [String] == ["a=1", "b=2", "c=3"])
    }

    @Test func queryParametersAreDecodedAndDuplicatesCommaJoined() async throws {
        let host = ScriptedHost(.success(Array("{}".utf8)))
        _ = await gateway(host).handle(post("{}", query: "a=1&b=x%20y&a=2&flag"), now: gatewayMillis)
        let event = object(await host.lastPayload)
        #expect(event["queryStringParameters"] as? [String: String] == ["a": "1,2", "b": "x y", "flag": ""])
        #expect(event["rawQueryString"] as? String == "a=1&b=x%20y&a=2&flag")

        _ = await gateway(host).handle(post("{}"), now: gatewayMillis)
        let bare = object(await host.lastPayload)
        #expect(bare["queryStringParameters"] == nil)
        #expect(bare["cookies"] == nil)
    }

    @Test func withoutABodyV2OmitsItAndV1SendsNull() async throws {
        let host = ScriptedHost(.success(Array("{}".utf8)))
        let request = LocalRequest(method: "POST", rawPath: "/events")
        _ = await gateway(host).handle(request, now: gatewayMillis)
        let v2 = object(await host.lastPayload)
        #expect(v2.keys.contains("body") == false)
        #expect(v2["isBase64Encoded"] as? Bool == false)
        _ = await gateway(host, format: .v1).handle(request, now: gatewayMillis)
        let v1 = object(await host.lastPayload)
        #expect(v1["body"] is NSNull)
        #expect(v1["isBase64Encoded"] as? Bool == false)
    }

    @Test func requestIdsLookLikeAPIGateways() {
        let ids = (0..<50).map { _ in APIGatewayEmulator.randomRequestId() }
        #expect(ids.allSatisfy { matches($0, "[A-Za-z0-9]{15}=") })
        #expect(Set(ids).count == 50)
    }

    @Test func aGzipBodyIsBase64Encoded() async throws {
        let host = ScriptedHost(.success(Array("{}".utf8)))
        let raw = Array("{\"Id\":\"1\"}\n".utf8)
        let gz = Gzip.compress(raw)
        let request = LocalRequest(
            method: "POST", rawPath: "/events",
            headers: HTTPHeaders([("Content-Type", "application/x-ndjson"), ("Content-Encoding", "gzip")]), body: gz)
        _ = await gateway(host).handle(request, now: gatewayMillis)
        let event = object(await host.lastPayload)
        #expect(event["isBase64Encoded"] as? Bool == true)
        #expect(Data(base64Encoded: event["body"] as? String ?? "").map { [UInt8]($0) } == gz)
    }

    @Test func theBase64RuleFollowsTheContentType() {
        let body = Array("x".utf8)
        for text in ["text/plain", "application/json", "application/json; charset=utf-8", "application/xml",
                     "application/javascript", "application/ld+json", "application/atom+xml", "TEXT/CSV"] {
            #expect(!APIGatewayEvent.isBinary(contentType: text, contentEncoding: nil, body: body), "\(text)")
        }
        for binary in ["application/octet-stream", "application/x-ndjson", "image/png",
                       "application/x-www-form-urlencoded"] {
            #expect(APIGatewayEvent.isBinary(contentType: binary, contentEncoding: nil, body: body), "\(binary)")
        }
        #expect(APIGatewayEvent.isBinary(contentType: nil, contentEncoding: nil, body: body))
        #expect(APIGatewayEvent.isBinary(contentType: "application/json", contentEncoding: "gzip", body: body))
        #expect(!APIGatewayEvent.isBinary(contentType: "application/json", contentEncoding: "identity", body: body))
        #expect(APIGatewayEvent.isBinary(contentType: "text/plain", contentEncoding: nil, body: [0xFF, 0xFE]))
    }

    @Test func payload1HasTheRESTShape() async throws {
        let host = ScriptedHost(.success(Array(#"{"statusCode":200,"body":""}"#.utf8)))
        let request = post(
            #"{"Id":"1"}"#, headers: [("Content-Type", "application/json"), ("X-A", "1"), ("x-a", "2")],
            query: "p=1&p=2")
        _ = await gateway(host, format: .v1).handle(request, now: gatewayMillis)
        let event = object(await host.lastPayload)
        #expect(event["version"] as? String == "1.0")
        #expect(event["resource"] as? String == "/events")
        #expect(event["path"] as? String == "/events")
        #expect(event["httpMethod"] as? String == "POST")
        #expect((event["headers"] as? [String: String])?["X-A"] == "2")
        #expect((event["multiValueHeaders"] as? [String: [String]])?["X-A"] == ["1", "2"])
        #expect((event["headers"] as? [String: String])?["X-Forwarded-For"] == "203.0.113.7")
        #expect((event["headers"] as? [String: String])?["Content-Type"] == "application/json")
        #expect(event["queryStringParameters"] as? [String: String] == ["p": "2"])
        #expect(event["multiValueQueryStringParameters"] as? [String: [String]] == ["p": ["1", "2"]])
        #expect(event["body"] as? String == #"{"Id":"1"}"#)
        #expect(event["isBase64Encoded"] as? Bool == false)
        let context = try #require(event["requestContext"] as? [String: Any])
        #expect(context["requestId"] as? String == "JKJaXmPLvHcESHA=")
        #expect(context["requestTimeEpoch"] as? Int64 == gatewayMillis)
        let identity = try #require(context["identity"] as? [String: Any])
        #expect(identity["sourceIp"] as? String == "203.0.113.7")
        #expect(identity.keys.contains("userAgent"))
    }

    @Test func theEventsDecodeWithTheFunctionsOwnDecoder() async throws {
        for format in [APIGatewayEmulator.PayloadFormat.v1, .v2] {
            let host = ScriptedHost(.success(Array("{}".utf8)))
            _ = await gateway(host, format: format).handle(
                post(#"{"Id":"1"}"#, headers: [("Content-Type", "application/json"), ("User-Agent", "ua")]),
                now: gatewayMillis)
            let payload = try #require(await host.payloads.last)
            let decoded = try APIGatewayRequest(json: payload)
            #expect(decoded.requestId == "JKJaXmPLvHcESHA=")
            #expect(decoded.sourceIp == "203.0.113.7")
            #expect(decoded.userAgent == "ua")
            #expect(decoded.timeEpochMillis == gatewayMillis)
            #expect(decoded.body == Array(#"{"Id":"1"}"#.utf8))
        }
    }
}

/// The response mapping of an HTTP API.
@Suite struct APIGatewayResponseMappingTests {
    let request = LocalRequest(
        method: "POST", rawPath: "/events", headers: HTTPHeaders([("Content-Type", "application/json")]),
        body: Array("{}".utf8))

    func respond(_ result: FunctionResult, format: APIGatewayEmulator.PayloadFormat = .v2) async -> LocalResponse {
        await gateway(ScriptedHost(result), format: format).handle(request, now: gatewayMillis)
    }

    func text(_ response: LocalResponse) -> String { String(decoding: response.body, as: UTF8.self) }

    @Test func aStructuredResultGivesStatusHeadersCookiesAndBody() async {
        let output = #"""
            {"statusCode":207,"headers":{"content-type":"application/json","x-n":3},
             "cookies":["a=1; Path=/","b=2"],"body":"{\"ok\":true}","isBase64Encoded":false}
            """#
        let response = await respond(.success(Array(output.utf8)))
        #expect(response.status == 207)
        #expect(response.headers["content-type"] == "application/json")
        #expect(response.headers["x-n"] == "3")
        #expect(response.headers.values(for: "set-cookie") == ["a=1; Path=/", "b=2"])
        #expect(response.headers["apigw-requestid"] == "JKJaXmPLvHcESHA=")
        #expect(text(response) == #"{"ok":true}"#)
    }

    @Test func aBase64BodyIsDecoded() async {
        let output = #"{"statusCode":200,"headers":{"content-type":"application/octet-stream"},"body":"AAEC/w==","isBase64Encoded":true}"#
        let response = await respond(.success(Array(output.utf8)))
        #expect(response.status == 200)
        #expect(response.body == [0, 1, 2, 255])
    }

    @Test func aResultWithoutStatusCodeIsA200JSONBody() async {
        let response = await respond(.success(Array(#"{"message":"hi"}"#.utf8)))
        #expect(response.status == 200)
        #expect(response.headers["content-type"] == "application/json")
        #expect(text(response) == #"{"message":"hi"}"#)
        #expect(response.headers["apigw-requestid"] == "JKJaXmPLvHcESHA=")
        let string = await respond(.success(Array(#""Hello from Lambda!""#.utf8)))
        #expect(text(string) == "Hello from Lambda!")
    }

    @Test func payload1MapsMultiValueHeadersAndNeedsAStatusCode() async {
        let output = #"{"statusCode":201,"headers":{"x-a":"1"},"multiValueHeaders":{"x-b":["1","2"]},"body":"ok"}"#
        let response = await respond(.success(Array(output.utf8)), format: .v1)
        #expect(response.status == 201)
        #expect(response.headers.values(for: "x-b") == ["1", "2"])
        #expect(response.headers["x-a"] == "1")
        #expect(text(response) == "ok")
        let bare = await respond(.success(Array(#"{"message":"hi"}"#.utf8)), format: .v1)
        #expect(bare.status == 500)
    }

    @Test func errorsAreAPIGatewaysOwnMessages() async {
        let failed = await respond(.functionError(LambdaErrorReport(errorMessage: "boom", errorType: "Boom")))
        #expect(failed.status == 500)
        #expect(text(failed) == #"{"message":"Internal Server Error"}"#)
        #expect(failed.headers["apigw-requestid"] == "JKJaXmPLvHcESHA=")

        let notJSON = await respond(.success(Array("not json".utf8)))
        #expect(notJSON.status == 500)

        let timedOut = await respond(.timedOut)
        #expect(timedOut.status == 503)
        #expect(text(timedOut) == #"{"message":"Service Unavailable"}"#)
        #expect(timedOut.headers["apigw-requestid"] == "JKJaXmPLvHcESHA=")

        let shortFunction = APIGatewayEmulator(
            host: ScriptedHost(.timedOut), functionTimeoutMillis: 3_000, makeRequestId: { "r" })
        #expect(await shortFunction.handle(request, now: gatewayMillis).status == 500)
    }

    @Test func anUnknownRouteIs404AndDefaultCatchesEverything() async {
        let host = ScriptedHost(.success(Array("{}".utf8)))
        var get = request
        get.method = "GET"
        let wrongMethod = await gateway(host).handle(get, now: gatewayMillis)
        #expect(wrongMethod.status == 404)
        #expect(text(wrongMethod) == #"{"message":"Not Found"}"#)
        #expect(wrongMethod.headers["apigw-requestid"] == "JKJaXmPLvHcESHA=")
        var other = request
        other.rawPath = "/other"
        #expect(await gateway(host).handle(other, now: gatewayMillis).status == 404)

        let catchAll = gateway(host, routes: [.postEvents, .defaultRoute])
        #expect(await catchAll.handle(other, now: gatewayMillis).status == 200)
        #expect(object(await host.lastPayload)["routeKey"] as? String == "$default")
        #expect(await catchAll.handle(request, now: gatewayMillis).status == 200)
        #expect(object(await host.lastPayload)["routeKey"] as? String == "POST /events")
        #expect(APIGatewayRoute("ANY /x")?.matches(method: "DELETE", path: "/x") == true)
        #expect(APIGatewayRoute("nonsense") == nil)
    }

    @Test func aBodyOver10MBIs413() async {
        let host = ScriptedHost(.success(Array("{}".utf8)))
        var big = request
        big.body = [UInt8](repeating: 0x20, count: APIGatewayEmulator.maximumBodyBytes + 1)
        let response = await gateway(host).handle(big, now: gatewayMillis)
        #expect(response.status == 413)
        #expect(text(response) == #"{"message":"Request Entity Too Large"}"#)
        #expect(await host.payloads.isEmpty)
        big.body.removeLast()
        #expect(await gateway(host).handle(big, now: gatewayMillis).status == 200)
    }
}
