/// The SigV4 algorithm's steps, shared by `SigV4Signer` and `SigV4Verifier`.
/// Everything is built as UTF-8 bytes to keep signing free of String churn.
enum SigV4Canonical {
    static let algorithm = "AWS4-HMAC-SHA256"
    static let scopeTerminator = "aws4_request"

    /// A header to sign: lowercase name, raw value, position in the request (for a stable sort).
    struct HeaderEntry {
        var name: String
        var value: String
        var order: Int
    }

    // MARK: Canonical request

    /// The canonical request and its signed-headers line.
    ///
    /// `headers` must be grouped: entries with the same name adjacent, groups in
    /// output order (sorted for signing, the client's order when verifying).
    static func canonicalRequest(
        method: String, path: String, query: [(name: String, value: String)], headers: [HeaderEntry],
        payloadHash: String, options: SigV4Options
    ) -> (canonical: [UInt8], signedHeaders: String) {
        var out = [UInt8]()
        out.reserveCapacity(256 + path.utf8.count * 3 + headers.count * 64)
        out.append(contentsOf: method.utf8)
        out.append(newline)
        appendCanonicalPath(path, options: options, to: &out)
        out.append(newline)
        appendCanonicalQuery(query, to: &out)
        out.append(newline)
        let signedHeaders = appendCanonicalHeaders(headers, to: &out)
        out.append(newline)
        out.append(contentsOf: signedHeaders)
        out.append(newline)
        out.append(contentsOf: payloadHash.utf8)
        return (out, String(decoding: signedHeaders, as: UTF8.self))
    }

    /// The canonical URI. Non-S3: dot segments removed, `//` collapsed, then every byte
    /// outside the unreserved set and `/` encoded (so `%20` on the wire becomes `%2520`).
    /// S3: the wire path unchanged.
    static func appendCanonicalPath(_ path: String, options: SigV4Options, to out: inout [UInt8]) {
        if path.isEmpty || path == "/" {
            out.append(slash)
            return
        }
        if options.normalizePath {
            let normalized = removeDotSegments(Array(path.utf8))
            appendPathBytes(normalized, encode: options.encodePath, to: &out)
        } else {
            appendPathBytes(path.utf8, encode: options.encodePath, to: &out)
        }
    }

    private static func appendPathBytes(_ bytes: some Sequence<UInt8>, encode: Bool, to out: inout [UInt8]) {
        if encode {
            PercentEncoding.appendEncoded(bytes, keepSlash: true, to: &out)
        } else {
            out.append(contentsOf: bytes)
        }
    }

    /// RFC 3986 §5.2.4 dot-segment removal plus collapsing of empty segments, as
    /// botocore and the AWS suite do: `//example//` → `/example/`, `/a/b/../..` → `/`.
    static func removeDotSegments(_ path: [UInt8]) -> [UInt8] {
        guard !path.isEmpty else { return [slash] }
        var segments: [ArraySlice<UInt8>] = []
        for segment in path.split(separator: slash, omittingEmptySubsequences: true) {
            if segment.count == 1 && segment.first == dot { continue }
            if segment.count == 2 && segment.first == dot && segment.last == dot {
                if !segments.isEmpty { segments.removeLast() }
                continue
            }
            segments.append(segment)
        }
        var out = [UInt8]()
        out.reserveCapacity(path.count)
        if path.first == slash { out.append(slash) }
        for (index, segment) in segments.enumerated() {
            if index > 0 { out.append(slash) }
            out.append(contentsOf: segment)
        }
        if path.last == slash && !segments.isEmpty { out.append(slash) }
        return out
    }

    /// The canonical query: names and values encoded (unreserved set only), sorted by
    /// encoded name then encoded value, `name=value` joined by `&`; a valueless key is `name=`.
    static func appendCanonicalQuery(_ query: [(name: String, value: String)], to out: inout [UInt8]) {
        if query.isEmpty { return }
        var pairs: [(name: [UInt8], value: [UInt8])] = []
        pairs.reserveCapacity(query.count)
        for item in query {
            var name = [UInt8]()
            name.reserveCapacity(item.name.utf8.count)
            PercentEncoding.appendEncoded(item.name.utf8, keepSlash: false, to: &name)
            var value = [UInt8]()
            value.reserveCapacity(item.value.utf8.count)
            PercentEncoding.appendEncoded(item.value.utf8, keepSlash: false, to: &value)
            pairs.append((name, value))
        }
        pairs.sort { lhs, rhs in
            if lhs.name != rhs.name { return lhs.name.lexicographicallyPrecedes(rhs.name) }
            return lhs.value.lexicographicallyPrecedes(rhs.value)
        }
        for (index, pair) in pairs.enumerated() {
            if index > 0 { out.append(UInt8(ascii: "&")) }
            out.append(contentsOf: pair.name)
            out.append(UInt8(ascii: "="))
            out.append(contentsOf: pair.value)
        }
    }

