import InletCore

/// Builds S3's XML documents and the headers that go with them.
enum S3XML {
    static let namespace = "http://s3.amazonaws.com/doc/2006-03-01/"
    static let declaration = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"

    /// `<name>escaped text</name>`.
    static func element(_ name: String, _ text: String) -> String {
        "<\(name)>\(escape(text))</\(name)>"
    }

    /// `text` with `& < > " '` escaped, and control characters XML 1.0 cannot carry written
    /// as character references (clients that need them exactly ask for `EncodingType=url`).
    static func escape(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count)
        for scalar in text.unicodeScalars {
            switch scalar {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&apos;"
            default:
                if scalar.value < 0x20 && scalar != "\t" && scalar != "\n" {
                    out += "&#x" + String(scalar.value, radix: 16, uppercase: true) + ";"
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        return out
    }

    /// The raw contents of every `<name>…</name>` (or `<name attr…>…</name>`) in `text`, in order;
    /// enough for the flat request documents S3 clients send (DeleteObjects).
    static func elements(_ name: String, in text: String) -> [String] {
        var out: [String] = []
        var rest = Substring(text)
        while let open = rest.firstRange(of: "<" + name) {
            let afterName = rest[open.upperBound...]
            guard let first = afterName.first, first == ">" || first == " " || first == "/",
                let close = afterName.firstIndex(of: ">")
            else {
                rest = afterName
                continue
            }
            if afterName[..<close].hasSuffix("/") {  // <name/>
                out.append("")
                rest = afterName[afterName.index(after: close)...]
                continue
            }
            let content = afterName[afterName.index(after: close)...]
            guard let end = content.firstRange(of: "</" + name + ">") else { break }
            out.append(String(content[..<end.lowerBound]))
            rest = content[end.upperBound...]
        }
        return out
    }

    /// `text` with the five predefined entities and numeric character references decoded.
    static func unescape(_ text: String) -> String {
        guard text.contains("&") else { return text }
        var out = ""
        var rest = Substring(text)
        while let amp = rest.firstIndex(of: "&") {
            out += rest[..<amp]
            let after = rest[rest.index(after: amp)...]
            guard let semicolon = after.firstIndex(of: ";"), after.distance(from: after.startIndex, to: semicolon) <= 10 else {
                out += "&"
                rest = after
                continue
            }
            let entity = after[..<semicolon]
            var decoded: String?
            switch entity {
            case "amp": decoded = "&"
            case "lt": decoded = "<"
            case "gt": decoded = ">"
            case "quot": decoded = "\""
            case "apos": decoded = "'"
            default:
                var scalarValue: UInt32?
                if entity.hasPrefix("#x") || entity.hasPrefix("#X") {
                    scalarValue = UInt32(entity.dropFirst(2), radix: 16)
                } else if entity.hasPrefix("#") {
                    scalarValue = UInt32(entity.dropFirst(1))
                }
                decoded = scalarValue.flatMap(Unicode.Scalar.init).map { String(Character($0)) }
            }
            if let decoded {
                out += decoded
                rest = after[after.index(after: semicolon)...]
            } else {
                out += "&"
                rest = after
            }
        }
        out += rest
        return out
    }

    /// A 200 (or `status`) response with an XML document.
    static func response(_ document: String, status: Int = 200, requestId: String) -> LocalResponse {
        let body = Array((declaration + document).utf8)
        return LocalResponse(
            status: status,
            headers: HTTPHeaders([
                ("Content-Type", "application/xml"), ("Content-Length", String(body.count)),
                ("x-amz-request-id", requestId), ("x-amz-id-2", requestId),
            ]),
            body: body)
    }

    /// S3's `<Error>` document with the given children in order; HEAD answers carry no body.
    static func errorResponse(status: Int, fields: [(String, String)], requestId: String, method: String)
        -> LocalResponse
    {
        var document = "<Error>"
        for (name, value) in fields { document += element(name, value) }
        document += "</Error>"
        var response = response(document, status: status, requestId: requestId)
        if method == "HEAD" {
            response.body = []
            response.headers["Content-Length"] = "0"
        }
        return response
    }

    /// `Sun, 06 Nov 1994 08:49:37 GMT` (RFC 1123, as `Last-Modified` carries it).
    static func httpDate(milliseconds: Int64) -> String {
        let (days, second) = floorDivide(floorDivide(milliseconds, 1000).quotient, 86_400)
        let (year, month, day) = civil(days)
        let weekday = Int((days % 7 + 11) % 7)  // 1970-01-01 was a Thursday.
        return weekdays[weekday] + ", " + pad(day, 2) + " " + months[Int(month) - 1] + " " + pad(year, 4) + " "
            + pad(second / 3600, 2) + ":" + pad(second / 60 % 60, 2) + ":" + pad(second % 60, 2) + " GMT"
    }

    /// `2026-11-27T09:19:01.000Z` (ISO 8601 with milliseconds, as listings carry it).
    static func isoDate(milliseconds: Int64) -> String {
        let (seconds, millis) = floorDivide(milliseconds, 1000)
        let (days, second) = floorDivide(seconds, 86_400)
        let (year, month, day) = civil(days)
        return pad(year, 4) + "-" + pad(month, 2) + "-" + pad(day, 2) + "T" + pad(second / 3600, 2) + ":"
            + pad(second / 60 % 60, 2) + ":" + pad(second % 60, 2) + "." + pad(millis, 3) + "Z"
    }

    private static let weekdays = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"]
    private static let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]

    private static func pad(_ value: Int64, _ width: Int) -> String {
        let text = String(value)
        return String(repeating: "0", count: max(0, width - text.count)) + text
    }

    private static func floorDivide(_ value: Int64, _ divisor: Int64) -> (quotient: Int64, remainder: Int64) {
        let (q, r) = value.quotientAndRemainder(dividingBy: divisor)
        return r < 0 ? (q - 1, r + divisor) : (q, r)
    }

    // Howard Hinnant's civil_from_days.
    private static func civil(_ days: Int64) -> (year: Int64, month: Int64, day: Int64) {
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let mp = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        return (yearOfEra + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }
}
