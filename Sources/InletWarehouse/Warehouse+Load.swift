import InletCompression

extension Warehouse {
    /// Loads one staged file into `pipe`'s table, as Snowpipe's COPY does, and returns its
    /// copy-history row; nil when the pipe's load history already holds the file's path (it
    /// is never loaded again, even when its content changed).
    ///
    /// The file is read as ``JSONFileFormat`` says (gzip detected by its magic bytes). Under
    /// SKIP_FILE a bad record loads nothing from the file; under CONTINUE the good records
    /// load. Either way the bad records are counted in `copy_history` and the first
    /// ``recordedErrorsPerFile`` get a `validate_pipe_load` row. Rows and history commit in
    /// one transaction.
    ///
    /// - Parameter receivedAtMillis: when the pipe learned of the file (`pipe_received_time`).
    public func load(
        _ object: StagedObject, into pipe: PipeDefinition, receivedAtMillis: Int64
    ) throws(WarehouseError) -> CopyHistoryEntry? {
        try pipe.validate()
        try purgeIfDue()
        let scanTime = iso(now())
        let key = object.info.key

        var fileError: (code: String, message: String)?
        var text: [UInt8] = []
        if Gzip.hasGzipHeader(object.body) {
            do {
                text = try Gzip.decompress(object.body, limit: Self.maxDecompressedBytes)
            } catch {
                fileError = (error.code.rawValue, "Error decompressing the file (gzip): \(error.message)")
            }
        } else {
            text = object.body
        }

        try connection.execute("BEGIN IMMEDIATE")
        var committed = false
        defer {
            if !committed && connection.inTransaction { try? connection.execute("ROLLBACK") }
        }
        if try statement("SELECT 1 FROM load_history WHERE pipe_name = ? AND file_name = ?")
            .rows([.text(pipe.name), .text(key)]).isEmpty == false
        {
            return nil
        }

        var counts = LoadCounts()
        var failures: [JSONRecordReader.RecordError] = []
        if let fileError {
            counts.errors = 1
            failures.append(
                .init(
                    row: 1, line: 1, character: 1, byteOffset: 0, rowStartLine: 1, code: fileError.code,
                    message: fileError.message, rejectedRecord: ""))
        } else {
            try insertRows(
                text, pipe: pipe, info: object.info, scanTime: scanTime, counts: &counts, failures: &failures)
        }

        let commitTime = iso(now())
        let status: CopyHistoryEntry.Status =
            counts.errors == 0 ? .loaded : counts.loaded > 0 ? .partiallyLoaded : .loadFailed
        let first = failures.first
        let entry = CopyHistoryEntry(
            fileName: key, stageLocation: pipe.stageLocation, lastLoadTime: commitTime, rowCount: counts.loaded,
            rowParsed: counts.parsed, fileSize: object.info.size, firstErrorMessage: first?.message,
            firstErrorLineNumber: first?.line, firstErrorCharacterPosition: first?.character,
            firstErrorColumnName: first.map { _ in "\"\(pipe.table)\"[\"RECORD\":1]" }, errorCount: counts.errors,
            errorLimit: pipe.onError.skipLimit ?? max(counts.parsed, 1), status: status, tableName: pipe.table,
            pipeName: pipe.name, pipeReceivedTime: iso(receivedAtMillis),
            firstCommitTime: counts.loaded > 0 ? commitTime : nil)
        try record(entry, failures: failures)
        try connection.execute("COMMIT")
        committed = true
        return entry
    }

    /// Rows read and loaded, and bad records seen, in one file.
    struct LoadCounts {
        var parsed = 0
        var loaded = 0
        var errors = 0
    }

