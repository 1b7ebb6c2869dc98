import InletCore

/// One row of `copy_history`: one staged file's load, with the columns and statuses of
/// Snowflake's `INFORMATION_SCHEMA.COPY_HISTORY`.
public struct CopyHistoryEntry: Sendable, Hashable {
    /// The three outcomes a finished load has.
    public enum Status: String, Sendable {
        /// Every record loaded.
        case loaded = "Loaded"
        /// `ON_ERROR = CONTINUE` loaded some records and not others.
        case partiallyLoaded = "Partially loaded"
        /// Nothing loaded: the file was skipped, or could not be read.
        case loadFailed = "Load failed"
    }

    /// The object key.
    public var fileName: String
    /// `s3://bucket/prefix`.
    public var stageLocation: String
    /// When the load committed (ISO 8601, UTC).
    public var lastLoadTime: String
    /// Records loaded.
    public var rowCount: Int
    /// Records read, good and bad.
    public var rowParsed: Int
    /// The stored size (compressed size for gzip files).
    public var fileSize: Int
    /// The first bad record's error.
    public var firstErrorMessage: String?
    /// The first error's 1-based line.
    public var firstErrorLineNumber: Int?
    /// The first error's 1-based character position in its line.
    public var firstErrorCharacterPosition: Int?
    /// The column the first error is about, e.g. `"RAW_EVENTS"["RECORD":1]`.
    public var firstErrorColumnName: String?
    /// Bad records.
    public var errorCount: Int
    /// How many errors skip the file (1 for SKIP_FILE; the records read for CONTINUE).
    public var errorLimit: Int
    /// The outcome.
    public var status: Status
    /// The target table.
    public var tableName: String
    /// The pipe that loaded it.
    public var pipeName: String
    /// When the pipe learned of the file (notification or refresh), ISO 8601 UTC.
    public var pipeReceivedTime: String
    /// When the file's rows were committed, ISO 8601 UTC.
    public var firstCommitTime: String?
}

/// SYSTEM$PIPE_STATUS for a local pipe.
public struct PipeStatus: Sendable, Hashable {
    /// `RUNNING` or `PAUSED`.
    public var executionState: String
    /// Files queued or being loaded.
    public var pendingFileCount: Int
    /// The oldest of them, when there are any.
    public var oldestPendingFilePath: String?
    /// When the last file was loaded (ISO 8601 UTC), when one was.
    public var lastIngestedTimestamp: String?
    /// That file's key.
    public var lastIngestedFilePath: String?
    /// When the last notification arrived, when one did (this process only).
    public var lastReceivedMessageTimestamp: String?
    /// The last load that failed for a reason other than the file's content, e.g. a read error.
    public var error: String?

    /// The status as SYSTEM$PIPE_STATUS renders it: compact JSON, absent fields left out.
    public var json: String {
        var fields: [(String, String)] = [("executionState", quoted(executionState))]
        if let oldestPendingFilePath { fields.append(("oldestPendingFilePath", quoted(oldestPendingFilePath))) }
        fields.append(("pendingFileCount", String(pendingFileCount)))
        if let lastIngestedTimestamp { fields.append(("lastIngestedTimestamp", quoted(lastIngestedTimestamp))) }
        if let lastIngestedFilePath { fields.append(("lastIngestedFilePath", quoted(lastIngestedFilePath))) }
        if let lastReceivedMessageTimestamp {
            fields.append(("lastReceivedMessageTimestamp", quoted(lastReceivedMessageTimestamp)))
        }
        if let error { fields.append(("error", quoted(error))) }
        return "{" + fields.map { quoted($0.0) + ":" + $0.1 }.joined(separator: ",") + "}"
    }
}

private func quoted(_ text: String) -> String {
    var out: [UInt8] = []
    JSONText.appendQuoted(text, to: &out)
    return String(decoding: out, as: UTF8.self)
}
