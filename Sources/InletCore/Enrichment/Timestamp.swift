/// UTC calendar arithmetic without Foundation (Howard Hinnant's civil-from-days).
public struct UTCDateTime: Sendable, Equatable {
    /// Calendar fields.
    public var year: Int, month: Int, day: Int, hour: Int, minute: Int, second: Int, millisecond: Int

    /// The UTC date and time of `millis` since the Unix epoch.
    public init(epochMillis millis: Int64) {
        let ms = Int(millis)
        var days = ms >= 0 ? ms / 86_400_000 : (ms - 86_399_999) / 86_400_000
        let msOfDay = ms - days * 86_400_000
        hour = msOfDay / 3_600_000
        minute = msOfDay / 60_000 % 60
        second = msOfDay / 1000 % 60
        millisecond = msOfDay % 1000
        days += 719_468
        let era = (days >= 0 ? days : days - 146_096) / 146_097
        let doe = days - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        day = doy - (153 * mp + 2) / 5 + 1
        month = mp < 10 ? mp + 3 : mp - 9
        year = yoe + era * 400 + (month <= 2 ? 1 : 0)
    }

    /// Days since the Unix epoch of a proleptic Gregorian date.
    public static func daysFromCivil(year: Int, month: Int, day: Int) -> Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let doy = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }

    /// ISO 8601 with milliseconds, e.g. `2026-11-27T09:19:01.123Z`.
    public var iso8601: String {
        var out: [UInt8] = []
        appendISO8601(to: &out)
        return String(decoding: out, as: UTF8.self)
    }

    /// Appends the ISO 8601 text (24 bytes for years 0-9999) to `out`.
    public func appendISO8601(to out: inout [UInt8]) {
        @inline(__always) func digits(_ v: Int, _ width: Int, _ out: inout [UInt8]) {
            var divisor = 1
            for _ in 1..<width { divisor *= 10 }
            var v = max(0, v)
            if v >= divisor * 10 { out.append(contentsOf: String(v / divisor / 10).utf8); v %= divisor * 10 }
            while divisor > 0 {
                out.append(UInt8(0x30 + v / divisor % 10))
                divisor /= 10
            }
        }
        digits(year, 4, &out)
        out.append(0x2D)
        digits(month, 2, &out)
        out.append(0x2D)
        digits(day, 2, &out)
        out.append(0x54)
        digits(hour, 2, &out)
        out.append(0x3A)
        digits(minute, 2, &out)
        out.append(0x3A)
        digits(second, 2, &out)
        out.append(0x2E)
        digits(millisecond, 3, &out)
        out.append(0x5A)
    }
}
