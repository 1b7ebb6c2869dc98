import Foundation
import InletTestSupport
import Testing
@testable import InletSigV4

/// A signed request as a server receives it, with the verifier and clock that check it.
struct Incoming: Sendable {
    var request: SigV4Request
    var now: SigV4Date
    var verifier: SigV4Verifier

    static let signedAt = SigV4Date(secondsSince1970: 1_764_236_467)  // 2025-11-27T09:41:07Z
    static let credentials = AWSCredentials(
        accessKeyId: "AKIDINLET", secretAccessKey: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", sessionToken: "tok/en+=")
    static let other = AWSCredentials(accessKeyId: "AKIDOTHER", secretAccessKey: "another-secret")
    static let knownCredentials = [credentials, other]

    /// A Firehose PutRecordBatch with a query string, signed with a session token.
    static func firehose() -> Incoming {
        let body = Array(#"{"DeliveryStreamName":"events","Records":[{"Data":"eyJpZCI6MX0K"}]}"#.utf8)
        var request = SigV4Request(
            method: "POST", host: "firehose.eu-west-1.amazonaws.com", path: "/",
            query: [("a", "1"), ("b", "two words")],
            headers: [
                ("Content-Type", "application/x-amz-json-1.1"),
                ("X-Amz-Target", "Firehose_20150804.PutRecordBatch"),
                ("User-Agent", "inlet/1.0"),
            ],
            payload: .bytes(body))
        let signer = SigV4Signer(credentials: credentials, service: "firehose", region: "eu-west-1")
        request.headers += signer.sign(request, date: signedAt).all
        return Incoming(request: request, now: SigV4Date(secondsSince1970: signedAt.secondsSince1970 + 30),
            verifier: SigV4Verifier(credentials: knownCredentials))
    }

    /// An S3 PutObject with x-amz-content-sha256 and a non-default port.
    static func s3Put() -> Incoming {
        var request = SigV4Request(
            method: "PUT", host: "localhost:4566", path: PercentEncoding.encodePath("/inlet-bucket/events/a b.json"),
            headers: [("Content-Type", "application/json")], payload: .bytes(Array("{\"a\":1}\n".utf8)))
        let signer = SigV4Signer(credentials: credentials, service: "s3", region: "eu-west-1")
        request.headers += signer.sign(request, date: signedAt).all
        return Incoming(request: request, now: signedAt, verifier: SigV4Verifier(credentials: knownCredentials))
    }

    /// A presigned S3 GetObject URL valid for 600 seconds.
    static func s3Presigned() -> Incoming {
        var request = SigV4Request(method: "GET", host: "localhost:4566", path: "/inlet-bucket/key.gz")
        let signer = SigV4Signer(credentials: credentials, service: "s3", region: "eu-west-1")
        request.query += signer.presign(request, date: signedAt, expires: 600)
        return Incoming(request: request, now: signedAt, verifier: SigV4Verifier(credentials: knownCredentials))
    }

    func verify() throws(SigV4VerificationError) -> SigV4VerifiedRequest {
        try verifier.verify(request, now: now)
    }

    /// Replaces the value of every header named `name` (case-insensitive).
    mutating func setHeader(_ name: String, _ transform: (String) -> String) {
        for index in request.headers.indices where request.headers[index].name.lowercased() == name.lowercased() {
            request.headers[index].value = transform(request.headers[index].value)
        }
    }

    mutating func removeHeader(_ name: String) {
        request.headers.removeAll { $0.name.lowercased() == name.lowercased() }
    }

    mutating func setQuery(_ name: String, _ transform: (String) -> String) {
        for index in request.query.indices where request.query[index].name == name {
            request.query[index].value = transform(request.query[index].value)
        }
    }

    /// Rewrites the Authorization header's text.
    mutating func editAuthorization(_ transform: (String) -> String) {
        setHeader("authorization", transform)
    }
}

/// One way of altering a signed request, and the rejection it must cause.
struct Tampering: Sendable, CustomTestStringConvertible {
    let name: String
    let expected: SigV4VerificationError.Code
    let base: @Sendable () -> Incoming
    let change: @Sendable (inout Incoming) -> Void

    var testDescription: String { name }

    init(
        _ name: String, _ expected: SigV4VerificationError.Code, base: @escaping @Sendable () -> Incoming = Incoming.firehose,
        _ change: @escaping @Sendable (inout Incoming) -> Void
    ) {
        self.name = name
        self.expected = expected
        self.base = base
        self.change = change
    }

    static let all: [Tampering] = [
        Tampering("method", .signatureMismatch) { $0.request.method = "PUT" },
        Tampering("path", .signatureMismatch) { $0.request.path = "/other" },
        Tampering("query value", .signatureMismatch) { $0.setQuery("a") { _ in "2" } },
        Tampering("query item added", .signatureMismatch) { $0.request.query.append(("c", "")) },
        Tampering("query item removed", .signatureMismatch) { $0.request.query.removeLast() },
        Tampering("host", .signatureMismatch) { $0.request.host = "firehose.us-east-1.amazonaws.com" },
        Tampering("host port", .signatureMismatch) { $0.request.host += ":8443" },
        Tampering("signed header content-type", .signatureMismatch) { $0.setHeader("content-type") { _ in "text/plain" } },
        Tampering("signed header x-amz-target", .signatureMismatch) {
            $0.setHeader("x-amz-target") { _ in "Firehose_20150804.DeleteDeliveryStream" }
        },
        Tampering("signed header repeated", .signatureMismatch) { $0.request.headers.append(("X-Amz-Target", "x")) },
        Tampering("body", .signatureMismatch) { $0.request.payload = .bytes(Array("{}".utf8)) },
        Tampering("x-amz-date one second later", .signatureMismatch) {
            $0.setHeader("x-amz-date") { _ in SigV4Date(secondsSince1970: Incoming.signedAt.secondsSince1970 + 1).amzDate }
        },
        Tampering("x-amz-date on another day", .scopeMismatch) {
            $0.setHeader("x-amz-date") { _ in SigV4Date(secondsSince1970: Incoming.signedAt.secondsSince1970 + 86_400).amzDate }
            $0.now = SigV4Date(secondsSince1970: Incoming.signedAt.secondsSince1970 + 86_400)
        },
        Tampering("x-amz-date removed", .missingDate) { $0.removeHeader("x-amz-date") },
        Tampering("x-amz-date malformed", .malformedDate) { $0.setHeader("x-amz-date") { _ in "2025-11-27T09:41:07Z" } },
        Tampering("security token changed", .invalidSecurityToken) { $0.setHeader("x-amz-security-token") { $0 + "x" } },
        Tampering("security token removed", .invalidSecurityToken) { $0.removeHeader("x-amz-security-token") },
        Tampering("region in credential scope", .signatureMismatch) {
            $0.editAuthorization { $0.replacingOccurrences(of: "/eu-west-1/", with: "/us-east-1/") }
        },
        Tampering("region not served", .scopeMismatch) { $0.verifier.requiredRegion = "us-east-1" },
        Tampering("service in credential scope", .signatureMismatch) {
            $0.editAuthorization { $0.replacingOccurrences(of: "/firehose/", with: "/kinesis/") }
        },
        Tampering("service not served", .scopeMismatch) { $0.verifier.requiredService = "s3" },
        Tampering("scope date", .scopeMismatch) {
            $0.editAuthorization { $0.replacingOccurrences(of: "/20251127/", with: "/20251126/") }
        },
        Tampering("unknown access key id", .unknownAccessKey) {
            $0.editAuthorization { $0.replacingOccurrences(of: "AKIDINLET/", with: "AKIDNOBODY/") }
        },
        Tampering("another known access key id", .signatureMismatch) {
            $0.editAuthorization { $0.replacingOccurrences(of: "AKIDINLET/", with: "AKIDOTHER/") }
        },
        Tampering("secret differs on the server", .signatureMismatch) {
            $0.verifier = SigV4Verifier(credentials: [
                AWSCredentials(accessKeyId: "AKIDINLET", secretAccessKey: "not-the-secret", sessionToken: "tok/en+=")
            ])
        },
        Tampering("signature digit", .signatureMismatch) {
            $0.editAuthorization { auth in
                let last = auth.last == "0" ? "1" : "0"
                return String(auth.dropLast()) + last
            }
        },
        Tampering("replayed after 15 minutes", .clockSkew) {
            $0.now = SigV4Date(secondsSince1970: Incoming.signedAt.secondsSince1970 + 901)
        },
        Tampering("dated 16 minutes in the future", .clockSkew) {
            $0.now = SigV4Date(secondsSince1970: Incoming.signedAt.secondsSince1970 - 960)
        },
        Tampering("header listed in SignedHeaders removed", .missingSignedHeader) { $0.removeHeader("content-type") },
        Tampering("header dropped from SignedHeaders", .signatureMismatch) {
            $0.editAuthorization { $0.replacingOccurrences(of: "x-amz-security-token;x-amz-target", with: "x-amz-security-token") }
        },
        Tampering("host dropped from SignedHeaders", .unsignedHeader) {
            $0.editAuthorization { $0.replacingOccurrences(of: "SignedHeaders=content-type;host;", with: "SignedHeaders=content-type;") }
        },
        Tampering("token dropped from SignedHeaders", .unsignedHeader) {
            $0.editAuthorization { $0.replacingOccurrences(of: ";x-amz-security-token", with: "") }
        },
        Tampering("Authorization removed", .missingAuthorization) { $0.removeHeader("authorization") },
        Tampering("Authorization garbled", .malformedAuthorization) {
            $0.editAuthorization { $0.replacingOccurrences(of: "Credential=", with: "Credentials=") }
        },
        Tampering("Authorization repeated", .malformedAuthorization) {
            $0.request.headers.append(("Authorization", $0.request.headers.last!.value))
        },
        Tampering("algorithm SigV4a", .unsupportedAlgorithm) {
            $0.editAuthorization { $0.replacingOccurrences(of: "AWS4-HMAC-SHA256", with: "AWS4-ECDSA-P256-SHA256") }
        },
        Tampering("S3 body changed", .payloadHashMismatch, base: Incoming.s3Put) {
            $0.request.payload = .bytes(Array("{\"a\":2}\n".utf8))
        },
        Tampering("S3 body and x-amz-content-sha256 changed together", .signatureMismatch, base: Incoming.s3Put) {
            $0.request.payload = .bytes(Array("evil".utf8))
            $0.setHeader("x-amz-content-sha256") { _ in Digest.sha256Hex("evil") }
        },
        Tampering("S3 key encoding", .signatureMismatch, base: Incoming.s3Put) {
            $0.request.path = "/inlet-bucket/events/a+b.json"
        },
        Tampering("presigned URL expired", .requestExpired, base: Incoming.s3Presigned) {
            $0.now = SigV4Date(secondsSince1970: Incoming.signedAt.secondsSince1970 + 601)
        },
        Tampering("presigned X-Amz-Expires extended", .signatureMismatch, base: Incoming.s3Presigned) {
            $0.setQuery("X-Amz-Expires") { _ in "604800" }
        },
        Tampering("presigned path", .signatureMismatch, base: Incoming.s3Presigned) {
            $0.request.path = "/inlet-bucket/other.gz"
        },
        Tampering("presigned signature", .signatureMismatch, base: Incoming.s3Presigned) {
            $0.setQuery("X-Amz-Signature") { String($0.reversed()) }
        },
        Tampering("presigned token", .invalidSecurityToken, base: Incoming.s3Presigned) {
            $0.setQuery("X-Amz-Security-Token") { _ in "stolen" }
        },
    ]
}

@Suite struct SigV4VerifierTests {
    @Test func acceptsWhatTheSignerSigns() throws {
        for incoming in [Incoming.firehose(), Incoming.s3Put(), Incoming.s3Presigned()] {
            let verified = try incoming.verify()
            #expect(verified.accessKeyId == "AKIDINLET")
            #expect(verified.region == "eu-west-1")
            #expect(verified.date == Incoming.signedAt)
        }
        let presigned = try Incoming.s3Presigned().verify()
        #expect(presigned.isPresigned)
        #expect(presigned.payloadHash == "UNSIGNED-PAYLOAD")
        #expect(try Incoming.firehose().verify().signedHeaders == [
            "content-type", "host", "x-amz-date", "x-amz-security-token", "x-amz-target",
        ])
    }

