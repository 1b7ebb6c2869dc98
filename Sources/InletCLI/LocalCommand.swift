import ArgumentParser
import Foundation
import InletSigV4
import InletEmulator
import InletLocal

/// `inlet local`: the AWS side of the pipeline (HTTP API → ingest function → Firehose → S3)
/// in this process, on one loopback port.
struct LocalCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "local",
        abstract: "Run the AWS side of the pipeline locally on one port: HTTP API, the ingest function, Firehose and S3.",
        discussion: """
            One port (default 4577, leaving LocalStack's 4566 free) serves:
              POST /events        the HTTP API in front of the ingest function (--route)
              Firehose API        requests with X-Amz-Target: Firehose_20150804.*
              Lambda invoke       POST /2015-03-31/functions/function/invocations (RIE)
              GET /health         {"status":"ok"}
              S3 (path-style)     every other SigV4-signed request

            Firehose and S3 requests must be signed (SigV4) with an accepted key: the
            printed AKIAINLETLOCAL000001 pair, or those given with --access-key.
            --no-auth accepts anything. Firehose buffers survive restarts under
            --data-dir and are delivered on Ctrl-C; objects are kept under
            <data-dir>/s3.

            The buffer interval defaults to 5 s (AWS: 0-900 s, default 300 s) so that
            objects appear quickly while developing.

            The function runs in process unless --function-command names a program to
            run as child processes speaking the Lambda Runtime API on the same port
            (AWS_LAMBDA_RUNTIME_API), with AWS_ENDPOINT_URL pointing at this emulator:
              inlet local --function-command ./.build/release/bootstrap
              inlet local --function-command "python -m awslambdaric app.handler"
            The command is split into words like a shell's simple command (quotes and
            backslashes work; no variables, pipes or redirections: use sh -c '...').

            Delivered objects and error envelopes are loaded into <data-dir>/warehouse/inlet.db
            by the local Snowpipes: see inlet query and inlet pipe.
            """)

    @Option(help: "The port to listen on (0 picks a free one).")
    var port: Int = 4577

    @Option(help: "The address to listen on. Anything but loopback exposes the emulator to the network.")
    var host: String = "127.0.0.1"

    @Option(
        name: .customLong("access-key"),
        help: "An access key the Firehose and S3 endpoints accept, as ID:SECRET (repeatable; the first one is printed for clients and signs the function's calls).")
    var accessKeys: [String] = []

    @Option(
        name: .customLong("read-timeout"),
        help: "Seconds a connection may send nothing while its request is being read before it is closed (slowloris guard).")
    var readTimeout: Double = 10

    @Flag(name: .customLong("no-auth"), help: "Accept Firehose and S3 requests without checking their SigV4 signatures.")
    var noAuth = false

    @Option(name: .customLong("data-dir"), help: "Where buffers and delivered objects are kept.")
    var dataDir: String = "./.inlet"

    @Option(name: .customLong("stream"), help: "The Firehose delivery stream the function writes to.")
    var stream: String = "inlet-events"

    @Option(name: .customLong("data-bucket"), help: "The bucket Firehose delivers to.")
    var dataBucket: String = "inlet-data"

    @Option(name: .customLong("error-bucket"), help: "The bucket rejected events are written to.")
    var errorBucket: String = "inlet-errors"

    @Option(name: .customLong("buffer-interval"), help: "Firehose's buffer interval in seconds (0–900).")
    var bufferInterval: Int = 5

    @Option(name: .customLong("buffer-size"), help: "Firehose's buffer size in MiB (1–128).")
    var bufferSize: Int = 5

    @Flag(help: "Gzip delivered objects (keys end in .gz).")
    var gzip = false

    @Option(
        name: .customLong("streams"),
        help: ArgumentHelp(
            "A JSON file of delivery streams to declare at start: an array of CreateDeliveryStream request bodies "
                + "(as aws firehose create-delivery-stream --cli-input-json takes them). One named like --stream "
                + "replaces the stream the flags describe.",
            valueName: "file"))
    var streamsFile: String?

    @Option(
        name: .customLong("fault-fraction"),
        help: "The fraction of records (0–1) Firehose refuses with ServiceUnavailableException, to exercise clients' retries.")
    var faultFraction: Double = 0

    @Option(name: .customLong("payload-format"), help: "The API Gateway payload format the function gets: 2.0 or 1.0.")
    var payloadFormat: String = "2.0"

    @Option(
        name: .customLong("route"),
        help: "An HTTP API route in front of the function: 'METHOD /path', 'ANY /path' or '$default' (repeatable).")
    var routes: [String] = ["POST /events"]

    @Option(name: .customLong("function-timeout"), help: "The function's timeout in seconds (API Gateway gives up at 30).")
    var functionTimeout: Double = 30

    @Option(
        name: .customLong("function-command"),
        help: ArgumentHelp(
            "Run the function as child processes speaking the Lambda Runtime API, e.g. './.build/release/bootstrap' "
                + "or 'python -m awslambdaric app.handler'. Default: the ingest function in process.",
            valueName: "command"))
    var functionCommand: String?

    @Option(help: "With --function-command: the most processes at once; further invocations wait for one (1–64).")
    var concurrency: Int = 1

    @Option(
        help: "With --function-command: the function's _HANDLER (default: the command's last argument, or the program's name).")
    var handler: String?

    func validate() throws {
        guard (0...65535).contains(port) else { throw ValidationError("--port must be 0–65535 (0 picks a free port)") }
        guard APIGatewayEmulator.PayloadFormat(rawValue: payloadFormat) != nil else {
            throw ValidationError("--payload-format must be 2.0 or 1.0, not '\(payloadFormat)'")
        }
        guard functionTimeout > 0 && functionTimeout <= 900 else {
            throw ValidationError("--function-timeout must be more than 0 and at most 900 seconds (Lambda's limit)")
        }
        for route in routes where APIGatewayRoute(route) == nil {
            throw ValidationError("--route '\(route)' is not a route key; use 'POST /events', 'ANY /path' or '$default'")
        }
        guard (0...900).contains(bufferInterval) else { throw ValidationError("--buffer-interval must be 0–900 seconds") }
        guard (1...128).contains(bufferSize) else { throw ValidationError("--buffer-size must be 1–128 MiB") }
        guard (0...1).contains(faultFraction) else { throw ValidationError("--fault-fraction must be 0–1") }
        guard readTimeout > 0 && readTimeout <= 3600 else { throw ValidationError("--read-timeout must be more than 0 and at most 3600 seconds") }
        guard (1...64).contains(concurrency) else { throw ValidationError("--concurrency must be 1–64") }
        if let functionCommand {
            do {
                _ = try FunctionCommand.split(functionCommand)
            } catch {
                throw ValidationError("--function-command: \(error.message)")
            }
        } else if concurrency != 1 || handler != nil {
            throw ValidationError("--concurrency and --handler apply to --function-command; the function runs in process without it")
        }
        for key in accessKeys where Self.parseAccessKey(key) == nil {
            throw ValidationError("--access-key must be ID:SECRET with both parts non-empty")
        }
        if noAuth && !accessKeys.isEmpty {
            throw ValidationError("--no-auth checks no keys; drop --access-key or --no-auth")
        }
    }

    /// `ID:SECRET` as credentials; the secret may itself contain `:`.
    static func parseAccessKey(_ text: String) -> AWSCredentials? {
        guard let colon = text.firstIndex(of: ":") else { return nil }
        let id = String(text[..<colon]), secret = String(text[text.index(after: colon)...])
        guard !id.isEmpty, !secret.isEmpty else { return nil }
        return AWSCredentials(accessKeyId: id, secretAccessKey: secret)
    }

    /// The keys the port accepts: none with --no-auth, else --access-key's or the default pair.
    var acceptedKeys: [AWSCredentials] {
        if noAuth { return [] }
        let keys = accessKeys.compactMap(Self.parseAccessKey)
        return keys.isEmpty ? [LocalCloud.credentials] : keys
    }

    func run() async throws {
        EventLoopExecutor.adopt()
        if !LocalServerConfiguration.isLoopback(host) {
            printError(
                "warning: listening on \(host), not loopback: anyone who can reach this address can post events"
                    + (noAuth ? " and, with --no-auth, write to Firehose and S3" : "")
                    + ". Use --host 127.0.0.1 unless you mean it.")
        }
        var options = LocalCloudOptions(
            dataDirectory: dataDir, streamName: stream, dataBucket: dataBucket, errorBucket: errorBucket,
            bufferIntervalSeconds: bufferInterval, bufferSizeMiB: bufferSize, gzip: gzip,
            payloadFormat: APIGatewayEmulator.PayloadFormat(rawValue: payloadFormat) ?? .v2,
            functionTimeoutMillis: Int64(functionTimeout * 1000), routes: routes.compactMap(APIGatewayRoute.init),
            accessKeys: acceptedKeys)
        if let functionCommand, let command = try? FunctionCommand.split(functionCommand) {
            options.functionProcesses = RuntimeAPIConfiguration(command: command, concurrency: concurrency, handler: handler)
        }
        if let streamsFile {
            guard let bytes = FileManager.default.contents(atPath: streamsFile) else {
                throw CLIError("--streams: cannot read \(streamsFile)")
            }
            do {
                options.streams = try DeliveryStreamConfig.streams(file: [UInt8](bytes))
            } catch {
                throw CLIError("--streams \(streamsFile): \(error)")
            }
        }
        options.faultFraction = faultFraction
        let streamsText = options.declaredStreams.map {
            "stream \($0.name) → s3://\($0.bucket)/\($0.prefix ?? "")"
        }
        let cloud: LocalCloud
        do {
            cloud = try await LocalCloud.start(options: options)
        } catch {
            throw CLIError("inlet local cannot start: \(error)")
        }
        let server = LocalServer(
            configuration: LocalServerConfiguration(
                host: host, port: port, readTimeout: .milliseconds(Int64(readTimeout * 1000))),
            router: cloud.router)
        let recovered = cloud.recoveredRecords
        let (dataBucket, errorBucket, dataDir, faultFraction) = (self.dataBucket, self.errorBucket, self.dataDir, self.faultFraction)
        let warehouse = cloud.warehouse
        let warehousePath = warehouse.path
        let routesText = routes.joined(separator: ", ")
        let clientKey = acceptedKeys.first ?? LocalCloud.credentials
        let authText = noAuth ? "off (--no-auth): any signature, or none, is accepted" : "SigV4 checked, \(acceptedKeys.count) key(s)"
        let functionText =
            options.functionProcesses.map {
                "\($0.command.joined(separator: " ")) (Runtime API, up to \($0.concurrency) "
                    + "process\($0.concurrency == 1 ? "" : "es"); output prefixed [function N] on stderr)"
            } ?? "the ingest function, in process"
        do {
            try await server.run { bound in
                // A wildcard bind is reached through loopback from this machine.
                var address = bound
                if address.host == "0.0.0.0" { address.host = "127.0.0.1" }
                if address.host == "::" { address.host = "::1" }
                var lines = ["inlet local listening on \(address.baseURL)"]
                if recovered > 0 { lines.append("  recovered \(recovered) buffered records from \(dataDir)") }
                lines += [
                    "  HTTP API      \(routesText) at \(address.baseURL)",
                    "  function      \(functionText)",
                    "  Firehose      " + streamsText.joined(separator: "\n                "),
                    "  S3            path-style at \(address.baseURL) (stored under \(dataDir)/s3)",
                    "  Snowpipe      EVENTS_PIPE s3://\(dataBucket)/ → RAW_EVENTS, ERRORS_PIPE s3://\(errorBucket)/errors/ → RAW_ERRORS",
                    "  warehouse     \(warehousePath) (inlet query \"SELECT * FROM events_dedup\" --data-dir \(dataDir))",
                    "  Lambda invoke POST \(address.baseURL)/2015-03-31/functions/function/invocations",
                    "  health        GET  \(address.baseURL)/health",
                    "  auth          \(authText)",
                ]
                if faultFraction > 0 {
                    lines.append("  faults        \(faultFraction * 100)% of records refused with ServiceUnavailableException")
                }
                lines += [
                    "",
                    "For the AWS CLI and SDKs:",
                ]
                for (name, value) in LocalCloud.environment(address, key: clientKey) { lines.append("  export \(name)=\(value)") }
                lines.append("")
                lines.append("Ctrl-C stops the server and delivers every buffered record.")
                // Unbuffered, so a script reading the output sees the endpoints at once.
                writeStdout(Array((lines.joined(separator: "\n") + "\n").utf8))
            }
        } catch {
            throw CLIError("inlet local stopped: \(error)")
        }
        // The flush's objects are queued by now: load them before exiting.
        await warehouse.waitUntilLoaded()
        await warehouse.stop()
        print("inlet local stopped; buffers flushed to s3://\(dataBucket) and loaded into \(warehousePath)")
    }
}
