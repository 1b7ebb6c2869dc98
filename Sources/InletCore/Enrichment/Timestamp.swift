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
        out.append(writing: iso8601Count) { writeISO8601(&$0) }
    }

    /// The length of the ISO 8601 text: 24 bytes for years 0-9999, more after.
    var iso8601Count: Int { 20 + ByteWriter.decimalCount(Swift.max(0, year), width: 4) }

    /// Writes the ISO 8601 text; years before 0 are written as 0000.
    func writeISO8601(_ w: inout ByteWriter) {
        let year = Swift.max(0, self.year)
        if year < 10000 {
            w.putTwoDigits(year / 100)
            w.putTwoDigits(year % 100)
        } else {
            w.putDecimal(year, width: 4)
        }
        w.put(0x2D)
        w.putTwoDigits(month)
        w.put(0x2D)
        w.putTwoDigits(day)
        w.put(0x54)
        w.putTwoDigits(hour)
        w.put(0x3A)
        w.putTwoDigits(minute)
        w.put(0x3A)
        w.putTwoDigits(second)
        w.put(0x2E)
        w.put(UInt8(truncatingIfNeeded: 0x30 + millisecond / 100))
        w.putTwoDigits(millisecond % 100)
        w.put(0x5A)
    }
}
