/// The parts of a SigV4 `Authorization` header (or of presigned query items).
public struct SigV4Authorization: Sendable, Hashable {
    /// The access key id from `Credential=`.
    public var accessKeyId: String
    /// The scope date, `yyyyMMdd`.
    public var dateStamp: String
    /// The scope region.
    public var region: String
    /// The scope service (signing name).
    public var service: String
    /// The lowercase header names from `SignedHeaders=`, in the client's order.
    public var signedHeaders: [String]
    /// The hex signature from `Signature=`.
    public var signature: String

    /// Parses `AWS4-HMAC-SHA256 Credential=AK/20150830/us-east-1/service/aws4_request,
    /// SignedHeaders=host;x-amz-date, Signature=<64 hex>`. Components may come in any
    /// order, separated by commas with optional spaces.
    public init(header: String) throws(SigV4VerificationError) {
        let bytes = header.utf8
        let trimmed = bytes.drop(while: Self.isBlank)
        let algorithmEnd = trimmed.firstIndex(where: Self.isBlank) ?? trimmed.endIndex
        let algorithm = trimmed[..<algorithmEnd]
        guard algorithm.elementsEqual(SigV4Canonical.algorithm.utf8) else {
            throw SigV4VerificationError(
                .unsupportedAlgorithm,
                "The Authorization header uses '\(Self.text(algorithm.prefix(40)))'; only AWS4-HMAC-SHA256 (SigV4) is "
                    + "supported. Configure the client for signature version 4 (SigV2 and SigV4a are not accepted).")
        }
        var credential: Substring.UTF8View?
        var signedHeaders: Substring.UTF8View?
        var signature: Substring.UTF8View?
        for component in trimmed[algorithmEnd...].split(separator: UInt8(ascii: ",")) {
            let start = component.firstIndex(where: { !Self.isBlank($0) }) ?? component.endIndex
            let end = component.lastIndex(where: { !Self.isBlank($0) }).map { component.index(after: $0) } ?? start
            if start >= end { continue }
            let part = component[start..<end]
            guard let equals = part.firstIndex(of: UInt8(ascii: "=")) else {
                throw Self.malformed("component '\(Self.text(part.prefix(40)))' has no '='")
            }
            let key = part[..<equals]
            let value = part[part.index(after: equals)...]
            if key.elementsEqual("Credential".utf8) && credential == nil {
                credential = value
            } else if key.elementsEqual("SignedHeaders".utf8) && signedHeaders == nil {
                signedHeaders = value
            } else if key.elementsEqual("Signature".utf8) && signature == nil {
                signature = value
            } else {
                throw Self.malformed("unexpected or repeated component '\(Self.text(key.prefix(40)))'")
            }
        }
        guard let credential else { throw Self.malformed("Credential= is missing") }
        guard let signedHeaders else { throw Self.malformed("SignedHeaders= is missing") }
        guard let signature else { throw Self.malformed("Signature= is missing") }
        try self.init(
            credential: Substring(credential), signedHeaders: Substring(signedHeaders), signature: Substring(signature))
    }

    /// Parses the three values as they appear in a header or in presigned query items
    /// (`X-Amz-Credential`, `X-Amz-SignedHeaders`, `X-Amz-Signature`, already decoded).
    public init(
        credential: some StringProtocol, signedHeaders: some StringProtocol, signature: some StringProtocol
    ) throws(SigV4VerificationError) {
        let scope = credential.utf8.split(separator: UInt8(ascii: "/"), omittingEmptySubsequences: false)
        guard scope.count == 5, scope.allSatisfy({ !$0.isEmpty }),
            scope[4].elementsEqual(SigV4Canonical.scopeTerminator.utf8)
        else {
            throw Self.malformed(
                "Credential must be 'ACCESS_KEY_ID/yyyyMMdd/region/service/aws4_request', got '\(credential.prefix(120))'")
        }
        guard scope[1].count == 8, scope[1].allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }) else {
            throw Self.malformed("the credential scope date '\(Self.text(scope[1].prefix(20)))' is not yyyyMMdd")
        }
        let names = signedHeaders.utf8.split(separator: UInt8(ascii: ";"), omittingEmptySubsequences: false)
        guard !names.isEmpty, names.allSatisfy({ !$0.isEmpty && !$0.contains(where: SigV4Canonical.isUppercaseASCII) })
        else {
            throw Self.malformed("SignedHeaders must be lowercase names separated by ';', got '\(signedHeaders.prefix(200))'")
        }
        guard signature.utf8.count == 64, signature.utf8.allSatisfy({ PercentEncoding.hexValue($0) != nil }) else {
            throw Self.malformed("Signature must be 64 hex digits")
        }
        accessKeyId = Self.text(scope[0])
        dateStamp = Self.text(scope[1])
        region = Self.text(scope[2])
        service = Self.text(scope[3])
        self.signedHeaders = names.map { Self.text($0) }
        self.signature = SigV4Canonical.lowercasedASCII(String(signature))
    }

    private static func isBlank(_ byte: UInt8) -> Bool { byte == 0x20 || byte == 0x09 }

    private static func text(_ bytes: some Collection<UInt8>) -> String { String(decoding: bytes, as: UTF8.self) }

    private static func malformed(_ detail: String) -> SigV4VerificationError {
        SigV4VerificationError(
            .malformedAuthorization,
            "Malformed SigV4 authorization: \(detail). Expected 'AWS4-HMAC-SHA256 Credential=AKID/yyyyMMdd/region/"
                + "service/aws4_request, SignedHeaders=host;x-amz-date, Signature=<64 hex digits>'.")
    }
}
