import InletCore

/// Turns a request body as received into the bytes the core reads: base64 first (as
/// API Gateway marks binary bodies), then the Content-Encoding. Both size limits are
/// enforced here, before any event is parsed.
public enum BodyDecoder {
    /// Decodes `body`.
    /// - Parameters:
    ///   - isBase64Encoded: API Gateway's flag for binary bodies.
    ///   - contentEncoding: the Content-Encoding header, if any (`gzip`, `deflate`, `identity`).
    public static func decode(
        _ body: [UInt8], isBase64Encoded: Bool, contentEncoding: String?, limits: IngestLimits
    ) throws(IngestError) -> [UInt8] {
        var bytes = body
        if isBase64Encoded {
            do {
                bytes = try Base64.decode(body)
            } catch {
                throw IngestError(.invalidBase64, "the body is marked base64 but \(error)")
            }
        }
        if bytes.count > limits.maxBodyBytes {
            throw IngestError(
                .bodyTooLarge, "the body is \(bytes.count) bytes; the limit is \(limits.maxBodyBytes) (6 MiB, Lambda's)")
        }
        let encoding = (contentEncoding ?? "").lowercased().split(separator: ",").map {
            $0.trimmingCharacters(in: " \t")
        }.filter { !$0.isEmpty && $0 != "identity" }
        guard !encoding.isEmpty else { return bytes }
        guard encoding.count == 1, encoding[0] == "gzip" || encoding[0] == "x-gzip" || encoding[0] == "deflate" else {
            throw IngestError(
                .unsupportedContentEncoding,
                "Content-Encoding '\(contentEncoding ?? "")' is not supported; send gzip, deflate or none")
        }
        do {
            return try Gzip.decompress(bytes, limit: limits.maxDecodedBodyBytes)
        } catch let error where error.code == .tooLarge {
            throw IngestError(
                .decodedBodyTooLarge,
                "the body inflates to more than \(limits.maxDecodedBodyBytes) bytes, the decompressed-size limit")
        } catch {
            throw IngestError(.invalidGzip, "the body is marked \(encoding[0]) but \(error.message)")
        }
    }
}

extension Substring {
    fileprivate func trimmingCharacters(in set: String) -> String {
        var s = self
        while let f = s.first, set.contains(f) { s.removeFirst() }
        while let l = s.last, set.contains(l) { s.removeLast() }
        return String(s)
    }
}
