/// Exact arithmetic on JSON number text, so that contract bounds, `multipleOf`,
/// `const` and `enum` compare numbers by value without rounding through `Double`.
///
/// A non-zero number is held as `±0.d₁d₂…dₙ × 10^exponent` with `d₁ ≠ 0` and
/// `dₙ ≠ 0`; zero has no digits. Exponents are clamped to ±2⁵⁰, far beyond any
/// value a sender can mean, so that `1e999999999999999999` cannot overflow.

/// Digits of a JSON number read straight from its text, without allocating.
struct NumberView {
    /// Base of the text the offsets point into.
    let p: UnsafePointer<UInt8>
    /// Whether the text starts with a minus sign (also for `-0`).
    var negative = false
    /// Offset of the first significant (non-zero) digit; `-1` for zero.
    var first = -1
    /// The offset of the decimal point, or `Int.max` when there is none.
    var dot = Int.max
    /// Number of significant digits.
    var count = 0
    /// The adjusted exponent: the value is `0.d₁d₂… × 10^exponent`.
    var exponent = 0
    /// The text's range.
    let start: Int
    let end: Int

    static let exponentLimit = 1 << 50

    /// Reads the number text in `start..<end`, which the parser has already checked.
    init(_ p: UnsafePointer<UInt8>, _ start: Int, _ end: Int) {
        self.p = p
        self.start = start
        self.end = end
        var k = start
        if p[k] == 0x2D {
            negative = true
            k += 1
        }
        let intStart = k
        while k < end && p[k] >= 0x30 && p[k] <= 0x39 { k += 1 }
        let intEnd = k
        var fracStart = k
        var fracEnd = k
        if k < end && p[k] == 0x2E {
            dot = k
            k += 1
            fracStart = k
            while k < end && p[k] >= 0x30 && p[k] <= 0x39 { k += 1 }
            fracEnd = k
        }
        var exp = 0
        if k < end && (p[k] == 0x65 || p[k] == 0x45) {
            k += 1
            var expNegative = false
            if p[k] == 0x2D {
                expNegative = true
                k += 1
            } else if p[k] == 0x2B {
                k += 1
            }
            while k < end {
                exp = Swift.min(exp * 10 + Int(p[k] - 0x30), Self.exponentLimit)
                k += 1
            }
            if expNegative { exp = -exp }
        }
        // First and last non-zero digits.
        var f = -1
        var m = intStart
        while m < intEnd {
            if p[m] != 0x30 {
                f = m
                break
            }
            m += 1
        }
        if f < 0 {
            m = fracStart
            while m < fracEnd {
                if p[m] != 0x30 {
                    f = m
                    break
                }
                m += 1
            }
        }
        guard f >= 0 else { return }  // zero
        var l = fracEnd - 1
        while l >= fracStart && p[l] == 0x30 { l -= 1 }
        if l < fracStart {
            l = intEnd - 1
            while p[l] == 0x30 { l -= 1 }
        }
        first = f
        count = l - f + 1 - (f < intEnd && l >= fracStart ? 1 : 0)
        exponent = f < intEnd ? intEnd - f + exp : -(f - fracStart) + exp
        exponent = Swift.max(-Self.exponentLimit, Swift.min(Self.exponentLimit, exponent))
    }

    var isZero: Bool { first < 0 }

    /// The `k`-th significant digit (0-based).
    @inline(__always)
    func digit(_ k: Int) -> UInt8 {
        let offset = first + k
        return p[offset >= dot && first < dot ? offset + 1 : offset] &- 0x30
    }

    /// Whether the value has no fractional part.
    var isInteger: Bool { isZero || exponent >= count }
}

/// A number from a schema, kept exactly.
struct ExactDecimal: Sendable, Equatable {
    var negative: Bool
    /// Significant digits, 0...9 each, without leading or trailing zeros.
    var digits: [UInt8]
    var exponent: Int

    /// Reads validated JSON number text.
    init(text: UnsafeBufferPointer<UInt8>) {
        let view = NumberView(text.baseAddress!, 0, text.count)
        negative = view.negative && !view.isZero
        digits = (0..<view.count).map { view.digit($0) }
        exponent = view.isZero ? 0 : view.exponent
    }

    var isZero: Bool { digits.isEmpty }
    var isInteger: Bool { isZero || exponent >= digits.count }

    /// The integer part of the magnitude, saturated to `Int.max`, for counts such as `minLength`.
    var saturatedMagnitude: Int {
        if isZero || exponent <= 0 { return 0 }
        if exponent > 18 { return Int.max }
        var v = 0
        for k in 0..<exponent { v = v * 10 + Int(k < digits.count ? digits[k] : 0) }
        return v
    }

    /// The largest integer not above the value, when it is small (|v| < 10¹⁸).
    var floorInt64: Int64? {
        if isZero { return 0 }
        guard exponent <= 18 else { return nil }
        var v: Int64 = 0
        for k in 0..<Swift.max(exponent, 0) { v = v * 10 + Int64(k < digits.count ? digits[k] : 0) }
        let fractional = !isInteger
        if negative { return fractional ? -v - 1 : -v }
        return v
    }

