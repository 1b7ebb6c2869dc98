import InletAWS
import InletCore
import InletEmulator
import InletFunction
import InletSigV4
import Logging
import NIOCore
import NIOPosix

/// What `inlet local` runs: one delivery stream, the ingest function (in process, or as
/// processes speaking the Runtime API), and the HTTP API in front of it.
public struct LocalCloudOptions: Sendable {
    /// Where the emulator keeps its state (`firehose/` buffers, `s3/` objects).
    public var dataDirectory: String
    /// The delivery stream the function writes to.
    public var streamName: String
    /// The bucket Firehose delivers to.
    public var dataBucket: String
    /// The bucket the function writes rejected events to.
    public var errorBucket: String
    /// Firehose's buffer interval hint, seconds (0–900).
    public var bufferIntervalSeconds: Int
    /// Firehose's buffer size hint, MiB (1–128).
    public var bufferSizeMiB: Int
    /// Whether delivered objects are gzip-compressed.
    public var gzip: Bool
    /// The API Gateway payload format the function receives.
    public var payloadFormat: APIGatewayEmulator.PayloadFormat
    /// The function's timeout, milliseconds.
    public var functionTimeoutMillis: Int64
    /// The HTTP API's routes.
    public var routes: [APIGatewayRoute]
    /// The access keys whose SigV4 signatures the Firehose and S3 endpoints accept; empty
    /// turns signature checks off (`inlet local --no-auth`). The first key is the one the
    /// function signs with.
    public var accessKeys: [AWSCredentials]
    /// Runs the function as processes speaking the Runtime API (`--function-command`)
    /// instead of in process; ``LocalCloud/start(options:flushPeriod:logger:)`` adds the
    /// stream, the buckets and the key pair to its environment.
    public var functionProcesses: RuntimeAPIConfiguration? = nil
    /// Delivery streams declared besides the function's (`inlet local --streams FILE`); one
    /// named ``streamName`` replaces the stream the other options describe (its bucket must
    /// be ``dataBucket``, which the local Snowpipe loads). Each stream's bucket is created.
    public var streams: [DeliveryStreamConfig] = []
    /// The fraction of records (0–1) that PutRecordBatch and the function's deliveries
    /// refuse with `ServiceUnavailableException`, to exercise retries (`--fault-fraction`).
    public var faultFraction: Double = 0

    /// Options; the defaults are `inlet local`'s.
    public init(
        dataDirectory: String = "./.inlet", streamName: String = "inlet-events", dataBucket: String = "inlet-data",
        errorBucket: String = "inlet-errors", bufferIntervalSeconds: Int = 5, bufferSizeMiB: Int = 5, gzip: Bool = false,
        payloadFormat: APIGatewayEmulator.PayloadFormat = .v2, functionTimeoutMillis: Int64 = 30_000,
        routes: [APIGatewayRoute] = [.postEvents], accessKeys: [AWSCredentials] = [LocalCloud.credentials]
    ) {
        self.dataDirectory = dataDirectory
        self.streamName = streamName
        self.dataBucket = dataBucket
        self.errorBucket = errorBucket
        self.bufferIntervalSeconds = bufferIntervalSeconds
        self.bufferSizeMiB = bufferSizeMiB
        self.gzip = gzip
        self.payloadFormat = payloadFormat
        self.functionTimeoutMillis = functionTimeoutMillis
        self.routes = routes
        self.accessKeys = accessKeys
    }

    /// The check the port applies to Firehose and S3 requests: SigV4 against ``accessKeys``
    /// in ``LocalCloud/region`` with AWS's 15-minute clock skew, or none when there are no keys.
    public var authenticator: SigV4Authenticator {
        accessKeys.isEmpty ? .disabled : SigV4Authenticator(credentials: accessKeys, region: LocalCloud.region)
    }

    /// The delivery stream as the emulator declares it, as the deploy template does: no
    /// delimiter appended (the function's records already end in a newline) and AWS's
    /// default key prefix.
    public var streamConfig: DeliveryStreamConfig {
        if let declared = streams.first(where: { $0.name == streamName }) { return declared }
        return DeliveryStreamConfig(
            name: streamName, bucket: dataBucket, bufferingSizeMiB: bufferSizeMiB,
            bufferingIntervalSeconds: bufferIntervalSeconds, compression: gzip ? .gzip : .uncompressed,
            appendDelimiterToRecord: false)
    }

    /// Every stream `inlet local` declares: the function's (``streamConfig``) first, then the
    /// others of ``streams``.
    public var declaredStreams: [DeliveryStreamConfig] {
        let main = streamConfig
        return [main] + streams.filter { $0.name != main.name }
    }
}

