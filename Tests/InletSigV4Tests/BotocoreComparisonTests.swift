import Foundation
import InletTestSupport
import Testing
@testable import InletSigV4

/// Signs a few hundred seeded random requests with InletSigV4 and with botocore
/// (`botocore_sign.py`, the reference the AWS CLI uses) and compares the results.
@Suite struct BotocoreComparisonTests {
    static let requestCount = 300
    static let seed: UInt64 = 0x5167_7634_1e7e_2026

    @Test func randomRequestsSignLikeBotocore() async throws {
        var rng = SplitMix64(seed: Self.seed)
        let cases = (0..<Self.requestCount).map { RandomCase(id: $0, using: &rng) }
        guard let output = try await runBotocore(cases) else { return }
        let results = output.results
        try #require(results.count == cases.count, "botocore returned \(results.count) of \(cases.count) results")

        var headerMatches = 0
        var presignMatches = 0
        var presignCount = 0
        var verified = 0
        for (testCase, reference) in zip(cases, results) {
            let signer = testCase.signer
            let request = try #require(testCase.request, "case \(testCase.id): URL \(testCase.url) did not parse")
            let signing = signer.headerSigning(request, date: testCase.date)
            let ours = signing.result
            if ours.authorization == reference.authorization && ours.amzDate == reference.x_amz_date
                && ours.securityToken == reference.x_amz_security_token
                && ours.contentSHA256 == reference.x_amz_content_sha256
            {
                headerMatches += 1
            } else {
                Issue.record(
                    """
                    case \(testCase.id) (\(testCase.service) \(testCase.method) \(testCase.url)) differs from botocore
                    ours:     \(ours.authorization) date=\(ours.amzDate) token=\(ours.securityToken ?? "-") sha=\(ours.contentSHA256 ?? "-")
                    botocore: \(reference.authorization) date=\(reference.x_amz_date ?? "-") token=\(reference.x_amz_security_token ?? "-") sha=\(reference.x_amz_content_sha256 ?? "-")
                    --- our canonical request
                    \(String(decoding: signing.canonicalRequest, as: UTF8.self))
                    --- botocore's
                    \(reference.canonical_request ?? "")
                    """)
            }
            verified += verifiesBotocoreSignatures(testCase, reference, request: request) ? 1 : 0
            if let expires = testCase.presignExpires {
                presignCount += 1
                var bodiless = request
                bodiless.payload = .empty
                let presigning = signer.querySigning(bodiless, date: testCase.date, expires: expires)
                let signature = presigning.items.last!.value
                if signature == reference.presigned_signature {
                    presignMatches += 1
                } else {
                    Issue.record(
                        """
                        case \(testCase.id) presigned differs from botocore
                        --- our canonical request
                        \(String(decoding: presigning.canonicalRequest, as: UTF8.self))
                        --- botocore's
                        \(reference.presigned_canonical_request ?? "")
                        """)
                }
            }
        }
        print(
            "botocore \(output.botocore): \(headerMatches)/\(cases.count) Authorization headers match, "
                + "\(presignMatches)/\(presignCount) presigned signatures match, "
                + "SigV4Verifier accepts \(verified)/\(cases.count) botocore-signed requests")
        #expect(headerMatches == cases.count)
        #expect(verified == cases.count)
        #expect(presignMatches == presignCount)
        #expect(presignCount >= 50, "the generator should produce presignable cases")
    }

    /// Whether `SigV4Verifier` accepts the request as botocore signed it (and its presigned URL).
    private func verifiesBotocoreSignatures(
        _ testCase: RandomCase, _ reference: Output.Result, request: SigV4Request
    ) -> Bool {
        let verifier = SigV4Verifier(credentials: [testCase.credentials])
        var incoming = request
        incoming.headers.append(("X-Amz-Date", reference.x_amz_date ?? ""))
        if let token = reference.x_amz_security_token { incoming.headers.append(("X-Amz-Security-Token", token)) }
        if let hash = reference.x_amz_content_sha256 { incoming.headers.append(("X-Amz-Content-SHA256", hash)) }
        incoming.headers.append(("Authorization", reference.authorization))
        if testCase.unsignedPayload { incoming.payload = .bytes(testCase.body) }
        do {
            _ = try verifier.verify(incoming, now: testCase.date)
            if let url = reference.presigned_url {
                let presigned = SigV4Request(method: testCase.method, url: url, headers: testCase.headers)!
                _ = try verifier.verify(presigned, now: testCase.date)
            }
            return true
        } catch {
            Issue.record("case \(testCase.id): SigV4Verifier rejects botocore's signature: \(error)\n\(error.canonicalRequest ?? "")")
            return false
        }
    }

