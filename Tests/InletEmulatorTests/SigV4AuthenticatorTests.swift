import Foundation
import InletCore
import InletEmulator
import InletSigV4
import Testing

/// One way of changing a signed request after signing, and the S3 error it must cause.
struct Tampering: Sendable, CustomStringConvertible {
    var name: String
    var expected: String
    var region: String? = nil
    var change: @Sendable (inout LocalRequest) -> Void
    var now: SigV4Date = S3Fixtures.signingTime
    var sign: @Sendable () -> LocalRequest = { SigV4AuthenticatorTests.baseRequest() }

    var description: String { name }
}

@Suite struct SigV4AuthenticatorTests {
    static let body = Array("payload bytes".utf8)

    static func baseRequest(
        credentials: AWSCredentials = S3Fixtures.credentials, service: String = "s3", region: String = S3Fixtures.region,
        date: SigV4Date = S3Fixtures.signingTime
    ) -> LocalRequest {
        S3Fixtures.signed(
            "PUT", "/tamper/dir/k%20ey.json", query: "x-id=PutObject",
            headers: [("Content-Type", "application/json"), ("x-amz-meta-origin", "inlet")], body: body,
            credentials: credentials, service: service, region: region, date: date)
    }

    private static func replaceHeader(_ request: inout LocalRequest, _ name: String, _ value: String) {
        request.headers[name] = value
    }

    private static func editAuthorization(_ request: inout LocalRequest, _ edit: (String) -> String) {
        request.headers["Authorization"] = edit(request.headers["Authorization"] ?? "")
    }

    private static func flipLastDigit(_ header: String) -> String {
        let last: Character = header.last == "0" ? "1" : "0"
        var out = String(header.dropLast())
        out.append(last)
        return out
    }

