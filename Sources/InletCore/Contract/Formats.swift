/// The `format` values the contract asserts. Other formats are annotations and ignored.
enum Format: UInt8, Sendable {
    case dateTime
    case uuid
    case email

    init?(name: String) {
        switch name {
        case "date-time": self = .dateTime
        case "uuid": self = .uuid
        case "email": self = .email
        default: return nil
        }
    }

    var message: String {
        switch self {
        case .dateTime: "must be an RFC 3339 date-time such as \"2024-05-01T12:30:00Z\""
        case .uuid: "must be a UUID such as \"2eb8aa08-aa98-11ea-b4aa-73b441d16380\""
        case .email: "must be an e-mail address"
        }
    }

    /// Whether the decoded UTF-8 text `s` has this format.
    func matches(_ s: UnsafeBufferPointer<UInt8>) -> Bool {
        switch self {
        case .dateTime: FormatCheck.isDateTime(s)
        case .uuid: FormatCheck.isUUID(s)
        case .email: FormatCheck.isEmail(s)
        }
    }
}

enum FormatCheck {
    @inline(__always)
    static func isDigit(_ c: UInt8) -> Bool { c >= 0x30 && c <= 0x39 }

    @inline(__always)
    static func isHex(_ c: UInt8) -> Bool {
        isDigit(c) || (c >= 0x41 && c <= 0x46) || (c >= 0x61 && c <= 0x66)
    }

    @inline(__always)
    static func isAlpha(_ c: UInt8) -> Bool { (c | 0x20) >= 0x61 && (c | 0x20) <= 0x7A }

    /// Reads `n` ASCII digits at `k` as a number, or nil.
    static func number(_ s: UnsafeBufferPointer<UInt8>, _ k: Int, _ n: Int) -> Int? {
        guard k + n <= s.count else { return nil }
        var v = 0
        for j in k..<k + n {
            guard isDigit(s[j]) else { return nil }
            v = v * 10 + Int(s[j] - 0x30)
        }
        return v
    }

    // MARK: date-time (RFC 3339 §5.6)

    static func isDateTime(_ s: UnsafeBufferPointer<UInt8>) -> Bool {
        // full-date "T" partial-time time-offset
        guard s.count >= 20,
            let year = number(s, 0, 4), s[4] == 0x2D,
            let month = number(s, 5, 2), s[7] == 0x2D,
            let day = number(s, 8, 2),
            s[10] == 0x54 || s[10] == 0x74,
            let hour = number(s, 11, 2), s[13] == 0x3A,
            let minute = number(s, 14, 2), s[16] == 0x3A,
            let second = number(s, 17, 2)
        else { return false }
        guard month >= 1 && month <= 12, day >= 1 && day <= daysIn(month: month, year: year),
            hour <= 23, minute <= 59, second <= 60
        else { return false }
        var k = 19
        if k < s.count && s[k] == 0x2E {
            k += 1
            let digits = k
            while k < s.count && isDigit(s[k]) { k += 1 }
            guard k > digits else { return false }
        }
        guard k < s.count else { return false }
        var offsetMinutes = 0
        switch s[k] {
        case 0x5A, 0x7A:  // Z z
            k += 1
        case 0x2B, 0x2D:  // + -
            guard let oh = number(s, k + 1, 2), k + 3 < s.count, s[k + 3] == 0x3A, let om = number(s, k + 4, 2),
                oh <= 23, om <= 59
            else { return false }
            offsetMinutes = (oh * 60 + om) * (s[k] == 0x2B ? 1 : -1)
            k += 6
        default:
            return false
        }
        guard k == s.count else { return false }
        if second == 60 {
            // A leap second is only ever inserted at 23:59:60 UTC.
            let utc = ((hour * 60 + minute - offsetMinutes) % 1440 + 1440) % 1440
            return utc == 23 * 60 + 59
        }
        return true
    }

