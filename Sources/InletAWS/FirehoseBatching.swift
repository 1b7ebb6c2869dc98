import InletCore

/// Every record of one `putRecordBatch` call base64-encoded once, back to back in one
/// buffer; request bodies for the first attempt and for every resend copy from here.
struct EncodedRecords: Sendable {
    /// The base64 text of every accepted record, concatenated.
    private(set) var bytes: [UInt8] = []
    /// Where each input record's base64 text is in ``bytes``; nil for a refused record.
    private(set) var ranges: [Range<Int>?] = []
    /// How many records were encoded (each exactly once).
    private(set) var encodings = 0

    /// Encodes each record for which `accept(index, byteCount)` is true.
    init(_ records: [ArraySlice<UInt8>], accept: (Int, Int) -> Bool) {
        var total = 0
        for (index, record) in records.enumerated() where accept(index, record.count) {
            total += Base64.encodedLength(record.count)
        }
        bytes.reserveCapacity(total)
        ranges.reserveCapacity(records.count)
        for (index, record) in records.enumerated() {
            guard accept(index, record.count) else {
                ranges.append(nil)
                continue
            }
            let start = bytes.count
            Base64.encode(record, into: &bytes)
            encodings += 1
            ranges.append(start..<bytes.count)
        }
    }

    /// The length of record `index`'s base64 text (0 for a refused record).
    func encodedLength(_ index: Int) -> Int {
        ranges[index]?.count ?? 0
    }
}

/// The JSON body of `PutRecordBatch`, written straight into bytes.
enum FirehoseRequestBody {
    /// `{"Data":"` + `"}` + `,`: what each record adds to the body beyond its base64 text.
    static let perRecordOverhead = 12
    /// `]}`: what closes the body.
    static let suffix: [UInt8] = Array("]}".utf8)

    /// `{"DeliveryStreamName":"name","Records":[`: the body's opening, written once per call.
    static func prefix(streamName: String) -> [UInt8] {
        var out: [UInt8] = Array(#"{"DeliveryStreamName":"#.utf8)
        JSONText.appendQuoted(streamName, to: &out)
        out.append(contentsOf: #","Records":["#.utf8)
        return out
    }

    /// The size of a body holding records whose base64 texts total `encodedBytes`, counted
    /// conservatively (a comma for every record).
    static func size(prefixCount: Int, recordCount: Int, encodedBytes: Int) -> Int {
        prefixCount + suffix.count + recordCount * perRecordOverhead + encodedBytes
    }

    /// The body for the records at `indices`, copied from their encoded text.
    static func build(prefix: [UInt8], indices: [Int], encoded: EncodedRecords) -> [UInt8] {
        var encodedBytes = 0
        for index in indices { encodedBytes += encoded.encodedLength(index) }
        var body: [UInt8] = []
        body.reserveCapacity(size(prefixCount: prefix.count, recordCount: indices.count, encodedBytes: encodedBytes))
        body.append(contentsOf: prefix)
        encoded.bytes.withUnsafeBufferPointer { source in
            for (position, index) in indices.enumerated() {
                if position > 0 { body.append(UInt8(ascii: ",")) }
                body.append(contentsOf: #"{"Data":""#.utf8)
                if let range = encoded.ranges[index] {
                    body.append(contentsOf: UnsafeBufferPointer(rebasing: source[range]))
                }
                body.append(contentsOf: #""}"#.utf8)
            }
        }
        body.append(contentsOf: suffix)
        return body
    }
}

/// Splits records into `PutRecordBatch` requests.
enum FirehoseBatchPlanner {
    /// Groups `pending` (in order) into batches of at most `maximumRecords` records whose
    /// body (see ``FirehoseRequestBody/size(prefixCount:recordCount:encodedBytes:)``) stays
    /// within `maximumBytes`. A record too large to share a body goes alone; no batch is empty.
    static func plan(
        _ pending: [Int], encodedLength: (Int) -> Int, prefixCount: Int, maximumRecords: Int, maximumBytes: Int
    ) -> [[Int]] {
        var batches: [[Int]] = []
        var current: [Int] = []
        var currentBytes = 0
        let base = prefixCount + FirehoseRequestBody.suffix.count
        for index in pending {
            let cost = encodedLength(index) + FirehoseRequestBody.perRecordOverhead
            if !current.isEmpty && (current.count >= maximumRecords || base + currentBytes + cost > maximumBytes) {
                batches.append(current)
                current = []
                currentBytes = 0
            }
            current.append(index)
            currentBytes += cost
        }
        if !current.isEmpty { batches.append(current) }
        return batches
    }
}
