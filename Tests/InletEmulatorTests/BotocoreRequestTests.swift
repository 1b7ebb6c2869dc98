import Foundation
import InletCore
import InletEmulator
import InletSigV4
import InletTestSupport
import Testing

/// Requests made by real botocore clients (`Tests/InletSigV4Tests/botocore_sign.py --clients`:
/// Firehose, and S3 over http and https, where PutObject is an aws-chunked
/// `STREAMING-UNSIGNED-PAYLOAD-TRAILER` upload), fed to the authenticator and the S3 service
/// with the server clock at botocore's signing time.
///
/// When python3 or botocore is missing the test fails, unless `INLET_SKIP_PYTHON_PEERS=1`.
@Suite struct BotocoreRequestTests {
    struct Captured {
        var name: String
        var request: LocalRequest
    }

    struct Capture {
        var credentials: AWSCredentials
        var now: SigV4Date
        var requests: [Captured]
    }

    struct Malformed: Error {
        var what: String
        init(_ what: String) { self.what = what }
    }

    static func field<T>(_ object: [String: Any], _ name: String) throws -> T {
        guard let value = object[name] as? T else { throw Malformed("field \(name)") }
        return value
    }

    static func capture() async throws -> Capture? {
        guard let out = try await BotocorePeer.run(["--clients"]) else { return nil }
        guard let json = try JSONSerialization.jsonObject(with: out) as? [String: Any] else { throw Malformed("top level") }
        let credentials = AWSCredentials(
            accessKeyId: try field(json, "access_key"), secretAccessKey: try field(json, "secret_key"),
            sessionToken: json["token"] as? String)
        guard let now = SigV4Date(amzDate: try field(json, "timestamp") as String) else { throw Malformed("timestamp") }
        var requests: [Captured] = []
        for item in try field(json, "requests") as [[String: Any]] {
            let url: String = try field(item, "url")
            guard let scheme = url.range(of: "://") else { throw Malformed("url \(url)") }
            let rest = url[scheme.upperBound...]
            let slash = rest.firstIndex(of: "/") ?? rest.endIndex
            let target = rest[slash...]
            let question = target.firstIndex(of: "?")
            var headers = HTTPHeaders([("Host", String(rest[..<slash]))])
            for pair in try field(item, "headers") as [[String]] { headers.add(name: pair[0], value: pair[1]) }
            guard let body = Data(base64Encoded: try field(item, "body_b64") as String) else { throw Malformed("body") }
            let request = LocalRequest(
                method: try field(item, "method"), rawPath: String(target[..<(question ?? target.endIndex)]),
                rawQuery: question.map { String(target[target.index(after: $0)...]) } ?? "", headers: headers,
                body: [UInt8](body))
            requests.append(Captured(name: try field(item, "name"), request: request))
        }
        return Capture(credentials: credentials, now: now, requests: requests)
    }

    @Test func botocoreSignedRequestsAuthenticate() async throws {
        guard let capture = try await Self.capture() else { return }
        #expect(capture.requests.count >= 10)
        let authenticator = SigV4Authenticator(credentials: [capture.credentials], region: "eu-west-1", now: { capture.now })
        for captured in capture.requests {
            let service = captured.name.hasPrefix("firehose") ? "firehose" : "s3"
            do {
                let verified = try authenticator.authenticate(captured.request, service: service)
                #expect(verified?.accessKeyId == capture.credentials.accessKeyId, "\(captured.name)")
            } catch {
                Issue.record("\(captured.name): \(error)")
            }
            // Sixteen minutes later the same request is a replay.
            let later = SigV4Authenticator(
                credentials: [capture.credentials], now: { SigV4Date(secondsSince1970: capture.now.secondsSince1970 + 960) })
            #expect(throws: AuthenticationFailure.self, "\(captured.name)") {
                _ = try later.authenticate(captured.request, service: service)
            }
        }
    }

    @Test func botocoreS3RequestsAreServed() async throws {
        guard let capture = try await Self.capture() else { return }
        let directory = try TemporaryDirectory()
        defer { directory.cleanUp() }
        let store = try LocalS3Store(dataDirectory: directory.path)
        try await store.createBucket("inlet-bucket")
        let service = S3Service(
            store: store,
            authenticator: SigV4Authenticator(credentials: [capture.credentials], region: "eu-west-1", now: { capture.now }),
            region: "eu-west-1")
        var statuses: [String: Int] = [:]
        var plainBody: [UInt8] = []
        for captured in capture.requests where captured.name.hasPrefix("s3 ") {
            let response = await service.handle(captured.request)
            statuses[captured.name] = response.status
            let key = "events/2026/11/27/a b+c~ü.json"
            if captured.name == "s3 PutObject http" {
                plainBody = captured.request.body
                #expect(response.headers["ETag"] == "\"" + ByteEncoding.hex(Digest.md5(plainBody)) + "\"")
                #expect(try await store.getObject(bucket: "inlet-bucket", key: key).body == plainBody)
            }
            if captured.name == "s3 PutObject https" {
                // The aws-chunked upload stores the same 800 bytes as the plain one.
                #expect(captured.request.headers["Content-Encoding"] == "aws-chunked")
                #expect(try await store.getObject(bucket: "inlet-bucket", key: key).body == plainBody)
                #expect(try await store.headObject(bucket: "inlet-bucket", key: key).size == 800)
            }
            if captured.name.hasPrefix("s3 DeleteObjects") {
                #expect(response.status == 200, "\(captured.name): \(response.text)")
                #expect(response.text.contains("<DeleteResult"))
            } else if captured.name.contains("GetObject") {
                #expect(response.errorCode == "NoSuchKey", "\(captured.name)")  // authenticated; the key was never written
            } else {
                #expect(response.status == 200, "\(captured.name): \(response.text)")
            }
        }
        #expect(statuses.count == 10)
        // A flipped body byte in botocore's signed PUT is caught by the payload hash.
        var tampered = try #require(capture.requests.first { $0.name == "s3 PutObject http" }).request
        tampered.body[0] ^= 1
        #expect(await service.handle(tampered).errorCode == "XAmzContentSHA256Mismatch")
        // In the aws-chunked upload the body is unsigned; its trailing CRC32 catches a flipped byte.
        var chunked = try #require(capture.requests.first { $0.name == "s3 PutObject https" }).request
        let firstLineEnd = try #require(chunked.body.firstIndex(of: 10))
        chunked.body[firstLineEnd + 1] ^= 1
        let refused = await service.handle(chunked)
        #expect(refused.errorCode == "BadDigest", "\(refused.text)")
    }
}