    /// Appends `name:value1,value2\n` per group and returns the signed-headers line.
    static func appendCanonicalHeaders(_ headers: [HeaderEntry], to out: inout [UInt8]) -> [UInt8] {
        var signed = [UInt8]()
        signed.reserveCapacity(headers.count * 16)
        var index = 0
        while index < headers.count {
            let name = headers[index].name
            if !signed.isEmpty { signed.append(UInt8(ascii: ";")) }
            signed.append(contentsOf: name.utf8)
            out.append(contentsOf: name.utf8)
            out.append(UInt8(ascii: ":"))
            appendTrimmedValue(headers[index].value, to: &out)
            index += 1
            while index < headers.count && headers[index].name == name {
                out.append(UInt8(ascii: ","))
                appendTrimmedValue(headers[index].value, to: &out)
                index += 1
            }
            out.append(newline)
        }
        return signed
    }

    /// The value with leading and trailing whitespace removed and each inner run of
    /// whitespace (spaces, tabs, folded line breaks) replaced by one space, as the
    /// suite's get-header-value-trim and get-header-value-multiline cases and
    /// botocore (`' '.join(value.split())`) do, including inside quotes.
    static func appendTrimmedValue(_ value: String, to out: inout [UInt8]) {
        let done: Void? = value.utf8.withContiguousStorageIfAvailable { appendTrimmed($0, to: &out) }
        if done == nil { Array(value.utf8).withUnsafeBufferPointer { appendTrimmed($0, to: &out) } }
    }

