/// Standard base64 (RFC 4648 §4) with padding, as API Gateway and Firehose use it.
public enum Base64 {
    private static let alphabet: [UInt8] = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)
    private static let decodeTable: [UInt8] = {
        var table = [UInt8](repeating: 0xFF, count: 256)
        for (i, c) in alphabet.enumerated() { table[Int(c)] = UInt8(i) }
        return table
    }()

    /// The encoded length of `count` bytes.
    @inlinable
    public static func encodedLength(_ count: Int) -> Int { (count + 2) / 3 * 4 }

    /// Appends the base64 text of `bytes` to `out`.
    public static func encode<C: Collection>(_ bytes: C, into out: inout [UInt8]) where C.Element == UInt8 {
        let done: Void? = bytes.withContiguousStorageIfAvailable { encode(buffer: $0, into: &out) }
        if done == nil { Array(bytes).withUnsafeBufferPointer { encode(buffer: $0, into: &out) } }
    }

    /// The base64 text of `bytes`.
    public static func encode<C: Collection>(_ bytes: C) -> String where C.Element == UInt8 {
        var out: [UInt8] = []
        out.reserveCapacity(encodedLength(bytes.count))
        encode(bytes, into: &out)
        return String(decoding: out, as: UTF8.self)
    }

    private static func encode(buffer b: UnsafeBufferPointer<UInt8>, into out: inout [UInt8]) {
        let n = b.count
        let start = out.count
        out.append(contentsOf: repeatElement(0, count: encodedLength(n)))
        alphabet.withUnsafeBufferPointer { a in
            out.withUnsafeMutableBufferPointer { o in
                var i = 0
                var j = start
                while i + 3 <= n {
                    let v = UInt32(b[i]) << 16 | UInt32(b[i + 1]) << 8 | UInt32(b[i + 2])
                    o[j] = a[Int(v >> 18)]
                    o[j + 1] = a[Int(v >> 12 & 63)]
                    o[j + 2] = a[Int(v >> 6 & 63)]
                    o[j + 3] = a[Int(v & 63)]
                    i += 3
                    j += 4
                }
                if n - i == 1 {
                    let v = UInt32(b[i]) << 16
                    o[j] = a[Int(v >> 18)]
                    o[j + 1] = a[Int(v >> 12 & 63)]
                    o[j + 2] = 0x3D
                    o[j + 3] = 0x3D
                } else if n - i == 2 {
                    let v = UInt32(b[i]) << 16 | UInt32(b[i + 1]) << 8
                    o[j] = a[Int(v >> 18)]
                    o[j + 1] = a[Int(v >> 12 & 63)]
                    o[j + 2] = a[Int(v >> 6 & 63)]
                    o[j + 3] = 0x3D
                }
            }
        }
    }

    /// Why a text is not valid base64.
    public struct DecodingError: Error, Sendable, Equatable, CustomStringConvertible {
        /// Offset of the first offending character.
        public var offset: Int
        /// What is wrong, in a sentence.
        public var message: String
        public var description: String { "invalid base64 at offset \(offset): \(message)" }
    }

    /// Decodes strict base64: the standard alphabet, padded to a multiple of four.
    /// Line breaks and spaces are not accepted, as in AWS's own decoders.
    public static func decode<C: Collection>(_ text: C) throws(DecodingError) -> [UInt8] where C.Element == UInt8 {
        let bytes = Array(text)
        let n = bytes.count
        guard n % 4 == 0 else {
            throw DecodingError(offset: n, message: "the length \(n) is not a multiple of 4")
        }
        var out = [UInt8]()
        out.reserveCapacity(n / 4 * 3)
        var i = 0
        while i < n {
            var quad: (UInt32, UInt32, UInt32, UInt32) = (0, 0, 0, 0)
            var pad = 0
            for k in 0..<4 {
                let c = bytes[i + k]
                var v: UInt32 = 0
                if c == 0x3D && i + 4 == n && k >= 2 {
                    pad += 1
                } else {
                    let d = decodeTable[Int(c)]
                    if d == 0xFF || pad > 0 {
                        throw DecodingError(offset: i + k, message: "character \(describe(c)) is not in the base64 alphabet")
                    }
                    v = UInt32(d)
                }
                switch k {
                case 0: quad.0 = v
                case 1: quad.1 = v
                case 2: quad.2 = v
                default: quad.3 = v
                }
            }
            let v = quad.0 << 18 | quad.1 << 12 | quad.2 << 6 | quad.3
            out.append(UInt8(v >> 16 & 0xFF))
            if pad < 2 { out.append(UInt8(v >> 8 & 0xFF)) }
            if pad < 1 { out.append(UInt8(v & 0xFF)) }
            i += 4
        }
        return out
    }

    private static func describe(_ c: UInt8) -> String {
        c >= 0x21 && c < 0x7F ? "'\(Character(Unicode.Scalar(c)))'" : "0x\(String(c, radix: 16))"
    }
}
