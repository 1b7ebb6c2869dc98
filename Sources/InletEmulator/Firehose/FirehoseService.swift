import InletCore

/// Firehose's JSON 1.1 API (`X-Amz-Target: Firehose_20150804.<Operation>`) over a
/// ``FirehoseEmulator``: CreateDeliveryStream, DescribeDeliveryStream, ListDeliveryStreams,
/// DeleteDeliveryStream, PutRecord and PutRecordBatch, with AWS's validation and error
/// bodies (`{"__type": ..., "message": ...}`), so the AWS CLI, boto3 and Inlet's
/// `FirehoseClient` work unchanged. Every request is first checked with the
/// ``SigV4Authenticator`` (signing name `firehose`); a failure is AWS's JSON error, 400.
/// Then ``FirehoseRequest`` decodes and checks the body, and only a valid request reaches the emulator.
///
/// Errors, in the order AWS's front end reports them: a body that is not JSON or a `Data`
/// that is not base64 is a `SerializationException`; a constraint (name pattern and length,
/// 1–500 records, 1,024,000 bytes per decoded record) a `ValidationException`; more than
/// 4 MiB of decoded data in one call an `InvalidArgumentException`; an unknown stream a
/// `ResourceNotFoundException`; an existing one on create a `ResourceInUseException`. All
/// are HTTP 400, except `ServiceUnavailableException` (the emulator's disk failed), 503.
public struct FirehoseService: Sendable {
    /// The emulator served.
    public let emulator: FirehoseEmulator
    /// The region in ARNs.
    public var region: String
    /// The account id in ARNs.
    public var accountId: String
    /// The signature check applied before anything else.
    public var authenticator: SigV4Authenticator

    /// The largest decoded record.
    public static let maximumRecordBytes = 1_024_000
    /// The most records per PutRecordBatch.
    public static let maximumRecordsPerBatch = 500
    /// The most decoded bytes per PutRecordBatch.
    public static let maximumBatchBytes = 4 * 1024 * 1024
    /// The target prefix of Firehose's operations.
    public static let targetPrefix = "Firehose_20150804."

    /// A service over `emulator`, checking requests with `authenticator` (none by default).
    public init(
        emulator: FirehoseEmulator, region: String = "us-east-1", accountId: String = "000000000000",
        authenticator: SigV4Authenticator = .disabled
    ) {
        self.emulator = emulator
        self.region = region
        self.accountId = accountId
        self.authenticator = authenticator
    }

