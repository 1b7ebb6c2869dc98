import InletSigV4

/// Validation of bucket names and object keys, and the file names objects are stored under.
enum S3Names {
    /// The longest key S3 accepts, in UTF-8 bytes.
    static let maxKeyBytes = 1024

    /// Throws `InvalidBucketName` unless `name` follows S3's rules for new buckets:
    /// 3–63 characters of lowercase letters, digits, `.` and `-`, starting and ending with a
    /// letter or digit, no `..`, `.-` or `-.`, and not an IP address.
    static func validateBucket(_ name: String) throws(S3Error) {
        let bytes = Array(name.utf8)
        func fail(_ why: String) -> S3Error {
            S3Error(
                "InvalidBucketName", status: 400,
                "The specified bucket is not valid: '\(name.prefix(80))' \(why). Bucket names are 3 to 63 "
                    + "lowercase letters, digits, '.' and '-', starting and ending with a letter or digit.",
                bucketName: name)
        }
        guard (3...63).contains(bytes.count) else { throw fail("is \(bytes.count) characters long") }
        for byte in bytes where !(isLowerAlnum(byte) || byte == UInt8(ascii: ".") || byte == UInt8(ascii: "-")) {
            throw fail("contains '\(String(decoding: [byte], as: UTF8.self))'")
        }
        guard isLowerAlnum(bytes[0]), isLowerAlnum(bytes[bytes.count - 1]) else {
            throw fail("does not start and end with a letter or digit")
        }
        for (a, b) in zip(bytes, bytes.dropFirst()) where a == UInt8(ascii: ".") && (b == UInt8(ascii: ".") || b == UInt8(ascii: "-"))
            || a == UInt8(ascii: "-") && b == UInt8(ascii: ".")
        {
            throw fail("has '..', '.-' or '-.'")
        }
        let parts = name.split(separator: ".", omittingEmptySubsequences: false)
        if parts.count == 4, parts.allSatisfy({ !$0.isEmpty && $0.allSatisfy(\.isASCII) && UInt8($0) != nil }) {
            throw fail("is formatted as an IP address")
        }
    }

    /// Whether `name` could be an existing bucket's folder: the same rules, as a cheap check
    /// before touching the file system (names that fail are never buckets).
    static func isBucketName(_ name: String) -> Bool {
        (try? validateBucket(name)) != nil
    }

    /// Throws unless `key` is a key the emulator stores: 1–1024 UTF-8 bytes, no NUL, no leading
    /// `/` and no `..` segment (the rules that keep a key inside its bucket's folder).
    static func validateKey(_ key: String, bucket: String) throws(S3Error) {
        let bytes = key.utf8
        if bytes.isEmpty {
            throw S3Error(
                "InvalidArgument", status: 400, "The object key is empty; S3 keys are 1 to 1024 bytes.",
                bucketName: bucket, key: key)
        }
        if bytes.count > maxKeyBytes {
            throw S3Error(
                "KeyTooLongError", status: 400,
                "Your key is too long: \(bytes.count) bytes of UTF-8, the limit is \(maxKeyBytes).", bucketName: bucket,
                key: String(key.prefix(64)))
        }
        if bytes.contains(0) {
            throw S3Error(
                "InvalidArgument", status: 400, "The object key contains a NUL byte, which the emulator refuses.",
                bucketName: bucket)
        }
        if bytes.first == UInt8(ascii: "/") {
            throw S3Error(
                "InvalidArgument", status: 400,
                "The object key '\(key.prefix(200))' starts with '/'; the emulator refuses absolute keys. "
                    + "Drop the leading slash.", bucketName: bucket, key: key)
        }
        for segment in bytes.split(separator: UInt8(ascii: "/"), omittingEmptySubsequences: false)
        where segment.elementsEqual("..".utf8) {
            throw S3Error(
                "InvalidArgument", status: 400,
                "The object key '\(key.prefix(200))' has a '..' segment, which the emulator refuses "
                    + "(it could name a path outside the bucket). Choose a key without '..' segments.",
                bucketName: bucket, key: key)
        }
    }

    /// The file name an object is stored under in its bucket's folder: the key with every byte
    /// outside `A-Z a-z 0-9 - _ . ~` percent-encoded (so never a `/`), a leading `.` encoded too
    /// (so never `.`, `..` or a hidden file), or `@k` and the key's SHA-256 when that would be
    /// longer than 200 bytes. `@` never appears in either form's first part otherwise, so
    /// ``metadataSuffix`` and ``temporaryPrefix`` names cannot collide with objects.
    static func fileName(forKey key: String) -> String {
        var out = [UInt8]()
        out.reserveCapacity(key.utf8.count)
        for (index, byte) in key.utf8.enumerated() {
            if isUnreserved(byte) && !(index == 0 && byte == UInt8(ascii: ".")) {
                out.append(byte)
            } else {
                out.append(UInt8(ascii: "%"))
                out.append(upperHex[Int(byte >> 4)])
                out.append(upperHex[Int(byte & 0x0f)])
            }
        }
        if out.count > 200 { return "@k" + Digest.sha256Hex(key.utf8) }
        return String(decoding: out, as: UTF8.self)
    }

    /// The suffix of an object's metadata sidecar: `<fileName>@meta`.
    static let metadataSuffix = "@meta"
    /// The prefix of temporary files; a leftover one is removed when the store opens.
    static let temporaryPrefix = "@tmp"
    /// The file in a bucket's folder that records the bucket's creation time.
    static let bucketFile = "@bucket"

    static func isUnreserved(_ byte: UInt8) -> Bool {
        isLowerAlnum(byte) || (byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z")) || byte == UInt8(ascii: "-")
            || byte == UInt8(ascii: "_") || byte == UInt8(ascii: ".") || byte == UInt8(ascii: "~")
    }

    static func isLowerAlnum(_ byte: UInt8) -> Bool {
        (byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "z")) || (byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9"))
    }

    static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return byte - UInt8(ascii: "A") + 10
        default: return nil
        }
    }

    static let upperHex: [UInt8] = Array("0123456789ABCDEF".utf8)

    /// `text` percent-decoded to bytes; nil when a `%` is not followed by two hex digits.
    static func percentDecode(_ text: some StringProtocol) -> [UInt8]? {
        let bytes = Array(text.utf8)
        var out = [UInt8]()
        out.reserveCapacity(bytes.count)
        var index = 0
        while index < bytes.count {
            if bytes[index] == UInt8(ascii: "%") {
                guard index + 2 < bytes.count, let high = hexValue(bytes[index + 1]),
                    let low = hexValue(bytes[index + 2])
                else { return nil }
                out.append(high << 4 | low)
                index += 3
            } else {
                out.append(bytes[index])
                index += 1
            }
        }
        return out
    }

    /// `text` percent-encoded for `EncodingType=url` listings (`/` kept).
    static func urlEncode(_ text: String) -> String {
        PercentEncoding.encodePath(text)
    }
}
