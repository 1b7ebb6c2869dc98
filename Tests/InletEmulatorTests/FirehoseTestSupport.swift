import Foundation
import InletCompression
import InletCore
import InletEmulator

/// An in-memory ObjectSink; `failing` makes every put throw.
actor MemorySink: ObjectSink {
    struct Object: Sendable {
        var bucket: String
        var key: String
        var body: [UInt8]
        var contentType: String
    }
    struct Refused: Error {}

    private(set) var objects: [Object] = []
    var failing = false

    /// While held, writes wait (a slow S3) until ``release()``.
    private var holding = false
    private var held: [CheckedContinuation<Void, Never>] = []

    func setFailing(_ value: Bool) { failing = value }

    func hold() { holding = true }

    func release() {
        holding = false
        for writer in held { writer.resume() }
        held = []
    }

    func putObject(bucket: String, key: String, body: [UInt8], contentType: String) async throws {
        if holding { await withCheckedContinuation { held.append($0) } }
        if failing { throw Refused() }
        objects.append(Object(bucket: bucket, key: key, body: body, contentType: contentType))
    }

    /// Every object's body, decompressed when its key ends in `.gz`, concatenated in delivery order.
    func allBytes() throws -> [UInt8] {
        var out: [UInt8] = []
        for object in objects {
            out += object.key.hasSuffix(".gz") ? try Gzip.decompress(object.body, limit: 1 << 30) : object.body
        }
        return out
    }
}

/// A wall clock that tests move by hand.
final class ManualClock: @unchecked Sendable {
    private let lock = NSLock()
    private var millis: Int64

    init(_ millis: Int64) { self.millis = millis }

    var now: Int64 { lock.withLock { millis } }
    func advance(seconds: Int64) { lock.withLock { millis += seconds * 1000 } }
    var closure: @Sendable () -> Int64 { { [self] in self.now } }
}

/// 2026-11-27T10:15:30.250Z.
let fixedMillis: Int64 = 1_795_774_530_250

/// A fresh empty directory under the system's temporary directory.
func temporaryDirectory() -> String {
    let path = NSTemporaryDirectory() + "inlet-firehose-" + UUID().uuidString
    try! FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    return path
}

func removeDirectory(_ path: String) { try? FileManager.default.removeItem(atPath: path) }

/// Whether `text` matches `pattern` entirely.
func matches(_ text: String, _ pattern: String) -> Bool {
    text.range(of: "^(?:" + pattern + ")$", options: .regularExpression) != nil
}

/// A JSON 1.1 request to the service.
func firehoseRequest(_ operation: String, _ body: String) -> LocalRequest {
    LocalRequest(
        method: "POST", rawPath: "/",
        headers: HTTPHeaders([
            ("Content-Type", "application/x-amz-json-1.1"), ("X-Amz-Target", "Firehose_20150804." + operation),
        ]),
        body: Array(body.utf8))
}

/// The response body as a JSON object.
func jsonObject(_ response: LocalResponse) -> [String: Any] {
    (try? JSONSerialization.jsonObject(with: Data(response.body))) as? [String: Any] ?? [:]
}