    /// The smallest integer not below the value, when it is small (|v| < 10¹⁸).
    var ceilInt64: Int64? {
        if isZero { return 0 }
        guard exponent <= 18 else { return nil }
        var v: Int64 = 0
        for k in 0..<Swift.max(exponent, 0) { v = v * 10 + Int64(k < digits.count ? digits[k] : 0) }
        let fractional = !isInteger
        if negative { return -v }
        return fractional ? v + 1 : v
    }
}

enum ExactNumber {
    /// Compares a number's text with an exact decimal: -1, 0 or 1.
    static func compare(_ a: NumberView, _ b: ExactDecimal) -> Int {
        let signA = a.isZero ? 0 : (a.negative ? -1 : 1)
        let signB = b.isZero ? 0 : (b.negative ? -1 : 1)
        if signA != signB { return signA < signB ? -1 : 1 }
        if signA == 0 { return 0 }
        var magnitude = 0
        if a.exponent != b.exponent {
            magnitude = a.exponent < b.exponent ? -1 : 1
        } else {
            let n = Swift.max(a.count, b.digits.count)
            var k = 0
            while k < n {
                let da: UInt8 = k < a.count ? a.digit(k) : 0
                let db: UInt8 = k < b.digits.count ? b.digits[k] : 0
                if da != db {
                    magnitude = da < db ? -1 : 1
                    break
                }
                k += 1
            }
        }
        return signA > 0 ? magnitude : -magnitude
    }

    /// Whether two numbers' texts denote the same value.
    static func equal(_ a: NumberView, _ b: NumberView) -> Bool {
        if a.isZero || b.isZero { return a.isZero && b.isZero }
        guard a.negative == b.negative, a.exponent == b.exponent, a.count == b.count else { return false }
        for k in 0..<a.count where a.digit(k) != b.digit(k) { return false }
        return true
    }

    /// A hash consistent with ``equal(_:_:)``.
    static func hash(_ a: NumberView) -> UInt64 {
        if a.isZero { return 0x9E37_79B9_7F4A_7C15 }
        var h: UInt64 = a.negative ? 0xCBF2_9CE4_8422_2325 : 0x8422_2325_CBF2_9CE4
        h = (h ^ UInt64(bitPattern: Int64(a.exponent))) &* 0x100_0000_01B3
        for k in 0..<a.count { h = (h ^ UInt64(a.digit(k))) &* 0x100_0000_01B3 }
        return h
    }
}

/// A `multipleOf` divisor, prepared for exact tests.
struct Divisor: Sendable {
    /// The divisor's significant digits as an integer, when they fit in 64 bits.
    let mantissa: UInt64?
    /// The power of ten of the mantissa's last digit: divisor = mantissa × 10^scale.
    let scale: Int
    /// The divisor as a `Double`, for the rare divisor with more than 19 digits.
    let approximate: Double

    init(_ value: ExactDecimal, approximate: Double) {
        var m: UInt64? = 0
        for d in value.digits {
            guard let current = m else { break }
            let (times10, o1) = current.multipliedReportingOverflow(by: 10)
            let (sum, o2) = times10.addingReportingOverflow(UInt64(d))
            m = o1 || o2 ? nil : sum
        }
        mantissa = m
        scale = value.exponent - value.digits.count
        self.approximate = approximate
    }

    /// Whether the number `x` is an integer multiple of this divisor.
    ///
    /// With x = X·10^a and d = M·10^b (X, M without trailing zeros), x/d is an
    /// integer exactly when a ≥ b and M divides X·10^(a−b); a < b is impossible
    /// unless x is zero because X has no factor 10.
    func divides(_ x: NumberView) -> Bool {
        if x.isZero { return true }
        guard let m = mantissa else {
            // A divisor with more than 19 significant digits: fall back to binary floating point.
            let text = String(
                decoding: UnsafeBufferPointer(start: x.p + x.start, count: x.end - x.start), as: UTF8.self)
            let quotient = (Double(text) ?? .nan) / approximate
            return quotient.isFinite && quotient == quotient.rounded(.towardZero)
        }
        let a = x.exponent - x.count
        if a < scale { return false }
        if m == 1 { return true }
        var r: UInt64 = 0
        for k in 0..<x.count { r = Self.mulAdd(r, 10, UInt64(x.digit(k)), m) }
        return Self.mulMod(r, Self.powMod(10, a - scale, m), m) == 0
    }

    @inline(__always)
    static func mulMod(_ x: UInt64, _ y: UInt64, _ m: UInt64) -> UInt64 {
        let product = x.multipliedFullWidth(by: y)
        return m.dividingFullWidth((product.high, product.low)).remainder
    }

    @inline(__always)
    static func mulAdd(_ x: UInt64, _ y: UInt64, _ add: UInt64, _ m: UInt64) -> UInt64 {
        let product = x.multipliedFullWidth(by: y)
        let (low, carry) = product.low.addingReportingOverflow(add)
        let high = product.high &+ (carry ? 1 : 0)
        return m.dividingFullWidth((high % m, low)).remainder
    }

    static func powMod(_ base: UInt64, _ exponent: Int, _ m: UInt64) -> UInt64 {
        var result: UInt64 = 1 % m
        var b = base % m
        var e = exponent
        while e > 0 {
            if e & 1 == 1 { result = mulMod(result, b, m) }
            b = mulMod(b, b, m)
            e >>= 1
        }
        return result
    }
}
