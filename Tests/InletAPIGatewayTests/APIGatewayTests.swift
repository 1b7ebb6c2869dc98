import Foundation
import InletAPIGateway
import InletCore
import Testing

@Suite struct APIGatewayTests {
    func fixture(_ name: String) throws -> [UInt8] {
        let url = Bundle.module.resourceURL!.appendingPathComponent("Fixtures/events/\(name)")
        return Array(try Data(contentsOf: url))
    }

    @Test func decodesTheSAMHTTPAPIEvent() throws {
        let event = try APIGatewayRequest(json: fixture("apigw-http-api-v2.json"))
        #expect(event.version == .v2)
        #expect(event.method == "POST")
        #expect(event.path == "/events")
        #expect(event.rawQueryString == "parameter1=value1&parameter1=value2&parameter2=value")
        #expect(event.cookies == ["cookie1", "cookie2"])
        #expect(event.headers["HEADER2"] == "value1,value2")
        #expect(event.requestId == "id")
        #expect(event.sourceIp == "192.168.0.1/32")
        #expect(event.userAgent == "agent")
        #expect(event.timeEpochMillis == 1_583_348_638_390)
        #expect(event.isBase64Encoded)
        #expect(Data(base64Encoded: Data(event.body)).map { String(decoding: $0, as: UTF8.self) }?.contains("\"Id\":\"1\"") == true)
    }

    @Test func decodesTheSAMRESTEvent() throws {
        let event = try APIGatewayRequest(json: fixture("apigw-rest-v1.json"))
        #expect(event.version == .v1)
        #expect(event.method == "POST")
        #expect(event.path == "/events")
        #expect(event.rawQueryString == "foo=bar")
        #expect(event.headers["user-agent"] == "Custom User Agent String")
        #expect(event.userAgent == "Custom User Agent String")
        #expect(event.isBase64Encoded)
    }

    @Test func joinsV1MultiValueHeaders() throws {
        let json = #"{"httpMethod":"POST","path":"/e","headers":{"X-A":"2"},"multiValueHeaders":{"X-A":["1","2"]},"requestContext":{"requestId":"r","identity":{"sourceIp":"1.2.3.4"},"requestTimeEpoch":5},"body":"{}","isBase64Encoded":false}"#
        let event = try APIGatewayRequest(json: Array(json.utf8))
        #expect(event.headers["x-a"] == "1,2")
        #expect(event.sourceIp == "1.2.3.4")
        #expect(event.timeEpochMillis == 5)
        #expect(event.body == Array("{}".utf8))
    }

    @Test func aRequestMadeFromDecodedBytesIsTheEventsRequestWithoutTheRoundTrip() throws {
        let bytes: [UInt8] = [0x00, 0xFF, 0x7B, 0x0A] + Array("binary body".utf8)
        let encoded = APIGatewayRequest(body: Array(Base64.encode(bytes).utf8), isBase64Encoded: true, requestId: "r")
        let decoded = APIGatewayRequest(decodedBody: bytes, isBase64Encoded: true, requestId: "r")
        #expect(decoded.body == encoded.body)
        #expect(decoded == encoded)
        #expect(decoded.bodyForDecoding.bytes == bytes)
        #expect(decoded.bodyForDecoding.isBase64Encoded == false)
        #expect(encoded.bodyForDecoding.bytes == encoded.body)
        #expect(encoded.bodyForDecoding.isBase64Encoded == true)
        // A text body is the same either way; setting `body` replaces the bytes.
        var text = APIGatewayRequest(decodedBody: Array("{}".utf8), isBase64Encoded: false, requestId: "r")
        #expect(text.body == Array("{}".utf8))
        text.body = Array("[]".utf8)
        #expect(text.bodyForDecoding.bytes == Array("[]".utf8))
    }

    @Test func refusesPayloadsThatAreNotProxyEvents() {
        #expect(throws: APIGatewayRequest.DecodingError.self) { try APIGatewayRequest(json: Array("[1]".utf8)) }
        #expect(throws: APIGatewayRequest.DecodingError.self) { try APIGatewayRequest(json: Array(#"{"a":1}"#.utf8)) }
        #expect(throws: APIGatewayRequest.DecodingError.self) { try APIGatewayRequest(json: Array("{".utf8)) }
    }

    @Test func encodesV2ResponsesWithCookiesAndJoinedHeaders() throws {
        var response = APIGatewayResponse.json(202, Array(#"{"accepted":1}"#.utf8), headers: [("x-b", "1"), ("X-B", "2")])
        response.cookies = ["a=1"]
        let object = try JSONSerialization.jsonObject(with: Data(response.encoded(for: .v2))) as! [String: Any]
        #expect(object["statusCode"] as? Int == 202)
        #expect((object["headers"] as? [String: String])?["x-b"] == "1,2")
        #expect(object["cookies"] as? [String] == ["a=1"])
        #expect(object["body"] as? String == #"{"accepted":1}"#)
        #expect(object["isBase64Encoded"] as? Bool == false)
        #expect(object["multiValueHeaders"] == nil)
    }

    @Test func encodesV1ResponsesWithMultiValueHeadersAndBase64Bodies() throws {
        let response = APIGatewayResponse(statusCode: 200, headers: HTTPHeaders([("X-A", "1"), ("x-a", "2")]), body: [0, 255], isBase64Encoded: true)
        let object = try JSONSerialization.jsonObject(with: Data(response.encoded(for: .v1))) as! [String: Any]
        #expect((object["multiValueHeaders"] as? [String: [String]])?["x-a"] == ["1", "2"])
        #expect(object["body"] as? String == "AP8=")
        #expect(object["isBase64Encoded"] as? Bool == true)
    }

    @Test func v1ResponsesCarryCookiesAsSetCookieValues() throws {
        var response = APIGatewayResponse(statusCode: 200, headers: HTTPHeaders([("Set-Cookie", "a=1")]), body: [])
        response.cookies = ["b=2", "c=3; Path=/"]
        let object = try JSONSerialization.jsonObject(with: Data(response.encoded(for: .v1))) as! [String: Any]
        #expect((object["multiValueHeaders"] as? [String: [String]])?["set-cookie"] == ["a=1", "b=2", "c=3; Path=/"])
        #expect(object["cookies"] == nil)

        response.headers = HTTPHeaders()
        let onlyCookies = try JSONSerialization.jsonObject(with: Data(response.encoded(for: .v1))) as! [String: Any]
        #expect((onlyCookies["multiValueHeaders"] as? [String: [String]])?["set-cookie"] == ["b=2", "c=3; Path=/"])
    }
}