    // MARK: Running botocore

    struct Output: Decodable {
        struct Result: Decodable {
            // Names as the script writes them.
            var id: Int
            var authorization: String
            var x_amz_date: String?
            var x_amz_security_token: String?
            var x_amz_content_sha256: String?
            var canonical_request: String?
            var presigned_signature: String?
            var presigned_canonical_request: String?
            var presigned_url: String?
        }
        var botocore: String
        var results: [Result]
    }

    /// botocore's signatures, or nil when botocore is unavailable and `INLET_SKIP_PYTHON_PEERS=1`.
    private func runBotocore(_ cases: [RandomCase]) async throws -> Output? {
        let input = FileManager.default.temporaryDirectory.appendingPathComponent("inlet-sigv4-\(UUID().uuidString).json")
        try JSONSerialization.data(withJSONObject: ["cases": cases.map(\.json)]).write(to: input)
        defer { try? FileManager.default.removeItem(at: input) }
        guard let data = try await BotocorePeer.run([input.path]) else { return nil }
        return try JSONDecoder().decode(Output.self, from: data)
    }
}

/// A seeded pseudo-random generator (SplitMix64), so failures reproduce.
struct SplitMix64: RandomNumberGenerator {
    private var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// One random request: what botocore gets as JSON and InletSigV4 as a `SigV4Request`.
struct RandomCase {
    let id: Int
    let method: String
    let url: String
    let headers: [(name: String, value: String)]
    let body: [UInt8]
    let service: String
    let region: String
    let credentials: AWSCredentials
    let date: SigV4Date
    let unsignedPayload: Bool
    let presignExpires: Int?

    init(id: Int, using rng: inout SplitMix64) {
        self.id = id
        method = ["GET", "PUT", "POST", "DELETE", "HEAD", "PATCH"].randomElement(using: &rng)!
        service = ["s3", "s3", "firehose", "service", "execute-api", "sts"].randomElement(using: &rng)!
        region = ["us-east-1", "eu-west-1", "ap-southeast-2", "us-gov-west-1"].randomElement(using: &rng)!

        let host = ["example.amazonaws.com", "bucket.s3.eu-west-1.amazonaws.com", "Firehose.US-East-1.amazonaws.com",
            "localhost", "127.0.0.1"].randomElement(using: &rng)!
        let port = [nil, nil, ":443", ":4566", ":8443", ":9000"].randomElement(using: &rng)!
        let path = Self.randomPath(using: &rng)
        var queryNames: [String] = []
        var query: [String] = []
        for _ in 0..<Int.random(in: 0...5, using: &rng) {
            let name = queryNames.isEmpty || Bool.random(using: &rng)
                ? Self.randomText(Self.queryNamePool, using: &rng) : queryNames.randomElement(using: &rng)!
            queryNames.append(name)
            switch Int.random(in: 0..<4, using: &rng) {
            case 0: query.append(PercentEncoding.encodeComponent(name))  // no '=' at all
            case 1: query.append(PercentEncoding.encodeComponent(name) + "=")
            default:
                query.append(PercentEncoding.encodeComponent(name) + "="
                    + PercentEncoding.encodeComponent(Self.randomText(Self.valuePool, using: &rng)))
            }
        }
        url = "https://\(host)\(port ?? "")\(path)" + (query.isEmpty ? "" : "?" + query.joined(separator: "&"))

        var headers: [(name: String, value: String)] = []
        for _ in 0..<Int.random(in: 0...5, using: &rng) {
            let name = headers.isEmpty || Bool.random(using: &rng)
                ? Self.headerNames.randomElement(using: &rng)! : headers.randomElement(using: &rng)!.name
            headers.append((name, Self.randomHeaderValue(using: &rng)))
        }
        self.headers = headers
        body = Bool.random(using: &rng)
            ? [] : (0..<Int.random(in: 1...300, using: &rng)).map { _ in UInt8.random(in: 0...255, using: &rng) }

        let token: String? = Bool.random(using: &rng)
            ? String((0..<Int.random(in: 16...300, using: &rng)).map { _ in
                "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=".randomElement(using: &rng)!
            }) : nil
        credentials = AWSCredentials(
            accessKeyId: "AKIA" + String((0..<16).map { _ in "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567".randomElement(using: &rng)! }),
            secretAccessKey: String((0..<40).map { _ in
                "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".randomElement(using: &rng)!
            }),
            sessionToken: token)
        date = SigV4Date(secondsSince1970: Int64.random(in: 946_684_800...2_208_988_800, using: &rng))
        unsignedPayload = Int.random(in: 0..<10, using: &rng) < (service == "s3" ? 3 : 1)
        let repeatsNames = Set(queryNames).count != queryNames.count
        presignExpires = !repeatsNames && Bool.random(using: &rng) ? Int.random(in: 1...604_800, using: &rng) : nil
    }