    @Test(arguments: Tampering.all)
    func rejectsTampering(_ tampering: Tampering) {
        var incoming = tampering.base()
        #expect(throws: Never.self, "the untampered request must verify") { try incoming.verify() }
        tampering.change(&incoming)
        do {
            _ = try incoming.verify()
            Issue.record("'\(tampering.name)' was accepted")
        } catch {
            #expect(error.code == tampering.expected, "\(tampering.name): \(error)")
            #expect(!error.message.isEmpty)
        }
    }

    @Test func tamperingTableIsLarge() {
        #expect(Tampering.all.count >= 20)
        let codes = Set(Tampering.all.map(\.expected))
        #expect(codes.count >= 12, "the table should exercise most error codes")
    }

    @Test func acceptsChangesThatDoNotAlterTheCanonicalRequest() throws {
        var incoming = Incoming.firehose()
        incoming.request.headers.reverse()
        incoming.request.query.reverse()
        incoming.setHeader("content-type") { "  " + $0 + "   " }
        incoming.request.headers = incoming.request.headers.map { ($0.name.uppercased() == "AUTHORIZATION" ? $0.name : $0.name.uppercased(), $0.value) }
        incoming.request.headers.append(("User-Agent", "changed by a proxy"))
        incoming.request.headers.append(("X-Forwarded-For", "10.0.0.1"))
        incoming.now = SigV4Date(secondsSince1970: Incoming.signedAt.secondsSince1970 - 900)
        _ = try incoming.verify()
    }

