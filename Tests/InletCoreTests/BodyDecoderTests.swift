import Foundation
import InletCompression
import InletCore
import Testing

@Suite struct BodyDecoderTests {
    let limits = IngestLimits()

    @Test func inflatesGzipBodiesIncludingConcatenatedMembers() throws {
        let a = Gzip.compress(bytes("{\"Id\":\"1\"}\n"))
        let b = Gzip.compress(bytes("{\"Id\":\"2\"}\n"))
        #expect(Gzip.hasGzipHeader(a))
        let body = try BodyDecoder.decode(a + b, isBase64Encoded: false, contentEncoding: "gzip", limits: limits)
        #expect(body.text == "{\"Id\":\"1\"}\n{\"Id\":\"2\"}\n")
    }

    @Test func decodesBase64ThenGzip() throws {
        let gz = Gzip.compress(bytes(#"{"Id":"1"}"#))
        let b64 = bytes(Base64.encode(gz))
        let body = try BodyDecoder.decode(b64, isBase64Encoded: true, contentEncoding: "GZIP", limits: limits)
        #expect(body.text == #"{"Id":"1"}"#)
    }

    @Test func stopsAZipBombAtTheDecompressedLimit() throws {
        let bomb = Gzip.compress([UInt8](repeating: 0x20, count: 64 * 1024 * 1024))
        #expect(bomb.count < 100_000)
        #expect {
            try BodyDecoder.decode(bomb, isBase64Encoded: false, contentEncoding: "gzip", limits: limits)
        } throws: { ($0 as? IngestError)?.code == .decodedBodyTooLarge && ($0 as? IngestError)?.httpStatus == 413 }
    }

    @Test func refusesBodiesOverSixMebibytes() {
        let body = [UInt8](repeating: 0x20, count: 6 * 1024 * 1024 + 1)
        #expect {
            try BodyDecoder.decode(body, isBase64Encoded: false, contentEncoding: nil, limits: limits)
        } throws: { ($0 as? IngestError)?.code == .bodyTooLarge }
    }

    @Test func namesEachBadEncoding() {
        let cases: [([UInt8], Bool, String?, IngestError.Code)] = [
            (bytes("not base64!"), true, nil, .invalidBase64),
            (bytes("plain text"), false, "gzip", .invalidGzip),
            (Array(Gzip.compress(bytes("{\"Id\":\"1\"}")).dropLast(6)), false, "gzip", .invalidGzip),
            (bytes("{}"), false, "br", .unsupportedContentEncoding),
        ]
        for (body, b64, encoding, code) in cases {
            #expect {
                try BodyDecoder.decode(body, isBase64Encoded: b64, contentEncoding: encoding, limits: limits)
            } throws: { ($0 as? IngestError)?.code == code }
        }
    }

    @Test func passesIdentityBodiesThrough() throws {
        #expect(try BodyDecoder.decode(bytes("{}"), isBase64Encoded: false, contentEncoding: "identity", limits: limits) == bytes("{}"))
    }
}
