import Foundation
import InletEmulator
import InletSigV4
import Testing

@Suite struct LocalS3StoreTests {
    private func withStore(_ body: (LocalS3Store, TemporaryDirectory) async throws -> Void) async throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanUp() }
        let store = try LocalS3Store(dataDirectory: directory.path, now: { 1_795_000_000_123 })
        try await body(store, directory)
    }

    private func code(_ operation: () async throws -> Void) async -> String? {
        do {
            try await operation()
            return nil
        } catch let error as S3Error {
            return error.code
        } catch {
            return "unexpected \(error)"
        }
    }

    @Test func bucketsAreCreatedListedAndDeleted() async throws {
        try await withStore { store, directory in
            try await store.createBucket("zeta")
            try await store.createBucket("alpha.b-1")
            #expect(await store.listBuckets().map(\.name) == ["alpha.b-1", "zeta"])
            #expect(await store.listBuckets()[0].creationMilliseconds == 1_795_000_000_123)
            #expect(await code { try await store.createBucket("zeta") } == "BucketAlreadyOwnedByYou")
            _ = try await store.putObject(bucket: "zeta", key: "k", body: [1], contentType: "a/b", contentMD5: nil, ifNoneMatch: false)
            #expect(await code { try await store.deleteBucket("zeta") } == "BucketNotEmpty")
            try await store.deleteObject(bucket: "zeta", key: "k")
            try await store.deleteBucket("zeta")
            #expect(await code { try await store.deleteBucket("zeta") } == "NoSuchBucket")
            #expect(await code { try await store.headBucket("zeta") } == "NoSuchBucket")
            #expect(await store.listBuckets().map(\.name) == ["alpha.b-1"])
            #expect(!FileManager.default.fileExists(atPath: directory.path + "/s3/zeta"))
        }
    }

    @Test(arguments: [
        "ab", String(repeating: "a", count: 64), "Upper", "under_score", "-start", "end-", ".dot", "a..b", "a.-b",
        "a-.b", "192.168.1.1", "sp ace", "a/b", "..", "ünï",
    ])
    func invalidBucketNamesAreRefused(_ name: String) async throws {
        try await withStore { store, directory in
            #expect(await code { try await store.createBucket(name) } == "InvalidBucketName")
            #expect(directory.allEntries() == ["s3"])
        }
    }

    @Test func objectsRoundTripWithMD5ETags() async throws {
        try await withStore { store, _ in
            try await store.createBucket("b1b")
            let body = Array("hello, s3".utf8)
            let info = try await store.putObject(
                bucket: "b1b", key: "dir/ü x.json", body: body, contentType: "application/json",
                contentMD5: Digest.md5Base64(body), ifNoneMatch: false)
            #expect(info.etag == "\"" + ByteEncoding.hex(Digest.md5(body)) + "\"")
            let (got, bytes) = try await store.getObject(bucket: "b1b", key: "dir/ü x.json")
            #expect(bytes == body)
            #expect(got == info)
            #expect(got.contentType == "application/json")
            #expect(got.size == body.count)
            #expect(try await store.headObject(bucket: "b1b", key: "dir/ü x.json") == info)
            #expect(await code { _ = try await store.getObject(bucket: "b1b", key: "nope") } == "NoSuchKey")
            #expect(await code { _ = try await store.getObject(bucket: "nob", key: "k") } == "NoSuchBucket")
            try await store.deleteObject(bucket: "b1b", key: "dir/ü x.json")
            try await store.deleteObject(bucket: "b1b", key: "dir/ü x.json")  // idempotent, as S3
            #expect(await code { _ = try await store.headObject(bucket: "b1b", key: "dir/ü x.json") } == "NoSuchKey")
        }
    }

    @Test func etagIsTheQuotedHexMD5() async throws {
        try await withStore { store, _ in
            try await store.createBucket("etags")
            // MD5("") and MD5("abc") from RFC 1321.
            #expect(try await store.putObject(bucket: "etags", key: "e", body: [], contentType: "x", contentMD5: nil, ifNoneMatch: false).etag
                == "\"d41d8cd98f00b204e9800998ecf8427e\"")
            #expect(try await store.putObject(bucket: "etags", key: "abc", body: Array("abc".utf8), contentType: "x", contentMD5: nil, ifNoneMatch: false).etag
                == "\"900150983cd24fb0d6963f7d28e17f72\"")
        }
    }

    @Test func contentMD5IsChecked() async throws {
        try await withStore { store, directory in
            try await store.createBucket("md5s")
            let body = Array("payload".utf8)
            #expect(await code {
                _ = try await store.putObject(
                    bucket: "md5s", key: "k", body: body, contentType: "x", contentMD5: Digest.md5Base64(Array("other".utf8)),
                    ifNoneMatch: false)
            } == "BadDigest")
            #expect(await code {
                _ = try await store.putObject(bucket: "md5s", key: "k", body: body, contentType: "x", contentMD5: "not base64!", ifNoneMatch: false)
            } == "InvalidDigest")
            #expect(await code {
                _ = try await store.putObject(bucket: "md5s", key: "k", body: body, contentType: "x", contentMD5: "AAAA", ifNoneMatch: false)
            } == "InvalidDigest")
            #expect(directory.allEntries() == ["s3", "s3/md5s", "s3/md5s/@bucket"])
        }
    }

    @Test func ifNoneMatchRefusesToOverwrite() async throws {
        try await withStore { store, _ in
            try await store.createBucket("once")
            _ = try await store.putObject(bucket: "once", key: "k", body: [1], contentType: "x", contentMD5: nil, ifNoneMatch: true)
            #expect(await code {
                _ = try await store.putObject(bucket: "once", key: "k", body: [2], contentType: "x", contentMD5: nil, ifNoneMatch: true)
            } == "PreconditionFailed")
            #expect(try await store.getObject(bucket: "once", key: "k").body == [1])
            _ = try await store.putObject(bucket: "once", key: "k", body: [3], contentType: "x", contentMD5: nil, ifNoneMatch: false)
            #expect(try await store.getObject(bucket: "once", key: "k").body == [3])
        }
    }

    @Test(arguments: [
        ("..", "InvalidArgument"), ("../escape", "InvalidArgument"), ("a/../../escape", "InvalidArgument"),
        ("a/..", "InvalidArgument"), ("/abs", "InvalidArgument"), ("/etc/passwd", "InvalidArgument"),
        ("nul\u{0}byte", "InvalidArgument"), ("", "InvalidArgument"),
        (String(repeating: "k", count: 1025), "KeyTooLongError"), (String(repeating: "é", count: 513), "KeyTooLongError"),
    ])
    func escapingKeysAreRefused(_ key: String, _ expected: String) async throws {
        try await withStore { store, directory in
            try await store.createBucket("jail")
            #expect(await code {
                _ = try await store.putObject(bucket: "jail", key: key, body: [1], contentType: "x", contentMD5: nil, ifNoneMatch: false)
            } == expected)
            #expect(directory.allEntries() == ["s3", "s3/jail", "s3/jail/@bucket"])
        }
    }

    @Test func awkwardButValidKeysStayInsideTheirFolder() async throws {
        try await withStore { store, directory in
            try await store.createBucket("flat")
            let keys = [
                ".", "./x", ".hidden", "a/./b", "...", "a//b", "@meta", "x@meta", "@tmp1", "@bucket", "%2e%2e",
                "a%2Fb", "~", String(repeating: "ü/", count: 300), String(repeating: "k", count: 1024), "trailing/",
            ]
            for (index, key) in keys.enumerated() {
                _ = try await store.putObject(bucket: "flat", key: key, body: [UInt8(index)], contentType: "x", contentMD5: nil, ifNoneMatch: false)
            }
            for (index, key) in keys.enumerated() {
                #expect(try await store.getObject(bucket: "flat", key: key).body == [UInt8(index)], "\(key.prefix(20))")
            }
            // One folder level only: every entry is a plain file directly in the bucket's folder.
            for entry in directory.allEntries() where entry.hasPrefix("s3/flat/") {
                #expect(!entry.dropFirst("s3/flat/".count).contains("/"), "\(entry)")
                #expect(entry.utf8.count - "s3/flat/".count <= 255)
            }
            #expect(directory.allEntries().count == 3 + 2 * keys.count)
            // Reopening rebuilds the same index from the sidecars.
            let reopened = try LocalS3Store(dataDirectory: directory.path)
            let page = try await reopened.listObjectsV2(bucket: "flat", query: S3ListQuery())
            #expect(Set(page.contents.map(\.key)) == Set(keys))
        }
    }

    @Test func writesLeaveNoTemporaryFilesAndLeftoversAreCleanedOnOpen() async throws {
        try await withStore { store, directory in
            try await store.createBucket("atomic")
            for index in 0..<50 {
                _ = try await store.putObject(
                    bucket: "atomic", key: "k\(index % 5)", body: Array(repeating: UInt8(index), count: 1000),
                    contentType: "x", contentMD5: nil, ifNoneMatch: false)
            }
            #expect(!directory.allEntries().contains { $0.contains("@tmp") })
            #expect(directory.allEntries().count == 3 + 10)
            // A crash mid-write leaves a temporary file; the next open removes it and keeps the objects.
            _ = FileManager.default.createFile(atPath: directory.path + "/s3/atomic/@tmp99-dead", contents: Data([1, 2]))
            let reopened = try LocalS3Store(dataDirectory: directory.path)
            #expect(!directory.allEntries().contains { $0.contains("@tmp") })
            #expect(try await reopened.getObject(bucket: "atomic", key: "k4").body == Array(repeating: 49, count: 1000))
            #expect(try await reopened.listObjectsV2(bucket: "atomic", query: S3ListQuery()).keyCount == 5)
        }
    }

    @Test func concurrentWritersLeaveOneWholeObject() async throws {
        try await withStore { store, directory in
            try await store.createBucket("race")
            try await withThrowingTaskGroup(of: Void.self) { group in
                for writer in 0..<24 {
                    group.addTask {
                        let body = [UInt8](repeating: UInt8(writer), count: 4096 + writer)
                        _ = try await store.putObject(bucket: "race", key: "same", body: body, contentType: "w\(writer)", contentMD5: nil, ifNoneMatch: false)
                        _ = try await store.putObject(bucket: "race", key: "own/\(writer)", body: body, contentType: "x", contentMD5: nil, ifNoneMatch: false)
                    }
                }
                try await group.waitForAll()
            }
            let (info, body) = try await store.getObject(bucket: "race", key: "same")
            let writer = Int(body[0])
            #expect(body == [UInt8](repeating: UInt8(writer), count: 4096 + writer))
            #expect(info.etag == "\"" + ByteEncoding.hex(Digest.md5(body)) + "\"")
            #expect(info.contentType == "w\(writer)")
            #expect(try await store.listObjectsV2(bucket: "race", query: S3ListQuery()).keyCount == 25)
            #expect(!directory.allEntries().contains { $0.contains("@tmp") })
            let reopened = try LocalS3Store(dataDirectory: directory.path)
            #expect(try await reopened.headObject(bucket: "race", key: "same") == info)
        }
    }

    @Test func reopeningRepairsABodyNewerThanItsSidecar() async throws {
        try await withStore { store, directory in
            try await store.createBucket("crash")
            _ = try await store.putObject(bucket: "crash", key: "a/k", body: [1, 2, 3], contentType: "x", contentMD5: nil, ifNoneMatch: false)
            _ = try await store.putObject(bucket: "crash", key: "gone", body: [1], contentType: "x", contentMD5: nil, ifNoneMatch: false)
            // The body of a later write reached disk, its sidecar did not; another body vanished.
            let newer = Data("newer body".utf8)
            try newer.write(to: URL(fileURLWithPath: directory.path + "/s3/crash/a%2Fk"))
            try FileManager.default.removeItem(atPath: directory.path + "/s3/crash/gone")
            let reopened = try LocalS3Store(dataDirectory: directory.path)
            let info = try await reopened.headObject(bucket: "crash", key: "a/k")
            #expect(info.size == newer.count)
            #expect(info.etag == "\"" + ByteEncoding.hex(Digest.md5([UInt8](newer))) + "\"")
            #expect(try await reopened.getObject(bucket: "crash", key: "a/k").body == [UInt8](newer))
            #expect(try await reopened.listObjectsV2(bucket: "crash", query: S3ListQuery()).contents.map(\.key) == ["a/k"])
        }
    }

    /// A key too long for a file name is stored under a hashed name whose sidecar gives the
    /// key; a listing reads that sidecar once and still describes the body as it is on disk.
    @Test func listingAHashedKeyDescribesTheBodyOnDisk() async throws {
        try await withStore { store, directory in
            try await store.createBucket("hashed")
            let long = String(repeating: "k", count: 300)
            let lost = String(repeating: "m", count: 300)
            _ = try await store.putObject(bucket: "hashed", key: long, body: [1, 2, 3], contentType: "x", contentMD5: nil, ifNoneMatch: false)
            _ = try await store.putObject(bucket: "hashed", key: lost, body: [4], contentType: "x", contentMD5: nil, ifNoneMatch: false)
            let bodyPath = directory.path + "/s3/hashed/@k" + Digest.sha256Hex(long.utf8)
            #expect(FileManager.default.fileExists(atPath: bodyPath))
            let newer = Data("a newer body".utf8)
            try newer.write(to: URL(fileURLWithPath: bodyPath))
            try FileManager.default.removeItem(atPath: directory.path + "/s3/hashed/@k" + Digest.sha256Hex(lost.utf8))
            let listed = try await store.listObjectsV2(bucket: "hashed", query: S3ListQuery())
            #expect(listed.contents.map(\.key) == [long])
            #expect(listed.contents.first?.size == newer.count)
            #expect(listed.contents.first?.etag == "\"" + ByteEncoding.hex(Digest.md5([UInt8](newer))) + "\"")
            #expect(try await store.listObjects(bucket: "hashed", prefix: "k").map(\.size) == [newer.count])
        }
    }

    /// The store keeps nothing per object in memory (its memory stays flat however many
    /// objects a long run writes): the folder is the index, so a second store open on the
    /// same data directory sees each write and each deletion of the first at once, and files
    /// that are not objects are never listed.
    @Test func theFolderIsTheIndex() async throws {
        try await withStore { store, directory in
            try await store.createBucket("shared")
            let other = try LocalS3Store(dataDirectory: directory.path)
            let long = String(repeating: "long/", count: 60)
            for key in ["b", "a/1", "a/2", long] {
                _ = try await store.putObject(bucket: "shared", key: key, body: Array(key.utf8), contentType: "x", contentMD5: nil, ifNoneMatch: false)
            }
            #expect(try await other.getObject(bucket: "shared", key: long).body == Array(long.utf8))
            #expect(try await other.headObject(bucket: "shared", key: "a/2").size == 3)
            await #expect(throws: S3Error.self) {
                _ = try await other.putObject(bucket: "shared", key: "b", body: [], contentType: "x", contentMD5: nil, ifNoneMatch: true)
            }
            // Stray files: a name that is not a key's canonical file name, and a sidecar naming another key.
            _ = FileManager.default.createFile(atPath: directory.path + "/s3/shared/%61@meta", contents: Data("key a\n".utf8))
            _ = FileManager.default.createFile(atPath: directory.path + "/s3/shared/%61", contents: Data())
            _ = FileManager.default.createFile(
                atPath: directory.path + "/s3/shared/c@meta", contents: Data("key d\netag \"x\"\nsize 0\nlast-modified 1\n".utf8))
            _ = FileManager.default.createFile(atPath: directory.path + "/s3/shared/c", contents: Data())
            let listed = try await other.listObjectsV2(bucket: "shared", query: S3ListQuery(delimiter: "/"))
            #expect(listed.contents.map(\.key) == ["b"])
            #expect(listed.commonPrefixes == ["a/", "long/"])
            await #expect(throws: S3Error.self) { _ = try await other.headObject(bucket: "shared", key: "c") }
            try await store.deleteObject(bucket: "shared", key: "a/1")
            #expect(try await other.listObjectsV2(bucket: "shared", query: S3ListQuery(prefix: "a/")).contents.map(\.key) == ["a/2"])
            #expect(try await other.listObjects(bucket: "shared", prefix: "").count == 3)
            let code = await code { try await other.deleteBucket("shared") }
            #expect(code == "BucketNotEmpty")
        }
    }

    @Test func listingPagesThrough2500KeysInByteOrder() async throws {
        try await withStore { store, _ in
            try await store.createBucket("many")
            var keys: [String] = []
            for index in 0..<2500 { keys.append("logs/\(index % 3)/item-\(String(index, radix: 36))") }
            keys += ["logs/Z", "logs/é", "logs/z", "other/x"]
            for key in keys {
                _ = try await store.putObject(bucket: "many", key: key, body: [], contentType: "x", contentMD5: nil, ifNoneMatch: false)
            }
            var seen: [String] = []
            var token: String?
            var pages = 0
            repeat {
                let page = try await store.listObjectsV2(
                    bucket: "many", query: S3ListQuery(prefix: "logs/", continuationToken: token, maxKeys: 1000))
                pages += 1
                #expect(page.keyCount <= 1000)
                seen += page.contents.map(\.key)
                token = page.nextContinuationToken
                #expect(page.isTruncated == (token != nil))
            } while token != nil
            #expect(pages == 3)
            let expected = keys.filter { $0.hasPrefix("logs/") }.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
            #expect(seen == expected)
            #expect(seen.suffix(3) == ["logs/Z", "logs/z", "logs/é"])  // UTF-8 byte order, not Unicode collation
        }
    }

    @Test func delimiterRollsUpCommonPrefixesAcrossPages() async throws {
        try await withStore { store, _ in
            try await store.createBucket("tree")
            var keys = ["a.txt", "b/1", "b/2", "c/x/1", "c/y", "d", "e/"]
            for index in 0..<1200 { keys.append("f/\(index)") }
            keys.append("g")
            for key in keys {
                _ = try await store.putObject(bucket: "tree", key: key, body: [], contentType: "x", contentMD5: nil, ifNoneMatch: false)
            }
            let top = try await store.listObjectsV2(bucket: "tree", query: S3ListQuery(delimiter: "/"))
            #expect(top.contents.map(\.key) == ["a.txt", "d", "g"])
            #expect(top.commonPrefixes == ["b/", "c/", "e/", "f/"])
            #expect(top.keyCount == 7)
            #expect(!top.isTruncated)
            // Two per page: a common prefix that ends a page is not repeated on the next one.
            var items: [String] = []
            var token: String?
            repeat {
                let page = try await store.listObjectsV2(
                    bucket: "tree", query: S3ListQuery(delimiter: "/", continuationToken: token, maxKeys: 2))
                items += page.contents.map(\.key) + page.commonPrefixes
                token = page.nextContinuationToken
            } while token != nil
            #expect(items.sorted() == ["a.txt", "b/", "c/", "d", "e/", "f/", "g"])
            let nested = try await store.listObjectsV2(bucket: "tree", query: S3ListQuery(prefix: "c/", delimiter: "/"))
            #expect(nested.contents.map(\.key) == ["c/y"])
            #expect(nested.commonPrefixes == ["c/x/"])
            let after = try await store.listObjectsV2(bucket: "tree", query: S3ListQuery(startAfter: "f/999", maxKeys: 3))
            #expect(after.contents.map(\.key) == ["g"])
            let none = try await store.listObjectsV2(bucket: "tree", query: S3ListQuery(maxKeys: 0))
            #expect(none.keyCount == 0)
            #expect(await code { _ = try await store.listObjectsV2(bucket: "tree", query: S3ListQuery(continuationToken: "!!")) }
                == "InvalidArgument")
            #expect(await code { _ = try await store.listObjectsV2(bucket: "nobucket", query: S3ListQuery()) } == "NoSuchBucket")
        }
    }

    @Test func observersAndTheObjectSinkSeeWrites() async throws {
        try await withStore { store, _ in
            try await store.createBucket("sink")
            let seen = Seen()
            await store.onObjectCreated { bucket, key in seen.add(bucket + "/" + key) }
            let sink: any ObjectSink = store
            try await sink.putObject(bucket: "sink", key: "firehose/1", body: Array("x".utf8), contentType: "application/octet-stream")
            _ = try? await store.putObject(bucket: "sink", key: "k", body: [1], contentType: "x", contentMD5: "AAAA", ifNoneMatch: false)
            _ = try await store.putObject(bucket: "sink", key: "k", body: [1], contentType: "x", contentMD5: nil, ifNoneMatch: false)
            #expect(seen.values == ["sink/firehose/1", "sink/k"])
            #expect(try await store.getObject(bucket: "sink", key: "firehose/1").info.contentType == "application/octet-stream")
            await #expect(throws: S3Error.self) {
                try await sink.putObject(bucket: "missing", key: "k", body: [], contentType: "x")
            }
        }
    }
}

final class Seen: @unchecked Sendable {
    private let lock = NSLock()
    private var storage: [String] = []
    func add(_ value: String) { lock.withLock { storage.append(value) } }
    var values: [String] { lock.withLock { storage } }
}
