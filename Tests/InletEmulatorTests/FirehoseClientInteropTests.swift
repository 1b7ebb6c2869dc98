import InletAWS
import InletCore
import InletHTTP
import InletSigV4
import Testing

@testable import InletEmulator

/// A transport that hands each request straight to the emulator's service.
struct InProcessTransport: HTTPTransport {
    let service: FirehoseService

    func send(_ request: HTTPRequest, timeout: Duration?) async throws(TransportError) -> HTTPResponse {
        let afterScheme = request.url.split(separator: "/", maxSplits: 2, omittingEmptySubsequences: false)
        let path = afterScheme.count == 3 ? "/" + (afterScheme[2].split(separator: "/", maxSplits: 1).dropFirst().first ?? "") : "/"
        let response = await service.handle(
            LocalRequest(method: request.method.rawValue, rawPath: path, headers: request.headers, body: request.body))
        return HTTPResponse(status: response.status, headers: response.headers, body: response.body)
    }
}

/// Inlet's own FirehoseClient against the emulator: they agree on the wire, and partial
/// failures retried by the client end with every record delivered exactly once.
@Suite struct FirehoseClientInteropTests {
    @Test func clientRetriesInjectedFaultsUntilEveryRecordIsDeliveredOnce() async throws {
        let dir = temporaryDirectory()
        defer { removeDirectory(dir) }
        let sink = MemorySink()
        let emulator = FirehoseEmulator(dataDirectory: dir, sink: sink)
        try await emulator.createStream(
            DeliveryStreamConfig(name: "events", bucket: "raw", compression: .gzip, appendDelimiterToRecord: true))
        await emulator.setFaultInjection(fraction: 0.3, seed: 7)
        let client = FirehoseClient(
            configuration: AWSConfiguration(
                credentials: AWSCredentials(accessKeyId: "AKIDEXAMPLE", secretAccessKey: "secret"), region: "us-east-1",
                firehoseEndpoint: AWSEndpoint(url: "http://127.0.0.1:4566")!),
            transport: InProcessTransport(service: FirehoseService(emulator: emulator)),
            retry: RetryPolicy(maximumAttempts: 30, baseDelay: .milliseconds(1), maximumDelay: .milliseconds(2)))
        let records = (0..<1200).map { Array("{\"n\":\($0)}".utf8)[...] }
        let outcome = await client.putRecordBatch(
            streamName: "events", records: records, deadline: ContinuousClock.now + .seconds(60))
        #expect(outcome.allDelivered)
        #expect(outcome.statistics.rounds > 1)  // faults made the client retry
        #expect(outcome.statistics.recordsSent > records.count)
        await emulator.shutdown()
        let lines = try await sink.allBytes().split(separator: 0x0A).map { Array($0) }
        #expect(lines.count == records.count)
        #expect(Set(lines) == Set(records.map { Array($0) }))
        #expect(await sink.objects.allSatisfy { $0.key.hasSuffix(".gz") && $0.bucket == "raw" })
    }

    @Test func clientSeesAnUnknownStreamAsAServiceError() async throws {
        let dir = temporaryDirectory()
        defer { removeDirectory(dir) }
        let emulator = FirehoseEmulator(dataDirectory: dir, sink: MemorySink())
        let client = FirehoseClient(
            configuration: AWSConfiguration(
                credentials: AWSCredentials(accessKeyId: "AKIDEXAMPLE", secretAccessKey: "secret"), region: "us-east-1",
                firehoseEndpoint: AWSEndpoint(url: "http://127.0.0.1:4566")!),
            transport: InProcessTransport(service: FirehoseService(emulator: emulator)), retry: .none)
        let outcome = await client.putRecordBatch(
            streamName: "missing", records: [Array("x".utf8)[...]], deadline: ContinuousClock.now + .seconds(5))
        #expect(outcome.records.map(\.errorCode) == ["ResourceNotFoundException"])
    }
}