/// A failure to assemble the local cloud, with what to change.
public struct LocalCloudError: Error, Sendable, CustomStringConvertible {
    /// A stable reason.
    public enum Code: String, Sendable {
        /// The stream options are not a valid delivery stream.
        case invalidStream = "invalid_stream"
        /// The data directory's Firehose state could not be read back.
        case recoveryFailed = "recovery_failed"
        /// The function could not be configured.
        case functionConfiguration = "function_configuration"
        /// The S3 store under the data directory could not be opened or its buckets made.
        case s3StoreFailed = "s3_store_failed"
        /// The warehouse under the data directory could not be opened, or a pipe not started.
        case warehouseFailed = "warehouse_failed"
    }
    /// The reason.
    public var code: Code
    /// What happened and what to do.
    public var message: String

    /// `code: message`.
    public var description: String { "\(code.rawValue): \(message)" }
}

/// The AWS side of Inlet's pipeline, assembled for one process: the file-backed S3 store
/// with the data and error buckets, the warehouse and its pipes loading what lands there
/// (``LocalWarehouse``), the Firehose emulator delivering into it (recovered
/// from the data directory, with its stream declared and its flush timer running), the
/// ingest function in process with AWS clients on a ``LoopbackTransport`` (or, with
/// ``LocalCloudOptions/functionProcesses``, a ``RuntimeAPIFunctionHost``), the HTTP API in
/// front of it, and the ``LocalRouter`` over all of them.
///
/// Firehose and S3 requests arriving at the port are checked with SigV4 against
/// ``LocalCloudOptions/accessKeys``; function processes sign with the first key. The
/// in-process function's own calls go through the loopback transport, which never leaves
/// the process, and are trusted.
public struct LocalCloud: Sendable {
    /// The default key pair of `inlet local`: printed for clients to use, and the one the
    /// Firehose and S3 endpoints accept unless `--access-key` names others.
    public static let credentials = AWSCredentials(
        accessKeyId: "AKIAINLETLOCAL000001", secretAccessKey: "inlet-local-secret-key-not-a-real-secret")
    /// The region of the local cloud.
    public static let region = "us-east-1"

    /// The Firehose emulator.
    public let emulator: FirehoseEmulator
    /// The S3 store under `<data-dir>/s3`, which Firehose delivers into.
    public let store: LocalS3Store
    /// The warehouse under `<data-dir>/warehouse` and the pipes loading it from the store.
    public let warehouse: LocalWarehouse
    /// The services by request.
    public let router: LocalRouter
    /// How many buffered records recovery found in the data directory.
    public let recoveredRecords: Int

    /// Opens the S3 store and recovers the Firehose state under `options.dataDirectory`,
    /// declares the stream, starts the flush timer and builds the function and the router.
    ///
    /// - Parameter flushPeriod: how often the timer checks the buffers.
    public static func start(
        options: LocalCloudOptions, flushPeriod: Duration = .seconds(1), logger: Logger = Logger(label: "inlet.local")
    ) async throws(LocalCloudError) -> LocalCloud {
        let store = try await openStore(options: options)
        // The pipes observe the store before Firehose can deliver into it (its recovery may).
        let warehouse = try await LocalWarehouse.open(options: options, store: store)
        // On an event loop of the server, so that the gateway's fast path can put a request's
        // records from the loop that read it, without a task (GatewayIngestLane).
        let emulatorLoop = MultiThreadedEventLoopGroup.singleton.next()
        let emulator = FirehoseEmulator(dataDirectory: options.dataDirectory, sink: store, executor: emulatorLoop.executor)
        let recovered: Int
        do {
            recovered = try await emulator.recover()
        } catch {
            throw LocalCloudError(
                code: .recoveryFailed,
                message: "cannot read the Firehose state under \(options.dataDirectory)/firehose: \(error); "
                    + "fix its permissions or choose another --data-dir")
        }
        let main = options.streamConfig
        guard main.bucket == options.dataBucket else {
            throw LocalCloudError(
                code: .invalidStream,
                message: "the streams file delivers the function's stream '\(main.name)' to s3://\(main.bucket), "
                    + "but the local Snowpipe loads s3://\(options.dataBucket); set --data-bucket \(main.bucket)")
        }
        for config in options.declaredStreams {
            do {
                try await emulator.declareStream(config)
            } catch {
                throw LocalCloudError(code: .invalidStream, message: "the stream '\(config.name)' is not valid: \(error)")
            }
        }
        if options.faultFraction > 0 { await emulator.setFaultInjection(fraction: options.faultFraction) }
        await emulator.startTimer(period: flushPeriod)

        let authenticator = options.authenticator
        let firehose = FirehoseService(emulator: emulator, region: region, authenticator: authenticator)
        let s3 = S3Service(store: store, authenticator: authenticator, region: region)
        // The function's calls never leave the process: the loopback services skip the signature check.
        let trustedFirehose = FirehoseService(emulator: emulator, region: region, authenticator: .disabled)
        let trustedS3 = S3Service(store: store, authenticator: .disabled, region: region)
        let transport = LoopbackTransport(firehose: trustedFirehose, s3: { await trustedS3.handle($0) })
        let signer = options.accessKeys.first ?? credentials
        let configuration: FunctionConfiguration
        do {
            configuration = try FunctionConfiguration.fromEnvironment([
                "DELIVERY_STREAM_NAME": options.streamName, "ERROR_BUCKET_NAME": options.errorBucket,
                "AWS_ACCESS_KEY_ID": signer.accessKeyId, "AWS_SECRET_ACCESS_KEY": signer.secretAccessKey,
                "AWS_REGION": region,
                // The loopback transport never opens a socket; the URL only shapes the requests.
                "AWS_ENDPOINT_URL": "http://127.0.0.1:4577",
            ])
        } catch {
            throw LocalCloudError(code: .functionConfiguration, message: "\(error)")
        }
        // Valid records go straight into the emulator's buffer; rejected ones to S3 over the
        // loopback transport, as the function's S3 requests.
        let function = IngestFunction(
            configuration: configuration, firehose: EmulatorRecordDelivery(emulator: emulator),
            s3: S3Client(configuration: configuration.aws, transport: transport))
        let runtimeAPI = options.functionProcesses.map { RuntimeAPIFunctionHost(configuration: processes($0, options)) }
        let host: any FunctionHost = runtimeAPI ?? InProcessFunctionHost(handler: function, logger: logger)
        let gateway = APIGatewayEmulator(
            host: host, routes: options.routes, payloadFormat: options.payloadFormat,
            functionTimeoutMillis: options.functionTimeoutMillis)
        var router = LocalRouter(
            firehose: firehose, gateway: gateway, function: host, functionTimeoutMillis: options.functionTimeoutMillis,
            s3: { await s3.handle($0) }, runtimeAPI: runtimeAPI)
        if runtimeAPI == nil {
            router.ingestLane = GatewayIngestLane(
                gateway: gateway, function: function, emulator: emulator, emulatorLoop: emulatorLoop,
                logger: logger, now: router.now)
        }
        return LocalCloud(
            emulator: emulator, store: store, warehouse: warehouse, router: router, recoveredRecords: recovered)
    }

