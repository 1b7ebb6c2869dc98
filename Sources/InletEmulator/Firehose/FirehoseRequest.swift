import InletCore

/// A Firehose JSON 1.1 request, decoded and checked as AWS's front end does before any stream
/// is touched: the operation from `X-Amz-Target`, its members from the JSON body, and the
/// constraints on them. Pure, so the decoding is tested and fuzzed without an emulator;
/// ``FirehoseService`` authenticates, decodes with this and then calls the emulator.
///
/// Errors, in AWS's order: a body that is not a JSON object, a member of the wrong type or a
/// `Data` that is not base64 is a `SerializationException`; a constraint (name pattern and
/// length, 1–500 records, 1,024,000 bytes per decoded record) a `ValidationException`; more
/// than 4 MiB of decoded data in one call, or a configuration the emulator does not support,
/// an `InvalidArgumentException`.
enum FirehoseRequest: Equatable {
    case createDeliveryStream(DeliveryStreamConfig)
    case describeDeliveryStream(name: String)
    case listDeliveryStreams(limit: Int, type: String?, exclusiveStartName: String?)
    case deleteDeliveryStream(name: String)
    case putRecord(stream: String, data: [UInt8])
    case putRecordBatch(stream: String, records: [[UInt8]])

    /// Decodes a request from its method, `X-Amz-Target` header and body.
    init(method: String, target: String, body: [UInt8]) throws(FirehoseError) {
        guard method == "POST" else {
            throw FirehoseError("UnknownOperationException", "Firehose accepts POST only.")
        }
        guard target.hasPrefix(FirehoseService.targetPrefix) else {
            throw FirehoseError("UnknownOperationException", "Unknown operation \(target).")
        }
        let operation = target.dropFirst(FirehoseService.targetPrefix.count)
        let document: JSONDocument
        do {
            document = try JSONDocument(parsing: body.isEmpty ? Array("{}".utf8) : body)
        } catch {
            throw FirehoseError("SerializationException", "The request body is not valid JSON: \(error).")
        }
        guard document.kind(0) == .object else {
            throw FirehoseError("SerializationException", "The request body is not a JSON object.")
        }
        let input = Input(document: document)
        switch operation {
        case "CreateDeliveryStream": self = .createDeliveryStream(try Self.deliveryStreamConfig(input))
        case "DescribeDeliveryStream": self = .describeDeliveryStream(name: try Self.streamName(input))
        case "ListDeliveryStreams": self = try Self.listDeliveryStreams(input)
        case "DeleteDeliveryStream": self = .deleteDeliveryStream(name: try Self.streamName(input))
        case "PutRecord": self = try Self.putRecord(input)
        case "PutRecordBatch": self = try Self.putRecordBatch(input)
        default: throw FirehoseError("UnknownOperationException", "Unknown operation \(target).")
        }
    }

    // MARK: Operations

