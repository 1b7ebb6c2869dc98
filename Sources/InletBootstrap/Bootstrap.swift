#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import CGlibcCompat
import InletAWS
import InletFunction
import InletHTTP
import InletLambdaRuntime
import Logging

/// The `bootstrap` of a `provided.al2023` custom runtime: read the environment once,
/// build the handler, then serve invocations until the Runtime API goes away.
@main
enum Bootstrap {
    static func main() async {
        signal(SIGPIPE, SIG_IGN)
        let environment = readEnvironment()
        LambdaLogHandler.bootstrap(environment: environment)
        let logger = Logger(label: "inlet")
        guard let runtimeAPI = environment[RuntimeAPI.Variable.runtimeAPI], !runtimeAPI.isEmpty else {
            logger.critical("AWS_LAMBDA_RUNTIME_API is not set; bootstrap runs under Lambda or a Runtime API emulator")
            exit(1)
        }
        let client = CurlRuntimeAPIClient(runtimeAPI: runtimeAPI)
        let configuration: FunctionConfiguration
        do {
            configuration = try FunctionConfiguration.fromEnvironment(environment)
        } catch {
            logger.critical("initialisation failed: \(error.message)")
            try? await client.reportInitError(
                LambdaErrorReport(errorMessage: error.message, errorType: "InitError.\(error.code.rawValue)"))
            exit(1)
        }
        let transport = CurlTransport(configuration: .default.with { $0.connectTimeout = .seconds(2) })
        let handler = IngestFunction(
            configuration: configuration,
            firehose: FirehoseClient(configuration: configuration.aws, transport: transport),
            s3: S3Client(configuration: configuration.aws, transport: transport))
        do {
            try await LambdaRuntime(client: client, handler: handler, logger: logger).run()
        } catch {
            logger.critical("the Runtime API failed: \(error)")
            exit(1)
        }
    }

    /// The process environment, read once.
    static func readEnvironment() -> [String: String] {
        var result: [String: String] = [:]
        var pointer = environ
        while let entry = pointer.pointee {
            let text = String(cString: entry)
            if let eq = text.firstIndex(of: "=") {
                result[String(text[..<eq])] = String(text[text.index(after: eq)...])
            }
            pointer += 1
        }
        return result
    }
}
