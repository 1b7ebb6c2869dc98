import Foundation
import InletCompression
import InletCore
import InletEmulator
import InletHTTP
import InletTestSupport
import Testing

@testable import InletLocal

/// The committed corpus of hostile requests (Fixtures/hostile/requests.json, written by
/// scripts/hostile_corpus.py) against a live `inlet local` gateway with the real ingest
/// function: every one is answered as the corpus says, with a reason; every rejection that
/// owes an error record has one in the error bucket; and the server still serves afterwards.
@Suite(.timeLimit(.minutes(5 * SanitizerRun.slowdown)), .serialized) struct HostileRequestTests {
    struct Entry {
        var name: String
        var route: String
        var method: String
        var path: String
        var contentType: String?
        var contentEncoding: String?
        var headerFlood: Int
        var bigHeader: Int
        var body: [String: Any]
        var expectStatus: Any
        var owesErrorRecord: Bool
    }

    static func corpus() throws -> [Entry] {
        let url = PeerBinaries.repository.appendingPathComponent("Tests/InletLocalTests/Fixtures/hostile/requests.json")
        let root = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [String: Any])
        let requests = try #require(root["requests"] as? [[String: Any]])
        return requests.map { r in
            Entry(
                name: r["name"] as! String, route: r["route"] as! String, method: r["method"] as! String,
                path: r["path"] as! String, contentType: r["content_type"] as? String,
                contentEncoding: r["content_encoding"] as? String, headerFlood: r["header_flood"] as? Int ?? 0,
                bigHeader: r["big_header"] as? Int ?? 0, body: r["body"] as! [String: Any],
                expectStatus: r["expect_status"] as Any, owesErrorRecord: r["owes_error_record"] as? Bool ?? false)
        }
    }

    /// The bytes a body description stands for.
    static func bytes(_ body: [String: Any]) throws -> [UInt8] {
        if let parts = body["parts"] as? [[String: Any]] {
            var out: [UInt8] = []
            for part in parts {
                if let text = part["text"] as? String { out += Array(text.utf8) }
                if let unit = part["repeat"] as? String, let count = part["count"] as? Int {
                    out += repeated(Array(unit.utf8), count: count)
                }
            }
            return out
        }
        if let file = body["malformed"] as? String {
            let url = PeerBinaries.repository.appendingPathComponent("Tests/InletCoreTests/Fixtures/malformed/\(file)")
            return Array(try Data(contentsOf: url))
        }
        if let inner = body["gzip"] as? [String: Any] { return Gzip.compress(try bytes(inner)) }
        if let cut = body["truncate"] as? Int, let inner = body["of"] as? [String: Any] {
            let whole = try bytes(inner)
            return Array(whole.prefix(max(0, whole.count - cut)))
        }
        if let raw = body["raw_base64_body"] as? String { return Array(raw.utf8) }
        throw Failure("unknown body description \(body)")
    }

    /// `unit` `count` times, copied in doubling blocks: the gzip bombs are 100 MiB, and a unit at
    /// a time took two minutes under ThreadSanitizer.
    static func repeated(_ unit: [UInt8], count: Int) -> [UInt8] {
        let total = unit.count * max(0, count)
        guard total > 0 else { return [] }
        var out = [UInt8](repeating: 0, count: total)
        out.withUnsafeMutableBytes { buffer in
            let base = buffer.baseAddress!
            unit.withUnsafeBytes { base.copyMemory(from: $0.baseAddress!, byteCount: $0.count) }
            var filled = unit.count
            while filled < total {
                let n = min(filled, total - filled)
                (base + filled).copyMemory(from: base, byteCount: n)
                filled += n
            }
        }
        return out
    }

    /// An HTTP API payload 2.0 event carrying `body` base64-encoded (or, for
    /// `raw_base64_body`, carrying that text as if it were base64).
    static func base64Event(_ entry: Entry, body: [UInt8]) -> [UInt8] {
        let encoded = entry.body["raw_base64_body"] != nil ? String(decoding: body, as: UTF8.self) : Base64.encode(body)
        let event: [String: Any] = [
            "version": "2.0", "routeKey": "POST /events", "rawPath": "/events", "rawQueryString": "",
            "headers": ["content-type": entry.contentType ?? "application/json"],
            "requestContext": [
                "requestId": UUID().uuidString, "http": ["method": "POST", "path": "/events", "sourceIp": "127.0.0.1"],
                "timeEpoch": 1_795_000_000_000,
            ],
            "body": encoded, "isBase64Encoded": true,
        ]
        return Array(try! JSONSerialization.data(withJSONObject: event))
    }

    @Test func repeatedPartsAreTheUnitCountTimes() {
        #expect(Self.repeated(Array("abc".utf8), count: 5) == Array("abcabcabcabcabc".utf8))
        #expect(Self.repeated(Array("abc".utf8), count: 0).isEmpty)
        let many = Self.repeated(Array("xy".utf8), count: 100_003)
        #expect(many.count == 200_006)
        #expect(many.indices.allSatisfy { many[$0] == ($0 % 2 == 0 ? UInt8(ascii: "x") : UInt8(ascii: "y")) })
    }

    @Test func everyHostileRequestGetsItsAnswerAndNothingOwedIsLost() async throws {
        let entries = try Self.corpus()
        #expect(entries.count >= 200)
        let server = try await LiveServer.start()
        defer { server.remove() }
        let transport = CurlTransport(configuration: .default.with { $0.connectTimeout = .seconds(5) })
        var owed = 0
        var tally: [String: Int] = [:]
        for entry in entries {
            let body = try Self.bytes(entry.body)
            var headers = HTTPHeaders()
            var url = server.url + entry.path
            var payload = body
            if entry.route == "invoke-base64" {
                url = server.url + "/2015-03-31/functions/function/invocations"
                payload = Self.base64Event(entry, body: body)
            } else {
                if let type = entry.contentType { headers.add(name: "Content-Type", value: type) }
                if let encoding = entry.contentEncoding { headers.add(name: "Content-Encoding", value: encoding) }
                for i in 0..<entry.headerFlood { headers.add(name: "X-Flood-\(i)", value: "\(i)") }
                if entry.bigHeader > 0 { headers.add(name: "X-Big", value: String(repeating: "b", count: entry.bigHeader)) }
            }
            let method = HTTPMethod(rawValue: entry.method)
            let response: HTTPResponse?
            do {
                response = try await transport.send(
                    HTTPRequest(method: method, url: url, headers: headers, body: method == .get ? [] : payload),
                    timeout: .seconds(60))
            } catch {
                response = nil
            }
            // Invokes answer 200 with the function's response; the gateway status is inside.
            var status = response?.status
            var answer = response.map { String(decoding: $0.body, as: UTF8.self) } ?? ""
            if entry.route == "invoke-base64", let response,
                let object = try? JSONSerialization.jsonObject(with: Data(response.body)) as? [String: Any]
            {
                status = object["statusCode"] as? Int
                answer = object["body"] as? String ?? ""
            }
            switch entry.expectStatus {
            case let exact as Int:
                #expect(status == exact, "\(entry.name): \(status.map(String.init) ?? "closed") \(answer.prefix(200))")
            case let kind as String where kind == "4xx":
                #expect(status.map { (400..<500).contains($0) } == true, "\(entry.name): \(String(describing: status))")
            default:  // 4xx-or-closed
                #expect(status == nil || (400..<500).contains(status!), "\(entry.name): \(String(describing: status))")
            }
            if let status, (400..<500).contains(status), entry.headerFlood == 0, entry.bigHeader == 0 {
                // A reason: the function's error code, API Gateway's message, or an AWS error code.
                #expect(
                    answer.contains("\"error\"") || answer.contains("\"message\"") || answer.contains("<Code>")
                        || answer.contains("__type"), "\(entry.name): \(answer.prefix(200))")
            }
            if entry.owesErrorRecord { owed += 1 }
            tally[status.map { String($0) } ?? "closed", default: 0] += 1
        }

        // Still serving, and every owed record is in the error bucket (one object per request).
        let health = try await transport.send(HTTPRequest(url: server.url + "/health"), timeout: .seconds(10))
        #expect(health.status == 200)
        try await server.stop()
        let errorObjects = try await server.objects(bucket: "inlet-errors")
        #expect(errorObjects.count == owed, "\(errorObjects.count) error objects for \(owed) owed records")
        #expect(try await server.objects(bucket: "inlet-data").isEmpty, "a hostile request was delivered")
        print("hostile corpus: \(entries.count) requests, answers \(tally.sorted { $0.key < $1.key }), "
            + "\(errorObjects.count) error records for \(owed) owed")
    }
}
