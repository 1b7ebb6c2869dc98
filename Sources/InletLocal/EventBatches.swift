import InletCore

/// A file of events cut into NDJSON request bodies for `inlet send`.
///
/// The input is read as the function reads a body: a JSON array is one event per element;
/// a single JSON value (even pretty-printed over many lines) is one event; anything else is
/// one event per non-blank line (NDJSON). Events are sent as their bytes are, with no
/// re-encoding, so a malformed line still reaches the gateway and is rejected there with
/// its reason, like any other invalid event.
public struct EventBatches: Sendable {
    /// One request body: NDJSON of `count` events, the first being event `firstIndex` of the file.
    public struct Batch: Sendable, Equatable {
        /// The file index of the batch's first event.
        public var firstIndex: Int
        /// The events, each a complete JSON text without a trailing newline.
        public var events: [ArraySlice<UInt8>]

        /// The NDJSON body of `events` at `indexes` (all of them by default).
        public func body(_ indexes: [Int]? = nil) -> [UInt8] {
            var out: [UInt8] = []
            for k in indexes ?? Array(events.indices) {
                out.append(contentsOf: events[k])
                out.append(0x0A)
            }
            return out
        }
    }

    /// Every event of the file, in order.
    public let events: [ArraySlice<UInt8>]

    /// Splits `bytes` into events.
    public init(_ bytes: [UInt8]) {
        let start = JSONDocument.skipWhitespace(bytes, from: 0, upTo: bytes.count)
        guard start < bytes.count else {
            events = []
            return
        }
        if let document = try? JSONDocument(parsing: bytes) {
            if bytes[start] == UInt8(ascii: "[") {
                events = document.elements(0).map { document.rawBytes($0) }
            } else {
                let range = document.byteRange(0)
                events = [bytes[range]]
            }
            return
        }
        // NDJSON, or a file that is not one JSON text: each non-blank line is an event.
        var lines: [ArraySlice<UInt8>] = []
        var lineStart = 0
        for i in 0...bytes.count where i == bytes.count || bytes[i] == 0x0A {
            var line = bytes[lineStart..<i]
            while let last = line.last, last == 0x0D || last == 0x20 || last == 0x09 { line = line.dropLast() }
            while let first = line.first, first == 0x20 || first == 0x09 { line = line.dropFirst() }
            if !line.isEmpty { lines.append(line) }
            lineStart = i + 1
        }
        events = lines
    }

    /// The events in bodies of at most `maximumEvents` events and about `maximumBytes` bytes
    /// (an event larger than that travels alone).
    public func batches(maximumEvents: Int, maximumBytes: Int) -> [Batch] {
        var out: [Batch] = []
        var current = Batch(firstIndex: 0, events: [])
        var bytes = 0
        for (index, event) in events.enumerated() {
            if !current.events.isEmpty
                && (current.events.count >= maximumEvents || bytes + event.count + 1 > maximumBytes)
            {
                out.append(current)
                current = Batch(firstIndex: index, events: [])
                bytes = 0
            }
            current.events.append(event)
            bytes += event.count + 1
        }
        if !current.events.isEmpty { out.append(current) }
        return out
    }
}
