import CZlib
import InletCore

/// gzip and zlib streams through the system zlib.
public enum Gzip {
    /// Why a compressed stream could not be read.
    public struct Error: Swift.Error, Sendable, Equatable, CustomStringConvertible {
        /// A stable reason.
        public enum Code: String, Sendable {
            case corrupt = "corrupt_stream"
            case truncated = "truncated_stream"
            case tooLarge = "decompressed_too_large"
            case zlib = "zlib_error"
        }
        /// The reason's code.
        public var code: Code
        /// What is wrong, in a sentence.
        public var message: String
        public var description: String { "\(code.rawValue): \(message)" }
    }

    /// Whether `bytes` start with the gzip magic number.
    public static func hasGzipHeader<C: Collection>(_ bytes: C) -> Bool where C.Element == UInt8 {
        var it = bytes.makeIterator()
        return it.next() == 0x1F && it.next() == 0x8B
    }

    /// Inflates a gzip or zlib stream (concatenated gzip members included), refusing to
    /// produce more than `limit` bytes, so a small bomb cannot exhaust memory.
    public static func decompress(_ input: [UInt8], limit: Int) throws(Gzip.Error) -> [UInt8] {
        var stream = z_stream()
        // 15 window bits + 32: detect gzip or zlib headers automatically.
        guard inlet_inflate_init2(&stream, 15 + 32) == Z_OK else {
            throw Error(code: .zlib, message: "zlib could not start inflating")
        }
        defer { inflateEnd(&stream) }
        var output = [UInt8]()
        output.reserveCapacity(min(limit, max(input.count * 4, 4096)))
        var chunk = [UInt8](repeating: 0, count: 64 * 1024)
        let result: Gzip.Error? = input.withUnsafeBufferPointer { inBuf -> Gzip.Error? in
            guard let base = inBuf.baseAddress else { return Error(code: .truncated, message: "the stream is empty") }
            stream.next_in = UnsafeMutablePointer(mutating: base)
            stream.avail_in = uInt(inBuf.count)
            while true {
                let status = chunk.withUnsafeMutableBufferPointer { out -> Int32 in
                    stream.next_out = out.baseAddress
                    stream.avail_out = uInt(out.count)
                    return inflate(&stream, Z_NO_FLUSH)
                }
                let produced = chunk.count - Int(stream.avail_out)
                if output.count + produced > limit {
                    return Error(code: .tooLarge, message: "the body inflates to more than \(limit) bytes")
                }
                output.append(contentsOf: chunk[0..<produced])
                switch status {
                case Z_STREAM_END:
                    // Another gzip member may follow (RFC 1952 allows concatenation).
                    if stream.avail_in == 0 { return nil }
                    if stream.next_in[0] != 0x1F { return Error(code: .corrupt, message: "unexpected data after the gzip stream") }
                    guard inflateReset(&stream) == Z_OK else { return Error(code: .zlib, message: "zlib could not reset") }
                case Z_OK:
                    continue
                case Z_BUF_ERROR:
                    if stream.avail_in == 0 { return Error(code: .truncated, message: "the compressed stream ends early") }
                case Z_DATA_ERROR, Z_NEED_DICT:
                    let detail = stream.msg.map { String(cString: $0) } ?? "invalid data"
                    return Error(code: .corrupt, message: "the compressed stream is corrupt: \(detail)")
                default:
                    return Error(code: .zlib, message: "zlib failed with status \(status)")
                }
            }
        }
        if let result { throw result }
        return output
    }

    /// Compresses `input` as one gzip member.
    public static func compress(_ input: [UInt8], level: Int32 = 6) -> [UInt8] {
        var stream = z_stream()
        // 15 window bits + 16: write a gzip header and trailer.
        guard inlet_deflate_init2(&stream, level, 15 + 16) == Z_OK else { return [] }
        defer { deflateEnd(&stream) }
        let bound = Int(deflateBound(&stream, uLong(input.count))) + 32
        var output = [UInt8](repeating: 0, count: bound)
        var written = 0
        input.withUnsafeBufferPointer { inBuf in
            output.withUnsafeMutableBufferPointer { outBuf in
                stream.next_in = UnsafeMutablePointer(mutating: inBuf.baseAddress)
                stream.avail_in = uInt(inBuf.count)
                stream.next_out = outBuf.baseAddress
                stream.avail_out = uInt(outBuf.count)
                _ = deflate(&stream, Z_FINISH)
                written = outBuf.count - Int(stream.avail_out)
            }
        }
        output.removeSubrange(written...)
        return output
    }
}
