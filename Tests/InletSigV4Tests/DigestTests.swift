import Testing
@testable import InletSigV4

@Suite struct DigestTests {
    @Test func sha256MatchesFIPSVectors() {
        #expect(Digest.sha256Hex("") == Digest.emptySHA256Hex)
        #expect(Digest.sha256Hex("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        #expect(
            Digest.sha256Hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq")
                == "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
        #expect(Digest.sha256(Array("abc".utf8)).count == 32)
        // A non-contiguous collection takes the copying path.
        #expect(Digest.sha256Hex("abc".utf8.reversed().reversed()) == Digest.sha256Hex("abc"))
    }

    @Test func incrementalHasherEqualsOneShot() {
        let data = (0..<100_000).map { UInt8(truncatingIfNeeded: $0 &* 31) }
        let hasher = SHA256Hasher()
        var offset = 0
        for chunk in [1, 63, 64, 65, 4096, 10_000] {
            hasher.update(data[offset..<offset + chunk])
            offset += chunk
        }
        hasher.update(data[offset...])
        #expect(hasher.finalizeHex() == Digest.sha256Hex(data))
        // finalize starts a new hash.
        #expect(hasher.finalizeHex() == Digest.emptySHA256Hex)
        hasher.update(Array("abc".utf8))
        #expect(hasher.finalize() == Digest.sha256(Array("abc".utf8)))
    }

    /// RFC 4231 test cases 2 (short key) and 6 (key longer than a block).
    @Test func hmacMatchesRFC4231() {
        let shortKey = Array("Jefe".utf8)
        let shortData = Array("what do ya want for nothing?".utf8)
        let expectedShort = "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        let longKey = [UInt8](repeating: 0xaa, count: 131)
        let longData = Array("Test Using Larger Than Block-Size Key - Hash Key First".utf8)
        let expectedLong = "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54"

        #expect(ByteEncoding.hex(Digest.hmacSHA256(key: shortKey, data: shortData)) == expectedShort)
        #expect(ByteEncoding.hex(Digest.hmacSHA256(key: longKey, data: longData)) == expectedLong)
        // The signer's own HMAC on a reused context gives the same answers.
        let context = DigestContext()
        #expect(ByteEncoding.hex(context.hmac(key: shortKey, data: shortData)) == expectedShort)
        #expect(ByteEncoding.hex(context.hmac(key: longKey, data: longData)) == expectedLong)
        #expect(ByteEncoding.hex(context.hmac(key: [], data: [])) == ByteEncoding.hex(Digest.hmacSHA256(key: [], data: [])))
    }

    @Test func md5ForContentMD5() {
        #expect(ByteEncoding.hex(Digest.md5([])) == "d41d8cd98f00b204e9800998ecf8427e")
        #expect(ByteEncoding.hex(Digest.md5(Array("abc".utf8))) == "900150983cd24fb0d6963f7d28e17f72")
        #expect(Digest.md5Base64([]) == "1B2M2Y8AsgTpgAmY7PhCfg==")
        #expect(Digest.md5Base64(Array("hello world".utf8)) == "XrY7u+Ae7tCTyyK7j1rNww==")
    }

    /// RFC 4648 §10.
    @Test func base64MatchesRFC4648() {
        let vectors = ["": "", "f": "Zg==", "fo": "Zm8=", "foo": "Zm9v", "foob": "Zm9vYg==", "fooba": "Zm9vYmE=",
            "foobar": "Zm9vYmFy"]
        for (input, expected) in vectors {
            #expect(ByteEncoding.base64(Array(input.utf8)) == expected)
        }
        #expect(ByteEncoding.base64([0xff, 0xfe, 0xfd]) == "//79")
    }

    @Test func hexIsLowercase() {
        #expect(ByteEncoding.hex([0x00, 0x0f, 0xab, 0xff]) == "000fabff")
        #expect(ByteEncoding.hex([]) == "")
    }
}
