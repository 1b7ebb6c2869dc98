import InletSigV4

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// Credentials, region and endpoints for the AWS clients.
///
/// Read it from the environment as AWS SDKs do with ``fromEnvironment(_:)``, or build it.
/// Printing it never shows the secret access key or the session token.
public struct AWSConfiguration: Sendable, Hashable, CustomStringConvertible, CustomDebugStringConvertible {
    /// The key that signs every request.
    public var credentials: AWSCredentials
    /// The region, e.g. `eu-west-1`; it names the default endpoints and the signing scope.
    public var region: String
    /// An endpoint for every service (`AWS_ENDPOINT_URL`), e.g. a local emulator; nil for AWS.
    public var endpoint: AWSEndpoint?
    /// Firehose's own endpoint (`AWS_ENDPOINT_URL_FIREHOSE`); wins over ``endpoint``.
    public var firehoseEndpoint: AWSEndpoint?
    /// S3's own endpoint (`AWS_ENDPOINT_URL_S3`); wins over ``endpoint``.
    public var s3Endpoint: AWSEndpoint?

    /// A configuration from its parts; the endpoints default to AWS's.
    public init(
        credentials: AWSCredentials, region: String, endpoint: AWSEndpoint? = nil,
        firehoseEndpoint: AWSEndpoint? = nil, s3Endpoint: AWSEndpoint? = nil
    ) {
        self.credentials = credentials
        self.region = region
        self.endpoint = endpoint
        self.firehoseEndpoint = firehoseEndpoint
        self.s3Endpoint = s3Endpoint
    }

    /// Reads the configuration from environment variables, following the AWS SDK conventions.
    ///
    /// - Credentials: `AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY` and, for temporary
    ///   credentials (as in Lambda), `AWS_SESSION_TOKEN`.
    /// - Region: `AWS_REGION`, else `AWS_DEFAULT_REGION`.
    /// - Endpoints: `AWS_ENDPOINT_URL` for every service; `AWS_ENDPOINT_URL_FIREHOSE` and
    ///   `AWS_ENDPOINT_URL_S3` take precedence for their service.
    ///
    /// An empty variable counts as unset.
    /// - Throws: ``AWSConfigurationError`` naming the first missing or invalid variable.
    public static func fromEnvironment(_ env: [String: String]) throws(AWSConfigurationError) -> AWSConfiguration {
        func value(_ name: String) -> String? {
            guard let text = env[name], !text.isEmpty else { return nil }
            return text
        }
        guard let accessKeyId = value("AWS_ACCESS_KEY_ID") else {
            throw AWSConfigurationError(
                .missingVariable, variable: "AWS_ACCESS_KEY_ID",
                "AWS_ACCESS_KEY_ID is not set; set it and AWS_SECRET_ACCESS_KEY (and AWS_SESSION_TOKEN for "
                    + "temporary credentials) to the key the requests are signed with.")
        }
        guard let secretAccessKey = value("AWS_SECRET_ACCESS_KEY") else {
            throw AWSConfigurationError(
                .missingVariable, variable: "AWS_SECRET_ACCESS_KEY",
                "AWS_SECRET_ACCESS_KEY is not set, but AWS_ACCESS_KEY_ID is; set it to the secret of access key "
                    + "\(accessKeyId).")
        }
        guard let region = value("AWS_REGION") ?? value("AWS_DEFAULT_REGION") else {
            throw AWSConfigurationError(
                .missingVariable, variable: "AWS_REGION",
                "Neither AWS_REGION nor AWS_DEFAULT_REGION is set; set AWS_REGION to the region, e.g. eu-west-1.")
        }
        let regionVariable = value("AWS_REGION") != nil ? "AWS_REGION" : "AWS_DEFAULT_REGION"
        guard isValidRegion(region) else {
            throw AWSConfigurationError(
                .invalidValue, variable: regionVariable,
                "\(regionVariable) is \"\(region)\", which is not a region name (lowercase letters, digits "
                    + "and hyphens, e.g. eu-west-1).")
        }
        func endpoint(_ name: String) throws(AWSConfigurationError) -> AWSEndpoint? {
            guard let text = value(name) else { return nil }
            guard let endpoint = AWSEndpoint(url: text) else {
                throw AWSConfigurationError(
                    .invalidValue, variable: name,
                    "\(name) is not an endpoint URL; expected http(s)://host[:port][/path] with no user info, "
                        + "query or fragment.")
            }
            return endpoint
        }
        return AWSConfiguration(
            credentials: AWSCredentials(
                accessKeyId: accessKeyId, secretAccessKey: secretAccessKey,
                sessionToken: value("AWS_SESSION_TOKEN")),
            region: region,
            endpoint: try endpoint("AWS_ENDPOINT_URL"),
            firehoseEndpoint: try endpoint("AWS_ENDPOINT_URL_FIREHOSE"),
            s3Endpoint: try endpoint("AWS_ENDPOINT_URL_S3"))
    }

    /// Reads the configuration from this process's environment; see ``fromEnvironment(_:)``.
    public static func fromProcessEnvironment() throws(AWSConfigurationError) -> AWSConfiguration {
        try fromEnvironment(processEnvironment())
    }

    /// Whether `region` looks like a region name: lowercase letters, digits and hyphens.
    static func isValidRegion(_ region: String) -> Bool {
        !region.isEmpty && region.utf8.allSatisfy { byte in
            (byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "z"))
                || (byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9")) || byte == UInt8(ascii: "-")
        }
    }

