import Foundation
import InletCompression
import InletWarehouse

/// `inlet bench --warehouse`: rows per second loaded by the local Snowpipe's load path
/// (gunzip, parse, compact, insert, history) into a fresh warehouse file.
struct WarehouseBench {
    var rows: Int
    var rowsPerFile: Int
    var gzip: Bool

    /// An enriched record of exactly `size` bytes, as the function writes them.
    static func record(_ n: Int, size: Int = 300) -> String {
        let id = String(format: "%08lx-0000-4000-8000-%012lx", n, n)
        var text = #"{"Id":"\#(100000 + n)","Name":"John Smith","Age":"42","Sex":"Male","#
            + #""_ingest":{"event_id":"\#(id)","received_at":"2026-11-27T09:19:01.123Z","#
            + #""request_id":"bench-request","source_ip":"203.0.113.7","user_agent":"bench/1.0","#
            + #""contract":"inlet:default-contract:v1"},"note":""#
        text += String(repeating: "x", count: max(0, size - text.utf8.count - 2)) + #""}"#
        return text
    }

    func run() async throws {
        guard rows > 0, rowsPerFile > 0 else { throw CLIError("--rows and --rows-per-file must be positive") }
        let directory = NSTemporaryDirectory() + "inlet-bench-warehouse-\(getpid())"
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let warehouse = try Warehouse(path: directory + "/inlet.db")
        let pipe = PipeDefinition.events(bucket: "bench")
        try await warehouse.define(pipe)
        let recordSize = Self.record(0).utf8.count

        var loaded = 0
        var bytes = 0
        var seconds = 0.0
        var file = 0
        while loaded < rows {
            let count = min(rowsPerFile, rows - loaded)
            var body = [UInt8]()
            body.reserveCapacity(count * (recordSize + 1))
            for k in 0..<count { body += Array((Self.record(loaded + k) + "\n").utf8) }
            bytes += body.count
            if gzip { body = Gzip.compress(body) }
            let object = StagedObject(
                key: "2026/11/27/09/bench-1-\(file)", body: body, lastModifiedMillis: Warehouse.systemMillis(),
                contentKey: "bench")
            let start = monotonicSeconds()
            let entry = try await warehouse.load(object, into: pipe, receivedAtMillis: Warehouse.systemMillis())
            seconds += monotonicSeconds() - start
            guard entry?.status == .loaded, entry?.rowCount == count else {
                throw CLIError("the benchmark file \(file) did not load: \(String(describing: entry))")
            }
            loaded += count
            file += 1
        }
        let reader = try WarehouseReader(path: warehouse.path)
        let queryStart = monotonicSeconds()
        let distinct = try await reader.query("SELECT count(*) FROM events_dedup").rows.first?.first?.integer ?? 0
        let querySeconds = monotonicSeconds() - queryStart
        print("warehouse load: \(loaded) records of \(recordSize) bytes in \(file) \(gzip ? "gzip" : "plain") files of \(rowsPerFile)")
        print(String(format: "  %.0f rows/s, %.1f MB/s of JSON (%.2f s loading)", Double(loaded) / seconds,
                     Double(bytes) / seconds / 1_000_000, seconds))
        print(String(format: "  SELECT count(*) FROM events_dedup → %d in %.2f s", distinct, querySeconds))
    }
}
