import InletCore

/// How Firehose names the objects it delivers to S3: `<evaluated prefix><suffix>`.
///
/// The suffix is `<stream>-<version>-<yyyy-MM-dd-HH-mm-ss>-<uuid>` (plus `.gz` for GZIP),
/// in UTC, at the approximate arrival time of the oldest record in the object. A prefix
/// may hold `!{timestamp:<Java DateTimeFormatter pattern>}`, `!{firehose:random-string}`
/// and, in the error output prefix only, `!{firehose:error-output-type}`. As AWS does:
/// no prefix means `YYYY/MM/dd/HH/`, and a prefix without any expression gets that
/// time prefix appended (the legacy behaviour that predates custom prefixes).
public enum FirehoseNaming {
    /// Why a prefix expression cannot be evaluated.
    public struct ExpressionError: Error, Sendable, Equatable, CustomStringConvertible {
        /// What is wrong, in AWS's words where known.
        public var message: String
        /// An error with a message.
        public init(_ message: String) { self.message = message }
        /// The message, for logs.
        public var description: String { message }
    }

    /// The default time prefix, `YYYY/MM/dd/HH/`, of a UTC instant.
    public static func defaultPrefix(epochMillis: Int64) -> String {
        let t = UTCDateTime(epochMillis: epochMillis)
        return "\(pad(t.year, 4))/\(pad(t.month, 2))/\(pad(t.day, 2))/\(pad(t.hour, 2))/"
    }

    /// Whether `prefix` holds at least one `!{...}` expression.
    public static func hasExpressions(_ prefix: String) -> Bool { prefix.contains("!{") }

    /// Checks a prefix as CreateDeliveryStream does: expressions are well formed and in
    /// known namespaces; `error-output-type` only where `allowErrorOutputType`.
    public static func validate(_ prefix: String, allowErrorOutputType: Bool) throws(ExpressionError) {
        _ = try evaluate(prefix, epochMillis: 0, errorOutputType: allowErrorOutputType ? "x" : nil, random: { _ in 0 })
    }

    /// Evaluates a prefix for an object whose oldest record arrived at `epochMillis`.
    ///
    /// - Parameters:
    ///   - prefix: the configured prefix; nil or empty means the default time prefix.
    ///   - errorOutputType: the value of `!{firehose:error-output-type}`; nil where that
    ///     expression is not allowed (the main prefix).
    ///   - random: a uniformly random value in `0..<upperBound`, for `random-string`.
    public static func evaluate(
        _ prefix: String?, epochMillis: Int64, errorOutputType: String? = nil,
        random: (_ upperBound: Int) -> Int = { Int.random(in: 0..<$0) }
    ) throws(ExpressionError) -> String {
        guard let prefix, !prefix.isEmpty else { return defaultPrefix(epochMillis: epochMillis) }
        guard hasExpressions(prefix) else { return prefix + defaultPrefix(epochMillis: epochMillis) }
        let time = UTCDateTime(epochMillis: epochMillis)
        var out = ""
        var rest = Substring(prefix)
        while let open = expressionStart(rest) {
            out += rest[..<open]
            let body = rest[rest.index(open, offsetBy: 2)...]
            guard let close = body.firstIndex(of: "}") else {
                throw ExpressionError("The expression in the prefix is not closed: \(prefix)")
            }
            let expression = body[..<close]
            rest = body[body.index(after: close)...]
            guard let colon = expression.firstIndex(of: ":") else {
                throw ExpressionError("The expression !{\(expression)} has no namespace.")
            }
            let namespace = expression[..<colon]
            let value = expression[expression.index(after: colon)...]
            switch namespace {
            case "timestamp":
                out += try formatJavaDateTime(String(value), time)
            case "firehose":
                switch value {
                case "random-string":
                    out += randomString(count: 11, random: random)
                case "error-output-type":
                    guard let errorOutputType else {
                        throw ExpressionError(
                            "The expression !{firehose:error-output-type} is only allowed in ErrorOutputPrefix.")
                    }
                    out += errorOutputType
                default:
                    throw ExpressionError("The firehose namespace has no value \(value).")
                }
            default:
                throw ExpressionError("Unsupported namespace \(namespace) in the expression !{\(expression)}.")
            }
        }
        out += rest
        return out
    }

    /// Where the first `!{` in `text` starts.
    static func expressionStart(_ text: Substring) -> Substring.Index? {
        var i = text.startIndex
        while i < text.endIndex {
            let next = text.index(after: i)
            if text[i] == "!" && next < text.endIndex && text[next] == "{" { return i }
            i = next
        }
        return nil
    }

