import ArgumentParser
import Foundation
import InletEmulator
import InletLocal

/// `inlet local`: the AWS side of the pipeline (HTTP API → ingest function → Firehose → S3)
/// in this process, on one loopback port.
struct LocalCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "local",
        abstract: "Run the AWS side of the pipeline locally on one port: HTTP API, the ingest function and Firehose (S3 to come).",
        discussion: """
            One port (default 4577, leaving LocalStack's 4566 free) serves:
              POST /events        the HTTP API in front of the ingest function (--route)
              Firehose API        requests with X-Amz-Target: Firehose_20150804.*
              Lambda invoke       POST /2015-03-31/functions/function/invocations (RIE)
              GET /health         {"status":"ok"}

            Firehose buffers survive restarts under --data-dir and are delivered on
            Ctrl-C. Until the S3 service is merged, deliveries and error objects are
            files under <data-dir>/s3/<bucket>/<key>, and S3 requests get 404.

            The buffer interval defaults to 5 s (AWS: 0-900 s, default 300 s) so that
            objects appear quickly while developing.

            Delivered objects and error envelopes are loaded into <data-dir>/warehouse/inlet.db
            by the local Snowpipes: see inlet query and inlet pipe.
            """)

    @Option(help: "The port to listen on (0 picks a free one).")
    var port: Int = 4577

    @Option(help: "The address to listen on. Anything but loopback exposes the emulator, which checks no credentials.")
    var host: String = "127.0.0.1"

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

    @Option(name: .customLong("payload-format"), help: "The API Gateway payload format the function gets: 2.0 or 1.0.")
    var payloadFormat: String = "2.0"

    @Option(
        name: .customLong("route"),
        help: "An HTTP API route in front of the function: 'METHOD /path', 'ANY /path' or '$default' (repeatable).")
    var routes: [String] = ["POST /events"]

    @Option(name: .customLong("function-timeout"), help: "The function's timeout in seconds (API Gateway gives up at 30).")
    var functionTimeout: Double = 30

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
    }

    func run() async throws {
        if !LocalServerConfiguration.isLoopback(host) {
            printError(
                "warning: listening on \(host), not loopback: anyone who can reach this address can write to "
                    + "the emulator, which checks no credentials. Use --host 127.0.0.1 unless you mean it.")
        }
        let options = LocalCloudOptions(
            dataDirectory: dataDir, streamName: stream, dataBucket: dataBucket, errorBucket: errorBucket,
            bufferIntervalSeconds: bufferInterval, bufferSizeMiB: bufferSize, gzip: gzip,
            payloadFormat: APIGatewayEmulator.PayloadFormat(rawValue: payloadFormat) ?? .v2,
            functionTimeoutMillis: Int64(functionTimeout * 1000), routes: routes.compactMap(APIGatewayRoute.init))
        let store: LocalS3Store, s3: S3Service
        do {
            (store, s3) = try await LocalCloud.openS3(options: options)
        } catch {
            throw CLIError("inlet local cannot start: \(error)")
        }
        // The pipes observe the store before Firehose can deliver (its recovery may).
        let warehouse: LocalWarehouse
        do {
            warehouse = try await LocalWarehouse.open(options: options, store: store)
        } catch {
            throw CLIError("inlet local cannot start: \(error)")
        }
        let cloud: LocalCloud
        do {
            cloud = try await LocalCloud.start(options: options, sink: store, s3: { await s3.handle($0) })
        } catch {
            throw CLIError("inlet local cannot start: \(error)")
        }
        let server = LocalServer(
            configuration: LocalServerConfiguration(host: host, port: port), router: cloud.router)
        let recovered = cloud.recoveredRecords
        let (dataBucket, errorBucket, stream, dataDir) = (self.dataBucket, self.errorBucket, self.stream, self.dataDir)
        let warehousePath = warehouse.path
        let routesText = routes.joined(separator: ", ")
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
                    "  Firehose      stream \(stream) → s3://\(dataBucket)/",
                    "  S3            path-style at \(address.baseURL) (stored under \(dataDir)/s3)",
                    "  Snowpipe      EVENTS_PIPE s3://\(dataBucket)/ → RAW_EVENTS, ERRORS_PIPE s3://\(errorBucket)/errors/ → RAW_ERRORS",
                    "  warehouse     \(warehousePath) (inlet query \"SELECT * FROM events_dedup\" --data-dir \(dataDir))",
                    "  Lambda invoke POST \(address.baseURL)/2015-03-31/functions/function/invocations",
                    "  health        GET  \(address.baseURL)/health",
                    "",
                    "For the AWS CLI and SDKs:",
                ]
                for (name, value) in LocalCloud.environment(address) { lines.append("  export \(name)=\(value)") }
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