    /// Opens the file-backed S3 store under `options.dataDirectory` and makes sure the data
    /// and error buckets exist.
    static func openStore(options: LocalCloudOptions) async throws(LocalCloudError) -> LocalS3Store {
        let store: LocalS3Store
        do {
            store = try LocalS3Store(dataDirectory: options.dataDirectory)
        } catch {
            throw LocalCloudError(
                code: .s3StoreFailed,
                message: "cannot open the S3 store under \(options.dataDirectory)/s3: \(error); "
                    + "fix its permissions or choose another --data-dir")
        }
        let existing = Set(await store.listBuckets().map(\.name))
        var buckets = [options.dataBucket, options.errorBucket]
        for config in options.streams where !buckets.contains(config.bucket) { buckets.append(config.bucket) }
        for bucket in buckets where !existing.contains(bucket) {
            do {
                try await store.createBucket(bucket)
            } catch {
                throw LocalCloudError(code: .s3StoreFailed, message: "cannot create the bucket '\(bucket)': \(error)")
            }
        }
        return store
    }

    /// The function's processes as `options` configure them: the environment gets the
    /// stream, the error bucket, the local key pair and the region (variables the
    /// configuration already sets win); `AWS_ENDPOINT_URL` and `AWS_LAMBDA_RUNTIME_API` come
    /// from the bound address.
    static func processes(_ configuration: RuntimeAPIConfiguration, _ options: LocalCloudOptions) -> RuntimeAPIConfiguration {
        var configuration = configuration
        configuration.region = region
        let key = options.accessKeys.first ?? credentials
        let local = [
            "DELIVERY_STREAM_NAME": options.streamName, "ERROR_BUCKET_NAME": options.errorBucket,
            "AWS_ACCESS_KEY_ID": key.accessKeyId, "AWS_SECRET_ACCESS_KEY": key.secretAccessKey,
        ]
        configuration.environment = local.merging(configuration.environment) { $1 }
        return configuration
    }

    /// The environment variables that point the AWS CLI and SDKs at a server on `address`.
    /// - Parameter key: the key pair clients sign with (the default ``credentials``).
    public static func environment(_ address: LocalServerAddress, key: AWSCredentials = credentials)
        -> [(name: String, value: String)]
    {
        [
            ("AWS_ENDPOINT_URL", address.baseURL), ("AWS_ACCESS_KEY_ID", key.accessKeyId),
            ("AWS_SECRET_ACCESS_KEY", key.secretAccessKey), ("AWS_REGION", region),
            // botocore (boto3, the AWS CLI) reads the region only from this one.
            ("AWS_DEFAULT_REGION", region),
        ]
    }
}