    static let tamperings: [Tampering] = {
        var list: [Tampering] = []
        list.append(
            Tampering(name: "method", expected: "SignatureDoesNotMatch") { $0.method = "POST" })
        list.append(
            Tampering(name: "path", expected: "SignatureDoesNotMatch") { $0.rawPath = "/tamper/dir/k%20ey.jsoN" })
        list.append(
            Tampering(name: "path encoding", expected: "SignatureDoesNotMatch") { $0.rawPath = "/tamper/dir/k%20e%79.json" })
        list.append(
            Tampering(name: "query value", expected: "SignatureDoesNotMatch") { $0.rawQuery = "x-id=GetObject" })
        list.append(
            Tampering(name: "query added", expected: "SignatureDoesNotMatch") { $0.rawQuery += "&acl=" })
        list.append(
            Tampering(name: "query removed", expected: "SignatureDoesNotMatch") { $0.rawQuery = "" })
        list.append(
            Tampering(name: "host", expected: "SignatureDoesNotMatch") { replaceHeader(&$0, "Host", "127.0.0.1:4567") })
        list.append(
            Tampering(name: "content-type", expected: "SignatureDoesNotMatch") {
                replaceHeader(&$0, "Content-Type", "text/plain")
            })
        list.append(
            Tampering(name: "x-amz-meta header", expected: "SignatureDoesNotMatch") {
                replaceHeader(&$0, "x-amz-meta-origin", "elsewhere")
            })
        list.append(
            Tampering(name: "signed header dropped", expected: "SignatureDoesNotMatch") { $0.headers.remove(name: "Content-Type") })
        list.append(
            Tampering(name: "x-amz-date one second later", expected: "SignatureDoesNotMatch") {
                replaceHeader(&$0, "X-Amz-Date", "20261127T100001Z")
            })
        list.append(
            Tampering(name: "body and its hash", expected: "SignatureDoesNotMatch") {
                $0.body = [UInt8]("other bytes".utf8)
                replaceHeader(&$0, "x-amz-content-sha256", Digest.sha256Hex($0.body as [UInt8]))
            })
        list.append(
            Tampering(name: "body only", expected: "XAmzContentSHA256Mismatch") { $0.body = Array("payload bytez".utf8) })
        list.append(
            Tampering(name: "body emptied", expected: "XAmzContentSHA256Mismatch") { $0.body = [] })
        list.append(
            Tampering(name: "hash made UNSIGNED-PAYLOAD", expected: "SignatureDoesNotMatch") {
                replaceHeader(&$0, "x-amz-content-sha256", "UNSIGNED-PAYLOAD")
            })
        list.append(
            Tampering(name: "signature digit", expected: "SignatureDoesNotMatch") {
                editAuthorization(&$0, flipLastDigit)
            })
        list.append(
            Tampering(name: "authorization removed", expected: "AccessDenied") { $0.headers.remove(name: "Authorization") })
        list.append(
            Tampering(name: "unknown key id", expected: "InvalidAccessKeyId") {
                editAuthorization(&$0) { $0.replacingOccurrences(of: "AKIDLOCALTEST", with: "AKIDSOMEONEELSE") }
            })
        list.append(
            Tampering(
                name: "wrong secret", expected: "SignatureDoesNotMatch", change: { _ in },
                sign: {
                    baseRequest(credentials: AWSCredentials(accessKeyId: "AKIDLOCALTEST", secretAccessKey: "guessed"))
                }))
        list.append(
            Tampering(name: "region in scope", expected: "SignatureDoesNotMatch") {
                editAuthorization(&$0) { $0.replacingOccurrences(of: "/eu-west-1/", with: "/us-east-1/") }
            })
        list.append(
            Tampering(
                name: "signed for another region", expected: "AuthorizationHeaderMalformed", region: "eu-west-1",
                change: { _ in }, sign: { baseRequest(region: "us-east-1") }))
        list.append(
            Tampering(
                name: "signed for another service", expected: "AuthorizationHeaderMalformed", change: { _ in },
                sign: { baseRequest(service: "firehose") }))
        list.append(
            Tampering(name: "service in scope", expected: "AuthorizationHeaderMalformed") {
                editAuthorization(&$0) { $0.replacingOccurrences(of: "/s3/", with: "/s4/") }
            })
        list.append(
            Tampering(name: "scope date", expected: "AuthorizationHeaderMalformed") {
                editAuthorization(&$0) { $0.replacingOccurrences(of: "/20261127/", with: "/20261126/") }
            })
        list.append(
            Tampering(
                name: "replay after 15 minutes", expected: "RequestTimeTooSkewed", change: { _ in },
                now: SigV4Date(secondsSince1970: S3Fixtures.signingTime.secondsSince1970 + 901)))
        list.append(
            Tampering(
                name: "signed 16 minutes ahead", expected: "RequestTimeTooSkewed", change: { _ in },
                now: SigV4Date(secondsSince1970: S3Fixtures.signingTime.secondsSince1970 - 960)))
        list.append(
            Tampering(name: "date removed", expected: "AccessDenied") { $0.headers.remove(name: "X-Amz-Date") })
        list.append(
            Tampering(name: "date malformed", expected: "AccessDenied") { replaceHeader(&$0, "X-Amz-Date", "2026-11-27T10:00:00Z") })
        list.append(
            Tampering(name: "unsigned security token added", expected: "AccessDenied") {
                $0.headers.add(name: "X-Amz-Security-Token", value: "smuggled")
            })
        list.append(
            Tampering(name: "authorization garbled", expected: "AuthorizationHeaderMalformed") {
                replaceHeader(&$0, "Authorization", "AWS4-HMAC-SHA256 Credential=AKIDLOCALTEST")
            })
        list.append(
            Tampering(name: "SigV2", expected: "InvalidRequest") {
                replaceHeader(&$0, "Authorization", "AWS AKIDLOCALTEST:c2lnbmF0dXJl")
            })
        list.append(
            Tampering(name: "second authorization header", expected: "AuthorizationHeaderMalformed") {
                $0.headers.add(name: "Authorization", value: $0.headers["Authorization"] ?? "")
            })
        return list
    }()

    @Test(arguments: tamperings)
    func tamperedRequestsAreRefusedWithTheRightCode(_ tampering: Tampering) async throws {
        let authenticator = S3Fixtures.authenticator(now: tampering.now, region: tampering.region)
        let untouched = tampering.sign()
        var request = untouched
        tampering.change(&request)
        // Without the change the request passes (except where the signing itself is the tampering).
        if tampering.region == nil, tampering.now == S3Fixtures.signingTime, !["wrong secret", "signed for another service"].contains(tampering.name) {
            #expect(throws: Never.self) { _ = try authenticator.authenticate(untouched, service: "s3") }
        }
        do {
            _ = try authenticator.authenticate(request, service: "s3")
            Issue.record("\(tampering.name): accepted")
        } catch {
            let response = error.s3Response(resource: request.rawPath, requestId: "REQ1", method: request.method)
            #expect(response.errorCode == tampering.expected, "\(tampering.name): \(error)")
            #expect(response.status == error.s3Code.status)
            #expect(response.xml("RequestId") == "REQ1")
            #expect(response.xml("Message")?.isEmpty == false)
        }
    }