    /// The stream a CreateDeliveryStream body describes; `root` is the body's object (0 for a
    /// request, an element of a streams file's array otherwise).
    static func deliveryStreamConfig(_ input: Input, root: Int = 0) throws(FirehoseError) -> DeliveryStreamConfig {
        let name = try streamName(input, root: root)
        let type = try input.string("DeliveryStreamType", in: root) ?? "DirectPut"
        guard type == "DirectPut" else {
            throw FirehoseError("InvalidArgumentException", "The emulator supports DirectPut delivery streams only, not \(type).")
        }
        var destination = try input.object("ExtendedS3DestinationConfiguration", in: root)
        if destination == nil { destination = try input.object("S3DestinationConfiguration", in: root) }
        guard let destination else {
            throw FirehoseError(
                "InvalidArgumentException",
                "The emulator needs an ExtendedS3DestinationConfiguration or S3DestinationConfiguration.")
        }
        guard let bucketARN = try input.string("BucketARN", in: destination) else {
            throw validation("null", "extendedS3DestinationConfiguration.bucketARN", "Member must not be null")
        }
        let arnPrefix = "arn:aws:s3:::"
        guard bucketARN.hasPrefix(arnPrefix), bucketARN.count > arnPrefix.count else {
            throw validation(
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
        return config
    }

    static func listDeliveryStreams(_ input: Input) throws(FirehoseError) -> FirehoseRequest {
        let limit = try input.int("Limit", in: 0) ?? 10
        guard (1...10000).contains(limit) else {
            throw validation(String(limit), "limit", "Member must have value between 1 and 10000")
        }
        return .listDeliveryStreams(
            limit: limit, type: try input.string("DeliveryStreamType", in: 0),
            exclusiveStartName: try input.string("ExclusiveStartDeliveryStreamName", in: 0))
    }

    static func putRecord(_ input: Input) throws(FirehoseError) -> FirehoseRequest {
        guard let record = try input.object("Record", in: 0) else {
            throw validation("null", "record", "Member must not be null")
        }
        let data = try recordData(input, record, position: 0)
        return .putRecord(stream: try streamName(input), data: data)
    }

    static func putRecordBatch(_ input: Input) throws(FirehoseError) -> FirehoseRequest {
        guard let list = try input.array("Records", in: 0) else {
            throw validation("null", "records", "Member must not be null")
        }
        var records: [[UInt8]] = []
        records.reserveCapacity(min(list.count, FirehoseService.maximumRecordsPerBatch))
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
        guard !list.isEmpty else { throw validation("[]", "records", "Member must have length greater than or equal to 1") }
        guard list.count <= FirehoseService.maximumRecordsPerBatch else {
            throw validation(
                "[\(list.count) records]", "records",
                "Member must have length less than or equal to \(FirehoseService.maximumRecordsPerBatch)")
        }
        guard total <= FirehoseService.maximumBatchBytes else {
            throw FirehoseError(
                "InvalidArgumentException",
                "Records size exceeds the limit: \(total) bytes in one PutRecordBatch call, at most \(FirehoseService.maximumBatchBytes).")
        }
        return .putRecordBatch(stream: name, records: records)
    }

    // MARK: Members

    static func streamName(_ input: Input, root: Int = 0) throws(FirehoseError) -> String {
        guard let name = try input.string("DeliveryStreamName", in: root) else {
            throw validation("null", "deliveryStreamName", "Member must not be null")
        }
        guard DeliveryStreamConfig.isValidName(name) else {
            if name.utf8.count > 64 || name.isEmpty {
                throw validation(name, "deliveryStreamName", "Member must have length between 1 and 64")
            }
            throw validation(name, "deliveryStreamName", "Member must satisfy regular expression pattern: [a-zA-Z0-9_.-]+")
        }
        return name
    }

    /// Decodes and checks one `Record` object; `position` is 1-based for messages (0: PutRecord).
    static func recordData(_ input: Input, _ record: Int, position: Int) throws(FirehoseError) -> [UInt8] {
        let field = position == 0 ? "record.data" : "records.\(position).member.data"
        guard let value = input.document.member(record, named: Array("Data".utf8)) else {
            throw validation("null", field, "Member must not be null")
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
        guard data.count <= FirehoseService.maximumRecordBytes else {
            throw validation(
                "java.nio.HeapByteBuffer[pos=0 lim=\(data.count) cap=\(data.count)]", field,
                "Member must have length less than or equal to \(FirehoseService.maximumRecordBytes)")
        }
        return data
    }

    static func validation(_ value: String, _ field: String, _ constraint: String) -> FirehoseError {
        FirehoseError(
            "ValidationException",
            "1 validation error detected: Value '\(value)' at '\(field)' failed to satisfy constraint: \(constraint)")
    }

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

extension DeliveryStreamConfig {
    /// The delivery streams a streams file declares (`inlet local --streams FILE`): a JSON
    /// array of CreateDeliveryStream request bodies, or one such body, the shape that
    /// `aws firehose create-delivery-stream --cli-input-json` takes. Each is decoded and
    /// checked as CreateDeliveryStream decodes and checks it; an error names the element.
    public static func streams(file bytes: [UInt8]) throws(FirehoseError) -> [DeliveryStreamConfig] {
        let document: JSONDocument
        do {
            document = try JSONDocument(parsing: bytes)
        } catch {
            throw FirehoseError("SerializationException", "The streams file is not valid JSON: \(error).")
        }
        let roots: [Int]
        switch document.kind(0) {
        case .object: roots = [0]
        case .array: roots = Array(document.elements(0))
        default:
            throw FirehoseError(
                "SerializationException", "The streams file must hold a CreateDeliveryStream object or an array of them.")
        }
        let input = FirehoseRequest.Input(document: document)
        var configs: [DeliveryStreamConfig] = []
        for (position, root) in roots.enumerated() {
            do throws(FirehoseError) {
                guard document.kind(root) == .object else {
                    throw FirehoseError("SerializationException", "The element is not a JSON object.")
                }
                let config = try FirehoseRequest.deliveryStreamConfig(input, root: root)
                try config.validate()
                guard !configs.contains(where: { $0.name == config.name }) else {
                    throw FirehoseError("ResourceInUseException", "The stream \(config.name) is declared twice.")
                }
                configs.append(config)
            } catch {
                throw FirehoseError(error.type, "Stream \(position + 1) of the streams file: \(error.message)")
            }
        }
        return configs
    }
}
