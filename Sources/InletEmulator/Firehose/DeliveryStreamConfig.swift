import InletCore

/// A Firehose error as AWS reports it: the `__type` and the message.
public struct FirehoseError: Error, Sendable, Equatable, CustomStringConvertible {
    /// AWS's error type, e.g. `ValidationException`, `ResourceNotFoundException`.
    public var type: String
    /// The message.
    public var message: String
    /// An error from its parts.
    public init(_ type: String, _ message: String) {
        self.type = type
        self.message = message
    }
    /// The message, for logs.
    public var description: String { "\(type): \(message)" }
}

/// A DirectPut delivery stream to S3, as the emulator keeps it.
public struct DeliveryStreamConfig: Sendable, Equatable {
    /// How objects are compressed.
    public enum Compression: String, Sendable {
        /// As is.
        case uncompressed = "UNCOMPRESSED"
        /// One gzip member per object, key suffix `.gz`.
        case gzip = "GZIP"
    }

    /// The stream name, `[a-zA-Z0-9_.-]{1,64}`.
    public var name: String
    /// The destination bucket's name (not its ARN).
    public var bucket: String
    /// The custom prefix; nil means AWS's default `YYYY/MM/dd/HH/`.
    public var prefix: String?
    /// The prefix for failed records.
    public var errorOutputPrefix: String?
    /// The size hint in MiB, 1–128.
    public var bufferingSizeMiB: Int
    /// The interval hint in seconds, 0–900.
    public var bufferingIntervalSeconds: Int
    /// Compression of delivered objects.
    public var compression: Compression
    /// Whether the `AppendDelimiterToRecord` processor appends `\n` to each record.
    public var appendDelimiterToRecord: Bool

    /// A stream configuration; defaults as AWS's (5 MiB, 300 s, uncompressed).
    public init(
        name: String, bucket: String, prefix: String? = nil, errorOutputPrefix: String? = nil,
        bufferingSizeMiB: Int = 5, bufferingIntervalSeconds: Int = 300, compression: Compression = .uncompressed,
        appendDelimiterToRecord: Bool = false
    ) {
        self.name = name
        self.bucket = bucket
        self.prefix = prefix
        self.errorOutputPrefix = errorOutputPrefix
        self.bufferingSizeMiB = bufferingSizeMiB
        self.bufferingIntervalSeconds = bufferingIntervalSeconds
        self.compression = compression
        self.appendDelimiterToRecord = appendDelimiterToRecord
    }

    /// The size hint in bytes.
    public var bufferingSizeBytes: Int { bufferingSizeMiB * 1024 * 1024 }

    /// Whether `name` satisfies AWS's constraint on delivery stream names.
    public static func isValidName(_ name: String) -> Bool {
        let utf8 = name.utf8
        guard (1...64).contains(utf8.count) else { return false }
        return utf8.allSatisfy { c in
            (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5A) || (c >= 0x61 && c <= 0x7A) || c == 0x5F || c == 0x2E
                || c == 0x2D
        }
    }