    private static func appendTrimmed(_ bytes: UnsafeBufferPointer<UInt8>, to out: inout [UInt8]) {
        var start = 0
        var end = bytes.count
        while start < end && isWhitespace(bytes[start]) { start += 1 }
        while end > start && isWhitespace(bytes[end - 1]) { end -= 1 }
        // Most values have nothing to collapse: copy them in one go.
        var index = start
        while index < end {
            let byte = bytes[index]
            // bytes[end - 1] is not whitespace, so index + 1 < end here.
            if isWhitespace(byte) && (byte != 0x20 || isWhitespace(bytes[index + 1])) { break }
            index += 1
        }
        out.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[start..<index]))
        var pendingSpace = false
        while index < end {
            let byte = bytes[index]
            if isWhitespace(byte) {
                pendingSpace = true
            } else {
                if pendingSpace { out.append(0x20) }
                pendingSpace = false
                out.append(byte)
            }
            index += 1
        }
    }

    /// ASCII whitespace as Python's `str.split()` sees it: HT, LF, VT, FF, CR, FS, GS, RS, US, SP.
    @inline(__always)
    static func isWhitespace(_ byte: UInt8) -> Bool {
        byte == 0x20 || (0x09...0x0d).contains(byte) || (0x1c...0x1f).contains(byte)
    }

    /// `name` with ASCII letters lowercased; returns `name` itself when already lowercase.
    static func lowercasedASCII(_ name: String) -> String {
        if !name.utf8.contains(where: isUppercaseASCII) { return name }
        let count = name.utf8.count
        return String(unsafeUninitializedCapacity: count) { buffer in
            var index = 0
            for byte in name.utf8 {
                buffer[index] = isUppercaseASCII(byte) ? byte | 0x20 : byte
                index += 1
            }
            return count
        }
    }

    /// Whether `name` equals `lowercaseName` ignoring ASCII case (`lowercaseName` must be lowercase).
    static func equalsIgnoringASCIICase(_ name: String, _ lowercaseName: String) -> Bool {
        guard name.utf8.count == lowercaseName.utf8.count else { return false }
        return name.utf8.elementsEqual(lowercaseName.utf8) { (isUppercaseASCII($0) ? $0 | 0x20 : $0) == $1 }
    }

    @inline(__always)
    static func isUppercaseASCII(_ byte: UInt8) -> Bool {
        byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z")
    }

    /// Whether `lhs` sorts before `rhs` by UTF-8 bytes.
    static func precedesBytewise(_ lhs: String, _ rhs: String) -> Bool {
        let result: Bool? = lhs.utf8.withContiguousStorageIfAvailable { left in
            rhs.utf8.withContiguousStorageIfAvailable { right in
                let common = Swift.min(left.count, right.count)
                if common > 0, let l = left.baseAddress, let r = right.baseAddress {
                    let order = memcmpBytes(l, r, common)
                    if order != 0 { return order < 0 }
                }
                return left.count < right.count
            }
        } ?? nil
        return result ?? lhs.utf8.lexicographicallyPrecedes(rhs.utf8)
    }

    @inline(__always)
    private static func memcmpBytes(_ lhs: UnsafePointer<UInt8>, _ rhs: UnsafePointer<UInt8>, _ count: Int) -> Int {
        for index in 0..<count where lhs[index] != rhs[index] {
            return Int(lhs[index]) - Int(rhs[index])
        }
        return 0
    }

    /// Sorts header entries by name (bytewise), keeping request order within a name.
    static func sortHeaders(_ headers: inout [HeaderEntry]) {
        headers.sort { lhs, rhs in
            if lhs.name == rhs.name { return lhs.order < rhs.order }
            return precedesBytewise(lhs.name, rhs.name)
        }
    }

    // MARK: String to sign, signing key, signature

    /// `dateStamp/region/service/aws4_request`.
    static func credentialScope(dateStamp: String, region: String, service: String) -> String {
        var out = [UInt8]()
        out.reserveCapacity(dateStamp.utf8.count + region.utf8.count + service.utf8.count + 15)
        for part in [dateStamp, region, service] {
            out.append(contentsOf: part.utf8)
            out.append(slash)
        }
        out.append(contentsOf: scopeTerminator.utf8)
        return String(decoding: out, as: UTF8.self)
    }

    /// `AWS4-HMAC-SHA256\n<amz date>\n<scope>\n<hex SHA-256 of the canonical request>`.
    static func stringToSign(
        canonicalRequest: [UInt8], amzDate: String, scope: String, context: DigestContext
    ) -> [UInt8] {
        var out = [UInt8]()
        out.reserveCapacity(algorithm.utf8.count + amzDate.utf8.count + scope.utf8.count + 67)
        out.append(contentsOf: algorithm.utf8)
        out.append(newline)
        out.append(contentsOf: amzDate.utf8)
        out.append(newline)
        out.append(contentsOf: scope.utf8)
        out.append(newline)
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 32) { digest in
            canonicalRequest.withUnsafeBytes { context.sha256($0, into: digest.baseAddress!) }
            ByteEncoding.appendHex(digest.baseAddress!, count: 32, to: &out)
        }
        return out
    }

    /// The signing key: HMAC chain of `"AWS4" + secret` over date, region, service, `aws4_request`.
    static func signingKey(
        secretAccessKey: String, dateStamp: String, region: String, service: String, context: DigestContext
    ) -> [UInt8] {
        var secret = [UInt8]()
        secret.reserveCapacity(4 + secretAccessKey.utf8.count)
        secret.append(contentsOf: "AWS4".utf8)
        secret.append(contentsOf: secretAccessKey.utf8)
        return [UInt8](unsafeUninitializedCapacity: 32) { key, count in
            let out = key.baseAddress!
            withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 32) { scratch in
                let temp = UnsafeRawBufferPointer(scratch)
                let keyBytes = UnsafeRawBufferPointer(start: out, count: 32)
                secret.withUnsafeBytes { context.hmac(key: $0, data: dateStamp, into: out) }
                context.hmac(key: keyBytes, data: region, into: scratch.baseAddress!)
                context.hmac(key: temp, data: service, into: out)
                context.hmac(key: keyBytes, data: scopeTerminator, into: scratch.baseAddress!)
                UnsafeMutableRawBufferPointer(start: out, count: 32).copyMemory(from: temp)
            }
            count = 32
        }
    }

    /// The hex HMAC-SHA256 of the string to sign under the signing key.
    static func signature(stringToSign: [UInt8], signingKey: [UInt8], context: DigestContext) -> String {
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 32) { digest in
            signingKey.withUnsafeBytes { key in
                stringToSign.withUnsafeBytes { data in
                    context.hmac(key: key, data: data, into: digest.baseAddress!)
                }
            }
            return String(unsafeUninitializedCapacity: 64) { out in
                for index in 0..<32 {
                    out[2 * index] = ByteEncoding.hexDigits[Int(digest[index] >> 4)]
                    out[2 * index + 1] = ByteEncoding.hexDigits[Int(digest[index] & 0x0f)]
                }
                return 64
            }
        }
    }

    /// `AWS4-HMAC-SHA256 Credential=AKID/scope, SignedHeaders=a;b, Signature=hex`.
    static func authorization(accessKeyId: String, scope: String, signedHeaders: String, signature: String) -> String {
        var out = [UInt8]()
        out.reserveCapacity(64 + accessKeyId.utf8.count + scope.utf8.count + signedHeaders.utf8.count + 64)
        out.append(contentsOf: algorithm.utf8)
        out.append(contentsOf: " Credential=".utf8)
        out.append(contentsOf: accessKeyId.utf8)
        out.append(slash)
        out.append(contentsOf: scope.utf8)
        out.append(contentsOf: ", SignedHeaders=".utf8)
        out.append(contentsOf: signedHeaders.utf8)
        out.append(contentsOf: ", Signature=".utf8)
        out.append(contentsOf: signature.utf8)
        return String(decoding: out, as: UTF8.self)
    }

    static let newline = UInt8(ascii: "\n")
    static let slash = UInt8(ascii: "/")
    static let dot = UInt8(ascii: ".")
}
