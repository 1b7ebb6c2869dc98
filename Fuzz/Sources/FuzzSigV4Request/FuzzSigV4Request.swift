import FuzzSupport
import InletCore
@testable import InletEmulator
import InletSigV4

/// Feeds each input, read as an HTTP request (``RequestText``), to what the emulator does
/// with a request before it touches any state: the SigV4 check (header and presigned forms,
/// for the signing names `service`, `s3` and `firehose`), S3's path-style bucket and key parsing with the
/// rules that keep a key inside its bucket, and `aws-chunked` body decoding.
///
/// Checks that a key the emulator accepts always maps to one plain file name inside the
/// bucket's folder, and that a request that verifies stops verifying when its method or
/// path changes.
@main
enum FuzzSigV4Request {
    /// The keys of the seeds: the AWS test suite's, dated 2015-08-30T12:36:00Z (the server
    /// time), and botocore_sign.py's client keys with a session token, dated 2026-11-27. The
    /// allowed clock skew spans both (12 years), so that both kinds of seed verify.
    static let authenticator = SigV4Authenticator(
        credentials: [
            AWSCredentials(accessKeyId: "AKIDEXAMPLE", secretAccessKey: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"),
            AWSCredentials(
                accessKeyId: "AKIDINLETTEST", secretAccessKey: "inlet/secret+key=",
                sessionToken: "FwoGZXIvYXdzEBYaDH//token+/="),
        ],
        maxClockSkewSeconds: 12 * 366 * 86_400, now: { SigV4Date(secondsSince1970: 1_440_938_160) })
    static let services = ["service", "s3", "firehose"]

    static func main() {
        _ = authenticator
        Fuzzer.run { data, size in
            FuzzSigV4Request.test(Fuzzer.bytes(data, size))
            return 0
        }
    }

    static func test(_ input: [UInt8]) {
        let request = RequestText.parse(input)
        for service in services {
            verify(request, service: service)
        }
        checkS3Path(request.rawPath)
        let decodedLength = request.headers["x-amz-decoded-content-length"].flatMap { Int($0) }
        if let (payload, _) = try? AWSChunked.decode(request.body, decodedLength: decodedLength) {
            Fuzzer.require(payload.count <= request.body.count, "an aws-chunked payload is longer than its body")
        }
    }

    static func verify(_ request: LocalRequest, service: String) {
        let verified: SigV4VerifiedRequest?
        do {
            verified = try authenticator.authenticate(request, service: service)
        } catch {
            Fuzzer.require(!error.error.message.isEmpty, "a refusal without a message")
            _ = error.s3Response(resource: request.rawPath, requestId: "fuzz")
            _ = error.jsonResponse(requestId: "fuzz")
            return
        }
        Fuzzer.require(verified?.service == service, "verified for another service")
        var tampered = request
        tampered.method += "X"
        Fuzzer.require((try? authenticator.authenticate(tampered, service: service)) == nil, "a changed method verified")
        tampered = request
        tampered.rawPath += "x"
        Fuzzer.require((try? authenticator.authenticate(tampered, service: service)) == nil, "a changed path verified")
    }

    /// A path the S3 service accepts names a bucket folder and a file inside it, never a path out of it.
    static func checkS3Path(_ rawPath: String) {
        guard let (bucket, key) = try? S3Service.parsePath(rawPath), let bucket else { return }
        if S3Names.isBucketName(bucket) {
            Fuzzer.require(
                bucket != "." && bucket != ".." && !bucket.utf8.contains(UInt8(ascii: "/")) && !bucket.utf8.contains(0),
                "bucket name '\(bucket)' could leave the store")
        }
        guard let key, (try? S3Names.validateKey(key, bucket: bucket)) != nil else { return }
        let name = S3Names.fileName(forKey: key)
        let bytes = Array(name.utf8)
        Fuzzer.require(!bytes.isEmpty && bytes.count <= 200, "file name '\(name)' is empty or too long")
        Fuzzer.require(bytes.first != UInt8(ascii: "."), "file name '\(name)' starts with '.'")
        Fuzzer.require(!bytes.contains(UInt8(ascii: "/")) && !bytes.contains(0), "file name '\(name)' has '/' or NUL")
        if name.hasPrefix("@k") {
            Fuzzer.require(bytes.count == 66, "hashed file name '\(name)' is not @k and 64 hex digits")
        } else {
            Fuzzer.require(!bytes.contains(UInt8(ascii: "@")), "file name '\(name)' could collide with a sidecar")
            Fuzzer.require(S3Names.percentDecode(name) == Array(key.utf8), "file name '\(name)' does not decode to its key")
        }
    }
}
