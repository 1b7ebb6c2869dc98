import FuzzSupport
import InletCompression
import InletCore

/// Feeds each input to the request-body decoders: `BodyDecoder` as the function calls it
/// (base64 flag × Content-Encoding), `Gzip.decompress` under a small limit, and `Base64`.
/// Checks that the decompressed-size limit holds, that decoding is deterministic, and that
/// encoding then decoding (base64, gzip) gives the input back.
@main
enum FuzzBodyDecoder {
    /// Small limits, so that the fuzzer reaches the zip-bomb refusal with small inputs.
    static let limits = IngestLimits().with(maxBodyBytes: 256 * 1024, maxDecodedBodyBytes: 1024 * 1024)
    static let encodings: [String?] = [nil, "gzip", "deflate", "x-gzip, identity", "br"]

    static func main() {
        Fuzzer.run { data, size in
            FuzzBodyDecoder.test(Fuzzer.bytes(data, size))
            return 0
        }
    }

    static func test(_ input: [UInt8]) {
        for isBase64 in [false, true] {
            for encoding in encodings {
                do {
                    let body = try BodyDecoder.decode(
                        input, isBase64Encoded: isBase64, contentEncoding: encoding, limits: limits)
                    Fuzzer.require(body.count <= limits.maxDecodedBodyBytes, "a body inflates past the limit")
                    if encoding == nil && !isBase64 { Fuzzer.require(body == input, "an identity body changed") }
                } catch {
                    Fuzzer.require(!error.message.isEmpty, "an error without a message")
                    if encoding == nil && !isBase64 && input.count <= limits.maxBodyBytes {
                        Fuzzer.require(false, "an identity body was refused: \(error)")
                    }
                }
            }
        }

        // The limit is exact: a stream that inflates to n bytes passes a limit of n and fails n - 1.
        if let full = try? Gzip.decompress(input, limit: 1 << 20) {
            let again = try? Gzip.decompress(input, limit: full.count)
            Fuzzer.require(again == full, "inflating twice gave different bytes")
            if !full.isEmpty {
                do {
                    _ = try Gzip.decompress(input, limit: full.count - 1)
                    Fuzzer.require(false, "a stream of \(full.count) bytes passed a limit of \(full.count - 1)")
                } catch {
                    Fuzzer.require(error.code == .tooLarge, "a stream under a lower limit failed with \(error.code)")
                }
            }
        }

        let compressed = Gzip.compress(input)
        Fuzzer.require(Gzip.hasGzipHeader(compressed), "compressed output has no gzip header")
        Fuzzer.require((try? Gzip.decompress(compressed, limit: input.count)) == input, "gzip does not round-trip")

        let text = Base64.encode(input)
        Fuzzer.require(text.utf8.count == Base64.encodedLength(input.count), "base64 length is wrong")
        Fuzzer.require((try? Base64.decode(text.utf8)) == input, "base64 does not round-trip")
        if let decoded = try? Base64.decode(input) {
            Fuzzer.require(decoded.count == input.count / 4 * 3 - padding(input), "base64 decoded length is wrong")
        }
    }

    static func padding(_ text: [UInt8]) -> Int {
        text.last == 0x3D ? (text.dropLast().last == 0x3D ? 2 : 1) : 0
    }
}
