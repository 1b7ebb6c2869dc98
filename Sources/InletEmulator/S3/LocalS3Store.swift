import InletCore
import InletSigV4
import InletThreads

/// A bucket as ``LocalS3Store/listBuckets()`` reports it.
public struct S3BucketInfo: Sendable, Hashable {
    /// The bucket name.
    public var name: String
    /// When the bucket was created, in milliseconds since 1970.
    public var creationMilliseconds: Int64
}

/// An object's metadata, as stored in its sidecar.
public struct S3ObjectInfo: Sendable, Hashable {
    /// The key.
    public var key: String
    /// The body's length in bytes.
    public var size: Int
    /// The ETag, quotes included: `"<hex MD5 of the body>"`.
    public var etag: String
    /// The `Content-Type` given when the object was written.
    public var contentType: String
    /// When the object was written, in milliseconds since 1970.
    public var lastModifiedMilliseconds: Int64
}

/// The parameters of a ListObjectsV2 call.
public struct S3ListQuery: Sendable, Hashable {
    /// Only keys that start with it.
    public var prefix: String
    /// Roll keys up to common prefixes at the first occurrence of it after the prefix; empty for none.
    public var delimiter: String
    /// The previous page's ``S3ListPage/nextContinuationToken``.
    public var continuationToken: String?
    /// Only keys after it (ignored when a continuation token is given, as in S3).
    public var startAfter: String?
    /// At most this many keys and common prefixes (0...1000).
    public var maxKeys: Int

    /// A query; every parameter is optional.
    public init(
        prefix: String = "", delimiter: String = "", continuationToken: String? = nil, startAfter: String? = nil,
        maxKeys: Int = 1000
    ) {
        self.prefix = prefix
        self.delimiter = delimiter
        self.continuationToken = continuationToken
        self.startAfter = startAfter
        self.maxKeys = maxKeys
    }
}

/// One page of a listing.
public struct S3ListPage: Sendable, Hashable {
    /// The objects, in UTF-8 byte order of their keys.
    public var contents: [S3ObjectInfo]
    /// The common prefixes rolled up by the delimiter, in order.
    public var commonPrefixes: [String]
    /// Whether more keys follow.
    public var isTruncated: Bool
    /// The token for the next page when truncated.
    public var nextContinuationToken: String?
    /// Keys plus common prefixes on this page.
    public var keyCount: Int { contents.count + commonPrefixes.count }
}

