import Foundation
import InletHTTP
import InletSigV4
import Testing

@testable import InletAWS

@Suite struct AWSConfigurationTests {
    let base: [String: String] = [
        "AWS_ACCESS_KEY_ID": "AKIAEXAMPLEKEY",
        "AWS_SECRET_ACCESS_KEY": "very/secret+KEY",
        "AWS_SESSION_TOKEN": "session-token-value",
        "AWS_REGION": "eu-west-1",
    ]

    @Test func readsTheSDKVariables() throws {
        let config = try AWSConfiguration.fromEnvironment(base)
        #expect(config.credentials.accessKeyId == "AKIAEXAMPLEKEY")
        #expect(config.credentials.secretAccessKey == "very/secret+KEY")
        #expect(config.credentials.sessionToken == "session-token-value")
        #expect(config.region == "eu-west-1")
        #expect(config.endpoint == nil && config.firehoseEndpoint == nil && config.s3Endpoint == nil)
        #expect(config.resolvedFirehoseEndpoint.baseURL == "https://firehose.eu-west-1.amazonaws.com")
        #expect(config.resolvedS3Endpoint.baseURL == "https://s3.eu-west-1.amazonaws.com")
    }

    @Test func regionPrecedence() throws {
        var env = base
        env["AWS_DEFAULT_REGION"] = "us-west-2"
        #expect(try AWSConfiguration.fromEnvironment(env).region == "eu-west-1")
        env["AWS_REGION"] = nil
        #expect(try AWSConfiguration.fromEnvironment(env).region == "us-west-2")
        env["AWS_REGION"] = ""  // empty counts as unset
        #expect(try AWSConfiguration.fromEnvironment(env).region == "us-west-2")
    }

    @Test func sessionTokenIsOptional() throws {
        var env = base
        env["AWS_SESSION_TOKEN"] = nil
        #expect(try AWSConfiguration.fromEnvironment(env).credentials.sessionToken == nil)
        env["AWS_SESSION_TOKEN"] = ""
        #expect(try AWSConfiguration.fromEnvironment(env).credentials.sessionToken == nil)
    }

    @Test(arguments: [
        ("AWS_ACCESS_KEY_ID", AWSConfigurationError.Code.missingVariable),
        ("AWS_SECRET_ACCESS_KEY", .missingVariable),
        ("AWS_REGION", .missingVariable),
    ])
    func missingVariablesAreNamed(variable: String, code: AWSConfigurationError.Code) {
        var env = base
        env[variable] = nil
        #expect {
            try AWSConfiguration.fromEnvironment(env)
        } throws: { error in
            guard let error = error as? AWSConfigurationError else { return false }
            return error.code == code && error.variable == variable && error.message.contains(variable)
                && !error.description.contains("very/secret+KEY")
        }
    }

    @Test func invalidValuesAreNamed() {
        var env = base
        env["AWS_ENDPOINT_URL_S3"] = "ftp://example.com"
        #expect(throws: AWSConfigurationError(
            .invalidValue, variable: "AWS_ENDPOINT_URL_S3",
            "AWS_ENDPOINT_URL_S3 is not an endpoint URL; expected http(s)://host[:port][/path] with no user info, query or fragment."
        )) { try AWSConfiguration.fromEnvironment(env) }
        env = base
        env["AWS_ENDPOINT_URL"] = "http://user:pass@localhost:4566"
        #expect(performing: { try AWSConfiguration.fromEnvironment(env) }, throws: { error in
            (error as? AWSConfigurationError)?.variable == "AWS_ENDPOINT_URL"
                && !((error as? AWSConfigurationError)?.message.contains("pass") ?? true)
        })
        env = base
        env["AWS_REGION"] = "EU West 1"
        #expect(performing: { try AWSConfiguration.fromEnvironment(env) }, throws: { error in
            (error as? AWSConfigurationError)?.code == .invalidValue
                && (error as? AWSConfigurationError)?.variable == "AWS_REGION"
        })
    }

    @Test func serviceEndpointsWinOverTheGeneralOne() throws {
        var env = base
        env["AWS_ENDPOINT_URL"] = "http://localhost:4566"
        var config = try AWSConfiguration.fromEnvironment(env)
        #expect(config.resolvedFirehoseEndpoint.baseURL == "http://localhost:4566")
        #expect(config.resolvedS3Endpoint.baseURL == "http://localhost:4566")
        env["AWS_ENDPOINT_URL_S3"] = "http://127.0.0.1:9000"
        env["AWS_ENDPOINT_URL_FIREHOSE"] = "https://firehose.internal:8443/prefix/"
        config = try AWSConfiguration.fromEnvironment(env)
        #expect(config.resolvedS3Endpoint.baseURL == "http://127.0.0.1:9000")
        #expect(config.resolvedFirehoseEndpoint.baseURL == "https://firehose.internal:8443/prefix")
        #expect(config.resolvedFirehoseEndpoint.hostHeader == "firehose.internal:8443")
    }

    @Test func endpointURLParsing() {
        #expect(AWSEndpoint(url: "https://Example.COM:443")?.baseURL == "https://example.com")
        #expect(AWSEndpoint(url: "http://example.com:80/")?.baseURL == "http://example.com")
        #expect(AWSEndpoint(url: "http://127.0.0.1:4566")?.port == 4566)
        #expect(AWSEndpoint(url: "http://[::1]:4566/p")?.hostHeader == "[::1]:4566")
        #expect(AWSEndpoint(url: "http://[::1]:4566/p")?.pathPrefix == "/p")
        for bad in ["localhost:4566", "ftp://h", "http://", "http://h:0", "http://h:99999", "http://h/?q=1", "http://u@h"] {
            #expect(AWSEndpoint(url: bad) == nil, "\(bad)")
        }
    }

    @Test func s3AddressingOnAWSIsVirtualHostedWhenTheBucketIsADNSLabel() throws {
        let config = try AWSConfiguration.fromEnvironment(base)
        #expect(config.s3URL(bucket: "my-bucket", key: "a/b c+d.json")
            == "https://my-bucket.s3.eu-west-1.amazonaws.com/a/b%20c%2Bd.json")
        // Dots break the wildcard certificate; uppercase and underscores are not host labels.
        #expect(config.s3URL(bucket: "my.bucket", key: "k") == "https://s3.eu-west-1.amazonaws.com/my.bucket/k")
        #expect(config.s3URL(bucket: "Legacy_Bucket", key: "k") == "https://s3.eu-west-1.amazonaws.com/Legacy_Bucket/k")
        #expect(config.s3URL(bucket: "my-bucket", key: "") == "https://my-bucket.s3.eu-west-1.amazonaws.com/")
        var cn = config
        cn.region = "cn-north-1"
        #expect(cn.resolvedFirehoseEndpoint.baseURL == "https://firehose.cn-north-1.amazonaws.com.cn")
    }

    @Test func s3AddressingOnACustomEndpointIsPathStyle() throws {
        var env = base
        env["AWS_ENDPOINT_URL_S3"] = "http://127.0.0.1:4566"
        var config = try AWSConfiguration.fromEnvironment(env)
        #expect(config.s3URL(bucket: "my-bucket", key: "dir/é.json") == "http://127.0.0.1:4566/my-bucket/dir/%C3%A9.json")
        #expect(config.s3URL(bucket: "my-bucket", key: "") == "http://127.0.0.1:4566/my-bucket")
        env["AWS_ENDPOINT_URL_S3"] = "https://proxy.example/s3/"
        config = try AWSConfiguration.fromEnvironment(env)
        #expect(config.s3URL(bucket: "my-bucket", key: "k") == "https://proxy.example/s3/my-bucket/k")
    }
}

