import Foundation
import InletTestSupport
import Testing

@testable import InletLocal

/// The AWS CLI (the real `aws` from PyPI, signing with SigV4) against a live `inlet local`
/// through `AWS_ENDPOINT_URL` alone: it makes a bucket, creates a delivery stream, puts a
/// record batch, and reads the delivered object back through S3. A wrong secret is refused.
@Suite(.timeLimit(.minutes(2 * SanitizerRun.slowdown)), .serialized) struct AWSCLITests {
    static let awsPath = PeerBinaries.pythonTool("aws")

    /// Runs `aws ARGS` against `server` with `key`'s secret (the right one unless given).
    func aws(_ server: LiveServer, _ arguments: [String], secret: String? = nil) async throws -> ProgramResult {
        var environment = Dictionary(
            uniqueKeysWithValues: LocalCloud.environment(server.address).map { ($0.name, $0.value) })
        environment["AWS_CONFIG_FILE"] = "/dev/null"
        environment["AWS_SHARED_CREDENTIALS_FILE"] = "/dev/null"
        if let secret { environment["AWS_SECRET_ACCESS_KEY"] = secret }
        return try await runProgram([try #require(Self.awsPath)] + arguments, environment: environment)
    }

    @Test(.enabled(if: awsPath != nil || PeerBinaries.peersRequired, "skipped: the AWS CLI is not installed (pip install awscli)"))
    func theAWSCLIMakesABucketCreatesAStreamPutsRecordsAndReadsTheObjectBack() async throws {
        let server = try await LiveServer.start()
        defer { server.remove() }

        let mb = try await aws(server, ["s3", "mb", "s3://cli-bucket"])
        #expect(mb.status == 0, "\(mb.stderr)")
        let destination = #"""
            {"RoleARN":"arn:aws:iam::000000000000:role/firehose","BucketARN":"arn:aws:s3:::cli-bucket",
             "Prefix":"cli/","BufferingHints":{"SizeInMBs":1,"IntervalInSeconds":0}}
            """#
        let create = try await aws(server, [
            "firehose", "create-delivery-stream", "--delivery-stream-name", "cli-stream",
            "--extended-s3-destination-configuration", destination,
        ])
        #expect(create.status == 0, "\(create.stderr)")
        #expect(create.stdout.contains("deliverystream/cli-stream"))
        let put = try await aws(server, [
            "firehose", "put-record-batch", "--delivery-stream-name", "cli-stream",
            "--records", #"[{"Data":"one\n"},{"Data":"two\n"},{"Data":"three\n"}]"#,
        ])
        #expect(put.status == 0, "\(put.stderr)")
        #expect(put.stdout.contains(#""FailedPutCount": 0"#))
        let describe = try await aws(server, ["firehose", "describe-delivery-stream", "--delivery-stream-name", "cli-stream"])
        #expect(describe.stdout.contains(#""DeliveryStreamStatus": "ACTIVE""#))

        // A zero buffer interval delivers on the next timer tick (100 ms in tests).
        var key = ""
        for _ in 0..<50 where key.isEmpty {
            let list = try await aws(server, [
                "s3api", "list-objects-v2", "--bucket", "cli-bucket", "--prefix", "cli/",
                "--query", "Contents[0].Key", "--output", "text",
            ])
            #expect(list.status == 0, "\(list.stderr)")
            let text = list.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
            if text != "None" && !text.isEmpty { key = text } else { try await Task.sleep(for: .milliseconds(100)) }
        }
        #expect(key.hasPrefix("cli/") && key.contains("/cli-stream-1-"), "\(key)")
        let object = try await aws(server, ["s3", "cp", "s3://cli-bucket/\(key)", "-"])
        #expect(object.status == 0, "\(object.stderr)")
        #expect(object.stdout == "one\ntwo\nthree\n")

        // The same calls signed with a wrong secret are refused with AWS's error codes.
        let badS3 = try await aws(server, ["s3", "ls", "s3://cli-bucket"], secret: "wrong-secret")
        #expect(badS3.status != 0)
        #expect(badS3.stderr.contains("SignatureDoesNotMatch"), "\(badS3.stderr)")
        let badFirehose = try await aws(server, ["firehose", "list-delivery-streams"], secret: "wrong-secret")
        #expect(badFirehose.status != 0)
        #expect(badFirehose.stderr.contains("InvalidSignatureException"), "\(badFirehose.stderr)")
        try await server.stop()
    }
}