    // MARK: Endpoint resolution

    /// The DNS suffix of AWS endpoints in the region's partition (`amazonaws.com`, or
    /// `amazonaws.com.cn` for China regions).
    var dnsSuffix: String {
        region.hasPrefix("cn-") ? "amazonaws.com.cn" : "amazonaws.com"
    }

    /// Where Firehose requests go: `AWS_ENDPOINT_URL_FIREHOSE`, else `AWS_ENDPOINT_URL`,
    /// else `https://firehose.{region}.amazonaws.com`.
    public var resolvedFirehoseEndpoint: AWSEndpoint {
        firehoseEndpoint ?? endpoint ?? AWSEndpoint(scheme: "https", host: "firehose.\(region).\(dnsSuffix)")
    }

    /// Where S3 requests go: `AWS_ENDPOINT_URL_S3`, else `AWS_ENDPOINT_URL`, else
    /// `https://s3.{region}.amazonaws.com`.
    public var resolvedS3Endpoint: AWSEndpoint {
        s3Endpoint ?? endpoint ?? AWSEndpoint(scheme: "https", host: "s3.\(region).\(dnsSuffix)")
    }

    /// Whether S3 goes to a custom endpoint (an emulator or a proxy), which is addressed path-style.
    public var usesCustomS3Endpoint: Bool {
        s3Endpoint != nil || endpoint != nil
    }

    /// The URL of an S3 object (or, with an empty `key`, of the bucket).
    ///
    /// On AWS, a bucket whose name is a DNS label (lowercase letters, digits and hyphens,
    /// 3–63 long) is addressed virtual-hosted, `https://{bucket}.s3.{region}.amazonaws.com/{key}`;
    /// any other bucket, and every bucket on a custom endpoint, path-style,
    /// `{endpoint}/{bucket}/{key}`. The key is percent-encoded per segment (`/` kept).
    public func s3URL(bucket: String, key: String) -> String {
        let address = s3Address(bucket: bucket, key: key)
        return address.endpoint.scheme + "://" + address.endpoint.hostHeader + address.path
    }

    /// The endpoint (host) and wire path of an S3 bucket or object.
    func s3Address(bucket: String, key: String) -> (endpoint: AWSEndpoint, path: String) {
        let base = resolvedS3Endpoint
        let encodedKey = PercentEncoding.encodePath(key)
        if !usesCustomS3Endpoint && Self.isVirtualHostable(bucket) {
            return (base.withHostPrefix(bucket), base.pathPrefix + "/" + encodedKey)
        }
        let encodedBucket = PercentEncoding.encodeComponent(bucket)
        return (base, base.pathPrefix + "/" + encodedBucket + (key.isEmpty ? "" : "/" + encodedKey))
    }

    /// Whether `bucket` can be a host label under TLS: 3–63 lowercase letters, digits and
    /// hyphens, starting and ending with a letter or digit (no dots, which break the
    /// wildcard certificate).
    static func isVirtualHostable(_ bucket: String) -> Bool {
        let bytes = Array(bucket.utf8)
        guard (3...63).contains(bytes.count), bytes.first != UInt8(ascii: "-"), bytes.last != UInt8(ascii: "-")
        else { return false }
        return bytes.allSatisfy { byte in
            (byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "z"))
                || (byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9")) || byte == UInt8(ascii: "-")
        }
    }

    // MARK: Printing

    /// The region, endpoints and access key id; the secret and the token are redacted.
    public var description: String {
        var text = "AWSConfiguration(region: \(region), credentials: \(credentials)"
        if let endpoint { text += ", endpoint: \(endpoint)" }
        if let firehoseEndpoint { text += ", firehoseEndpoint: \(firehoseEndpoint)" }
        if let s3Endpoint { text += ", s3Endpoint: \(s3Endpoint)" }
        return text + ")"
    }

    /// Same as ``description``.
    public var debugDescription: String { description }
}

/// Why ``AWSConfiguration/fromEnvironment(_:)`` could not build a configuration.
///
/// The message names the variable and says what to set; it never holds a secret.
public struct AWSConfigurationError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What is wrong with the variable.
    public enum Code: String, Sendable, Hashable {
        /// The variable is unset or empty.
        case missingVariable = "missing_variable"
        /// The variable is set but its value cannot be used.
        case invalidValue = "invalid_value"
    }

    /// What is wrong.
    public var code: Code
    /// The environment variable at fault, e.g. `AWS_REGION`.
    public var variable: String
    /// A sentence naming the variable and what to do.
    public var message: String

    /// An error about `variable`.
    public init(_ code: Code, variable: String, _ message: String) {
        self.code = code
        self.variable = variable
        self.message = message
    }

    /// `code: message`.
    public var description: String { "\(code.rawValue): \(message)" }
}

/// The process environment as a dictionary, read from `environ` without Foundation.
func processEnvironment() -> [String: String] {
    var result: [String: String] = [:]
    #if canImport(Darwin)
        guard let pointer = _NSGetEnviron()?.pointee else { return result }
    #else
        guard let pointer = environ as UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? else { return result }
    #endif
    var index = 0
    while let entry = pointer[index] {
        let text = String(cString: entry)
        if let equals = text.utf8.firstIndex(of: UInt8(ascii: "=")) {
            result[String(text[..<equals])] = String(text[text.index(after: equals)...])
        }
        index += 1
    }
    return result
}
