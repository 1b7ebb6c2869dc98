/// A UTC instant with one-second resolution, the only clock SigV4 knows.
///
/// The signer and verifier never read the system clock: callers pass a
/// `SigV4Date`, so every signature is reproducible.
public struct SigV4Date: Sendable, Hashable, Comparable, CustomStringConvertible {
    /// Seconds since 1970-01-01T00:00:00Z (negative before it).
    public var secondsSince1970: Int64

    /// The instant `secondsSince1970` seconds after the Unix epoch.
    public init(secondsSince1970: Int64) {
        self.secondsSince1970 = secondsSince1970
    }

    /// The instant written in the SigV4 basic format `yyyyMMdd'T'HHmmss'Z'`
    /// (as in `X-Amz-Date`), or nil when `amzDate` is not exactly that.
    public init?(amzDate: some StringProtocol) {
        let bytes = Array(amzDate.utf8)
        guard bytes.count == 16, bytes[8] == UInt8(ascii: "T"), bytes[15] == UInt8(ascii: "Z"),
            let year = Self.number(bytes[0..<4]), let month = Self.number(bytes[4..<6]),
            let day = Self.number(bytes[6..<8]), let hour = Self.number(bytes[9..<11]),
            let minute = Self.number(bytes[11..<13]), let second = Self.number(bytes[13..<15])
        else { return nil }
        self.init(year: year, month: month, day: day, hour: hour, minute: minute, second: second)
    }

    /// The instant in an HTTP `Date` header (IMF-fixdate, `Sun, 06 Nov 1994 08:49:37 GMT`),
    /// which SigV4 accepts in place of `X-Amz-Date`; nil for any other format.
    public init?(httpDate: some StringProtocol) {
        let bytes = Array(httpDate.utf8)
        guard bytes.count == 29, bytes[3] == UInt8(ascii: ","), bytes[4] == 32, bytes[7] == 32,
            bytes[11] == 32, bytes[16] == 32, bytes[19] == UInt8(ascii: ":"), bytes[22] == UInt8(ascii: ":"),
            bytes[25] == 32, bytes[26...28].elementsEqual("GMT".utf8),
            let day = Self.number(bytes[5..<7]), let year = Self.number(bytes[12..<16]),
            let hour = Self.number(bytes[17..<19]), let minute = Self.number(bytes[20..<22]),
            let second = Self.number(bytes[23..<25]),
            let monthIndex = Self.monthNames.firstIndex(where: { $0.elementsEqual(bytes[8..<11]) })
        else { return nil }
        self.init(year: year, month: monthIndex + 1, day: day, hour: hour, minute: minute, second: second)
    }

    private init?(year: Int, month: Int, day: Int, hour: Int, minute: Int, second: Int) {
        guard (1...12).contains(month), (1...Self.daysIn(month: month, year: year)).contains(day),
            (0...23).contains(hour), (0...59).contains(minute), (0...60).contains(second)
        else { return nil }
        let days = Self.daysFromCivil(year: Int64(year), month: Int64(month), day: Int64(day))
        secondsSince1970 = days * 86_400 + Int64(hour * 3600 + minute * 60 + second)
    }

    /// The `X-Amz-Date` form, `yyyyMMdd'T'HHmmss'Z'`, e.g. `20150830T123600Z`.
    public var amzDate: String {
        var out = [UInt8]()
        out.reserveCapacity(16)
        appendAmzDate(to: &out)
        return String(decoding: out, as: UTF8.self)
    }

    /// The credential-scope date, `yyyyMMdd`, e.g. `20150830`.
    public var dateStamp: String {
        String(amzDate.prefix(8))
    }

    /// The `X-Amz-Date` form.
    public var description: String { amzDate }

    /// Whether `lhs` is earlier than `rhs`.
    public static func < (lhs: SigV4Date, rhs: SigV4Date) -> Bool {
        lhs.secondsSince1970 < rhs.secondsSince1970
    }

    /// Appends `yyyyMMdd'T'HHmmss'Z'` to `out` with plain arithmetic.
    func appendAmzDate(to out: inout [UInt8]) {
        let (days, secondOfDay) = secondsSince1970.floorDividedBy(86_400)
        let (year, month, day) = Self.civilFromDays(days)
        appendDigits(Int(year), count: 4, to: &out)
        appendDigits(Int(month), count: 2, to: &out)
        appendDigits(Int(day), count: 2, to: &out)
        out.append(UInt8(ascii: "T"))
        appendDigits(Int(secondOfDay / 3600), count: 2, to: &out)
        appendDigits(Int(secondOfDay / 60 % 60), count: 2, to: &out)
        appendDigits(Int(secondOfDay % 60), count: 2, to: &out)
        out.append(UInt8(ascii: "Z"))
    }

    private func appendDigits(_ value: Int, count: Int, to out: inout [UInt8]) {
        var divisor = 1
        for _ in 1..<count { divisor *= 10 }
        var rest = value
        // Years outside 0...9999 cannot be written in four digits; clamp rather than misprint.
        if rest < 0 { rest = 0 }
        if rest >= divisor * 10 { rest = divisor * 10 - 1 }
        while divisor > 0 {
            out.append(UInt8(ascii: "0") + UInt8(rest / divisor))
            rest %= divisor
            divisor /= 10
        }
    }

    private static let monthNames = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
        .map { Array($0.utf8) }

    private static func number(_ digits: ArraySlice<UInt8>) -> Int? {
        var value = 0
        for byte in digits {
            guard byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") else { return nil }
            value = value * 10 + Int(byte - UInt8(ascii: "0"))
        }
        return value
    }

    private static func daysIn(month: Int, year: Int) -> Int {
        switch month {
        case 2: return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }

    // Howard Hinnant's days_from_civil / civil_from_days (proleptic Gregorian).
    static func daysFromCivil(year: Int64, month: Int64, day: Int64) -> Int64 {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yearOfEra = y - era * 400
        let dayOfYear = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }

    static func civilFromDays(_ days: Int64) -> (year: Int64, month: Int64, day: Int64) {
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

extension Int64 {
    /// Quotient and non-negative remainder (floor division), so times before 1970 format correctly.
    fileprivate func floorDividedBy(_ divisor: Int64) -> (quotient: Int64, remainder: Int64) {
        let (q, r) = quotientAndRemainder(dividingBy: divisor)
        return r < 0 ? (q - 1, r + divisor) : (q, r)
    }
}
