/// Where the ingest function's valid records go. ``FirehoseClient`` sends them to Firehose
/// with `PutRecordBatch`; `inlet local`'s in-process function hands them to the Firehose
/// emulator's buffer directly (`EmulatorRecordDelivery`), with the same outcome per record.
public protocol RecordDelivery: Sendable {
    /// Delivers `records` to the stream `streamName` before `deadline` and reports what
    /// became of each, in input order. Never throws: every failure is a record's outcome.
    func putRecordBatch(streamName: String, records: [ArraySlice<UInt8>], deadline: ContinuousClock.Instant) async
        -> PutRecordBatchOutcome
}

extension FirehoseClient: RecordDelivery {}