    /// Answers one request.
    public func handle(_ request: LocalRequest) async -> LocalResponse {
        do {
            _ = try authenticator.authenticate(request, service: "firehose")
        } catch {
            return error.jsonResponse(requestId: FirehoseNaming.uuidV4())
        }
        do throws(FirehoseError) {
            let decoded = try FirehoseRequest(
                method: request.method, target: request.headers["X-Amz-Target"] ?? "", body: request.body)
            let body: String
            switch decoded {
            case .createDeliveryStream(let config): body = try await createDeliveryStream(config)
            case .describeDeliveryStream(let name): body = try await describeDeliveryStream(name)
            case .listDeliveryStreams(let limit, let type, let start):
                body = await listDeliveryStreams(limit: limit, type: type, exclusiveStartName: start)
            case .deleteDeliveryStream(let name): body = try await deleteDeliveryStream(name)
            case .putRecord(let stream, let data): body = try await putRecord(stream: stream, data: data)
            case .putRecordBatch(let stream, let records): body = try await putRecordBatch(stream: stream, records: records)
            }
            return Self.response(status: 200, body: body)
        } catch {
            let status = error.type == "ServiceUnavailableException" ? 503 : 400
            return Self.response(status: status, body: #"{"__type":\#(q(error.type)),"message":\#(q(error.message))}"#)
        }
    }

    static func response(status: Int, body: String) -> LocalResponse {
        var headers = HTTPHeaders()
        headers.add(name: "Content-Type", value: "application/x-amz-json-1.1")
        headers.add(name: "x-amzn-RequestId", value: FirehoseNaming.uuidV4())
        return LocalResponse(status: status, headers: headers, body: Array(body.utf8))
    }

    func streamARN(_ name: String) -> String { "arn:aws:firehose:\(region):\(accountId):deliverystream/\(name)" }

    // MARK: Operations (on a request FirehoseRequest has decoded and checked)

    func createDeliveryStream(_ config: DeliveryStreamConfig) async throws(FirehoseError) -> String {
        try await emulator.createStream(config)
        return #"{"DeliveryStreamARN":\#(q(streamARN(config.name)))}"#
    }

    func describeDeliveryStream(_ name: String) async throws(FirehoseError) -> String {
        let description = try await emulator.describe(name)
        let c = description.config
        let hints = #"{"SizeInMBs":\#(c.bufferingSizeMiB),"IntervalInSeconds":\#(c.bufferingIntervalSeconds)}"#
        let common =
            #""RoleARN":"arn:aws:iam::\#(accountId):role/inlet-local","BucketARN":\#(q("arn:aws:s3:::" + c.bucket)),"#
            + (c.prefix.map { #""Prefix":\#(q($0)),"# } ?? "")
            + (c.errorOutputPrefix.map { #""ErrorOutputPrefix":\#(q($0)),"# } ?? "")
            + #""BufferingHints":\#(hints),"CompressionFormat":\#(q(c.compression.rawValue)),"#
            + #""EncryptionConfiguration":{"NoEncryptionConfig":"NoEncryption"},"#
            + #""CloudWatchLoggingOptions":{"Enabled":false}"#
        let processors =
            c.appendDelimiterToRecord
            ? #"{"Enabled":true,"Processors":[{"Type":"AppendDelimiterToRecord","Parameters":[]}]}"#
            : #"{"Enabled":false,"Processors":[]}"#
        let created = String(description.createdMillis / 1000) + "." + FirehoseNaming.pad(Int(description.createdMillis % 1000), 3)
        return #"{"DeliveryStreamDescription":{"DeliveryStreamName":\#(q(name)),"#
            + #""DeliveryStreamARN":\#(q(streamARN(name))),"DeliveryStreamStatus":"ACTIVE","#
            + #""DeliveryStreamEncryptionConfiguration":{"Status":"DISABLED"},"DeliveryStreamType":"DirectPut","#
            + #""VersionId":"\#(description.versionId)","CreateTimestamp":\#(created),"#
            + #""Destinations":[{"DestinationId":"destinationId-000000000001","#
            + #""S3DestinationDescription":{\#(common)},"#
            + #""ExtendedS3DestinationDescription":{\#(common),"ProcessingConfiguration":\#(processors),"S3BackupMode":"Disabled"}}],"#
            + #""HasMoreDestinations":false}}"#
    }

    func listDeliveryStreams(limit: Int, type: String?, exclusiveStartName start: String?) async -> String {
        var names = await emulator.streamNames()
        if let type, type != "DirectPut" { names = [] }
        if let start { names = names.filter { $0 > start } }
        let page = names.prefix(limit)
        return #"{"DeliveryStreamNames":[\#(page.map(q).joined(separator: ","))],"HasMoreDeliveryStreams":\#(names.count > limit)}"#
    }

    func deleteDeliveryStream(_ name: String) async throws(FirehoseError) -> String {
        try await emulator.deleteStream(name)
        return "{}"
    }

    func putRecord(stream name: String, data: [UInt8]) async throws(FirehoseError) -> String {
        let results = try await emulator.putRecords(stream: name, records: [data], injectFaults: false)
        guard case .accepted(let id) = results[0] else {
            throw FirehoseError("ServiceUnavailableException", "Slow down.")
        }
        return #"{"RecordId":\#(q(id)),"Encrypted":false}"#
    }

    func putRecordBatch(stream name: String, records: [[UInt8]]) async throws(FirehoseError) -> String {
        let results = try await emulator.putRecords(stream: name, records: records, injectFaults: true)
        var failed = 0
        var entries: [String] = []
        entries.reserveCapacity(results.count)
        for result in results {
            switch result {
            case .accepted(let id): entries.append(#"{"RecordId":\#(q(id))}"#)
            case .failed(let code, let message):
                failed += 1
                entries.append(#"{"ErrorCode":\#(q(code)),"ErrorMessage":\#(q(message))}"#)
            }
        }
        return #"{"FailedPutCount":\#(failed),"Encrypted":false,"RequestResponses":[\#(entries.joined(separator: ","))]}"#
    }
}

/// `s` as a JSON string literal.
func q(_ s: String) -> String {
    var out: [UInt8] = []
    JSONText.appendQuoted(s, to: &out)
    return String(decoding: out, as: UTF8.self)
}
