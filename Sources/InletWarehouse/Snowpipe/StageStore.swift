/// Where a pipe's stage lives: the seam between the pipe and an S3 implementation
/// (`LocalS3Store` in `inlet local`, a folder or a dictionary in tests).
public protocol StageStore: Sendable {
    /// Every object in `bucket` whose key starts with `prefix`, in any order.
    func list(bucket: String, prefix: String) async throws -> [StagedObjectInfo]
    /// The object, or nil when it no longer exists.
    func read(bucket: String, key: String) async throws -> StagedObject?
}

/// A staged object's listing entry.
public struct StagedObjectInfo: Sendable, Hashable {
    /// The object key (`METADATA$FILENAME`).
    public var key: String
    /// The stored size in bytes (compressed size for gzip objects).
    public var size: Int
    /// When the object was written, milliseconds since 1970 (`METADATA$FILE_LAST_MODIFIED`).
    public var lastModifiedMillis: Int64
    /// A checksum of the content, e.g. S3's ETag without quotes (`METADATA$FILE_CONTENT_KEY`).
    public var contentKey: String

    /// A listing entry.
    public init(key: String, size: Int, lastModifiedMillis: Int64, contentKey: String) {
        self.key = key
        self.size = size
        self.lastModifiedMillis = lastModifiedMillis
        self.contentKey = contentKey
    }
}

/// A staged object with its body.
public struct StagedObject: Sendable, Hashable {
    /// Its listing entry.
    public var info: StagedObjectInfo
    /// The stored bytes, gzip or plain.
    public var body: [UInt8]

    /// An object.
    public init(info: StagedObjectInfo, body: [UInt8]) {
        self.info = info
        self.body = body
    }

    /// An object whose size is its body's.
    public init(key: String, body: [UInt8], lastModifiedMillis: Int64, contentKey: String) {
        self.init(
            info: StagedObjectInfo(key: key, size: body.count, lastModifiedMillis: lastModifiedMillis, contentKey: contentKey),
            body: body)
    }
}
