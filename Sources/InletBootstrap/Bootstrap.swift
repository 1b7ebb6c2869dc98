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
///
/// The start is synchronous on the main thread up to the first `GET /next`: no task, no
/// thread of Swift's pool and none of the transport's is started before it, so a cold start
/// costs process loading plus one request. The loop then runs as a task, and the main
/// thread just waits.
@main
enum Bootstrap {
    static func main() {
        signal(SIGPIPE, SIG_IGN)
        let environment = ProcessEnvironment.current()
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
            try? client.reportInitErrorBlocking(
                LambdaErrorReport(errorMessage: error.message, errorType: "InitError.\(error.code.rawValue)"))
            exit(1)
        }
        let first: (LambdaContext, [UInt8])
        do {
            first = try client.nextBlocking()
        } catch {
            logger.critical("the Runtime API failed: \(error)")
            exit(1)
        }
        let transport = CurlTransport(configuration: .default.with { $0.connectTimeout = .seconds(2) })
        let handler = IngestFunction(
            configuration: configuration,
            firehose: FirehoseClient(configuration: configuration.aws, transport: transport),
            s3: S3Client(configuration: configuration.aws, transport: transport))
        let runtime = LambdaRuntime(client: client, handler: handler, logger: logger)
        Task.detached {
            do {
                try await runtime.run(first: first)
            } catch {
                logger.critical("the Runtime API failed: \(error)")
            }
            exit(1)
        }
        // The loop exits the process; Lambda stops it with SIGKILL or SIGTERM (default actions).
        while true { pause() }
    }
}
