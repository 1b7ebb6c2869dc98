/// How the events in a request body are framed.
public enum BodyFormat: String, Sendable {
    /// One JSON object, a JSON array of objects, or objects one per line, told apart by
    /// the first byte and by what follows the first value.
    case detect
    /// Newline-delimited JSON: one object per line (concatenated objects are also read).
    case ndjson

    /// The format for a Content-Type header value; nil or empty means `.detect`.
    ///
    /// `application/json` and `text/plain` are detected; `application/x-ndjson`,
    /// `application/ndjson`, `application/jsonl`, `application/x-jsonlines` and
    /// `application/json-seq` are NDJSON. Anything else is refused with 415.
    public static func forContentType(_ contentType: String?) throws(IngestError) -> BodyFormat {
        guard let contentType else { return .detect }
        let mediaType = HTTPHeaders.lowercasedName(String(contentType.prefix { $0 != ";" }.trimmingSpaces()))
        switch mediaType {
        case "", "application/json", "text/json", "text/plain", "application/octet-stream":
            return .detect
        case "application/x-ndjson", "application/ndjson", "application/jsonl", "application/x-jsonlines",
            "application/jsonlines", "application/json-seq", "application/x-json-stream":
            return .ndjson
        default:
            if mediaType.hasPrefix("application/") && mediaType.hasSuffix("+json") { return .detect }
            throw IngestError(
                .unsupportedContentType,
                "Content-Type '\(mediaType)' is not supported; send application/json or application/x-ndjson")
        }
    }
}

extension Substring {
    /// Without leading and trailing spaces and tabs (HTTP's optional whitespace).
    package func trimmingSpaces() -> Substring {
        var s = self
        while let f = s.first, f == " " || f == "\t" { s.removeFirst() }
        while let l = s.last, l == " " || l == "\t" { s.removeLast() }
        return s
    }
}

extension String {
    /// Without leading and trailing spaces and tabs (HTTP's optional whitespace).
    package func trimmingSpaces() -> Substring { self[...].trimmingSpaces() }
}
