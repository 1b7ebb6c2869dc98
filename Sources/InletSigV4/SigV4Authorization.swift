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
        let trimmed = header.drop(while: { $0 == " " || $0 == "\t" })
        let algorithmEnd = trimmed.firstIndex(where: { $0 == " " || $0 == "\t" }) ?? trimmed.endIndex
        let algorithm = trimmed[..<algorithmEnd]
        guard algorithm == SigV4Canonical.algorithm else {
            throw SigV4VerificationError(
                .unsupportedAlgorithm,
                "The Authorization header uses '\(algorithm.prefix(40))'; only AWS4-HMAC-SHA256 (SigV4) is supported. "
                    + "Configure the client for signature version 4 (SigV2 and SigV4a are not accepted).")
        }
        var credential: Substring?
        var signedHeaders: Substring?
        var signature: Substring?
        for component in trimmed[algorithmEnd...].split(separator: ",") {
            let part = component.trimmingASCIISpaces()
            if part.isEmpty { continue }
            guard let equals = part.firstIndex(of: "=") else {
                throw Self.malformed("component '\(part.prefix(40))' has no '='")
            }
            let key = part[..<equals]
            let value = part[part.index(after: equals)...]
            switch key {
            case "Credential" where credential == nil: credential = value
            case "SignedHeaders" where signedHeaders == nil: signedHeaders = value
            case "Signature" where signature == nil: signature = value
            default: throw Self.malformed("unexpected or repeated component '\(key.prefix(40))'")
            }
        }
        guard let credential else { throw Self.malformed("Credential= is missing") }
        guard let signedHeaders else { throw Self.malformed("SignedHeaders= is missing") }
        guard let signature else { throw Self.malformed("Signature= is missing") }
        try self.init(credential: credential, signedHeaders: signedHeaders, signature: signature)
    }

    /// Parses the three values as they appear in a header or in presigned query items
    /// (`X-Amz-Credential`, `X-Amz-SignedHeaders`, `X-Amz-Signature`, already decoded).
    public init(
        credential: some StringProtocol, signedHeaders: some StringProtocol, signature: some StringProtocol
    ) throws(SigV4VerificationError) {
        let scope = credential.split(separator: "/", omittingEmptySubsequences: false)
        guard scope.count == 5, scope.allSatisfy({ !$0.isEmpty }), scope[4] == SigV4Canonical.scopeTerminator else {
            throw Self.malformed(
                "Credential must be 'ACCESS_KEY_ID/yyyyMMdd/region/service/aws4_request', got '\(credential.prefix(120))'")
        }
        guard scope[1].utf8.count == 8, scope[1].utf8.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") })
        else {
            throw Self.malformed("the credential scope date '\(scope[1].prefix(20))' is not yyyyMMdd")
        }
        let names = signedHeaders.split(separator: ";", omittingEmptySubsequences: false)
        guard !names.isEmpty, names.allSatisfy({ !$0.isEmpty && SigV4Canonical.lowercasedASCII(String($0)) == $0 })
        else {
            throw Self.malformed("SignedHeaders must be lowercase names separated by ';', got '\(signedHeaders.prefix(200))'")
        }
        guard signature.utf8.count == 64, signature.utf8.allSatisfy({ PercentEncoding.hexValue($0) != nil }) else {
            throw Self.malformed("Signature must be 64 hex digits")
        }
        accessKeyId = String(scope[0])
        dateStamp = String(scope[1])
        region = String(scope[2])
        service = String(scope[3])
        self.signedHeaders = names.map { String($0) }
        self.signature = SigV4Canonical.lowercasedASCII(String(signature))
    }

    private static func malformed(_ detail: String) -> SigV4VerificationError {
        SigV4VerificationError(
            .malformedAuthorization,
            "Malformed SigV4 authorization: \(detail). Expected 'AWS4-HMAC-SHA256 Credential=AKID/yyyyMMdd/region/"
                + "service/aws4_request, SignedHeaders=host;x-amz-date, Signature=<64 hex digits>'.")
    }
}

extension Substring {
    /// Without leading and trailing spaces and tabs.
    func trimmingASCIISpaces() -> Substring {
        let start = firstIndex(where: { $0 != " " && $0 != "\t" }) ?? endIndex
        let end = lastIndex(where: { $0 != " " && $0 != "\t" }).map { index(after: $0) } ?? start
        return self[start..<Swift.max(start, end)]
    }
}
