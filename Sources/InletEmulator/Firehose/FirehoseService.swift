import InletCore

/// Firehose's JSON 1.1 API (`X-Amz-Target: Firehose_20150804.<Operation>`) over a
/// ``FirehoseEmulator``: CreateDeliveryStream, DescribeDeliveryStream, ListDeliveryStreams,
/// DeleteDeliveryStream, PutRecord and PutRecordBatch, with AWS's validation and error
/// bodies (`{"__type": ..., "message": ...}`), so the AWS CLI, boto3 and Inlet's
/// `FirehoseClient` work unchanged. Every request is first checked with the
/// ``SigV4Authenticator`` (signing name `firehose`); a failure is AWS's JSON error, 400.
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
            guard request.method == "POST" else {
                throw FirehoseError("UnknownOperationException", "Firehose accepts POST only.")
            }
            let target = request.headers["X-Amz-Target"] ?? ""
            guard target.hasPrefix(Self.targetPrefix) else {
                throw FirehoseError("UnknownOperationException", "Unknown operation \(target).")
            }
            let operation = target.dropFirst(Self.targetPrefix.count)
            let document: JSONDocument
            do {
                document = try JSONDocument(parsing: request.body.isEmpty ? Array("{}".utf8) : request.body)
            } catch {
                throw FirehoseError("SerializationException", "The request body is not valid JSON: \(error).")
            }
            guard document.kind(0) == .object else {
                throw FirehoseError("SerializationException", "The request body is not a JSON object.")
            }
            let input = Input(document: document)
            let body: String
            switch operation {
            case "CreateDeliveryStream": body = try await createDeliveryStream(input)
            case "DescribeDeliveryStream": body = try await describeDeliveryStream(input)
            case "ListDeliveryStreams": body = try await listDeliveryStreams(input)
            case "DeleteDeliveryStream": body = try await deleteDeliveryStream(input)
            case "PutRecord": body = try await putRecord(input)
            case "PutRecordBatch": body = try await putRecordBatch(input)
            default: throw FirehoseError("UnknownOperationException", "Unknown operation \(target).")
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

    // MARK: Operations

    func streamName(_ input: Input, at object: Int = 0) throws(FirehoseError) -> String {
        guard let name = try input.string("DeliveryStreamName", in: object) else {
            throw Self.validation("null", "deliveryStreamName", "Member must not be null")
        }
        guard DeliveryStreamConfig.isValidName(name) else {
            if name.utf8.count > 64 || name.isEmpty {
                throw Self.validation(name, "deliveryStreamName", "Member must have length between 1 and 64")
            }
            throw Self.validation(name, "deliveryStreamName", "Member must satisfy regular expression pattern: [a-zA-Z0-9_.-]+")
        }
        return name
    }

    static func validation(_ value: String, _ field: String, _ constraint: String) -> FirehoseError {
        FirehoseError(
            "ValidationException",
            "1 validation error detected: Value '\(value)' at '\(field)' failed to satisfy constraint: \(constraint)")
    }

    func createDeliveryStream(_ input: Input) async throws(FirehoseError) -> String {
        let name = try streamName(input)
        let type = try input.string("DeliveryStreamType", in: 0) ?? "DirectPut"
        guard type == "DirectPut" else {
            throw FirehoseError("InvalidArgumentException", "The emulator supports DirectPut delivery streams only, not \(type).")
        }
        var destination = try input.object("ExtendedS3DestinationConfiguration", in: 0)
        if destination == nil { destination = try input.object("S3DestinationConfiguration", in: 0) }
        guard let destination else {
            throw FirehoseError(
                "InvalidArgumentException",
                "The emulator needs an ExtendedS3DestinationConfiguration or S3DestinationConfiguration.")
        }
        guard let bucketARN = try input.string("BucketARN", in: destination) else {
            throw Self.validation("null", "extendedS3DestinationConfiguration.bucketARN", "Member must not be null")
        }
        let arnPrefix = "arn:aws:s3:::"
        guard bucketARN.hasPrefix(arnPrefix), bucketARN.count > arnPrefix.count else {
            throw Self.validation(
                bucketARN, "extendedS3DestinationConfiguration.bucketARN",
                "Member must satisfy regular expression pattern: arn:.*:s3:::.+")
        }
        var config = DeliveryStreamConfig(name: name, bucket: String(bucketARN.dropFirst(arnPrefix.count)))
        config.prefix = try input.string("Prefix", in: destination)
        config.errorOutputPrefix = try input.string("ErrorOutputPrefix", in: destination)
        if let hints = try input.object("BufferingHints", in: destination) {
            if let size = try input.int("SizeInMBs", in: hints) { config.bufferingSizeMiB = size }
            if let interval = try input.int("IntervalInSeconds", in: hints) { config.bufferingIntervalSeconds = interval }
        }
        if let format = try input.string("CompressionFormat", in: destination) {
            guard let compression = DeliveryStreamConfig.Compression(rawValue: format) else {
                throw FirehoseError(
                    "InvalidArgumentException", "The emulator supports CompressionFormat UNCOMPRESSED and GZIP, not \(format).")
            }
            config.compression = compression
        }
        if let processing = try input.object("ProcessingConfiguration", in: destination),
            try input.bool("Enabled", in: processing) ?? false
        {
            for processor in try input.array("Processors", in: processing) ?? [] {
                let processorType = try input.string("Type", in: processor) ?? ""
                guard processorType == "AppendDelimiterToRecord" else {
                    throw FirehoseError(
                        "InvalidArgumentException", "The emulator supports the AppendDelimiterToRecord processor only, not \(processorType).")
                }
                config.appendDelimiterToRecord = true
            }
        }
        try await emulator.createStream(config)
        return #"{"DeliveryStreamARN":\#(q(streamARN(name)))}"#
    }

    func describeDeliveryStream(_ input: Input) async throws(FirehoseError) -> String {
        let name = try streamName(input)
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

    func listDeliveryStreams(_ input: Input) async throws(FirehoseError) -> String {
        let limit = try input.int("Limit", in: 0) ?? 10
        guard (1...10000).contains(limit) else {
            throw Self.validation(String(limit), "limit", "Member must have value between 1 and 10000")
        }
        let type = try input.string("DeliveryStreamType", in: 0)
        let start = try input.string("ExclusiveStartDeliveryStreamName", in: 0)
        var names = await emulator.streamNames()
        if let type, type != "DirectPut" { names = [] }
        if let start { names = names.filter { $0 > start } }
        let page = names.prefix(limit)
        return #"{"DeliveryStreamNames":[\#(page.map(q).joined(separator: ","))],"HasMoreDeliveryStreams":\#(names.count > limit)}"#
    }

    func deleteDeliveryStream(_ input: Input) async throws(FirehoseError) -> String {
        let name = try streamName(input)
        try await emulator.deleteStream(name)
        return "{}"
    }

    /// Decodes and checks one `Record` object; `position` is 1-based for messages (0: PutRecord).
    func recordData(_ input: Input, _ record: Int, position: Int) throws(FirehoseError) -> [UInt8] {
        let field = position == 0 ? "record.data" : "records.\(position).member.data"
        guard let value = input.document.member(record, named: Array("Data".utf8)) else {
            throw Self.validation("null", field, "Member must not be null")
        }
        guard input.document.kind(value) == .string else {
            throw FirehoseError("SerializationException", "Data must be a base64 string.")
        }
        let text = input.document.string(value)
        let data: [UInt8]
        do {
            data = try Base64.decode(text.utf8)
        } catch {
            let shown = text.count > 32 ? String(text.prefix(32)) + "…" : text
            throw FirehoseError("SerializationException", "'\(shown)' can not be converted to a Blob: \(error.message)")
        }
        guard data.count <= Self.maximumRecordBytes else {
            throw Self.validation(
                "java.nio.HeapByteBuffer[pos=0 lim=\(data.count) cap=\(data.count)]", field,
                "Member must have length less than or equal to \(Self.maximumRecordBytes)")
        }
        return data
    }

    func putRecord(_ input: Input) async throws(FirehoseError) -> String {
        guard let record = try input.object("Record", in: 0) else {
            throw Self.validation("null", "record", "Member must not be null")
        }
        let data = try recordData(input, record, position: 0)
        let name = try streamName(input)
        let results = try await emulator.putRecords(stream: name, records: [data], injectFaults: false)
        guard case .accepted(let id) = results[0] else {
            throw FirehoseError("ServiceUnavailableException", "Slow down.")
        }
        return #"{"RecordId":\#(q(id)),"Encrypted":false}"#
    }

    func putRecordBatch(_ input: Input) async throws(FirehoseError) -> String {
        guard let list = try input.array("Records", in: 0) else {
            throw Self.validation("null", "records", "Member must not be null")
        }
        var records: [[UInt8]] = []
        records.reserveCapacity(min(list.count, Self.maximumRecordsPerBatch))
        var total = 0
        for (i, element) in list.enumerated() {
            guard input.document.kind(element) == .object else {
                throw FirehoseError("SerializationException", "Records must be a list of objects.")
            }
            let data = try recordData(input, element, position: i + 1)
            total += data.count
            records.append(data)
        }
        let name = try streamName(input)
        guard !list.isEmpty else { throw Self.validation("[]", "records", "Member must have length greater than or equal to 1") }
        guard list.count <= Self.maximumRecordsPerBatch else {
            throw Self.validation(
                "[\(list.count) records]", "records", "Member must have length less than or equal to \(Self.maximumRecordsPerBatch)")
        }
        guard total <= Self.maximumBatchBytes else {
            throw FirehoseError(
                "InvalidArgumentException",
                "Records size exceeds the limit: \(total) bytes in one PutRecordBatch call, at most \(Self.maximumBatchBytes).")
        }
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

    // MARK: Input

    /// Typed access to the request's members; a member of the wrong type is a
    /// `SerializationException`, as AWS's deserializer reports it.
    struct Input {
        let document: JSONDocument

        func value(_ key: String, in object: Int, _ kind: JSONKind) throws(FirehoseError) -> Int? {
            guard let v = document.member(object, named: Array(key.utf8)), document.kind(v) != .null else { return nil }
            guard document.kind(v) == kind else {
                throw FirehoseError("SerializationException", "\(key) has the wrong JSON type.")
            }
            return v
        }
        func string(_ key: String, in object: Int) throws(FirehoseError) -> String? {
            try value(key, in: object, .string).map(document.string)
        }
        func object(_ key: String, in object: Int) throws(FirehoseError) -> Int? { try value(key, in: object, .object) }
        func array(_ key: String, in object: Int) throws(FirehoseError) -> [Int]? {
            try value(key, in: object, .array).map { Array(document.elements($0)) }
        }
        func int(_ key: String, in object: Int) throws(FirehoseError) -> Int? {
            guard let v = try value(key, in: object, .number) else { return nil }
            guard let n = Int(document.numberText(v)) else {
                throw FirehoseError("SerializationException", "\(key) must be an integer.")
            }
            return n
        }
        func bool(_ key: String, in object: Int) throws(FirehoseError) -> Bool? {
            guard let v = document.member(object, named: Array(key.utf8)), document.kind(v) != .null else { return nil }
            switch document.kind(v) {
            case .true: return true
            case .false: return false
            default: throw FirehoseError("SerializationException", "\(key) must be a boolean.")
            }
        }
    }
}

/// `s` as a JSON string literal.
func q(_ s: String) -> String {
    var out: [UInt8] = []
    JSONText.appendQuoted(s, to: &out)
    return String(decoding: out, as: UTF8.self)
}