    /// Checks the configuration as CreateDeliveryStream does.
    public func validate() throws(FirehoseError) {
        guard Self.isValidName(name) else {
            throw FirehoseError(
                "ValidationException",
                "1 validation error detected: Value '\(name)' at 'deliveryStreamName' failed to satisfy constraint: "
                    + "Member must satisfy regular expression pattern: [a-zA-Z0-9_.-]+ and length 1-64")
        }
        // "." and ".." match AWS's pattern but would name directories that are not the stream's own.
        guard name != "." && name != ".." else {
            throw FirehoseError("InvalidArgumentException", "The emulator does not accept the stream name '\(name)'.")
        }
        guard !bucket.isEmpty else {
            throw FirehoseError("ValidationException", "BucketARN must be an S3 bucket ARN (arn:aws:s3:::bucket).")
        }
        guard (1...128).contains(bufferingSizeMiB) else {
            throw FirehoseError(
                "ValidationException",
                "1 validation error detected: Value '\(bufferingSizeMiB)' at 'bufferingHints.sizeInMBs' failed to satisfy "
                    + "constraint: Member must have value between 1 and 128")
        }
        guard (0...900).contains(bufferingIntervalSeconds) else {
            throw FirehoseError(
                "ValidationException",
                "1 validation error detected: Value '\(bufferingIntervalSeconds)' at 'bufferingHints.intervalInSeconds' "
                    + "failed to satisfy constraint: Member must have value between 0 and 900")
        }
        do {
            if let prefix { try FirehoseNaming.validate(prefix, allowErrorOutputType: false) }
            if let errorOutputPrefix { try FirehoseNaming.validate(errorOutputPrefix, allowErrorOutputType: true) }
        } catch {
            throw FirehoseError("InvalidArgumentException", error.message)
        }
        if let prefix, FirehoseNaming.hasExpressions(prefix), errorOutputPrefix?.isEmpty ?? true {
            throw FirehoseError(
                "InvalidArgumentException", "ErrorOutputPrefix cannot be null or empty when Prefix contains expressions.")
        }
    }

    // MARK: Persistence

    /// The configuration as a small JSON object (what the emulator persists).
    func json(createdMillis: Int64) -> [UInt8] {
        var out: [UInt8] = []
        func key(_ k: String) {
            out.append(out.count == 0 ? 0x7B : 0x2C)
            JSONText.appendQuoted(k, to: &out)
            out.append(0x3A)
        }
        key("name")
        JSONText.appendQuoted(name, to: &out)
        key("bucket")
        JSONText.appendQuoted(bucket, to: &out)
        if let prefix {
            key("prefix")
            JSONText.appendQuoted(prefix, to: &out)
        }
        if let errorOutputPrefix {
            key("errorOutputPrefix")
            JSONText.appendQuoted(errorOutputPrefix, to: &out)
        }
        key("bufferingSizeMiB")
        out.append(contentsOf: String(bufferingSizeMiB).utf8)
        key("bufferingIntervalSeconds")
        out.append(contentsOf: String(bufferingIntervalSeconds).utf8)
        key("compression")
        JSONText.appendQuoted(compression.rawValue, to: &out)
        key("appendDelimiterToRecord")
        out.append(contentsOf: (appendDelimiterToRecord ? "true" : "false").utf8)
        key("createdMillis")
        out.append(contentsOf: String(createdMillis).utf8)
        out.append(0x7D)
        return out
    }

    /// A configuration read back from ``json(createdMillis:)``; nil when unusable.
    static func parse(json bytes: [UInt8]) -> (config: DeliveryStreamConfig, createdMillis: Int64)? {
        guard let doc = try? JSONDocument(parsing: bytes), doc.kind(0) == .object else { return nil }
        func string(_ k: String) -> String? {
            guard let v = doc.member(0, named: Array(k.utf8)), doc.kind(v) == .string else { return nil }
            return doc.string(v)
        }
        func int(_ k: String) -> Int? {
            guard let v = doc.member(0, named: Array(k.utf8)), doc.kind(v) == .number else { return nil }
            return Int(doc.numberText(v))
        }
        guard let name = string("name"), let bucket = string("bucket"), let size = int("bufferingSizeMiB"),
            let interval = int("bufferingIntervalSeconds"),
            let compression = string("compression").flatMap(Compression.init(rawValue:))
        else { return nil }
        let delimiter = doc.member(0, named: Array("appendDelimiterToRecord".utf8)).map { doc.kind($0) == .true } ?? false
        let config = DeliveryStreamConfig(
            name: name, bucket: bucket, prefix: string("prefix"), errorOutputPrefix: string("errorOutputPrefix"),
            bufferingSizeMiB: size, bufferingIntervalSeconds: interval, compression: compression,
            appendDelimiterToRecord: delimiter)
        return (config, Int64(int("createdMillis") ?? 0))
    }
}