    @Test func theTableIsLargeAndCoversEveryCode() {
        #expect(Self.tamperings.count >= 20)
        #expect(Set(Self.tamperings.map(\.expected)) == [
            "SignatureDoesNotMatch", "XAmzContentSHA256Mismatch", "AccessDenied", "InvalidAccessKeyId",
            "AuthorizationHeaderMalformed", "RequestTimeTooSkewed", "InvalidRequest",
        ])
    }

    @Test func validRequestsPassWithinTheSkewAndThroughTheService() async throws {
        let request = Self.baseRequest()
        for offset: Int64 in [-900, -1, 0, 1, 900] {
            let authenticator = S3Fixtures.authenticator(
                now: SigV4Date(secondsSince1970: S3Fixtures.signingTime.secondsSince1970 + offset))
            let verified = try authenticator.authenticate(request, service: "s3")
            #expect(verified?.accessKeyId == "AKIDLOCALTEST")
            #expect(verified?.region == "eu-west-1")
        }
        let unsigned = S3Fixtures.signed(
            "PUT", "/tamper/k", body: Array("any".utf8), payload: .unsigned)
        var changed = unsigned
        changed.body = Array("other body".utf8)
        #expect(try S3Fixtures.authenticator().authenticate(changed, service: "s3") != nil)
        // Presigned URLs: valid until X-Amz-Expires, then AccessDenied.
        let signer = SigV4Signer(credentials: S3Fixtures.credentials, service: "s3", region: "eu-west-1")
        let items = signer.presign(
            SigV4Request(method: "GET", host: S3Fixtures.host, path: "/tamper/k"), date: S3Fixtures.signingTime, expires: 60)
        let presigned = S3Fixtures.plain("GET", "/tamper/k", query: PercentEncoding.encodeQuery(items))
        #expect(try S3Fixtures.authenticator().authenticate(presigned, service: "s3") != nil)
        let later = S3Fixtures.authenticator(now: SigV4Date(secondsSince1970: S3Fixtures.signingTime.secondsSince1970 + 61))
        #expect(throws: AuthenticationFailure.self) { _ = try later.authenticate(presigned, service: "s3") }
        do {
            _ = try later.authenticate(presigned, service: "s3")
        } catch {
            #expect(error.s3Code.code == "AccessDenied")
        }
        var moved = presigned
        moved.rawPath = "/tamper/other"
        do {
            _ = try S3Fixtures.authenticator().authenticate(moved, service: "s3")
            Issue.record("a presigned URL for another path was accepted")
        } catch {
            #expect(error.s3Code.code == "SignatureDoesNotMatch")
        }
        // The whole service: the signed PUT is stored, an unsigned one is refused before the store.
        let directory = try TemporaryDirectory()
        defer { directory.cleanUp() }
        let service = S3Service(store: try LocalS3Store(dataDirectory: directory.path), authenticator: S3Fixtures.authenticator())
        #expect(await service.handle(S3Fixtures.signed("PUT", "/tamper")).status == 200)
        #expect(await service.handle(request).status == 200)
        let refused = await service.handle(S3Fixtures.plain("PUT", "/tamper/dir/sneaky", body: [1]))
        #expect(refused.status == 403)
        #expect(refused.errorCode == "AccessDenied")
        #expect(await service.handle(S3Fixtures.signed("GET", "/tamper/dir/sneaky")).errorCode == "NoSuchKey")
        let headRefused = await service.handle(S3Fixtures.plain("HEAD", "/tamper"))
        #expect(headRefused.status == 403)
        #expect(headRefused.body.isEmpty)
    }

    @Test func sessionTokensMustMatch() throws {
        let temporary = AWSCredentials(accessKeyId: "ASIATEMP", secretAccessKey: "s", sessionToken: "issued-token")
        let authenticator = SigV4Authenticator(credentials: [temporary], now: { S3Fixtures.signingTime })
        #expect(try authenticator.authenticate(Self.baseRequest(credentials: temporary), service: "s3") != nil)
        let forged = AWSCredentials(accessKeyId: "ASIATEMP", secretAccessKey: "s", sessionToken: "forged-token")
        do {
            _ = try authenticator.authenticate(Self.baseRequest(credentials: forged), service: "s3")
            Issue.record("a forged session token was accepted")
        } catch {
            #expect(error.s3Code == ("InvalidToken", 400))
            #expect(error.jsonCode == ("UnrecognizedClientException", 400))
        }
    }

    @Test func disabledAuthAcceptsAnything() throws {
        #expect(try SigV4Authenticator.disabled.authenticate(S3Fixtures.plain("GET", "/"), service: "s3") == nil)
        var garbled = Self.baseRequest()
        garbled.headers["Authorization"] = "garbage"
        #expect(try SigV4Authenticator.disabled.authenticate(garbled, service: "s3") == nil)
        #expect(!SigV4Authenticator.disabled.isEnabled)
    }

    // MARK: JSON rendering for Firehose

    private func firehoseRequest(credentials: AWSCredentials = S3Fixtures.credentials, date: SigV4Date = S3Fixtures.signingTime)
        -> LocalRequest
    {
        let body = Array("{\"DeliveryStreamName\":\"s\",\"Records\":[]}".utf8)
        let headers = [("Content-Type", "application/x-amz-json-1.1"), ("X-Amz-Target", "Firehose_20150804.PutRecordBatch")]
        let signer = SigV4Signer(credentials: credentials, service: "firehose", region: "eu-west-1")
        let request = SigV4Request(
            method: "POST", host: S3Fixtures.host, path: "/", headers: headers.map { (name: $0.0, value: $0.1) },
            payload: .bytes(body))
        var all = HTTPHeaders([("Host", S3Fixtures.host)] + headers)
        for header in signer.sign(request, date: date).all { all.add(name: header.name, value: header.value) }
        return LocalRequest(method: "POST", rawPath: "/", headers: all, body: body)
    }

    private func jsonFailure(_ request: LocalRequest, now: SigV4Date = S3Fixtures.signingTime) throws
        -> (type: String, message: String, status: Int, response: LocalResponse)?
    {
        do {
            _ = try S3Fixtures.authenticator(now: now).authenticate(request, service: "firehose")
            return nil
        } catch {
            let response = error.jsonResponse(requestId: "rid-1")
            let object = try #require(try JSONSerialization.jsonObject(with: Data(response.body)) as? [String: String])
            #expect(object.count == 2)
            return (object["__type"] ?? "", object["message"] ?? "", response.status, response)
        }
    }

    @Test func jsonServicesGetFirehoseShapedErrors() throws {
        #expect(try jsonFailure(firehoseRequest()) == nil)
        let unknown = try #require(try jsonFailure(firehoseRequest(credentials: AWSCredentials(accessKeyId: "AKIDNOPE", secretAccessKey: "x"))))
        #expect(unknown.type == "UnrecognizedClientException")
        #expect(unknown.status == 400)
        #expect(unknown.message.contains("AKIDNOPE"))
        #expect(unknown.response.headers["Content-Type"] == "application/x-amz-json-1.1")
        #expect(unknown.response.headers["x-amzn-RequestId"] == "rid-1")
        #expect(unknown.response.headers["x-amzn-ErrorType"] == "UnrecognizedClientException")
        let wrongSecret = try #require(try jsonFailure(firehoseRequest(credentials: AWSCredentials(accessKeyId: "AKIDLOCALTEST", secretAccessKey: "x"))))
        #expect(wrongSecret.type == "InvalidSignatureException")
        #expect(wrongSecret.status == 400)
        var tamperedBody = firehoseRequest()
        tamperedBody.body = Array("{\"DeliveryStreamName\":\"t\",\"Records\":[]}".utf8)
        #expect(try jsonFailure(tamperedBody)?.type == "InvalidSignatureException")
        let skewed = try #require(try jsonFailure(firehoseRequest(), now: SigV4Date(secondsSince1970: S3Fixtures.signingTime.secondsSince1970 + 3600)))
        #expect(skewed.type == "InvalidSignatureException")
        var unsigned = firehoseRequest()
        unsigned.headers.remove(name: "Authorization")
        let missing = try #require(try jsonFailure(unsigned))
        #expect(missing.type == "MissingAuthenticationTokenException")
        #expect(missing.status == 400)
        var garbled = firehoseRequest()
        garbled.headers["Authorization"] = "AWS4-HMAC-SHA256 Credential=broken"
        #expect(try jsonFailure(garbled)?.type == "IncompleteSignatureException")
        // Messages with quotes and control characters stay valid JSON.
        let failure = AuthenticationFailure(SigV4VerificationError(.signatureMismatch, "say \"hi\"\n\tback\\"))
        let object = try JSONSerialization.jsonObject(with: Data(failure.jsonResponse(requestId: "r").body)) as? [String: String]
        #expect(object?["message"] == "say \"hi\"\n\tback\\")
    }
}
