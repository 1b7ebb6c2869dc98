import Glibc
import InletLambdaRuntime

/// What ``RuntimeAPIFunctionHost`` runs and how: the command, the size of the pool, and
/// the function's settings and environment.
public struct RuntimeAPIConfiguration: Sendable {
    /// The program and its arguments (``FunctionCommand/split(_:)`` makes them from one string).
    public var command: [String]
    /// The most processes that run at once; invocations beyond them wait for one to be free.
    public var concurrency: Int
    /// `_HANDLER`; nil takes it from the command (see ``handlerName``).
    public var handler: String?
    /// `AWS_LAMBDA_FUNCTION_NAME`, also the last part of the function ARN.
    public var functionName: String
    /// `AWS_LAMBDA_FUNCTION_MEMORY_SIZE`, in MB (the template's default).
    public var memorySizeMB: Int
    /// The account id in the function ARN.
    public var accountId: String
    /// The region of the function ARN and of `AWS_REGION`.
    public var region: String
    /// Variables the function gets on top of Lambda's own, e.g. the stream, the buckets and
    /// the local cloud's key pair. They override inherited variables of the same name.
    public var environment: [String: String]
    /// The environment the function inherits (`PATH`, `HOME`, …), read at each start; by
    /// default this process's. Variables starting with `AWS_` or `_X_AMZN` and Lambda's
    /// reserved names are dropped (a developer's real credentials, profile or endpoints must
    /// not reach the local function), except `AWS_LAMBDA_LOG_FORMAT` and `AWS_LAMBDA_LOG_LEVEL`.
    public var inheritedEnvironment: @Sendable () -> [String: String]
    /// How long stopping the pool waits after SIGTERM before it sends SIGKILL.
    public var shutdownGrace: Duration
    /// How long a process that reported an init error has to exit by itself before it is killed.
    public var initErrorGrace: Duration
    /// Where the processes' output goes, line by line, prefixed `[function N] `, together with
    /// the host's own notes (started, exited, killed). By default, this process's stderr.
    public var output: @Sendable ([UInt8]) -> Void
    /// The wall clock in epoch milliseconds.
    public var now: @Sendable () -> Int64

    /// A configuration for `command`.
    public init(
        command: [String], concurrency: Int = 1, handler: String? = nil, functionName: String = "inlet-ingest",
        memorySizeMB: Int = 256, accountId: String = "000000000000", region: String = "us-east-1",
        environment: [String: String] = [:],
        inheritedEnvironment: @escaping @Sendable () -> [String: String] = RuntimeAPIConfiguration.processEnvironment,
        shutdownGrace: Duration = .seconds(2), initErrorGrace: Duration = .seconds(1),
        output: @escaping @Sendable ([UInt8]) -> Void = RuntimeAPIConfiguration.writeToStandardError,
        now: @escaping @Sendable () -> Int64 = FirehoseEmulator.systemMillis
    ) {
        self.command = command
        self.concurrency = max(1, concurrency)
        self.handler = handler
        self.functionName = functionName
        self.memorySizeMB = memorySizeMB
        self.accountId = accountId
        self.region = region
        self.environment = environment
        self.inheritedEnvironment = inheritedEnvironment
        self.shutdownGrace = shutdownGrace
        self.initErrorGrace = initErrorGrace
        self.output = output
        self.now = now
    }

    /// The function's ARN.
    public var functionArn: String { "arn:aws:lambda:\(region):\(accountId):function:\(functionName)" }

    /// `_HANDLER`: ``handler`` when set; else the command's last argument when it has
    /// arguments (`python -m awslambdaric app.handler` → `app.handler`); else the program's
    /// file name (`./bootstrap` → `bootstrap`).
    public var handlerName: String {
        if let handler { return handler }
        if command.count > 1, let last = command.last { return last }
        return command.first.map { String($0.split(separator: "/").last ?? Substring($0)) } ?? ""
    }

    /// The environment of the process with `runtimeAPI` as `AWS_LAMBDA_RUNTIME_API`, whose
    /// AWS SDK calls go to `endpointURL`, started in `taskRoot`, as `NAME=value` strings.
    func processEnvironment(runtimeAPI: String, endpointURL: String, taskRoot: String) -> [String] {
        var variables = inheritedEnvironment().filter { name, _ in
            if name == "AWS_LAMBDA_LOG_FORMAT" || name == "AWS_LAMBDA_LOG_LEVEL" { return true }
            return !name.hasPrefix("AWS_") && !name.hasPrefix("_X_AMZN") && !Self.reserved.contains(name)
        }
        let lambda: [String: String] = [
            "AWS_LAMBDA_RUNTIME_API": runtimeAPI,
            "AWS_ENDPOINT_URL": endpointURL,
            "AWS_REGION": region, "AWS_DEFAULT_REGION": region,
            "AWS_LAMBDA_FUNCTION_NAME": functionName,
            "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": String(memorySizeMB),
            "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
            "AWS_LAMBDA_INITIALIZATION_TYPE": "on-demand",
            "AWS_LAMBDA_LOG_GROUP_NAME": "/aws/lambda/\(functionName)",
            "AWS_LAMBDA_LOG_STREAM_NAME": "inlet-local",
            "_HANDLER": handlerName,
            "LAMBDA_TASK_ROOT": taskRoot,
            "TZ": ":UTC",
        ]
        variables.merge(lambda) { $1 }
        variables.merge(environment) { $1 }
        return variables.map { "\($0.key)=\($0.value)" }.sorted()
    }

    /// Names Lambda reserves for itself.
    static let reserved: Set<String> = ["_HANDLER", "LAMBDA_TASK_ROOT", "LAMBDA_RUNTIME_DIR", "TZ"]

    /// This process's environment.
    @Sendable public static func processEnvironment() -> [String: String] { ProcessEnvironment.current() }

    /// Writes `bytes` to standard error, whole.
    @Sendable public static func writeToStandardError(_ bytes: [UInt8]) {
        var offset = 0
        while offset < bytes.count {
            let n = bytes[offset...].withUnsafeBytes { write(2, $0.baseAddress, $0.count) }
            if n > 0 {
                offset += n
            } else if n < 0 && errno == EINTR {
                continue
            } else {
                return
            }
        }
    }

    /// The current directory, the function's `LAMBDA_TASK_ROOT`.
    static func currentDirectory() -> String {
        var buffer = [CChar](repeating: 0, count: 4096)
        guard getcwd(&buffer, buffer.count) != nil else { return "." }
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