    /// The object key suffix: `<stream>-<version>-<yyyy-MM-dd-HH-mm-ss>-<uuid>[.gz]`.
    public static func suffix(
        stream: String, version: Int, epochMillis: Int64, uuid: String, gzip: Bool
    ) -> String {
        let t = UTCDateTime(epochMillis: epochMillis)
        let stamp = "\(pad(t.year, 4))-\(pad(t.month, 2))-\(pad(t.day, 2))-\(pad(t.hour, 2))-\(pad(t.minute, 2))-\(pad(t.second, 2))"
        return "\(stream)-\(version)-\(stamp)-\(uuid)" + (gzip ? ".gz" : "")
    }

    /// A random version-4 UUID in lower-case hex (``IdentifierRandom``: it runs several
    /// times per request, so it makes no system call).
    public static func uuidV4() -> String {
        let high = IdentifierRandom.next(), low = IdentifierRandom.next()
        return withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 16) { bytes in
            for i in 0..<16 { bytes[i] = UInt8(truncatingIfNeeded: (i < 8 ? high : low) >> (UInt64(i % 8) * 8)) }
            return uuidV4(bytes: UnsafeBufferPointer(bytes))
        }
    }

    /// A random version-4 UUID from `random` (a byte per call, for deterministic tests).
    public static func uuidV4(random: (_ upperBound: Int) -> Int) -> String {
        uuidV4(bytes: (0..<16).map { _ in UInt8(random(256)) })
    }

    /// The version-4 UUID text of 16 random bytes (version and variant bits set here).
    static func uuidV4(bytes: [UInt8]) -> String {
        bytes.withUnsafeBufferPointer { uuidV4(bytes: $0) }
    }

    private static func uuidV4(bytes: UnsafeBufferPointer<UInt8>) -> String {
        let hex = IdentifierRandom.hexDigits
        return String(unsafeUninitializedCapacity: 36) { out in
            var n = 0
            for i in 0..<16 {
                var b = bytes[i]
                if i == 6 { b = b & 0x0F | 0x40 }
                if i == 8 { b = b & 0x3F | 0x80 }
                if i == 4 || i == 6 || i == 8 || i == 10 {
                    out[n] = 0x2D
                    n += 1
                }
                out[n] = hex[Int(b >> 4)]
                out[n + 1] = hex[Int(b & 0xF)]
                n += 2
            }
            return n
        }
    }

    /// `count` random characters of `[A-Za-z0-9]`.
    static func randomString(count: Int, random: (Int) -> Int) -> String {
        let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789".utf8)
        return String(decoding: (0..<count).map { _ in alphabet[random(alphabet.count)] }, as: UTF8.self)
    }

    /// A Java `DateTimeFormatter` pattern over the fields Firehose prefixes use: `yyyy`,
    /// `yy`, `uuuu`, `MM`, `M`, `dd`, `d`, `HH`, `H`, `mm`, `m`, `ss`, `s`; `'text'` is
    /// literal, `''` is a quote, and characters outside `A-Za-z` are literal. Other
    /// pattern letters are an error rather than a silent guess.
    public static func formatJavaDateTime(_ pattern: String, _ t: UTCDateTime) throws(ExpressionError) -> String {
        let chars = Array(pattern)
        var out = ""
        var i = 0
        while i < chars.count {
            let c = chars[i]
            if c == "'" {
                if i + 1 < chars.count, chars[i + 1] == "'" {
                    out.append("'")
                    i += 2
                    continue
                }
                var j = i + 1
                while true {
                    guard j < chars.count else { throw ExpressionError("Unterminated quote in the timestamp pattern \(pattern).") }
                    if chars[j] == "'" {
                        if j + 1 < chars.count, chars[j + 1] == "'" {
                            out.append("'")
                            j += 2
                            continue
                        }
                        break
                    }
                    out.append(chars[j])
                    j += 1
                }
                i = j + 1
                continue
            }
            guard c.isASCII, c.isLetter else {
                out.append(c)
                i += 1
                continue
            }
            var n = 1
            while i + n < chars.count, chars[i + n] == c { n += 1 }
            i += n
            switch (c, n) {
            case ("y", 2), ("u", 2): out += pad(t.year % 100, 2)
            case ("y", _), ("u", _): out += pad(t.year, n)
            case ("M", 1...2): out += pad(t.month, n)
            case ("d", 1...2): out += pad(t.day, n)
            case ("H", 1...2): out += pad(t.hour, n)
            case ("m", 1...2): out += pad(t.minute, n)
            case ("s", 1...2): out += pad(t.second, n)
            default:
                throw ExpressionError("Unsupported pattern letters \(String(repeating: c, count: n)) in the timestamp pattern \(pattern).")
            }
        }
        return out
    }

    /// `v` in decimal, zero-padded to `width` digits.
    static func pad(_ v: Int, _ width: Int) -> String {
        let s = String(v)
        return s.count >= width ? s : String(repeating: "0", count: width - s.count) + s
    }
}
