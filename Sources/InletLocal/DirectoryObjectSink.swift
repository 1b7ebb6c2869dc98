import Foundation
import InletCore
import InletEmulator
import InletSigV4

/// A placeholder destination for Firehose deliveries until the emulator's S3 service lands:
/// each object is written to `<root>/<bucket>/<key>` (the key's `/` become directories).
///
/// It is replaced by the file-backed `LocalS3Store` (an ``ObjectSink`` too) when the S3 work
/// is merged; `inlet local` points it at `<data-dir>/s3`, so the files are where the S3
/// store will keep them. It has no metadata, no listing and no S3 API.
public struct DirectoryObjectSink: ObjectSink {
    /// Why an object could not be written.
    public struct WriteError: Error, Sendable, CustomStringConvertible {
        /// A stable reason: `invalid_key` or `write_failed`.
        public var code: String
        /// What happened.
        public var message: String
        /// `code: message`.
        public var description: String { "\(code): \(message)" }
    }

    /// The directory holding one subdirectory per bucket.
    public let root: String

    /// A sink writing under `root` (created on first write).
    public init(root: String) {
        self.root = root
    }

    /// The file an object is written to, or nil when the bucket or key would escape `root`
    /// (an empty, `.` or `..` segment).
    public func path(bucket: String, key: String) -> String? {
        let segments = [bucket] + key.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        guard segments.allSatisfy({ !$0.isEmpty && $0 != "." && $0 != ".." }) else { return nil }
        return root + "/" + segments.joined(separator: "/")
    }

    /// Writes the object atomically (a temporary file renamed into place).
    public func putObject(bucket: String, key: String, body: [UInt8], contentType: String) async throws {
        guard let path = path(bucket: bucket, key: key) else {
            throw WriteError(code: "invalid_key", message: "s3://\(bucket)/\(key) cannot be stored as a file under \(root)")
        }
        let url = URL(fileURLWithPath: path)
        do {
            try FileManager.default.createDirectory(
                at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try Data(body).write(to: url, options: .atomic)
        } catch {
            throw WriteError(code: "write_failed", message: "cannot write \(path): \(error.localizedDescription)")
        }
    }
}

extension DirectoryObjectSink {
    /// A stand-in for the emulator's S3 service that only knows path-style `PutObject`
    /// (`PUT /bucket/key`), for the in-process function's error objects; anything else gets
    /// `501 NotImplemented`. Never served on the port: it exists so that a request with a
    /// rejected event does not wait on S3 retries until the S3 service lands
    /// (`S3Service.handle` replaces it).
    public func placeholderS3(_ request: LocalRequest) async -> LocalResponse {
        let parts = request.rawPath.split(separator: "/", maxSplits: 1, omittingEmptySubsequences: false)
        guard request.method == "PUT", parts.count == 2, parts[0].isEmpty else {
            return Self.s3Error(501, "NotImplemented", "inlet local has no S3 service yet; only PutObject is stored.")
        }
        let path = parts[1].split(separator: "/", maxSplits: 1, omittingEmptySubsequences: false)
        guard path.count == 2, !path[0].isEmpty, !path[1].isEmpty else {
            return Self.s3Error(501, "NotImplemented", "inlet local has no S3 service yet; only PutObject is stored.")
        }
        let bucket = PercentEncoding.decode(path[0])
        let key = PercentEncoding.decode(path[1])
        do {
            try await putObject(
                bucket: bucket, key: key, body: request.body,
                contentType: request.headers["Content-Type"] ?? "application/octet-stream")
        } catch {
            return Self.s3Error(400, "InvalidArgument", "\(error)")
        }
        let headers = HTTPHeaders([("ETag", "\"\(Digest.sha256Hex(request.body).prefix(32))\"")])
        return LocalResponse(status: 200, headers: headers)
    }

    static func s3Error(_ status: Int, _ code: String, _ message: String) -> LocalResponse {
        var escaped = ""
        for c in message {
            switch c {
            case "&": escaped += "&amp;"
            case "<": escaped += "&lt;"
            case ">": escaped += "&gt;"
            default: escaped.append(c)
            }
        }
        let body =
            #"<?xml version="1.0" encoding="UTF-8"?>"# + "\n" + "<Error><Code>\(code)</Code><Message>\(escaped)</Message></Error>"
        return LocalResponse(status: status, headers: HTTPHeaders([("Content-Type", "application/xml")]), body: Array(body.utf8))
    }
}
