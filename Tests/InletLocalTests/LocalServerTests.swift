import Foundation
import InletAWS
import InletCore
import InletEmulator
import InletHTTP
import InletLambdaRuntime
import InletSigV4
import InletTestSupport
import Logging
import Testing

@testable import InletLocal

/// A running ``LocalServer`` for one test: started on 127.0.0.1 port 0 over a fresh data
/// directory, stopped (and Firehose flushed) by ``stop()``.
struct LiveServer {
    let directory: String
    let cloud: LocalCloud
    let address: LocalServerAddress
    let task: Task<Void, any Error>

    var url: String { address.baseURL }

    static func start(
        options: (String) -> LocalCloudOptions = { LocalCloudOptions(dataDirectory: $0) },
        readTimeout: Duration = .seconds(10),
        configure: (inout LocalRouter) -> Void = { _ in }
    ) async throws -> LiveServer {
        let directory = NSTemporaryDirectory() + "inlet-local-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let cloud = try await LocalCloud.start(options: options(directory), flushPeriod: .milliseconds(100))
        var router = cloud.router
        configure(&router)
        let server = LocalServer(
            configuration: LocalServerConfiguration(readTimeout: readTimeout), router: router, gracefulShutdownSignals: [])
        let (stream, continuation) = AsyncStream.makeStream(of: LocalServerAddress.self)
        let task = Task { try await server.run { continuation.yield($0) } }
        var iterator = stream.makeAsyncIterator()
        guard let address = await iterator.next() else { throw Failure("the server did not start") }
        return LiveServer(directory: directory, cloud: cloud, address: address, task: task)
    }

    /// Stops the server; it flushes Firehose before `run` returns.
    func stop() async throws {
        task.cancel()
        try await task.value
    }

    func remove() { try? FileManager.default.removeItem(atPath: directory) }

    /// Every object in `bucket` of the server's S3 store, by key.
    func objects(bucket: String) async throws -> [String: [UInt8]] {
        try await LiveServer.objects(in: cloud.store, bucket: bucket)
    }

    /// Every object in `bucket` of `store`, by key.
    static func objects(in store: LocalS3Store, bucket: String) async throws -> [String: [UInt8]] {
        var out: [String: [UInt8]] = [:]
        var token: String? = nil
        repeat {
            let page = try await store.listObjectsV2(bucket: bucket, query: S3ListQuery(continuationToken: token))
            for object in page.contents { out[object.key] = try await store.getObject(bucket: bucket, key: object.key).body }
            token = page.nextContinuationToken
        } while token != nil
        return out
    }
}

struct Failure: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

func programAvailable(_ check: [String]) -> Bool {
    (try? runProgramBlocking(check))?.status == 0
}

/// A function that echoes its payload, or fails on `fail`.
struct EchoFunction: LambdaHandler {
    struct Failed: Error {}
    func handle(_ payload: [UInt8], context: LambdaContext, logger: Logger) async throws -> [UInt8] {
        if payload == Array("fail".utf8) { throw Failed() }
        if payload == Array("sleep".utf8) { try await Task.sleep(for: .seconds(30)) }
        return payload
    }
}

