/// An AWS access key, its secret and, for temporary credentials, a session token.
///
/// Printing, `dump` and string interpolation never show the secret or the token:
/// they read `<redacted>`, so credentials can appear in logs and error messages.
public struct AWSCredentials: Sendable, Hashable, CustomStringConvertible, CustomDebugStringConvertible,
    CustomReflectable
{
    /// The access key id (`AKIA…` or `ASIA…`); not secret, it appears in every signature.
    public var accessKeyId: String
    /// The secret access key; used only to derive signing keys.
    public var secretAccessKey: String
    /// The session token of temporary credentials (STS), sent as `X-Amz-Security-Token`.
    public var sessionToken: String?

    /// Credentials from their parts; `sessionToken` only for temporary credentials.
    public init(accessKeyId: String, secretAccessKey: String, sessionToken: String? = nil) {
        self.accessKeyId = accessKeyId
        self.secretAccessKey = secretAccessKey
        self.sessionToken = sessionToken
    }

    /// The access key id with the secret and token redacted.
    public var description: String {
        let token = sessionToken == nil ? "nil" : "<redacted>"
        return "AWSCredentials(accessKeyId: \(accessKeyId), secretAccessKey: <redacted>, sessionToken: \(token))"
    }

    /// Same as `description`: the secret and token are redacted.
    public var debugDescription: String { description }

    /// A mirror that shows the access key id and redacts the secret and token, so `dump` is safe.
    public var customMirror: Mirror {
        Mirror(
            self,
            children: [
                "accessKeyId": accessKeyId,
                "secretAccessKey": "<redacted>",
                "sessionToken": sessionToken == nil ? "nil" : "<redacted>",
            ],
            displayStyle: .struct)
    }
}
