import Testing
@testable import InletSigV4

@Suite struct SigV4SignerTests {
    static let credentials = AWSCredentials(
        accessKeyId: "AKIDEXAMPLE", secretAccessKey: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
        sessionToken: "session-token-value")
    static let date = SigV4Date(secondsSince1970: 1_440_938_160)

    @Test func credentialsNeverPrintTheSecretOrToken() {
        let signer = SigV4Signer(credentials: Self.credentials, service: "firehose", region: "eu-west-1")
        var dumped = ""
        dump(Self.credentials, to: &dumped)
        var dumpedSigner = ""
        dump(signer, to: &dumpedSigner)
        let renderings = [
            Self.credentials.description, Self.credentials.debugDescription, "\(Self.credentials)",
            String(reflecting: Self.credentials), dumped, signer.description, "\(signer)", String(reflecting: signer),
            dumpedSigner,
        ]
        for text in renderings {
            #expect(!text.contains("wJalrXUtnFEMI"), "\(text)")
            #expect(!text.contains("session-token-value"), "\(text)")
        }
        #expect(Self.credentials.description.contains("AKIDEXAMPLE"))
        #expect(Self.credentials.description.contains("<redacted>"))
    }

    /// The AWS documentation's signing-key example (secret, 20120215, us-east-1, iam).
    @Test func derivesTheDocumentedSigningKey() {
        let signer = SigV4Signer(
            credentials: AWSCredentials(accessKeyId: "AK", secretAccessKey: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"),
            service: "iam", region: "us-east-1")
        let key = signer.signingKey(date: SigV4Date(amzDate: "20120215T000000Z")!)
        #expect(ByteEncoding.hex(key) == "f4780e2d9f65fa895f9c67b32ce1baf0b0d8a43505a000a1a9e090d414db404d")
    }

    /// A Firehose-sized request: signs, and the verifier accepts it.
    @Test func signsAFirehosePutRecordBatch() throws {
        let body = [UInt8](repeating: UInt8(ascii: "x"), count: 1_000_000)
        let signer = SigV4Signer(credentials: Self.credentials, service: "firehose", region: "eu-west-1")
        let headers: [(name: String, value: String)] = [
            ("Content-Type", "application/x-amz-json-1.1"), ("X-Amz-Target", "Firehose_20150804.PutRecordBatch"),
            ("Content-Length", "1000000"),
        ]
        let bodyHash = Digest.sha256Hex(body)
        let request = SigV4Request(
            method: "POST", host: "firehose.eu-west-1.amazonaws.com", headers: headers, payload: .sha256Hex(bodyHash))
        let signed = signer.sign(request, date: Self.date)
        #expect(signed.signedHeaders == "content-length;content-type;host;x-amz-date;x-amz-security-token;x-amz-target")
        #expect(signed.contentSHA256 == nil)
        #expect(signed.securityToken == "session-token-value")
        #expect(signed.authorization.hasPrefix(
            "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/eu-west-1/firehose/aws4_request, SignedHeaders="))
        #expect(signed.all.map(\.name) == ["X-Amz-Security-Token", "X-Amz-Date", "Authorization"])
        // The same with the body instead of its hash, and through the convenience API.
        #expect(signer.sign(SigV4Request(
            method: "POST", host: "firehose.eu-west-1.amazonaws.com", headers: headers, payload: .bytes(body)),
            date: Self.date) == signed)
        let convenience = signer.signHeaders(
            method: "POST", host: "firehose.eu-west-1.amazonaws.com", headers: headers, body: body, date: Self.date)
        #expect(convenience.map(\.name) == signed.all.map(\.name))
        #expect(convenience.map(\.value) == signed.all.map(\.value))

        var incoming = request
        incoming.headers += signed.all
        incoming.payload = .bytes(body)
        let verifier = SigV4Verifier(credentials: [Self.credentials])
        #expect(try verifier.verify(incoming, now: Self.date).service == "firehose")
    }

    @Test func s3SignsThePathAsSentAndAddsTheContentHash() {
        let signer = SigV4Signer(credentials: Self.credentials, service: "s3", region: "us-east-1")
        let path = PercentEncoding.encodePath("/bucket/a b/../ሴ//x.json")
        #expect(path == "/bucket/a%20b/../%E1%88%B4//x.json")
        let request = SigV4Request(method: "PUT", host: "bucket.s3.amazonaws.com", path: path, payload: .unsigned)
        let canonical = String(decoding: signer.headerSigning(request, date: Self.date).canonicalRequest, as: UTF8.self)
        #expect(canonical.hasPrefix("PUT\n/bucket/a%20b/../%E1%88%B4//x.json\n\n"))
        #expect(canonical.hasSuffix("\nUNSIGNED-PAYLOAD"))
        #expect(signer.sign(request, date: Self.date).contentSHA256 == "UNSIGNED-PAYLOAD")

        let firehose = SigV4Signer(credentials: Self.credentials, service: "firehose", region: "us-east-1")
        let normalized = String(decoding: firehose.headerSigning(request, date: Self.date).canonicalRequest, as: UTF8.self)
        #expect(normalized.hasPrefix("PUT\n/bucket/%25E1%2588%25B4/x.json\n\n"))
    }

    @Test func presignsWithTheTokenAndExpiry() {
        let signer = SigV4Signer(credentials: Self.credentials, service: "s3", region: "us-east-1")
        let request = SigV4Request(method: "GET", host: "bucket.s3.amazonaws.com", path: "/key")
        let items = signer.presign(request, date: Self.date, expires: 900)
        #expect(items.map(\.name) == [
            "X-Amz-Algorithm", "X-Amz-Credential", "X-Amz-Date", "X-Amz-SignedHeaders", "X-Amz-Expires",
            "X-Amz-Security-Token", "X-Amz-Signature",
        ])
        #expect(items[1].value == "AKIDEXAMPLE/20150830/us-east-1/s3/aws4_request")
        #expect(items[4].value == "900")
        let query = PercentEncoding.encodeQuery(items)
        #expect(query.contains("X-Amz-Credential=AKIDEXAMPLE%2F20150830%2Fus-east-1%2Fs3%2Faws4_request"))
    }

    @Test func parsesURLs() throws {
        let request = try #require(SigV4Request(
            method: "GET", url: "https://user:pw@Bucket.S3.Amazonaws.com:443/a%20b/c?x=1&y&z=%2F#frag"))
        #expect(request.host == "bucket.s3.amazonaws.com")
        #expect(request.path == "/a%20b/c")
        #expect(request.query.map(\.name) == ["x", "y", "z"])
        #expect(request.query.map(\.value) == ["1", "", "/"])
        #expect(request.target == "/a%20b/c?x=1&y=&z=%2F")
        #expect(SigV4Request(method: "GET", url: "http://localhost:80")?.host == "localhost")
        #expect(SigV4Request(method: "GET", url: "http://localhost:80")?.path == "/")
        #expect(SigV4Request(method: "GET", url: "http://localhost:4566/")?.host == "localhost:4566")
        #expect(SigV4Request(method: "GET", url: "https://[::1]:8443/x")?.host == "[::1]:8443")
        #expect(SigV4Request(method: "GET", url: "https://[::1]/x")?.host == "[::1]")
        #expect(SigV4Request(method: "GET", url: "localhost/x") == nil)
    }

    @Test func percentEncodingFollowsRFC3986() {
        #expect(PercentEncoding.encodeComponent("-._~AZaz09") == "-._~AZaz09")
        #expect(PercentEncoding.encodeComponent("a b+c/d=e&f%") == "a%20b%2Bc%2Fd%3De%26f%25")
        #expect(PercentEncoding.encodeComponent("ሴ") == "%E1%88%B4")
        #expect(PercentEncoding.decode("a%20b+c%2f%zz%") == "a b+c/%zz%")
        let parsed = PercentEncoding.parseQuery("a=1&&b&c=%3D=&")
        #expect(parsed.map(\.name) == ["a", "b", "c"])
        #expect(parsed.map(\.value) == ["1", "", "=="])
    }

    @Test func dropsCallerSuppliedSigningHeaders() {
        let signer = SigV4Signer(credentials: Self.credentials, service: "firehose", region: "eu-west-1")
        let plain = SigV4Request(method: "POST", host: "h")
        var noisy = plain
        noisy.headers = [
            ("Authorization", "stale"), ("X-Amz-Date", "19700101T000000Z"), ("x-amz-security-token", "old"),
            ("User-Agent", "x"), ("Connection", "keep-alive"), ("Host", "ignored"),
        ]
        #expect(signer.sign(noisy, date: Self.date) == signer.sign(plain, date: Self.date))
    }

    @Test func trimsHeaderValuesLikeBotocore() {
        let cases = ["": "", "   ": "", "a": "a", " a ": "a", "a b": "a b", "a  b": "a b", "a\tb": "a b", "a \t\r\n b": "a b",
            "\"a   b\"": "\"a b\"", "value1\n  value2\n     value3": "value1 value2 value3", "ሴ  ሴ": "ሴ ሴ"]
        for (input, expected) in cases {
            var out = [UInt8]()
            SigV4Canonical.appendTrimmedValue(input, to: &out)
            #expect(String(decoding: out, as: UTF8.self) == expected, "\(input.debugDescription)")
        }
    }

    @Test func sortsHeaderNamesBytewise() {
        var entries = ["x-b", "x-a", "host", "x-ü", "x-z", "x-a", "content-type"].enumerated().map {
            SigV4Canonical.HeaderEntry(name: $0.element, value: "\($0.offset)", order: $0.offset)
        }
        SigV4Canonical.sortHeaders(&entries)
        #expect(entries.map(\.name) == ["content-type", "host", "x-a", "x-a", "x-b", "x-z", "x-ü"])
        #expect(entries.filter { $0.name == "x-a" }.map(\.value) == ["1", "5"])
        #expect(SigV4Canonical.lowercasedASCII("X-Amz-Ü") == "x-amz-Ü")
        #expect(SigV4Canonical.equalsIgnoringASCIICase("Content-TYPE", "content-type"))
        #expect(!SigV4Canonical.equalsIgnoringASCIICase("Content-Typ", "content-type"))
    }

    @Test func optionsFollowTheService() {
        #expect(SigV4Options.forService("s3") == .s3)
        #expect(SigV4Options.forService("firehose") == .standard)
        #expect(SigV4Signer(credentials: Self.credentials, service: "s3", region: "r").options == .s3)
        #expect(SigV4Options.standard.with { $0.normalizePath = false }.normalizePath == false)
    }
}