    static func daysIn(month: Int, year: Int) -> Int {
        switch month {
        case 2: (year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)) ? 29 : 28
        case 4, 6, 9, 11: 30
        default: 31
        }
    }

    // MARK: uuid (RFC 9562 §4)

    static func isUUID(_ s: UnsafeBufferPointer<UInt8>) -> Bool {
        guard s.count == 36 else { return false }
        for k in 0..<36 {
            if k == 8 || k == 13 || k == 18 || k == 23 {
                guard s[k] == 0x2D else { return false }
            } else if !isHex(s[k]) {
                return false
            }
        }
        return true
    }

    // MARK: email (RFC 5321 §4.1.2 Mailbox)

    static func isEmail(_ s: UnsafeBufferPointer<UInt8>) -> Bool {
        guard s.count <= 320, let at = s.lastIndex(of: 0x40) else { return false }
        let local = UnsafeBufferPointer(rebasing: s[0..<at])
        let domain = UnsafeBufferPointer(rebasing: s[(at + 1)...])
        return isLocalPart(local) && isMailDomain(domain)
    }

    static func isAtext(_ c: UInt8) -> Bool {
        if isAlpha(c) || isDigit(c) { return true }
        switch c {
        case 0x21, 0x23, 0x24, 0x25, 0x26, 0x27, 0x2A, 0x2B, 0x2D, 0x2F, 0x3D, 0x3F, 0x5E, 0x5F, 0x60, 0x7B, 0x7C,
            0x7D, 0x7E:
            return true
        default:
            return false
        }
    }

    static func isLocalPart(_ s: UnsafeBufferPointer<UInt8>) -> Bool {
        guard !s.isEmpty, s.count <= 64 else { return false }
        if s[0] == 0x22 {
            // Quoted-string: printable ASCII, with \ quoting one printable character.
            guard s.count >= 2, s[s.count - 1] == 0x22 else { return false }
            var k = 1
            while k < s.count - 1 {
                let c = s[k]
                if c == 0x5C {
                    guard k + 1 < s.count - 1, s[k + 1] >= 0x20 && s[k + 1] <= 0x7E else { return false }
                    k += 2
                    continue
                }
                guard c >= 0x20 && c <= 0x7E && c != 0x22 else { return false }
                k += 1
            }
            return true
        }
        // Dot-string: atoms of atext separated by single dots.
        var previousDot = true
        for c in s {
            if c == 0x2E {
                if previousDot { return false }
                previousDot = true
            } else if isAtext(c) {
                previousDot = false
            } else {
                return false
            }
        }
        return !previousDot
    }

    static func isMailDomain(_ s: UnsafeBufferPointer<UInt8>) -> Bool {
        guard !s.isEmpty else { return false }
        if s[0] == 0x5B {
            guard s.count >= 2, s[s.count - 1] == 0x5D else { return false }
            let literal = UnsafeBufferPointer(rebasing: s[1..<(s.count - 1)])
            if literal.count >= 5, literal[0] | 0x20 == 0x69, literal[1] | 0x20 == 0x70, literal[2] | 0x20 == 0x76,
                literal[3] == 0x36, literal[4] == 0x3A
            {
                return isIPv6(UnsafeBufferPointer(rebasing: literal[5...]))
            }
            return isIPv4(literal)
        }
        return isHostname(s)
    }

    /// A DNS name of letters, digits and hyphens (RFC 1123 §2.1).
    static func isHostname(_ s: UnsafeBufferPointer<UInt8>) -> Bool {
        guard !s.isEmpty, s.count <= 253 else { return false }
        var labelLength = 0
        var previous: UInt8 = 0x2E
        for c in s {
            if c == 0x2E {
                guard labelLength > 0, previous != 0x2D else { return false }
                labelLength = 0
            } else if isAlpha(c) || isDigit(c) || c == 0x2D {
                if c == 0x2D && labelLength == 0 { return false }
                labelLength += 1
                guard labelLength <= 63 else { return false }
            } else {
                return false
            }
            previous = c
        }
        return labelLength > 0 && previous != 0x2D
    }

    /// Dotted-quad IPv4 without leading zeros.
    static func isIPv4(_ s: UnsafeBufferPointer<UInt8>) -> Bool {
        var parts = 0
        var k = 0
        while true {
            let start = k
            var value = 0
            while k < s.count && isDigit(s[k]) && k - start < 3 {
                value = value * 10 + Int(s[k] - 0x30)
                k += 1
            }
            let length = k - start
            guard length > 0, value <= 255, length == 1 || s[start] != 0x30 else { return false }
            parts += 1
            if parts == 4 { return k == s.count }
            guard k < s.count, s[k] == 0x2E else { return false }
            k += 1
        }
    }

    /// IPv6 text per RFC 4291 §2.2, with at most one "::" and an optional IPv4 tail.
    static func isIPv6(_ s: UnsafeBufferPointer<UInt8>) -> Bool {
        guard !s.isEmpty else { return false }
        var groups = 0
        var compressed = false
        var k = 0
        if s.count >= 2 && s[0] == 0x3A && s[1] == 0x3A {
            compressed = true
            k = 2
            if k == s.count { return true }
        } else if s[0] == 0x3A {
            return false
        }
        while k < s.count {
            let start = k
            while k < s.count && isHex(s[k]) && k - start < 5 { k += 1 }
            let length = k - start
            if k < s.count && s[k] == 0x2E {
                // An IPv4 tail stands for the last two groups.
                guard isIPv4(UnsafeBufferPointer(rebasing: s[start...])) else { return false }
                groups += 2
                k = s.count
                break
            }
            guard length >= 1 && length <= 4 else { return false }
            groups += 1
            if k == s.count { break }
            guard s[k] == 0x3A else { return false }
            k += 1
            if k < s.count && s[k] == 0x3A {
                guard !compressed else { return false }
                compressed = true
                k += 1
                if k == s.count { break }
            } else if k == s.count {
                return false
            }
        }
        return compressed ? groups <= 7 : groups == 8
    }
}
