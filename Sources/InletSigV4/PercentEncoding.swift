/// RFC 3986 percent-encoding as SigV4 uses it: every byte of the UTF-8 form is
/// encoded except the unreserved set `A-Z a-z 0-9 - . _ ~`, with uppercase hex.
public enum PercentEncoding {
    static let upperHexDigits: [UInt8] = Array("0123456789ABCDEF".utf8)

    /// `raw` (an unencoded path such as an S3 object key with a leading `/`)
    /// percent-encoded for a request line; `/` stays as the segment separator.
    ///
    /// This is the wire form `SigV4Request.path` expects, and the form botocore sends.
    public static func encodePath(_ raw: String) -> String {
        var out = [UInt8]()
        out.reserveCapacity(raw.utf8.count)
        appendEncoded(raw.utf8, keepSlash: true, to: &out)
        return String(decoding: out, as: UTF8.self)
    }

    /// `raw` percent-encoded as one query name or value (`/`, `=`, `&`, `+` and space are all encoded).
    public static func encodeComponent(_ raw: String) -> String {
        var out = [UInt8]()
        out.reserveCapacity(raw.utf8.count)
        appendEncoded(raw.utf8, keepSlash: false, to: &out)
        return String(decoding: out, as: UTF8.self)
    }

    /// `items` (unencoded) as a query string, in the given order: `a=1&b=&c=%2F`.
    public static func encodeQuery(_ items: [(name: String, value: String)]) -> String {
        var out = [UInt8]()
        for (index, item) in items.enumerated() {
            if index > 0 { out.append(UInt8(ascii: "&")) }
            appendEncoded(item.name.utf8, keepSlash: false, to: &out)
            out.append(UInt8(ascii: "="))
            appendEncoded(item.value.utf8, keepSlash: false, to: &out)
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// Splits a wire query string (without the `?`) into decoded items, in order.
    ///
    /// Pairs are separated by `&`; a pair without `=` has an empty value; empty
    /// pairs are skipped. `%XX` is decoded, `+` is kept as a plus sign (SigV4 does
    /// not treat it as a space), and a `%` not followed by two hex digits stays literal.
    public static func parseQuery(_ query: some StringProtocol) -> [(name: String, value: String)] {
        var items: [(name: String, value: String)] = []
        for pair in query.utf8.split(separator: UInt8(ascii: "&"), omittingEmptySubsequences: true) {
            if let equals = pair.firstIndex(of: UInt8(ascii: "=")) {
                items.append((decode(pair[pair.startIndex..<equals]), decode(pair[pair.index(after: equals)...])))
            } else {
                items.append((decode(pair), ""))
            }
        }
        return items
    }

    /// `encoded` with every `%XX` replaced by its byte; other bytes (including `+`) unchanged.
    /// Bytes that do not form valid UTF-8 after decoding are replaced with U+FFFD.
    public static func decode(_ encoded: some StringProtocol) -> String {
        decode(encoded.utf8)
    }

    static func decode(_ bytes: some Collection<UInt8>) -> String {
        guard bytes.contains(UInt8(ascii: "%")) else { return String(decoding: bytes, as: UTF8.self) }
        var out = [UInt8]()
        out.reserveCapacity(bytes.count)
        var index = bytes.startIndex
        while index != bytes.endIndex {
            let byte = bytes[index]
            if byte == UInt8(ascii: "%") {
                let first = bytes.index(after: index)
                if first != bytes.endIndex {
                    let second = bytes.index(after: first)
                    if second != bytes.endIndex, let high = hexValue(bytes[first]), let low = hexValue(bytes[second]) {
                        out.append(high << 4 | low)
                        index = bytes.index(after: second)
                        continue
                    }
                }
            }
            out.append(byte)
            index = bytes.index(after: index)
        }
        return String(decoding: out, as: UTF8.self)
    }

    @inline(__always)
    static func isUnreserved(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
            UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "."),
            UInt8(ascii: "_"), UInt8(ascii: "~"):
            return true
        default:
            return false
        }
    }

    /// Appends `bytes` percent-encoded to `out`; `/` is kept when `keepSlash`.
    @inline(__always)
    static func appendEncoded(_ bytes: some Sequence<UInt8>, keepSlash: Bool, to out: inout [UInt8]) {
        for byte in bytes {
            if isUnreserved(byte) || (keepSlash && byte == UInt8(ascii: "/")) {
                out.append(byte)
            } else {
                out.append(UInt8(ascii: "%"))
                out.append(upperHexDigits[Int(byte >> 4)])
                out.append(upperHexDigits[Int(byte & 0x0f)])
            }
        }
    }

    static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return byte - UInt8(ascii: "A") + 10
        default: return nil
        }
    }
}
