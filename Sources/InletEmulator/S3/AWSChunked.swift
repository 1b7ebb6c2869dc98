/// Decodes `Content-Encoding: aws-chunked` bodies (`x-amz-content-sha256: STREAMING-…`), as
/// botocore and the AWS CLI send uploads: `<hex size>[;chunk-signature=…]\r\n<data>\r\n` repeated,
/// then `0[;…]\r\n`, optional trailer lines (`x-amz-checksum-crc32:…`) and a final `\r\n`.
///
/// Chunk signatures and trailing checksums are not verified.
enum AWSChunked {
    /// The payload carried by `body` and its trailers (`name:value` lines), or an
    /// `IncompleteBody`/`InvalidRequest` error when the framing is broken or the decoded length
    /// differs from `decodedLength` (`x-amz-decoded-content-length`).
    static func decode(_ body: [UInt8], decodedLength: Int?) throws(S3Error)
        -> (payload: [UInt8], trailers: [(name: String, value: String)])
    {
        var trailers: [(name: String, value: String)] = []
        var out = [UInt8]()
        // The payload is never longer than the body; the client's decoded length is only a claim
        // (a huge one made the emulator try to allocate it: found by FuzzSigV4Request).
        out.reserveCapacity(min(decodedLength ?? body.count, body.count))
        var index = 0
        func line() throws(S3Error) -> ArraySlice<UInt8> {
            var end = index
            while end + 1 < body.count && !(body[end] == 13 && body[end + 1] == 10) { end += 1 }
            guard end + 1 < body.count else { throw malformed("a chunk header is not terminated by CRLF") }
            let text = body[index..<end]
            index = end + 2
            return text
        }
        while true {
            let header = try line()
            let sizeText = header.prefix(while: { $0 != UInt8(ascii: ";") })
            guard !sizeText.isEmpty, sizeText.count <= 16 else { throw malformed("a chunk size is missing or too long") }
            var size = 0
            for byte in sizeText {
                guard let digit = S3Names.hexValue(byte) else {
                    throw malformed("the chunk size '\(String(decoding: sizeText, as: UTF8.self))' is not hex")
                }
                // 16 hex digits overflow Int (ffffffffffffffff would be -1 and pass the length check).
                guard size >> 59 == 0 else { throw malformed("a chunk size is larger than any body") }
                size = size << 4 | Int(digit)
            }
            if size == 0 { break }
            guard body.count - index >= size + 2 else { throw malformed("a chunk is shorter than its declared size") }
            out.append(contentsOf: body[index..<(index + size)])
            index += size
            guard body[index] == 13, body[index + 1] == 10 else { throw malformed("a chunk's data is not followed by CRLF") }
            index += 2
        }
        // Trailers, then the empty line (some senders stop right after the last chunk).
        while index < body.count {
            let trailer = try line()
            if trailer.isEmpty { break }
            guard let colon = trailer.firstIndex(of: UInt8(ascii: ":")) else {
                throw malformed("the trailer '\(String(decoding: trailer.prefix(80), as: UTF8.self))' has no ':'")
            }
            trailers.append(
                (String(decoding: trailer[..<colon], as: UTF8.self),
                 String(decoding: trailer[(colon + 1)...], as: UTF8.self)))
        }
        if let decodedLength, decodedLength != out.count {
            throw S3Error(
                "IncompleteBody", status: 400,
                "You did not provide the number of bytes specified by x-amz-decoded-content-length: "
                    + "\(decodedLength) declared, \(out.count) decoded.")
        }
        return (out, trailers)
    }

    private static func malformed(_ detail: String) -> S3Error {
        S3Error(
            "InvalidRequest", status: 400,
            "The aws-chunked body is malformed: \(detail). Expected '<hex size>[;chunk-signature=…]\\r\\n<data>\\r\\n' "
                + "chunks ending with a zero-size chunk.")
    }
}