    @Test func signatureMismatchShowsTheServersCanonicalRequest() {
        var incoming = Incoming.firehose()
        incoming.request.method = "PUT"
        do {
            _ = try incoming.verify()
            Issue.record("accepted")
        } catch {
            #expect(error.code == .signatureMismatch)
            #expect(error.canonicalRequest?.hasPrefix("PUT\n/\na=1&b=two%20words\n") == true)
            #expect(error.stringToSign?.hasPrefix("AWS4-HMAC-SHA256\n20251127T094107Z\n") == true)
        }
    }

    @Test func acceptsTheDateHeaderInPlaceOfXAmzDate() throws {
        let signer = SigV4Signer(credentials: Incoming.other, service: "sts", region: "us-east-1")
        let date = SigV4Date(secondsSince1970: 1_440_938_160)
        var request = SigV4Request(
            method: "GET", host: "sts.amazonaws.com", headers: [("Date", "Sun, 30 Aug 2015 12:36:00 GMT")])
        // Sign the Date header and the date; then send only Date, as a SigV4 client may.
        let signed = signer.sign(request, date: date)
        let names = signed.signedHeaders.split(separator: ";").filter { $0 != "x-amz-date" }.joined(separator: ";")
        let (canonical, _) = SigV4Canonical.canonicalRequest(
            method: "GET", path: "/", query: [],
            headers: [
                .init(name: "date", value: "Sun, 30 Aug 2015 12:36:00 GMT", order: 0),
                .init(name: "host", value: "sts.amazonaws.com", order: 1),
            ],
            payloadHash: Digest.emptySHA256Hex, options: .standard)
        let context = DigestContext()
        let scope = "20150830/us-east-1/sts/aws4_request"
        let sts = SigV4Canonical.stringToSign(canonicalRequest: canonical, amzDate: date.amzDate, scope: scope, context: context)
        let key = SigV4Canonical.signingKey(
            secretAccessKey: Incoming.other.secretAccessKey, dateStamp: "20150830", region: "us-east-1", service: "sts",
            context: context)
        let signature = SigV4Canonical.signature(stringToSign: sts, signingKey: key, context: context)
        request.headers.append((
            "Authorization",
            SigV4Canonical.authorization(accessKeyId: Incoming.other.accessKeyId, scope: scope, signedHeaders: names, signature: signature)
        ))
        let verifier = SigV4Verifier(credentials: [Incoming.other])
        let verified = try verifier.verify(request, now: date)
        #expect(verified.signedHeaders == ["date", "host"])
    }

