import InletCompression
import InletCore
import InletSigV4

/// The additional checksums S3 clients send (`x-amz-checksum-<algorithm>`, as a header or an
/// aws-chunked trailer). CRC32 and SHA256 are verified; other algorithms are accepted unchecked.
enum Checksums {
    /// Throws `BadDigest` (400) when a CRC32 or SHA256 checksum among `values` is not the body's.
    static func verify(_ values: [(name: String, value: String)], body: [UInt8], bucket: String, key: String)
        throws(S3Error)
    {
        for (rawName, rawValue) in values {
            let name = lowercased(rawName)
            let value = String(rawValue.trimmingSpaces())
            let actual: String
            switch name {
            case "x-amz-checksum-crc32":
                let crc = crc32(body)
                actual = ByteEncoding.base64([UInt8(crc >> 24), UInt8(crc >> 16 & 0xff), UInt8(crc >> 8 & 0xff), UInt8(crc & 0xff)])
            case "x-amz-checksum-sha256":
                actual = ByteEncoding.base64(Digest.sha256(body))
            default:
                continue
            }
            if actual != value {
                let algorithm = name.dropFirst("x-amz-checksum-".count).uppercased()
                throw S3Error(
                    "BadDigest", status: 400,
                    "The \(algorithm) you specified did not match the calculated checksum: \(name) is '\(value.prefix(64))' "
                        + "but the body's is '\(actual)'. The body changed in transit or was hashed differently.",
                    bucketName: bucket, key: key)
            }
        }
    }

    /// CRC-32 (IEEE 802.3, reflected, as zlib and S3 compute it).
    static func crc32(_ bytes: [UInt8]) -> UInt32 { CRC32.checksum(bytes) }

    private static func lowercased(_ name: String) -> String {
        String(decoding: name.utf8.map { $0 >= 65 && $0 <= 90 ? $0 | 0x20 : $0 }, as: UTF8.self)
    }
}
