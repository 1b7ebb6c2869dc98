import InletCore
import InletEmulator
import Testing

@Suite struct LocalHTTPTests {
    @Test func requestsKeepTheRawPathAndQuery() {
        let request = LocalRequest(method: "PUT", rawPath: "/b/a%20b", rawQuery: "x-id=PutObject", headers: HTTPHeaders([("Host", "h")]))
        #expect(request.rawPath == "/b/a%20b")
        #expect(request.rawQuery == "x-id=PutObject")
        #expect(request.headers["host"] == "h")
    }
}
