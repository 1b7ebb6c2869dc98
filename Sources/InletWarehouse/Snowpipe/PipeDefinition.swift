/// A pipe: `CREATE PIPE name AS COPY INTO table FROM @stage FILE_FORMAT = (...) ON_ERROR = ...`,
/// with the stage given by its bucket and prefix.
public struct PipeDefinition: Sendable, Hashable {
    /// The pipe's name, e.g. `EVENTS_PIPE`.
    public var name: String
    /// The stage's bucket.
    public var bucket: String
    /// The stage's key prefix (empty for the whole bucket); only objects under it are loaded.
    public var prefix: String
    /// The target table, created with the raw columns when missing, e.g. `RAW_EVENTS`.
    public var table: String
    /// How staged files are read.
    public var fileFormat: JSONFileFormat
    /// What a bad record does to its file.
    public var onError: OnError

    /// A pipe; `ON_ERROR` defaults to `SKIP_FILE`, as Snowpipe's does.
    public init(
        name: String, bucket: String, prefix: String = "", table: String,
        fileFormat: JSONFileFormat = JSONFileFormat(), onError: OnError = .skipFile
    ) {
        self.name = name
        self.bucket = bucket
        self.prefix = prefix
        self.table = table
        self.fileFormat = fileFormat
        self.onError = onError
    }

    /// `EVENTS_PIPE`: Firehose's objects into `RAW_EVENTS` (snowflake/06_pipe.sql).
    public static func events(bucket: String, prefix: String = "") -> PipeDefinition {
        PipeDefinition(name: "EVENTS_PIPE", bucket: bucket, prefix: prefix, table: "RAW_EVENTS")
    }

    /// `ERRORS_PIPE`: the function's error envelopes into `RAW_ERRORS` (snowflake/07_errors.sql).
    public static func errors(bucket: String, prefix: String = "errors/") -> PipeDefinition {
        PipeDefinition(name: "ERRORS_PIPE", bucket: bucket, prefix: prefix, table: "RAW_ERRORS")
    }

    /// `s3://bucket/prefix`, as COPY_HISTORY's `stage_location` shows it.
    public var stageLocation: String { "s3://\(bucket)/\(prefix)" }

    /// Whether `key` in `bucket` is under this pipe's stage (folders, keys ending in `/`, are not).
    public func covers(bucket: String, key: String) -> Bool {
        bucket == self.bucket && key.hasPrefix(prefix) && !key.hasSuffix("/")
    }

    /// Throws `invalidDefinition` unless the pipe and table names are plain identifiers.
    func validate() throws(WarehouseError) {
        for (what, value) in [("pipe name", name), ("table name", table)] where !Self.isIdentifier(value) {
            throw WarehouseError(
                .invalidDefinition,
                "the \(what) '\(value)' is not a plain identifier: use letters, digits and '_', starting with a letter or '_'")
        }
        if bucket.isEmpty { throw WarehouseError(.invalidDefinition, "the pipe \(name) has no stage bucket") }
    }

    static func isIdentifier(_ text: String) -> Bool {
        guard let first = text.utf8.first, first == UInt8(ascii: "_") || isLetter(first) else { return false }
        return text.utf8.allSatisfy { $0 == UInt8(ascii: "_") || isLetter($0) || ($0 >= 0x30 && $0 <= 0x39) }
    }

    private static func isLetter(_ c: UInt8) -> Bool { (c | 0x20) >= 0x61 && (c | 0x20) <= 0x7A }
}

/// `FILE_FORMAT = (TYPE = JSON ...)`: NDJSON or concatenated values, gzip detected by its magic
/// bytes (`COMPRESSION = AUTO`).
public struct JSONFileFormat: Sendable, Hashable {
    /// `STRIP_OUTER_ARRAY`: a top-level array's elements are loaded as separate rows. Default false.
    public var stripOuterArray: Bool

    /// A format; the defaults are Snowflake's.
    public init(stripOuterArray: Bool = false) {
        self.stripOuterArray = stripOuterArray
    }

    /// As in `DESC FILE FORMAT`: `TYPE = JSON STRIP_OUTER_ARRAY = FALSE COMPRESSION = AUTO`.
    public var text: String { "TYPE = JSON STRIP_OUTER_ARRAY = \(stripOuterArray ? "TRUE" : "FALSE") COMPRESSION = AUTO" }
}

/// `ON_ERROR`, for a pipe.
public enum OnError: Sendable, Hashable {
    /// `SKIP_FILE` (Snowpipe's default): one bad record skips the whole file.
    case skipFile
    /// `SKIP_FILE_<n>`: the file is skipped when it holds at least `n` bad records.
    case skipFileAfter(Int)
    /// `CONTINUE`: good records load, bad ones are counted and recorded.
    case `continue`

    /// Parses `SKIP_FILE`, `SKIP_FILE_<n>` or `CONTINUE` (any case).
    public init?(_ text: String) {
        let upper = text.uppercased()
        if upper == "SKIP_FILE" {
            self = .skipFile
        } else if upper == "CONTINUE" {
            self = .continue
        } else if upper.hasPrefix("SKIP_FILE_"), let n = Int(upper.dropFirst("SKIP_FILE_".count)), n >= 1 {
            self = n == 1 ? .skipFile : .skipFileAfter(n)
        } else {
            return nil
        }
    }

    /// The option's text.
    public var text: String {
        switch self {
        case .skipFile: "SKIP_FILE"
        case .skipFileAfter(let n): "SKIP_FILE_\(n)"
        case .continue: "CONTINUE"
        }
    }

    /// How many bad records skip the file; nil when none do.
    var skipLimit: Int? {
        switch self {
        case .skipFile: 1
        case .skipFileAfter(let n): n
        case .continue: nil
        }
    }
}
