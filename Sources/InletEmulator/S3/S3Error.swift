/// An S3 error as the emulator answers it: the AWS error code, the HTTP status and an
/// actionable message, rendered as S3's `<Error>` document by ``S3Service``.
public struct S3Error: Error, Sendable, Hashable, CustomStringConvertible {
    /// The AWS error code, e.g. `NoSuchKey`, `InvalidBucketName`, `BadDigest`.
    public var code: String
    /// The HTTP status S3 answers with this code.
    public var status: Int
    /// What went wrong and what to do about it.
    public var message: String
    /// The bucket the error is about, when there is one.
    public var bucketName: String?
    /// The key the error is about, when there is one.
    public var key: String?

    /// An error with its code, status and message.
    public init(_ code: String, status: Int, _ message: String, bucketName: String? = nil, key: String? = nil) {
        self.code = code
        self.status = status
        self.message = message
        self.bucketName = bucketName
        self.key = key
    }

    /// `code (status): message`.
    public var description: String { "\(code) (\(status)): \(message)" }

    // MARK: The errors the emulator raises

    static func noSuchBucket(_ bucket: String) -> S3Error {
        S3Error(
            "NoSuchBucket", status: 404,
            "The specified bucket does not exist: '\(bucket)'. Create it first (aws s3 mb s3://\(bucket)).",
            bucketName: bucket)
    }

    static func noSuchKey(_ bucket: String, _ key: String) -> S3Error {
        S3Error(
            "NoSuchKey", status: 404, "The specified key does not exist: '\(key)' in bucket '\(bucket)'.",
            bucketName: bucket, key: key)
    }

    static func internalError(_ detail: String) -> S3Error {
        S3Error("InternalError", status: 500, "The local S3 store failed: \(detail).")
    }

    static func invalidArgument(_ message: String) -> S3Error {
        S3Error("InvalidArgument", status: 400, message)
    }

    static func notImplemented(_ what: String) -> S3Error {
        S3Error(
            "NotImplemented", status: 501,
            "\(what) is not implemented by the Inlet local S3 emulator; it serves buckets, single-part "
                + "objects and ListObjectsV2.")
    }
}