    @Test func acceptsRequestsSentByBotocoreClients() async throws {
        guard let data = try await BotocorePeer.run(["--clients"]) else { return }
        struct Capture: Decodable {
            struct Request: Decodable {
                var name: String
                var method: String
                var url: String
                var headers: [[String]]
                var body_b64: String
            }
            var access_key: String
            var secret_key: String
            var token: String
            var timestamp: String
            var requests: [Request]
        }
        let capture = try JSONDecoder().decode(Capture.self, from: data)
        let verifier = SigV4Verifier(credentials: [
            AWSCredentials(accessKeyId: capture.access_key, secretAccessKey: capture.secret_key, sessionToken: capture.token)
        ])
        let now = try #require(SigV4Date(amzDate: capture.timestamp))
        #expect(capture.requests.count >= 10)
        var accepted = 0
        for captured in capture.requests {
            let body = [UInt8](Data(base64Encoded: captured.body_b64)!)
            let request = try #require(
                SigV4Request(
                    method: captured.method, url: captured.url, headers: captured.headers.map { ($0[0], $0[1]) },
                    payload: .bytes(body)))
            do {
                let verified = try verifier.verify(request, now: now)
                #expect(verified.accessKeyId == capture.access_key)
                accepted += 1
            } catch {
                Issue.record("\(captured.name) rejected: \(error)\n\(error.canonicalRequest ?? "")")
            }
            if captured.name.hasPrefix("firehose") {
                var tampered = request
                tampered.payload = .bytes(body + [0x20])
                #expect(throws: SigV4VerificationError.self) { try verifier.verify(tampered, now: now) }
            }
        }
        print("botocore clients: \(accepted)/\(capture.requests.count) captured requests verified")
    }
}
