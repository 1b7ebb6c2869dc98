/// Low-level helpers for JSON text: UTF-8 checks, string decoding and escaping.
public enum JSONText {
    /// The length of the well-formed UTF-8 sequence at `j`, or nil (Unicode Table 3-7).
    @inlinable
    public static func utf8SequenceLength(_ p: UnsafePointer<UInt8>, at j: Int, end: Int) -> Int? {
        let c0 = p[j]
        @inline(__always) func cont(_ k: Int, _ lo: UInt8 = 0x80, _ hi: UInt8 = 0xBF) -> Bool {
            j + k < end && p[j + k] >= lo && p[j + k] <= hi
        }
        switch c0 {
        case 0x00...0x7F: return 1
        case 0xC2...0xDF: return cont(1) ? 2 : nil
        case 0xE0: return cont(1, 0xA0) && cont(2) ? 3 : nil
        case 0xE1...0xEC, 0xEE...0xEF: return cont(1) && cont(2) ? 3 : nil
        case 0xED: return cont(1, 0x80, 0x9F) && cont(2) ? 3 : nil
        case 0xF0: return cont(1, 0x90) && cont(2) && cont(3) ? 4 : nil
        case 0xF1...0xF3: return cont(1) && cont(2) && cont(3) ? 4 : nil
        case 0xF4: return cont(1, 0x80, 0x8F) && cont(2) && cont(3) ? 4 : nil
        default: return nil
        }
    }

    /// Whether `bytes` are well-formed UTF-8.
    public static func isValidUTF8(_ bytes: ArraySlice<UInt8>) -> Bool {
        bytes.withUnsafeBufferPointer { b in
            guard let p = b.baseAddress else { return true }
            var j = 0
            while j < b.count {
                if p[j] < 0x80 { j += 1; continue }
                guard let n = utf8SequenceLength(p, at: j, end: b.count) else { return false }
                j += n
            }
            return true
        }
    }

    /// Decodes the content of a validated JSON string (without its quotes).
    public static func decodeString(_ raw: UnsafeBufferPointer<UInt8>) -> String {
        guard raw.contains(0x5C) else { return String(decoding: raw, as: UTF8.self) }
        var out: [UInt8] = []
        out.reserveCapacity(raw.count)
        var j = 0
        let n = raw.count
        func hex(_ k: Int) -> UInt32 {
            var v: UInt32 = 0
            for m in 0..<4 where k + m < n {
                let c = raw[k + m]
                let d: UInt32 =
                    c <= 0x39 ? UInt32(c) - 0x30 : (c <= 0x46 ? UInt32(c) - 0x41 + 10 : UInt32(c) - 0x61 + 10)
                v = v << 4 | d
            }
            return v
        }
        while j < n {
            let c = raw[j]
            if c != 0x5C {
                out.append(c)
                j += 1
                continue
            }
            guard j + 1 < n else { break }
            let e = raw[j + 1]
            j += 2
            switch e {
            case 0x62: out.append(0x08)
            case 0x66: out.append(0x0C)
            case 0x6E: out.append(0x0A)
            case 0x72: out.append(0x0D)
            case 0x74: out.append(0x09)
            case 0x75:
                var scalar = hex(j)
                j += 4
                if scalar >= 0xD800 && scalar <= 0xDBFF && j + 6 <= n {
                    let low = hex(j + 2)
                    scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                    j += 6
                }
                appendUTF8(Unicode.Scalar(scalar) ?? "\u{FFFD}", to: &out)
            default: out.append(e)
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    @inlinable
    static func appendUTF8(_ scalar: Unicode.Scalar, to out: inout [UInt8]) {
        let v = scalar.value
        switch v {
        case 0..<0x80: out.append(UInt8(v))
        case 0x80..<0x800:
            out.append(UInt8(0xC0 | (v >> 6)))
            out.append(UInt8(0x80 | (v & 0x3F)))
        case 0x800..<0x10000:
            out.append(UInt8(0xE0 | (v >> 12)))
            out.append(UInt8(0x80 | ((v >> 6) & 0x3F)))
            out.append(UInt8(0x80 | (v & 0x3F)))
        default:
            out.append(UInt8(0xF0 | (v >> 18)))
            out.append(UInt8(0x80 | ((v >> 12) & 0x3F)))
            out.append(UInt8(0x80 | ((v >> 6) & 0x3F)))
            out.append(UInt8(0x80 | (v & 0x3F)))
        }
    }

    private static let hexDigits: [UInt8] = Array("0123456789abcdef".utf8)

    /// Appends `s` as a quoted JSON string, escaping what RFC 8259 requires.
    @inlinable
    public static func appendQuoted(_ s: String, to out: inout [UInt8]) {
        var s = s
        s.withUTF8 { appendQuoted(bytes: $0, to: &out) }
    }

    /// Appends well-formed UTF-8 `bytes` as a quoted JSON string.
    /// The length of `bytes` written by ``appendQuoted(bytes:to:)``: the quotes, two bytes
    /// for `"`, `\\` and the named controls, six for the other controls.
    public static func quotedLength(bytes: UnsafeBufferPointer<UInt8>) -> Int {
        var length = bytes.count + 2
        for c in bytes where c < 0x20 || c == 0x22 || c == 0x5C {
            switch c {
            case 0x22, 0x5C, 0x0A, 0x0D, 0x09, 0x08, 0x0C: length += 1
            default: length += 5
            }
        }
        return length
    }

    public static func appendQuoted(bytes: UnsafeBufferPointer<UInt8>, to out: inout [UInt8]) {
        out.append(0x22)
        var runStart = 0
        for (k, c) in bytes.enumerated() where c < 0x20 || c == 0x22 || c == 0x5C {
            if runStart < k { out.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[runStart..<k])) }
            runStart = k + 1
            out.append(0x5C)
            switch c {
            case 0x22: out.append(0x22)
            case 0x5C: out.append(0x5C)
            case 0x0A: out.append(0x6E)
            case 0x0D: out.append(0x72)
            case 0x09: out.append(0x74)
            case 0x08: out.append(0x62)
            case 0x0C: out.append(0x66)
            default:
                out.append(contentsOf: [0x75, 0x30, 0x30, hexDigits[Int(c >> 4)], hexDigits[Int(c & 0xF)]])
            }
        }
        if runStart < bytes.count {
            out.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[runStart...]))
        }
        out.append(0x22)
    }
}
