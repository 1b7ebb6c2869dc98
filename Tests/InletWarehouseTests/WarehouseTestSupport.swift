import Foundation
import InletWarehouse

/// A fresh folder under the temporary directory; remove it with `removeDirectory`.
func temporaryDirectory(_ label: String = "warehouse") -> String {
    let path = NSTemporaryDirectory() + "inlet-\(label)-" + UUID().uuidString
    try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    return path
}

func removeDirectory(_ path: String) {
    try? FileManager.default.removeItem(atPath: path)
}

/// A stage held in memory: objects by (bucket, key), with a settable clock for their times.
actor MemoryStage: StageStore {
    private(set) var objects: [String: [String: StagedObject]] = [:]
    private(set) var reads = 0

    @discardableResult
    func put(bucket: String, key: String, _ text: String, modified: Int64 = 1_764_235_141_000) -> StagedObject {
        put(bucket: bucket, key: key, bytes: Array(text.utf8), modified: modified)
    }

    @discardableResult
    func put(bucket: String, key: String, bytes: [UInt8], modified: Int64 = 1_764_235_141_000) -> StagedObject {
        let object = StagedObject(key: key, body: bytes, lastModifiedMillis: modified, contentKey: "etag-\(bytes.count)")
        objects[bucket, default: [:]][key] = object
        return object
    }

    func list(bucket: String, prefix: String) async throws -> [StagedObjectInfo] {
        (objects[bucket] ?? [:]).values.filter { $0.info.key.hasPrefix(prefix) }.map(\.info)
    }

    func read(bucket: String, key: String) async throws -> StagedObject? {
        reads += 1
        return objects[bucket]?[key]
    }
}

/// A clock tests move by hand.
final class TestClock: @unchecked Sendable {
    private let lock = NSLock()
    private var value: Int64

    init(_ start: Int64 = 1_764_235_200_000) { value = start }

    var now: Int64 {
        lock.lock()
        defer { lock.unlock() }
        return value
    }

    func advance(_ millis: Int64) {
        lock.lock()
        value += millis
        lock.unlock()
    }

    var function: @Sendable () -> Int64 { { self.now } }
}

/// A warehouse in a fresh folder, with its reader.
struct WarehouseFixture {
    let directory: String
    let warehouse: Warehouse
    let reader: WarehouseReader
    let clock: TestClock

    init(label: String = "warehouse") throws {
        directory = temporaryDirectory(label)
        clock = TestClock()
        let path = Warehouse.path(dataDirectory: directory)
        warehouse = try Warehouse(path: path, now: clock.function)
        reader = try WarehouseReader(path: path)
    }

    func query(_ sql: String) async throws(WarehouseError) -> QueryResult {
        try await reader.query(sql)
    }

    func texts(_ sql: String) async throws -> [String?] {
        try await reader.query(sql).rows.map { $0.first?.text }
    }

    func count(_ table: String) async throws -> Int64 {
        try await reader.query("SELECT count(*) FROM \(table)").rows.first?.first?.integer ?? -1
    }

    func remove() { removeDirectory(directory) }
}

/// An enriched record like the function's, with `_ingest`.
func record(id: String, eventId: String, name: String = "John", receivedAt: String = "2026-11-27T09:19:01.123Z") -> String {
    #"{"Id":"\#(id)","Name":"\#(name)","Age":"10","Sex":"Male","_ingest":{"event_id":"\#(eventId)","received_at":"\#(receivedAt)","request_id":"req-1","source_ip":"203.0.113.7","user_agent":"test","contract":"inlet:default-contract:v1"}}"#
}