    var signer: SigV4Signer {
        SigV4Signer(credentials: credentials, service: service, region: region)
    }

    var request: SigV4Request? {
        SigV4Request(method: method, url: url, headers: headers, payload: unsignedPayload ? .unsigned : .bytes(body))
    }

    var json: [String: Any] {
        [
            "id": id, "method": method, "url": url, "headers": headers.map { [$0.name, $0.value] },
            "body_b64": Data(body).base64EncodedString(), "service": service, "region": region,
            "access_key": credentials.accessKeyId, "secret_key": credentials.secretAccessKey,
            "token": credentials.sessionToken as Any? ?? NSNull(), "timestamp": date.amzDate,
            "unsigned_payload": unsignedPayload, "presign_expires": presignExpires as Any? ?? NSNull(),
        ]
    }

    static let pathPool = ["a", "b", "key", "photos", "2024", "ሴ", "é", "日本語", "😀", " ", "a b", "x~y", "-_.",
        "!", "$&'()*+,;=", ":@", "%", "?", "#", "[x]", "\"q\"", "tab\t", "+"]
    static let queryNamePool = ["Param", "list-type", "prefix", "X-Id", "ሴ", "a b", "a=b", "&", "+", "/", "~", "é", "-._"]
    static let valuePool = ["value", "1", "a/b/c", "a b", "ሴ", "😀", "=", "&", "+", "%20", "x~y", "", "-._", "日本"]
    static let headerNames = ["X-Custom", "x-amz-meta-Name", "Content-Type", "X-Amz-Target", "My-Header1",
        "Content-Length", "User-Agent", "Cache-Control", "x-amz-meta-ünicode-free", "If-None-Match"]

    static func randomText(_ pool: [String], using rng: inout SplitMix64) -> String {
        (0..<Int.random(in: 1...3, using: &rng)).map { _ in pool.randomElement(using: &rng)! }.joined()
    }

    /// An encoded (wire) path: random segments, sometimes dot segments and empty ones,
    /// and sometimes sub-delimiters left unencoded, which are legal in a request line.
    static func randomPath(using rng: inout SplitMix64) -> String {
        var segments: [String] = []
        for _ in 0..<Int.random(in: 0...5, using: &rng) {
            switch Int.random(in: 0..<10, using: &rng) {
            case 0: segments.append(".")
            case 1: segments.append("..")
            case 2: segments.append("")
            case 3: segments.append(["!", "(x)", "*", "'", ":", "@", "=", "+", "$", ","].randomElement(using: &rng)!)
            default: segments.append(PercentEncoding.encodePath(randomText(pathPool, using: &rng)))
            }
        }
        let trailingSlash = Bool.random(using: &rng) ? "/" : ""
        return "/" + segments.joined(separator: "/") + (segments.isEmpty ? "" : trailingSlash)
    }

    /// ASCII values with runs of spaces and tabs, leading and trailing blanks,
    /// folded lines and quotes.
    static func randomHeaderValue(using rng: inout SplitMix64) -> String {
        let pieces = ["value", "a", "b", "  ", " ", "\t", "\"a   b\"", "\r\n ", "\n\t", "x=1;y=2", "", "application/json",
            "W/\"etag\"", "*", "123"]
        return (0..<Int.random(in: 0...6, using: &rng)).map { _ in pieces.randomElement(using: &rng)! }.joined()
    }
}
