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
        let result: Result<[UInt8], DecodingError>? = text.withContiguousStorageIfAvailable { decode(buffer: $0) }
        if let result { return try result.get() }
        return try Array(text).withUnsafeBufferPointer { decode(buffer: $0) }.get()
    }

    /// The decoder proper, over contiguous bytes: four characters at a time through the
    /// table, with the checks for padding and foreign characters on the same pass.
    static func decode(buffer bytes: UnsafeBufferPointer<UInt8>) -> Result<[UInt8], DecodingError> {
        let n = bytes.count
        guard n % 4 == 0 else {
            return .failure(DecodingError(offset: n, message: "the length \(n) is not a multiple of 4"))
        }
        guard n > 0 else { return .success([]) }
        // Padding only in the last quad, and only in its last two places.
        var pad = 0
        if bytes[n - 1] == 0x3D { pad = bytes[n - 2] == 0x3D ? 2 : 1 }
        let outputCount = n / 4 * 3 - pad
        var failure: DecodingError? = nil
        let out = decodeTable.withUnsafeBufferPointer { table in
            [UInt8](unsafeUninitializedCapacity: outputCount) { output, initialized in
                var i = 0, o = 0
                while i < n {
                    let last = i + 4 == n
                    let c0 = bytes[i], c1 = bytes[i + 1]
                    let c2 = last && pad == 2 ? 0x41 : bytes[i + 2]  // 'A' decodes to 0
                    let c3 = last && pad >= 1 ? 0x41 : bytes[i + 3]
                    let d0 = table[Int(c0)], d1 = table[Int(c1)], d2 = table[Int(c2)], d3 = table[Int(c3)]
                    if (d0 | d1 | d2 | d3) & 0xC0 != 0 {
                        let k = d0 == 0xFF ? 0 : d1 == 0xFF ? 1 : d2 == 0xFF ? 2 : 3
                        failure = DecodingError(
                            offset: i + k, message: "character \(describe(bytes[i + k])) is not in the base64 alphabet")
                        break
                    }
                    let v = UInt32(d0) << 18 | UInt32(d1) << 12 | UInt32(d2) << 6 | UInt32(d3)
                    output[o] = UInt8(truncatingIfNeeded: v >> 16)
                    if o + 1 < outputCount { output[o + 1] = UInt8(truncatingIfNeeded: v >> 8) }
                    if o + 2 < outputCount { output[o + 2] = UInt8(truncatingIfNeeded: v) }
                    o += 3
                    i += 4
                }
                initialized = failure == nil ? outputCount : 0
            }
        }
        if let failure { return .failure(failure) }
        return .success(out)
    }

    private static func describe(_ c: UInt8) -> String {
        c >= 0x21 && c < 0x7F ? "'\(Character(Unicode.Scalar(c)))'" : "0x\(String(c, radix: 16))"
    }
}
