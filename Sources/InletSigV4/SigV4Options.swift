/// The per-service differences of SigV4. S3 differs from every other service;
/// `SigV4Options.forService(_:)` picks the right set from the signing name.
public struct SigV4Options: Sendable, Hashable {
    /// Percent-encode the (already encoded) path once more for the canonical request,
    /// and remove dot segments and duplicate slashes first when `normalizePath` is set.
    /// True for every service but S3, whose canonical path is the wire path as-is.
    public var encodePath: Bool
    /// Remove `.`/`..` segments and collapse repeated `/` before encoding (not S3).
    public var normalizePath: Bool
    /// Send and sign `x-amz-content-sha256` with the payload hash (S3 requires it).
    /// With `.unsigned` payloads the header is always sent, as botocore does.
    public var addContentSHA256Header: Bool
    /// Sign `X-Amz-Security-Token`. When false the token is still sent but left out of
    /// the signature, as a few services (IoT) require. Default true.
    public var signSessionToken: Bool
    /// Presigned URLs sign `UNSIGNED-PAYLOAD` whatever the payload (S3's rule).
    public var unsignedPayloadWhenPresigning: Bool

    /// Options from each flag; prefer `.standard`, `.s3` or `forService(_:)`.
    public init(
        encodePath: Bool, normalizePath: Bool, addContentSHA256Header: Bool, signSessionToken: Bool = true,
        unsignedPayloadWhenPresigning: Bool
    ) {
        self.encodePath = encodePath
        self.normalizePath = normalizePath
        self.addContentSHA256Header = addContentSHA256Header
        self.signSessionToken = signSessionToken
        self.unsignedPayloadWhenPresigning = unsignedPayloadWhenPresigning
    }

    /// The rules of every service except S3 (Firehose, STS, …): double encoding, normalised path.
    public static let standard = SigV4Options(
        encodePath: true, normalizePath: true, addContentSHA256Header: false, unsignedPayloadWhenPresigning: false)

    /// S3's rules: the path signed as sent, `x-amz-content-sha256` on every request,
    /// `UNSIGNED-PAYLOAD` in presigned URLs.
    public static let s3 = SigV4Options(
        encodePath: false, normalizePath: false, addContentSHA256Header: true, unsignedPayloadWhenPresigning: true)

    /// `.s3` for the signing names `s3`, `s3-object-lambda` and `s3-outposts`; `.standard` otherwise.
    public static func forService(_ service: String) -> SigV4Options {
        switch service {
        case "s3", "s3-object-lambda", "s3-outposts": return .s3
        default: return .standard
        }
    }

    /// A copy with `change` applied, e.g. `.standard.with { $0.normalizePath = false }`.
    public func with(_ change: (inout SigV4Options) -> Void) -> SigV4Options {
        var copy = self
        change(&copy)
        return copy
    }
}