@Suite struct AWSRedactionTests {
    static let secret = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
    static let token = "FQoGZXIvYXdzEXAMPLETOKEN"

    func expectRedacted(_ value: Any, sourceLocation: SourceLocation = #_sourceLocation) {
        var dumped = ""
        dump(value, to: &dumped)
        for text in [String(describing: value), String(reflecting: value), "\(value)", dumped] {
            #expect(!text.contains(Self.secret), "secret leaked: \(text)", sourceLocation: sourceLocation)
            #expect(!text.contains(Self.token), "token leaked: \(text)", sourceLocation: sourceLocation)
        }
    }

    @Test func configurationClientsAndErrorsNeverPrintSecrets() throws {
        let config = try AWSConfiguration.fromEnvironment([
            "AWS_ACCESS_KEY_ID": "AKIDEXAMPLE", "AWS_SECRET_ACCESS_KEY": Self.secret,
            "AWS_SESSION_TOKEN": Self.token, "AWS_REGION": "eu-west-1", "AWS_ENDPOINT_URL": "http://127.0.0.1:9",
        ])
        #expect(String(describing: config).contains("AKIDEXAMPLE"))
        expectRedacted(config)
        let transport = FakeTransport { _, _ in HTTPResponse(status: 200) }
        expectRedacted(FirehoseClient(configuration: config, transport: transport))
        expectRedacted(S3Client(configuration: config, transport: transport))
        expectRedacted(AWSError(kind: .service, code: "ThrottlingException", message: "Rate exceeded", httpStatus: 400))
        var env = ["AWS_ACCESS_KEY_ID": "AKIDEXAMPLE", "AWS_SECRET_ACCESS_KEY": Self.secret]
        do {
            _ = try AWSConfiguration.fromEnvironment(env)
            Issue.record("a missing region must throw")
        } catch {
            expectRedacted(error)
        }
        env["AWS_REGION"] = "not a region " + Self.secret
        do {
            _ = try AWSConfiguration.fromEnvironment(env)
        } catch {
            #expect(error.variable == "AWS_REGION")
        }
    }

    @Test func signedRequestsOnlyCarryTheTokenInItsHeader() async throws {
        let transport = FakeTransport { request, _ in batchResponse(count: 1) }
        let client = FirehoseClient(configuration: testConfiguration(), transport: transport)
        _ = await client.putRecordBatch(streamName: "s", records: [[1, 2, 3]], deadline: .now + .seconds(5))
        let request = try #require(transport.requests.first)
        #expect(request.headers["X-Amz-Security-Token"] == Self.token)
        #expect(!request.headers.description.contains(Self.secret))
        #expect(!request.url.contains(Self.token))
    }
}
