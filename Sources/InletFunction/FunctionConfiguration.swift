#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import InletAWS
import InletCore

/// Why the function cannot start; reported to `/runtime/init/error`.
public struct FunctionConfigurationError: Error, Sendable, CustomStringConvertible {
    /// A stable reason.
    public enum Code: String, Sendable {
        case missingVariable = "missing_variable"
        case unreadableContract = "unreadable_contract"
        case invalidContract = "invalid_contract"
        case aws = "aws_configuration"
    }

    /// The reason's code.
    public var code: Code
    /// What to set or fix.
    public var message: String

    public var description: String { "\(code.rawValue): \(message)" }
}

/// The function's settings, read once from the environment at start.
public struct FunctionConfiguration: Sendable {
    /// `DELIVERY_STREAM_NAME`: the Firehose stream valid records go to.
    public var deliveryStreamName: String
    /// `ERROR_BUCKET_NAME`: where rejected and undelivered events go.
    public var errorBucketName: String
    /// `ERROR_KEY_PREFIX`, default `errors/`; always ends with `/`.
    public var errorKeyPrefix: String
    /// The contract (`EVENT_SCHEMA` is a path to a JSON Schema; built in otherwise). The
    /// built-in one is compiled on first use, not while the function starts: it cannot
    /// fail, and `bootstrap` asks Lambda for its first event sooner.
    public var contract: Contract {
        get { customContract ?? .default }
        set { customContract = newValue }
    }
    /// The contract `EVENT_SCHEMA` names, compiled at start so that an error is an init error.
    var customContract: Contract?
    /// AWS credentials, region and endpoints.
    public var aws: AWSConfiguration
    /// Time kept back from the Lambda deadline for writing the error object and answering.
    public var reserveMillis: Int64 = 1500

    /// Reads the configuration; every missing or bad setting is named.
    public static func fromEnvironment(_ env: [String: String]) throws(FunctionConfigurationError) -> FunctionConfiguration {
        func required(_ name: String) throws(FunctionConfigurationError) -> String {
            guard let value = env[name], !value.isEmpty else {
                throw FunctionConfigurationError(code: .missingVariable, message: "\(name) is not set; the function needs it")
            }
            return value
        }
        let stream = try required("DELIVERY_STREAM_NAME")
        let bucket = try required("ERROR_BUCKET_NAME")
        var prefix = env["ERROR_KEY_PREFIX"] ?? "errors/"
        if !prefix.isEmpty && !prefix.hasSuffix("/") { prefix += "/" }
        while prefix.hasPrefix("/") { prefix.removeFirst() }
        var contract: Contract?
        if let path = env["EVENT_SCHEMA"], !path.isEmpty {
            guard let bytes = readFile(path) else {
                throw FunctionConfigurationError(code: .unreadableContract, message: "EVENT_SCHEMA names '\(path)', which cannot be read")
            }
            do {
                contract = try Contract(schema: bytes)
            } catch {
                throw FunctionConfigurationError(code: .invalidContract, message: "EVENT_SCHEMA '\(path)': \(error)")
            }
        }
        let aws: AWSConfiguration
        do {
            aws = try AWSConfiguration.fromEnvironment(env)
        } catch {
            throw FunctionConfigurationError(code: .aws, message: "\(error)")
        }
        return FunctionConfiguration(
            deliveryStreamName: stream, errorBucketName: bucket, errorKeyPrefix: prefix, customContract: contract, aws: aws)
    }

    /// The whole file at `path`, without Foundation.
    static func readFile(_ path: String) -> [UInt8]? {
        guard let file = fopen(path, "rb") else { return nil }
        defer { fclose(file) }
        var out: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = chunk.withUnsafeMutableBytes { fread($0.baseAddress, 1, 65536, file) }
            if n > 0 { out.append(contentsOf: chunk[0..<n]) }
            if n < 65536 { break }
        }
        return ferror(file) == 0 ? out : nil
    }
}