/// The emulator's S3 storage: buckets are folders under `<dataDirectory>/s3/`, objects are
/// files in their bucket's folder, each with a metadata sidecar.
///
/// A key never reaches the file system as a path: its file name is the key percent-encoded
/// (every byte outside `A-Z a-z 0-9 - _ . ~`, so never `/`), or its SHA-256 when long, and keys
/// with a `..` segment, a leading `/`, a NUL byte, or outside 1–1024 bytes are refused before
/// that. Writes are atomic (temporary file, `fsync`, `rename`, `fsync` of the folder): the
/// body first, then the sidecar, which commits the write.
///
/// The folder is the index: nothing per object is held in memory, so the store's memory stays
/// flat however many objects it holds (a long run stores one error object per request with
/// invalid events). A lookup reads the object's sidecar; a listing reads the folder's names,
/// decodes the keys from them (the sidecar of a hashed name gives its key), sorts the keys
/// under the prefix, and reads the sidecars of the page's objects only. A body whose size
/// disagrees with its sidecar (a crash between the two renames) is described as it is on
/// disk: its size and ETag are recomputed when it is read.
///
/// File I/O runs on the actor (blocking its executor briefly), which suits a local emulator.
public actor LocalS3Store: ObjectSink {
    /// The folder that holds the bucket folders, `<dataDirectory>/s3`.
    public nonisolated let root: String
    /// The store's own thread: its file writes (with fsync) and reads block, and must not
    /// stop the HTTP server's event loop, which runs the other actors of `inlet local`.
    private let thread = ThreadExecutor()
    public nonisolated var unownedExecutor: UnownedSerialExecutor { thread.asUnownedSerialExecutor() }
    private var buckets: [String: BucketState]
    private var observers: [@Sendable (String, String) -> Void] = []
    private var uploads: [String: MultipartUpload] = [:]
    private var temporaryCounter: UInt64 = 0
    private let now: @Sendable () -> Int64

    private struct MultipartUpload {
        var bucket: String
        var key: String
        var contentType: String
        var parts: [Int: (md5: [UInt8], size: Int)]
    }

    /// The smallest part but the last of a multipart upload, as S3 requires (5 MiB).
    public static let minimumPartSize = 5 * 1024 * 1024

    private struct BucketState {
        var creationMilliseconds: Int64
    }

    /// Opens (creating it if needed) the store under `<dataDirectory>/s3/`, removing the
    /// temporary and part files a crash left behind.
    ///
    /// - Parameter now: the clock for `Last-Modified` and creation times, in milliseconds since 1970
    ///   (the system clock when nil).
    public init(
        dataDirectory: String, now: (@Sendable () -> Int64)? = nil
    ) throws(S3Error) {
        var base = dataDirectory
        while base.count > 1 && base.hasSuffix("/") { base.removeLast() }
        let root = base + "/s3"
        try FileSystem.createDirectories(root)
        var loaded: [String: BucketState] = [:]
        for name in try FileSystem.list(root) where S3Names.isBucketName(name) && FileSystem.isDirectory(root + "/" + name) {
            loaded[name] = try Self.openBucket(folder: root + "/" + name)
        }
        self.root = root
        self.now = now ?? { FileSystem.nowMilliseconds() }
        buckets = loaded
    }

    // MARK: Buckets

    /// Creates `bucket`; `BucketAlreadyOwnedByYou` (409) when it exists, `InvalidBucketName` (400) when not a valid name.
    public func createBucket(_ bucket: String) throws(S3Error) {
        try S3Names.validateBucket(bucket)
        if buckets[bucket] != nil {
            throw S3Error(
                "BucketAlreadyOwnedByYou", status: 409,
                "Your previous request to create the named bucket succeeded and you already own it: '\(bucket)'.",
                bucketName: bucket)
        }
        let folder = root + "/" + bucket
        _ = try FileSystem.createDirectory(folder)
        let created = now()
        try FileSystem.writeAtomically(
            Array(String(created).utf8), directory: folder, name: S3Names.bucketFile, temporaryName: temporaryName())
        try FileSystem.syncDirectory(root)
        buckets[bucket] = BucketState(creationMilliseconds: created)
    }

    /// Throws `NoSuchBucket` (404) unless `bucket` exists.
    public func headBucket(_ bucket: String) throws(S3Error) {
        _ = try state(of: bucket)
    }

    /// Deletes an empty bucket: `BucketNotEmpty` (409) when it holds objects, `NoSuchBucket` (404) when missing.
    public func deleteBucket(_ bucket: String) throws(S3Error) {
        _ = try state(of: bucket)
        let folder = root + "/" + bucket
        let objects = try Self.objectEntries(folder: folder, prefix: []).count
        guard objects == 0 else {
            throw S3Error(
                "BucketNotEmpty", status: 409,
                "The bucket you tried to delete is not empty: '\(bucket)' holds \(objects) objects. "
                    + "Delete them first (aws s3 rm --recursive s3://\(bucket)).", bucketName: bucket)
        }
        for (id, upload) in uploads where upload.bucket == bucket { uploads[id] = nil }
        for name in try FileSystem.list(folder) { try FileSystem.remove(folder + "/" + name) }
        try FileSystem.removeDirectory(folder)
        try FileSystem.syncDirectory(root)
        buckets[bucket] = nil
    }

    /// Every bucket, by name.
    public func listBuckets() -> [S3BucketInfo] {
        buckets.map { S3BucketInfo(name: $0.key, creationMilliseconds: $0.value.creationMilliseconds) }
            .sorted { $0.name.utf8.lexicographicallyPrecedes($1.name.utf8) }
    }

    // MARK: Objects

    /// Registers `observer`, called with (bucket, key) after each successful object write.
    public func onObjectCreated(_ observer: @escaping @Sendable (String, String) -> Void) {
        observers.append(observer)
    }

    /// Writes an object (``ObjectSink``): no `Content-MD5`, overwriting any existing object.
    public func putObject(bucket: String, key: String, body: [UInt8], contentType: String) async throws {
        _ = try putObject(bucket: bucket, key: key, body: body, contentType: contentType, contentMD5: nil, ifNoneMatch: false)
    }

    /// Writes an object atomically and returns its metadata.
    ///
    /// - Parameters:
    ///   - contentMD5: the `Content-MD5` header, when sent: `InvalidDigest` (400) when it is not the
    ///     Base64 of 16 bytes, `BadDigest` (400) when it is not the body's MD5.
    ///   - ifNoneMatch: `If-None-Match: *` was sent: `PreconditionFailed` (412) when the key exists.
    public func putObject(
        bucket: String, key: String, body: [UInt8], contentType: String, contentMD5: String?, ifNoneMatch: Bool
    ) throws(S3Error) -> S3ObjectInfo {
        guard buckets[bucket] != nil else { throw S3Error.noSuchBucket(bucket) }
        try S3Names.validateKey(key, bucket: bucket)
        let md5 = Digest.md5(body)
        if let contentMD5 {
            let trimmed = String(contentMD5.trimmingSpaces())
            guard let claimed = try? Base64.decode(trimmed.utf8), claimed.count == 16 else {
                throw S3Error(
                    "InvalidDigest", status: 400,
                    "The Content-MD5 you specified is not valid: '\(trimmed.prefix(64))' is not the Base64 of a "
                        + "16-byte MD5 digest.", bucketName: bucket, key: key)
            }
            guard claimed == md5 else {
                throw S3Error(
                    "BadDigest", status: 400,
                    "The Content-MD5 you specified did not match what we received: it is \(trimmed) but the body's "
                        + "MD5 is \(ByteEncoding.base64(md5)). The body changed in transit or was hashed differently.",
                    bucketName: bucket, key: key)
            }
        }
        let folder = root + "/" + bucket
        let name = S3Names.fileName(forKey: key)
        if ifNoneMatch, try Self.readInfo(folder: folder, name: name, key: key) != nil {
            throw S3Error(
                "PreconditionFailed", status: 412,
                "At least one of the pre-conditions you specified did not hold: If-None-Match: * but the key "
                    + "'\(key)' exists.", bucketName: bucket, key: key)
        }
        let info = S3ObjectInfo(
            key: key, size: body.count, etag: "\"" + ByteEncoding.hex(md5) + "\"", contentType: contentType,
            lastModifiedMilliseconds: now())
        try FileSystem.writeAtomically(body, directory: folder, name: name, temporaryName: temporaryName())
        try FileSystem.writeAtomically(
            Self.encodeSidecar(info), directory: folder, name: name + S3Names.metadataSuffix,
            temporaryName: temporaryName())
        for observer in observers { observer(bucket, key) }
        return info
    }

    /// An object's metadata: `NoSuchBucket` or `NoSuchKey` (404) when missing.
    public func headObject(bucket: String, key: String) throws(S3Error) -> S3ObjectInfo {
        _ = try state(of: bucket)
        guard (try? S3Names.validateKey(key, bucket: bucket)) != nil,
            let info = try Self.readInfo(folder: root + "/" + bucket, name: S3Names.fileName(forKey: key), key: key)
        else { throw S3Error.noSuchKey(bucket, key) }
        return info
    }

    /// An object's metadata and body: `NoSuchBucket` or `NoSuchKey` (404) when missing.
    public func getObject(bucket: String, key: String) throws(S3Error) -> (info: S3ObjectInfo, body: [UInt8]) {
        _ = try state(of: bucket)
        guard (try? S3Names.validateKey(key, bucket: bucket)) != nil,
            let object = try Self.readObject(folder: root + "/" + bucket, key: key)
        else { throw S3Error.noSuchKey(bucket, key) }
        return object
    }

    /// Deletes an object; succeeds when it does not exist (as S3 does), `NoSuchBucket` when the bucket is missing.
    public func deleteObject(bucket: String, key: String) throws(S3Error) {
        _ = try state(of: bucket)
        guard (try? S3Names.validateKey(key, bucket: bucket)) != nil else { return }
        let folder = root + "/" + bucket
        let name = S3Names.fileName(forKey: key)
        guard try Self.readInfo(folder: folder, name: name, key: key) != nil else { return }
        // The sidecar goes first: without it the object is gone even if the body remains.
        try FileSystem.remove(folder + "/" + name + S3Names.metadataSuffix)
        try FileSystem.remove(folder + "/" + name)
        try FileSystem.syncDirectory(folder)
    }

    /// One page of ListObjectsV2, keys in UTF-8 byte order.
    public func listObjectsV2(bucket: String, query: S3ListQuery) throws(S3Error) -> S3ListPage {
        _ = try state(of: bucket)
        guard query.maxKeys >= 0 else {
            throw S3Error.invalidArgument("max-keys must be a non-negative integer; got \(query.maxKeys).")
        }
        let maxKeys = min(query.maxKeys, 1000)
        var marker: (after: String, rolledPrefix: Bool)?
        if let token = query.continuationToken {
            marker = try Self.decodeToken(token)
        } else if let startAfter = query.startAfter, !startAfter.isEmpty {
            marker = (startAfter, false)
        }
        let prefix = Array(query.prefix.utf8)
        let delimiter = Array(query.delimiter.utf8)
        let folder = root + "/" + bucket
        let entries = try Self.objectEntries(folder: folder, prefix: prefix).filter { entry in
            guard let marker else { return true }
            if !marker.after.utf8.lexicographicallyPrecedes(entry.key.utf8) { return false }
            if marker.rolledPrefix && entry.key.utf8.starts(with: marker.after.utf8) { return false }
            return true
        }.sorted { $0.key.utf8.lexicographicallyPrecedes($1.key.utf8) }
        var page = S3ListPage(contents: [], commonPrefixes: [], isTruncated: false, nextContinuationToken: nil)
        var last: (String, Bool)?
        var index = 0
        while index < entries.count {
            let entry = entries[index]
            let key = entry.key
            var rolled: String?
            if !delimiter.isEmpty {
                let rest = Array(key.utf8.dropFirst(prefix.count))
                if let at = Self.firstIndex(of: delimiter, in: rest) {
                    rolled = String(decoding: prefix + rest[..<(at + delimiter.count)], as: UTF8.self)
                }
            }
            if let rolled, page.commonPrefixes.last == rolled {
                index += 1
                continue
            }
            if page.keyCount == maxKeys {
                page.isTruncated = true
                break
            }
            if let rolled {
                page.commonPrefixes.append(rolled)
                last = (rolled, true)
            } else if let info = try Self.readInfo(folder: folder, entry: entry) {
                page.contents.append(info)
                last = (key, false)
            }
            index += 1
        }
        if page.isTruncated, let last {
            page.nextContinuationToken = Self.encodeToken(after: last.0, rolledPrefix: last.1)
        }
        return page
    }

    // MARK: Multipart uploads

    /// Starts a multipart upload and returns its id. In-progress uploads live until completed or
    /// aborted, or until the store is reopened (their part files are then removed).
    public func createMultipartUpload(bucket: String, key: String, contentType: String) throws(S3Error) -> String {
        _ = try state(of: bucket)
        try S3Names.validateKey(key, bucket: bucket)
        let id = ByteEncoding.hex((0..<16).map { _ in UInt8.random(in: 0...255) })
        uploads[id] = MultipartUpload(bucket: bucket, key: key, contentType: contentType, parts: [:])
        return id
    }

    /// Stores part `partNumber` (1...10000) of an upload, replacing an earlier one; returns its quoted-MD5 ETag.
    public func uploadPart(bucket: String, key: String, uploadId: String, partNumber: Int, body: [UInt8])
        throws(S3Error) -> String
    {
        var upload = try self.upload(uploadId, bucket: bucket, key: key)
        guard (1...10_000).contains(partNumber) else {
            throw S3Error.invalidArgument("Part number must be an integer between 1 and 10000, inclusive; got \(partNumber).")
        }
        let md5 = Digest.md5(body)
        try FileSystem.writeAtomically(
            body, directory: root + "/" + bucket, name: Self.partFileName(uploadId, partNumber), temporaryName: temporaryName())
        upload.parts[partNumber] = (md5, body.count)
        uploads[uploadId] = upload
        return "\"" + ByteEncoding.hex(md5) + "\""
    }

    /// Joins the listed parts (ascending part numbers, ETags as returned by ``uploadPart(bucket:key:uploadId:partNumber:body:)``)
    /// into the object, whose ETag is S3's `"<hex MD5 of the parts' MD5s>-<count>"`.
    public func completeMultipartUpload(bucket: String, key: String, uploadId: String, parts: [(number: Int, etag: String)])
        throws(S3Error) -> S3ObjectInfo
    {
        let upload = try self.upload(uploadId, bucket: bucket, key: key)
        guard !parts.isEmpty else {
            throw S3Error(
                "MalformedXML", status: 400, "CompleteMultipartUpload lists no parts; list at least one.",
                bucketName: bucket, key: key)
        }
        var body: [UInt8] = []
        var digests: [UInt8] = []
        for (previous, part) in zip(parts, parts.dropFirst()) where part.number <= previous.number {
            throw S3Error(
                "InvalidPartOrder", status: 400,
                "The list of parts was not in ascending order: part \(part.number) follows \(previous.number).",
                bucketName: bucket, key: key)
        }
        for (index, part) in parts.enumerated() {
            let etag = String(part.etag.trimmingSpaces())
            guard let stored = upload.parts[part.number],
                etag == "\"" + ByteEncoding.hex(stored.md5) + "\"" || etag == ByteEncoding.hex(stored.md5)
            else {
                throw S3Error(
                    "InvalidPart", status: 400,
                    "One or more of the specified parts could not be found or its ETag did not match: part "
                        + "\(part.number) with ETag \(etag.prefix(40)).", bucketName: bucket, key: key)
            }
            if index < parts.count - 1 && stored.size < Self.minimumPartSize {
                throw S3Error(
                    "EntityTooSmall", status: 400,
                    "Your proposed upload is smaller than the minimum allowed size: part \(part.number) is "
                        + "\(stored.size) bytes and every part but the last must be at least 5 MiB.", bucketName: bucket,
                    key: key)
            }
            guard let bytes = try FileSystem.read(root + "/" + bucket + "/" + Self.partFileName(uploadId, part.number)) else {
                throw S3Error.internalError("the file of part \(part.number) of upload \(uploadId) is missing")
            }
            body += bytes
            digests += stored.md5
        }
        var info = try putObject(
            bucket: bucket, key: key, body: body, contentType: upload.contentType, contentMD5: nil, ifNoneMatch: false)
        info.etag = "\"" + ByteEncoding.hex(Digest.md5(digests)) + "-\(parts.count)\""
        let folder = root + "/" + bucket
        try FileSystem.writeAtomically(
            Self.encodeSidecar(info), directory: folder, name: S3Names.fileName(forKey: key) + S3Names.metadataSuffix,
            temporaryName: temporaryName())
        try removeParts(of: uploadId)
        return info
    }

    /// Abandons an upload and removes its parts: `NoSuchUpload` (404) when unknown.
    public func abortMultipartUpload(bucket: String, key: String, uploadId: String) throws(S3Error) {
        _ = try upload(uploadId, bucket: bucket, key: key)
        try removeParts(of: uploadId)
    }

    private func upload(_ id: String, bucket: String, key: String) throws(S3Error) -> MultipartUpload {
        guard let upload = uploads[id], upload.bucket == bucket, upload.key == key else {
            throw S3Error(
                "NoSuchUpload", status: 404,
                "The specified multipart upload does not exist: '\(id.prefix(64))' for '\(key.prefix(200))' in "
                    + "'\(bucket)'. It may have been completed or aborted, or the emulator restarted.",
                bucketName: bucket, key: key)
        }
        return upload
    }

    private func removeParts(of id: String) throws(S3Error) {
        guard let upload = uploads.removeValue(forKey: id) else { return }
        for number in upload.parts.keys {
            try FileSystem.remove(root + "/" + upload.bucket + "/" + Self.partFileName(id, number))
        }
    }

    static let partPrefix = "@part-"

    private static func partFileName(_ uploadId: String, _ number: Int) -> String {
        partPrefix + uploadId + "-" + String(number)
    }

    // MARK: Internals

    private func state(of bucket: String) throws(S3Error) -> BucketState {
        guard let state = buckets[bucket] else { throw S3Error.noSuchBucket(bucket) }
        return state
    }

    private func temporaryName() -> String {
        temporaryCounter += 1
        return S3Names.temporaryPrefix + String(temporaryCounter) + "-" + String(UInt64.random(in: 0...UInt64.max), radix: 16)
    }

    private static func firstIndex(of needle: [UInt8], in haystack: [UInt8]) -> Int? {
        guard needle.count <= haystack.count else { return nil }
        for start in 0...(haystack.count - needle.count) where haystack[start..<(start + needle.count)].elementsEqual(needle) {
            return start
        }
        return nil
    }

    static func encodeToken(after key: String, rolledPrefix: Bool) -> String {
        ByteEncoding.base64(Array((rolledPrefix ? "p" : "k").utf8) + Array(key.utf8))
    }

    static func decodeToken(_ token: String) throws(S3Error) -> (after: String, rolledPrefix: Bool) {
        guard let bytes = try? Base64.decode(token.utf8), let kind = bytes.first,
            kind == UInt8(ascii: "p") || kind == UInt8(ascii: "k")
        else {
            throw S3Error.invalidArgument(
                "The continuation token provided is incorrect: '\(token.prefix(80))'. Pass the NextContinuationToken "
                    + "of the previous page unchanged.")
        }
        return (String(decoding: bytes.dropFirst(), as: UTF8.self), kind == UInt8(ascii: "p"))
    }

    // MARK: Sidecars

    static func encodeSidecar(_ info: S3ObjectInfo) -> [UInt8] {
        let text = "key " + PercentEncoding.encodeComponent(info.key) + "\n"
            + "content-type " + PercentEncoding.encodeComponent(info.contentType) + "\n"
            + "etag " + info.etag + "\n"
            + "size " + String(info.size) + "\n"
            + "last-modified " + String(info.lastModifiedMilliseconds) + "\n"
        return Array(text.utf8)
    }

    static func decodeSidecar(_ bytes: [UInt8]) -> S3ObjectInfo? {
        var fields: [String: String] = [:]
        for line in bytes.split(separator: UInt8(ascii: "\n")) {
            guard let space = line.firstIndex(of: UInt8(ascii: " ")) else { continue }
            fields[String(decoding: line[..<space], as: UTF8.self)] =
                String(decoding: line[(space + 1)...], as: UTF8.self)
        }
        guard let key = fields["key"].map({ PercentEncoding.decode($0) }), let etag = fields["etag"],
            let size = fields["size"].flatMap({ Int($0) }),
            let modified = fields["last-modified"].flatMap({ Int64($0) })
        else { return nil }
        return S3ObjectInfo(
            key: key, size: size, etag: etag,
            contentType: fields["content-type"].map { PercentEncoding.decode($0) } ?? "binary/octet-stream",
            lastModifiedMilliseconds: modified)
    }

    // MARK: Reading the folder

    /// The objects of `bucket` under `<dataDirectory>/s3` whose keys start with `prefix`, read
    /// from their sidecars without opening the store: nothing is created or cleaned up, so a
    /// store open in another process (`inlet local`) may keep writing. `NoSuchBucket` when the
    /// bucket's folder is missing.
    public static func listObjects(dataDirectory: String, bucket: String, prefix: String = "") throws(S3Error)
        -> [S3ObjectInfo]
    {
        let folder = storeRoot(dataDirectory) + "/" + bucket
        guard S3Names.isBucketName(bucket), FileSystem.isDirectory(folder) else { throw S3Error.noSuchBucket(bucket) }
        return try objects(folder: folder, prefix: Array(prefix.utf8))
    }

    /// An object's metadata and body, read like ``listObjects(dataDirectory:bucket:)``; nil when
    /// it is missing.
    public static func readObject(dataDirectory: String, bucket: String, key: String) throws(S3Error)
        -> (info: S3ObjectInfo, body: [UInt8])?
    {
        guard S3Names.isBucketName(bucket), (try? S3Names.validateKey(key, bucket: bucket)) != nil else { return nil }
        return try readObject(folder: storeRoot(dataDirectory) + "/" + bucket, key: key)
    }

    /// Every object of `bucket` whose key starts with `prefix`, in no particular order, from one
    /// reading of the folder (a listing's pages read it once each).
    public func listObjects(bucket: String, prefix: String) throws(S3Error) -> [S3ObjectInfo] {
        _ = try state(of: bucket)
        return try Self.objects(folder: root + "/" + bucket, prefix: Array(prefix.utf8))
    }

    private static func storeRoot(_ dataDirectory: String) -> String {
        var base = dataDirectory
        while base.count > 1 && base.hasSuffix("/") { base.removeLast() }
        return base + "/s3"
    }

    /// A bucket's creation time, after removing the temporary and part files a crash left in its folder.
    private static func openBucket(folder: String) throws(S3Error) -> BucketState {
        var state = BucketState(creationMilliseconds: 0)
        if let created = try FileSystem.read(folder + "/" + S3Names.bucketFile) {
            state.creationMilliseconds = Int64(String(decoding: created, as: UTF8.self)) ?? 0
        }
        for name in try FileSystem.list(folder) where name.hasPrefix(S3Names.temporaryPrefix) || name.hasPrefix(partPrefix) {
            try FileSystem.remove(folder + "/" + name)
        }
        return state
    }

    /// An object found in a bucket's folder: its key, its file name, and its sidecar when
    /// finding it took reading it (a hashed name), so that it is not read twice.
    struct ObjectEntry {
        var key: String
        var name: String
        var sidecar: S3ObjectInfo?
    }

    /// The key and file name of every object in `folder` whose key starts with `prefix`, from
    /// the names of the sidecars: a percent-encoded name decodes to its key; a hashed one (`@k…`)
    /// has its key read from the sidecar. A name that is not the canonical file name of a valid
    /// key (a stray file) is no object.
    private static func objectEntries(folder: String, prefix: [UInt8]) throws(S3Error) -> [ObjectEntry] {
        var entries: [ObjectEntry] = []
        for file in try FileSystem.list(folder) where file.hasSuffix(S3Names.metadataSuffix) {
            let name = String(file.dropLast(S3Names.metadataSuffix.utf8.count))
            let key: String
            var sidecar: S3ObjectInfo?
            if name.hasPrefix("@k") {
                guard let bytes = try FileSystem.read(folder + "/" + file), let info = decodeSidecar(bytes) else { continue }
                key = info.key
                sidecar = info
            } else {
                guard let bytes = S3Names.percentDecode(name), bytes.starts(with: prefix),
                    let decoded = String(validating: bytes, as: UTF8.self)
                else { continue }
                key = decoded
            }
            guard key.utf8.starts(with: prefix), S3Names.fileName(forKey: key) == name,
                (try? S3Names.validateKey(key, bucket: "")) != nil
            else { continue }
            entries.append(ObjectEntry(key: key, name: name, sidecar: sidecar))
        }
        return entries
    }

    /// The metadata of every object in `folder` under `prefix`.
    private static func objects(folder: String, prefix: [UInt8]) throws(S3Error) -> [S3ObjectInfo] {
        var objects: [S3ObjectInfo] = []
        for entry in try objectEntries(folder: folder, prefix: prefix) {
            if let info = try readInfo(folder: folder, entry: entry) { objects.append(info) }
        }
        return objects
    }

    /// The metadata of the object stored as `name` in `folder`, from its sidecar; nil when it
    /// is missing (no sidecar, so never written or deleted, or no body, so lost), or when the
    /// sidecar is unreadable or names another key. A body whose size is not the sidecar's (a
    /// crash between the two renames of a write) is described as it is on disk.
    private static func readInfo(folder: String, name: String, key: String) throws(S3Error) -> S3ObjectInfo? {
        try readInfo(folder: folder, entry: ObjectEntry(key: key, name: name, sidecar: nil))
    }

    /// ``readInfo(folder:name:key:)`` for a listed object, with the sidecar the listing read.
    private static func readInfo(folder: String, entry: ObjectEntry) throws(S3Error) -> S3ObjectInfo? {
        let path = folder + "/" + entry.name
        var read = entry.sidecar
        if read == nil, let sidecar = try FileSystem.read(path + S3Names.metadataSuffix) { read = decodeSidecar(sidecar) }
        guard var info = read, info.key == entry.key, let size = FileSystem.fileSize(path) else { return nil }
        if size != info.size, let body = try FileSystem.read(path) { describe(&info, body: body) }
        return info
    }

    /// An object's metadata and body, as ``readInfo(folder:name:key:)`` describes them.
    private static func readObject(folder: String, key: String) throws(S3Error) -> (info: S3ObjectInfo, body: [UInt8])? {
        let path = folder + "/" + S3Names.fileName(forKey: key)
        guard let sidecar = try FileSystem.read(path + S3Names.metadataSuffix), var info = decodeSidecar(sidecar),
            info.key == key, let body = try FileSystem.read(path)
        else { return nil }
        if body.count != info.size { describe(&info, body: body) }
        return (info, body)
    }

    /// Sets the size and ETag of `info` to those of `body`.
    private static func describe(_ info: inout S3ObjectInfo, body: [UInt8]) {
        info.size = body.count
        info.etag = "\"" + ByteEncoding.hex(Digest.md5(body)) + "\""
    }
}