    /// Parses `text` and inserts its records inside a savepoint, rolled back when the file is
    /// skipped. The per-row work is one parse, one compaction into a reused buffer, two binds
    /// and one step of a prepared INSERT whose file columns are bound once.
    private func insertRows(
        _ text: [UInt8], pipe: PipeDefinition, info: StagedObjectInfo, scanTime: String, counts: inout LoadCounts,
        failures: inout [JSONRecordReader.RecordError]
    ) throws(WarehouseError) {
        let insert = try insertStatement(table: pipe.table)
        insert.bind(2, info.key)
        insert.bind(4, info.contentKey)
        insert.bind(5, iso(info.lastModifiedMillis))
        insert.bind(6, scanTime)
        try connection.execute("SAVEPOINT file_rows")
        var reader = JSONRecordReader(text: text, stripOuterArray: pipe.fileFormat.stripOuterArray)
        var record: [UInt8] = []
        record.reserveCapacity(4096)
        var skipping = false
        reading: while true {
            record.removeAll(keepingCapacity: true)
            switch reader.next(into: &record) {
            case .record(let row):
                counts.parsed += 1
                if skipping { continue }
                insert.bind(3, row)
                let inserted = record.withUnsafeBufferPointer { buffer -> Result<Void, WarehouseError> in
                    insert.bindUnretained(1, buffer)
                    defer { insert.reset() }
                    do throws(WarehouseError) {
                        try insert.step()
                        return .success(())
                    } catch {
                        return .failure(error)
                    }
                }
                if case .failure(let error) = inserted { throw error }
                counts.loaded += 1
                if let fault = faultAfterRows, counts.loaded >= fault.count { throw fault.error }
            case .failure(let failure):
                counts.parsed += 1
                counts.errors += 1
                if failures.count < Self.recordedErrorsPerFile { failures.append(failure) }
                if let limit = pipe.onError.skipLimit, counts.errors >= limit { skipping = true }
            case .end:
                break reading
            }
        }
        if skipping {
            try connection.execute("ROLLBACK TO file_rows")
            counts.loaded = 0
        }
        try connection.execute("RELEASE file_rows")
    }

    /// Writes the file's load history, copy history and error details.
    private func record(_ entry: CopyHistoryEntry, failures: [JSONRecordReader.RecordError]) throws(WarehouseError) {
        try statement("INSERT INTO load_history (pipe_name, file_name, status, last_load_time) VALUES (?, ?, ?, ?)")
            .run([.text(entry.pipeName), .text(entry.fileName), .text(entry.status.rawValue), .text(entry.lastLoadTime)])
        try statement(
            """
            INSERT INTO copy_history (file_name, stage_location, last_load_time, row_count, row_parsed, file_size,
                first_error_message, first_error_line_number, first_error_character_pos, first_error_column_name,
                error_count, error_limit, status, table_name, pipe_name, pipe_received_time, first_commit_time)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """
        ).run([
            .text(entry.fileName), .text(entry.stageLocation), .text(entry.lastLoadTime), .integer(Int64(entry.rowCount)),
            .integer(Int64(entry.rowParsed)), .integer(Int64(entry.fileSize)), .text(entry.firstErrorMessage),
            .integer(entry.firstErrorLineNumber.map(Int64.init)), .integer(entry.firstErrorCharacterPosition.map(Int64.init)),
            .text(entry.firstErrorColumnName), .integer(Int64(entry.errorCount)), .integer(Int64(entry.errorLimit)),
            .text(entry.status.rawValue), .text(entry.tableName), .text(entry.pipeName), .text(entry.pipeReceivedTime),
            .text(entry.firstCommitTime),
        ])
        let details = try statement(
            """
            INSERT INTO validate_pipe_load (error, file, line, character, byte_offset, category, code, column_name,
                row_number, row_start_line, rejected_record, pipe_name, load_time)
            VALUES (?, ?, ?, ?, ?, 'parsing', ?, ?, ?, ?, ?, ?, ?)
            """)
        for failure in failures {
            try details.run([
                .text(failure.message), .text(entry.fileName), .integer(Int64(failure.line)),
                .integer(Int64(failure.character)), .integer(Int64(failure.byteOffset)), .text(failure.code),
                .text(entry.firstErrorColumnName), .integer(Int64(failure.row)), .integer(Int64(failure.rowStartLine)),
                .text(failure.rejectedRecord), .text(entry.pipeName), .text(entry.lastLoadTime),
            ])
        }
    }
}