@Suite(.timeLimit(.minutes(1 * SanitizerRun.slowdown)), .serialized) struct LocalServerTests {
    let transport = CurlTransport()

    func send(_ method: HTTPMethod, _ url: String, headers: HTTPHeaders = [:], body: [UInt8] = []) async throws
        -> HTTPResponse
    {
        try await transport.send(HTTPRequest(method: method, url: url, headers: headers, body: body), timeout: .seconds(20))
    }

    @Test func healthAnswersOKAndTheServerBindsLoopbackByDefault() async throws {
        #expect(LocalServerConfiguration().host == "127.0.0.1")
        let server = try await LiveServer.start()
        defer { server.remove() }
        #expect(server.address.host == "127.0.0.1")
        #expect(server.address.port > 0)
        let response = try await send(.get, server.url + "/health")
        #expect(response.status == 200)
        #expect(String(decoding: response.body, as: UTF8.self) == #"{"status":"ok"}"#)
        #expect(response.headers["content-type"] == "application/json")
        // Any other request is S3's, and S3 wants a signature.
        let unsigned = try await send(.get, server.url + "/nothing-here")
        #expect(unsigned.status == 403)
        #expect(String(decoding: unsigned.body, as: UTF8.self).contains("<Code>AccessDenied</Code>"))
        try await server.stop()
    }

    @Test func firehoseClientPutsAThousandRecordsThatArriveByteExactAfterShutdown() async throws {
        let server = try await LiveServer.start()
        defer { server.remove() }
        let client = FirehoseClient(
            configuration: AWSConfiguration(
                credentials: LocalCloud.credentials, region: LocalCloud.region, endpoint: AWSEndpoint(url: server.url)!),
            transport: transport)
        // Every byte value but the newline the stream appends, so the records split back exactly.
        let bytes = (0...255).map(UInt8.init).filter { $0 != 0x0A }
        // Each record ends in the newline the stream does not add (as the function's records do).
        let records = (0..<1000).map { Array("record-\($0)-".utf8) + bytes.shuffled() + [0x0A] }
        let outcome = await client.putRecordBatch(
            streamName: "inlet-events", records: records.map { $0[...] }, deadline: .now + .seconds(30))
        #expect(outcome.allDelivered)
        try await server.stop()

        let objects = try await server.objects(bucket: "inlet-data")
        #expect(!objects.isEmpty)
        let delivered = objects.keys.sorted().flatMap { objects[$0]! }
        #expect(delivered.count == records.reduce(0) { $0 + $1.count })
        let lines = delivered.split(separator: 0x0A, omittingEmptySubsequences: false).dropLast().map { Array($0) }
        #expect(lines.count == records.count)
        #expect(Set(lines) == Set(records.map { Array($0.dropLast()) }))
    }

    static let curlAvailable = programAvailable(["curl", "--version"])
    static let boto3Available = programAvailable(["python3", "-c", "import boto3"])

    @Test(.enabled(if: curlAvailable || PeerBinaries.peersRequired, "skipped: the curl command-line tool is not installed"))
    func curlPostsNDJSONToTheHTTPAPI() async throws {
        let server = try await LiveServer.start()
        defer { server.remove() }
        func post(_ body: String) async throws -> (status: Int, body: String) {
            let result = try await runProgram([
                "curl", "-sS", "--max-time", "20", "-X", "POST", "-H", "Content-Type: application/x-ndjson",
                "--data-binary", body, "-w", "\n%{http_code}", server.url + "/events",
            ])
            #expect(result.status == 0, "curl: \(result.stderr)")
            let lines = result.stdout.split(separator: "\n", omittingEmptySubsequences: false)
            return (Int(lines.last ?? "") ?? 0, lines.dropLast().joined(separator: "\n"))
        }
        let allValid = try await post(#"{"Id":"1"}"# + "\n" + #"{"Id":"2"}"# + "\n")
        #expect(allValid.status == 200, "\(allValid.body)")
        let mixed = try await post(#"{"Id":"3"}"# + "\n" + #"{"Id":""}"# + "\n")
        #expect(mixed.status == 207, "\(mixed.body)")
        #expect(mixed.body.contains(#""accepted":1"#))
        try await server.stop()

        let delivered = try await server.objects(bucket: "inlet-data").values.flatMap { $0 }
        let text = String(decoding: delivered, as: UTF8.self)
        for id in ["1", "2", "3"] { #expect(text.contains(#""Id":"\#(id)""#)) }
        // The rejected event went to the error bucket through the function's S3 client.
        let errors = try await server.objects(bucket: "inlet-errors")
        #expect(errors.count == 1)
        #expect(errors.keys.allSatisfy { $0.hasPrefix("errors/") && $0.hasSuffix(".json") })
    }

    static let botoScript = #"""
        import json, time, boto3
        s3 = boto3.client("s3")
        s3.create_bucket(Bucket="boto-bucket")
        client = boto3.client("firehose")
        client.create_delivery_stream(
            DeliveryStreamName="boto-stream", DeliveryStreamType="DirectPut",
            ExtendedS3DestinationConfiguration={
                "RoleARN": "arn:aws:iam::000000000000:role/firehose", "BucketARN": "arn:aws:s3:::boto-bucket",
                "Prefix": "boto/", "BufferingHints": {"SizeInMBs": 1, "IntervalInSeconds": 0},
            })
        result = client.put_record_batch(
            DeliveryStreamName="boto-stream", Records=[{"Data": ("boto-%d\n" % i).encode()} for i in range(25)])
        names = client.list_delivery_streams()["DeliveryStreamNames"]
        # A zero interval flushes on the emulator's next timer tick; read the objects back through S3.
        lines = []
        for _ in range(100):
            keys = [o["Key"] for o in s3.list_objects_v2(Bucket="boto-bucket", Prefix="boto/").get("Contents", [])]
            lines = [l for k in keys for l in s3.get_object(Bucket="boto-bucket", Key=k)["Body"].read().decode().split()]
            if len(lines) >= 25:
                break
            time.sleep(0.1)
        print(json.dumps({"failed": result["FailedPutCount"], "count": len(result["RequestResponses"]), "names": names,
                          "lines": sorted(lines)}))
        """#

    @Test(.enabled(if: boto3Available || PeerBinaries.peersRequired, "skipped: python3 with boto3 is not installed (pip install boto3)"))
    func boto3CreatesAStreamAndPutsARecordBatchThroughAWSEndpointURL() async throws {
        let server = try await LiveServer.start()
        defer { server.remove() }
        var environment = Dictionary(uniqueKeysWithValues: LocalCloud.environment(server.address).map { ($0.name, $0.value) })
        environment["AWS_CONFIG_FILE"] = "/dev/null"
        environment["AWS_SHARED_CREDENTIALS_FILE"] = "/dev/null"
        let script = server.directory + "/boto.py"
        try Self.botoScript.write(toFile: script, atomically: true, encoding: .utf8)
        let result = try await runProgram(["python3", script], environment: environment)
        #expect(result.status == 0, "\(result.stderr)")
        let answer = try #require(
            try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        #expect(answer["failed"] as? Int == 0)
        #expect(answer["count"] as? Int == 25)
        #expect((answer["names"] as? [String])?.contains("boto-stream") == true)
        #expect(Set(answer["lines"] as? [String] ?? []) == Set((0..<25).map { "boto-\($0)" }))
        try await server.stop()

        let objects = try await server.objects(bucket: "boto-bucket")
        #expect(objects.keys.allSatisfy { $0.hasPrefix("boto/") })
        let lines = objects.values.flatMap { $0 }.split(separator: 0x0A).map { String(decoding: $0, as: UTF8.self) }
        #expect(Set(lines) == Set((0..<25).map { "boto-\($0)" }))
    }

    @Test func pathAndQueryReachS3ExactlyAsSent() async throws {
        let server = try await LiveServer.start(configure: { router in
            router.s3 = { request in
                LocalResponse(
                    status: 200, headers: HTTPHeaders([("Content-Type", "text/plain")]),
                    body: Array("\(request.method) \(request.rawPath) ? \(request.rawQuery) host=\(request.headers["host"] ?? "-")".utf8))
            }
        })
        defer { server.remove() }
        let response = try await send(.get, server.url + "/bucket/a%2Fb%20c/%7Ed?list-type=2&prefix=x%2By")
        #expect(response.status == 200)
        #expect(
            String(decoding: response.body, as: UTF8.self)
                == "GET /bucket/a%2Fb%20c/%7Ed ? list-type=2&prefix=x%2By host=127.0.0.1:\(server.address.port)")
        try await server.stop()
    }

    @Test func directInvokeAnswersAsTheRuntimeInterfaceEmulator() async throws {
        let server = try await LiveServer.start(configure: { router in
            router.function = InProcessFunctionHost(handler: EchoFunction())
            router.functionTimeoutMillis = 300
        })
        defer { server.remove() }
        let url = server.url + "/2015-03-31/functions/function/invocations"
        let ok = try await send(.post, url, body: Array(#"{"hello":"world"}"#.utf8))
        #expect(ok.status == 200)
        #expect(String(decoding: ok.body, as: UTF8.self) == #"{"hello":"world"}"#)
        #expect(ok.headers["x-amz-function-error"] == nil)
        let failed = try await send(.post, url, body: Array("fail".utf8))
        #expect(failed.status == 200)
        #expect(failed.headers["x-amz-function-error"] == "Unhandled")
        #expect(String(decoding: failed.body, as: UTF8.self).contains(#""errorType":"Failed""#))
        let slow = try await send(.post, url, body: Array("sleep".utf8))
        #expect(slow.status == 200)
        #expect(slow.headers["x-amz-function-error"] == "Unhandled")
        #expect(String(decoding: slow.body, as: UTF8.self) == "Task timed out after 0.30 seconds")
        // Any function name reaches the one function, as `aws lambda invoke --function-name` sends it.
        let named = try await send(
            .post, server.url + "/2015-03-31/functions/inlet-ingest/invocations", body: Array("[1]".utf8))
        #expect(String(decoding: named.body, as: UTF8.self) == "[1]")
        try await server.stop()
    }

    @Test func aPortInUseIsABindFailureWithAnActionableMessage() async throws {
        let first = try await LiveServer.start()
        defer { first.remove() }
        let second = LocalServer(
            configuration: LocalServerConfiguration(port: first.address.port), router: first.cloud.router,
            gracefulShutdownSignals: [])
        do {
            try await second.run()
            Issue.record("a second server bound the same port")
        } catch let error as LocalServerError {
            #expect(error.code == .bindFailed)
            #expect(error.message.contains("--port"))
        }
        try await first.stop()
    }

    @Test func aHeadResponseKeepsTheServicesContentLengthAndSendsNoBody() async throws {
        let server = try await LiveServer.start(configure: { router in
            router.s3 = { request in
                LocalResponse(
                    status: 200, headers: HTTPHeaders([("Content-Length", "1234"), ("ETag", "\"e\"")]),
                    body: request.method == "HEAD" ? [] : [UInt8](repeating: 0x61, count: 1234))
            }
        })
        defer { server.remove() }
        let head = try await send(.head, server.url + "/bucket/key")
        #expect(head.status == 200)
        #expect(head.headers["content-length"] == "1234")
        #expect(head.headers["etag"] == "\"e\"")
        #expect(head.body.isEmpty)
        let get = try await send(.get, server.url + "/bucket/key")
        #expect(get.body.count == 1234)
        #expect(get.headers.values(for: "content-length") == ["1234"])
        try await server.stop()
    }

    @Test func aGatewayBodyOverTenMBIs413() async throws {
        let server = try await LiveServer.start()
        defer { server.remove() }
        let response = try await send(
            .post, server.url + "/events", headers: HTTPHeaders([("Content-Type", "application/json")]),
            body: [UInt8](repeating: 0x20, count: APIGatewayEmulator.maximumBodyBytes + 1))
        #expect(response.status == 413)
        #expect(String(decoding: response.body, as: UTF8.self) == #"{"message":"Request Entity Too Large"}"#)
        try await server.stop()
    }
}

/// Routing decisions, without a socket.
@Suite struct LocalRouterTests {
    @Test func requestsGoWhereTheTableSays() async throws {
        let directory = NSTemporaryDirectory() + "inlet-router-" + UUID().uuidString
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let cloud = try await LocalCloud.start(
            options: LocalCloudOptions(dataDirectory: directory, routes: [.postEvents, .defaultRoute]))
        var router = cloud.router
        router.s3 = { _ in LocalResponse(status: 200) }
        func destination(_ method: String, _ path: String, query: String = "", headers: HTTPHeaders = [:])
            -> LocalDestination
        {
            router.destination(method: method, rawPath: path, rawQuery: query, headers: headers)
        }
        #expect(destination("POST", "/", headers: ["X-Amz-Target": "Firehose_20150804.PutRecordBatch"]) == .firehose)
        #expect(destination("GET", "/health") == .health)
        #expect(destination("POST", "/2015-03-31/functions/function/invocations") == .invoke)
        #expect(destination("POST", "/2015-03-31/functions/inlet-ingest/invocations") == .invoke)
        #expect(destination("POST", "/events") == .gateway)
        #expect(destination("PUT", "/bucket/key", headers: ["Authorization": "AWS4-HMAC-SHA256 Credential=x"]) == .s3)
        #expect(destination("GET", "/bucket/key", query: "X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Signature=0") == .s3)
        #expect(destination("GET", "/anything") == .gateway)  // $default
        router.gateway = nil
        #expect(destination("GET", "/anything") == .s3)
        router.s3 = nil
        #expect(destination("GET", "/anything") == .notFound)
        await cloud.emulator.shutdown()
    }

    @Test func bufferedRecordsLeftOnDiskAreRecoveredByTheNextStart() async throws {
        let directory = NSTemporaryDirectory() + "inlet-recover-" + UUID().uuidString
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let options = LocalCloudOptions(dataDirectory: directory, bufferIntervalSeconds: 900)
        // A run that stops without its shutdown flush (a crash): the records stay in the write-ahead files.
        let crashed = try await LocalCloud.start(options: options)
        _ = try await crashed.emulator.putRecords(stream: "inlet-events", records: [Array("one\n".utf8), Array("two\n".utf8)])
        let next = try await LocalCloud.start(options: options)
        #expect(next.recoveredRecords == 2)
        await next.emulator.shutdown()
        let objects = try await LiveServer.objects(in: next.store, bucket: "inlet-data")
        #expect(objects.values.flatMap { $0 } == Array("one\ntwo\n".utf8))
        await crashed.emulator.shutdown()
    }

    @Test func theTargetSplitsIntoRawPathAndQuery() {
        #expect(LocalServer.splitTarget("/a%20b?x=1&y=%2F") == ("/a%20b", "x=1&y=%2F"))
        #expect(LocalServer.splitTarget("/") == ("/", ""))
        #expect(LocalServer.splitTarget("?q") == ("/", "q"))
        #expect(LocalServer.splitTarget("http://h:1/p?q=1") == ("/p", "q=1"))
    }
}
