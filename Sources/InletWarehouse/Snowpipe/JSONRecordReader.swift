import InletCore

/// Splits a staged file's text into records the way Snowflake's JSON file format does:
/// values one after another, separated by any whitespace or by nothing at all (NDJSON and
/// Firehose's concatenated objects alike), with `STRIP_OUTER_ARRAY` turning a top-level
/// array into one record per element. Each record is written as compact JSON.
///
/// After a bad record, reading resumes on the line after the one the record started on, so
/// one damaged NDJSON line costs one record.
struct JSONRecordReader {
    /// One step of reading.
    enum Item {
        /// A record was written; its 1-based `METADATA$FILE_ROW_NUMBER`.
        case record(row: Int)
        /// A record could not be parsed.
        case failure(RecordError)
        /// No more records.
        case end
    }

    /// A record that is not JSON, located as COPY_HISTORY and VALIDATE_PIPE_LOAD report it.
    struct RecordError: Equatable {
        /// The record's 1-based row number.
        var row: Int
        /// The 1-based line of the offending byte.
        var line: Int
        /// The 1-based character position of the offending byte in its line.
        var character: Int
        /// The offending byte's offset in the (decompressed) file.
        var byteOffset: Int
        /// The 1-based line the record starts on.
        var rowStartLine: Int
        /// The parser's stable code, e.g. `unexpected_end`.
        var code: String
        /// `Error parsing JSON: …`.
        var message: String
        /// The record's text up to the end of its line, at most ``rejectedLimit`` bytes.
        var rejectedRecord: String
    }

    /// The longest rejected-record text kept.
    static let rejectedLimit = 1024
    /// The deepest nesting accepted: deeper than the ingest path allows, as Snowflake is lenient.
    static let maxDepth = 1000

    private var document: JSONDocument
    private let stripOuterArray: Bool
    private var position: Int
    private var row = 0
    private var elements: JSONDocument.ChildIndexes.Iterator?
    private var lines = LineCounter()

    init(text: [UInt8], stripOuterArray: Bool) {
        document = JSONDocument(bytes: text)
        self.stripOuterArray = stripOuterArray
        // SKIP_BYTE_ORDER_MARK = TRUE
        position = text.starts(with: [0xEF, 0xBB, 0xBF]) ? 3 : 0
    }

    /// Reads the next record into `record` (appending).
    mutating func next(into record: inout [UInt8]) -> Item {
        if var iterator = elements {
            if let element = iterator.next() {
                elements = iterator
                row += 1
                document.writeCompact(element, into: &record)
                return .record(row: row)
            }
            elements = nil
        }
        let bytes = document.bytes
        let start = JSONDocument.skipWhitespace(bytes, from: position, upTo: bytes.count)
        guard start < bytes.count else { return .end }
        row += 1
        do {
            position = try document.parseValue(from: start, upTo: bytes.count, maxDepth: Self.maxDepth)
        } catch {
            return .failure(failure(error, recordStart: start))
        }
        if stripOuterArray && document.kind(0) == .array {
            row -= 1
            elements = document.elements(0).makeIterator()
            return next(into: &record)
        }
        document.writeCompact(0, into: &record)
        return .record(row: row)
    }

    private mutating func failure(_ error: JSONParseError, recordStart: Int) -> RecordError {
        let bytes = document.bytes
        let offset = min(recordStart + error.offset, bytes.count)
        var lineEnd = recordStart
        while lineEnd < bytes.count && bytes[lineEnd] != 0x0A { lineEnd += 1 }
        position = min(lineEnd + 1, bytes.count)
        let startLine = lines.locate(recordStart, in: bytes).line
        let (line, character) = lines.locate(offset, in: bytes)
        let rejected = bytes[recordStart..<min(lineEnd, recordStart + Self.rejectedLimit)]
        return RecordError(
            row: row, line: line, character: character, byteOffset: offset, rowStartLine: startLine,
            code: error.code.rawValue, message: "Error parsing JSON: \(error.message)",
            rejectedRecord: String(decoding: rejected, as: UTF8.self))
    }
}

/// Lines and character positions of increasing offsets, counted once through the text.
struct LineCounter {
    private var scanned = 0
    private var line = 1
    private var lineStart = 0

    /// The 1-based line and character (not byte) position of `offset`; cheapest when offsets
    /// do not decrease (a smaller one starts the count again).
    mutating func locate(_ offset: Int, in bytes: [UInt8]) -> (line: Int, character: Int) {
        if offset < scanned { self = LineCounter() }
        while scanned < offset {
            if bytes[scanned] == 0x0A {
                line += 1
                lineStart = scanned + 1
            }
            scanned += 1
        }
        var characters = 1
        for k in lineStart..<offset where bytes[k] & 0xC0 != 0x80 { characters += 1 }
        return (line, characters)
    }
}
