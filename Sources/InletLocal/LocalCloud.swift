import InletAWS
import InletCore
import InletEmulator
import InletFunction
import InletSigV4
import Logging

/// What `inlet local` runs: one delivery stream, the ingest function in process, and the
/// HTTP API in front of it.
public struct LocalCloudOptions: Sendable {
    /// Where the emulator keeps its state (`firehose/`, and `s3/` for the sink).
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

    /// Options; the defaults are `inlet local`'s.
    public init(
        dataDirectory: String = "./.inlet", streamName: String = "inlet-events", dataBucket: String = "inlet-data",
        errorBucket: String = "inlet-errors", bufferIntervalSeconds: Int = 5, bufferSizeMiB: Int = 5, gzip: Bool = false,
        payloadFormat: APIGatewayEmulator.PayloadFormat = .v2, functionTimeoutMillis: Int64 = 30_000,
        routes: [APIGatewayRoute] = [.postEvents]
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
    }

    /// The delivery stream as the emulator declares it: records get a newline appended (the
    /// function sends one JSON object per record) and keys use AWS's default prefix.
    public var streamConfig: DeliveryStreamConfig {
        DeliveryStreamConfig(
            name: streamName, bucket: dataBucket, bufferingSizeMiB: bufferSizeMiB,
            bufferingIntervalSeconds: bufferIntervalSeconds, compression: gzip ? .gzip : .uncompressed,
            appendDelimiterToRecord: true)
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

/// The AWS side of Inlet's pipeline, assembled for one process: the Firehose emulator
/// (recovered from the data directory, with its stream declared and its flush timer
/// running), the ingest function in process with AWS clients on a ``LoopbackTransport``,
/// the HTTP API in front of it, and the ``LocalRouter`` over all of them.
public struct LocalCloud: Sendable {
    /// The fixed key pair of `inlet local`. It is printed for clients to use; the emulator
    /// does not check signatures yet, so any key works, but these are the ones to set.
    public static let credentials = AWSCredentials(
        accessKeyId: "AKIAINLETLOCAL000001", secretAccessKey: "inlet-local-secret-key-not-a-real-secret")
    /// The region of the local cloud.
    public static let region = "us-east-1"

    /// The Firehose emulator.
    public let emulator: FirehoseEmulator
    /// The services by request.
    public let router: LocalRouter
    /// How many buffered records recovery found in the data directory.
    public let recoveredRecords: Int

    /// Recovers the emulator's state from `options.dataDirectory`, declares the stream,
    /// starts the flush timer and builds the function and the router.
    ///
    /// - Parameters:
    ///   - sink: where Firehose delivers objects (``DirectoryObjectSink`` until the S3 store
    ///     lands).
    ///   - s3: the S3 handler, for clients and for the function's error objects; nil until the
    ///     S3 service lands: the port then answers S3 requests 404, and the function's error
    ///     objects go to ``DirectoryObjectSink/placeholderS3(_:)`` under `<data-dir>/s3`.
    ///   - flushPeriod: how often the timer checks the buffers.
    public static func start(
        options: LocalCloudOptions, sink: any ObjectSink,
        s3: (@Sendable (LocalRequest) async -> LocalResponse)? = nil, flushPeriod: Duration = .seconds(1),
        logger: Logger = Logger(label: "inlet.local")
    ) async throws(LocalCloudError) -> LocalCloud {
        let emulator = FirehoseEmulator(dataDirectory: options.dataDirectory, sink: sink)
        let recovered: Int
        do {
            recovered = try await emulator.recover()
        } catch {
            throw LocalCloudError(
                code: .recoveryFailed,
                message: "cannot read the Firehose state under \(options.dataDirectory)/firehose: \(error); "
                    + "fix its permissions or choose another --data-dir")
        }
        do {
            try await emulator.declareStream(options.streamConfig)
        } catch {
            throw LocalCloudError(code: .invalidStream, message: "the stream '\(options.streamName)' is not valid: \(error)")
        }
        await emulator.startTimer(period: flushPeriod)

        let firehose = FirehoseService(emulator: emulator, region: region)
        // Until the S3 service lands, the function's error objects go to files beside the deliveries.
        let placeholder = DirectoryObjectSink(root: options.dataDirectory + "/s3")
        let transport = LoopbackTransport(firehose: firehose, s3: s3 ?? { await placeholder.placeholderS3($0) })
        let configuration: FunctionConfiguration
        do {
            configuration = try FunctionConfiguration.fromEnvironment([
                "DELIVERY_STREAM_NAME": options.streamName, "ERROR_BUCKET_NAME": options.errorBucket,
                "AWS_ACCESS_KEY_ID": credentials.accessKeyId, "AWS_SECRET_ACCESS_KEY": credentials.secretAccessKey,
                "AWS_REGION": region,
                // The loopback transport never opens a socket; the URL only shapes the requests.
                "AWS_ENDPOINT_URL": "http://127.0.0.1:4577",
            ])
        } catch {
            throw LocalCloudError(code: .functionConfiguration, message: "\(error)")
        }
        let function = IngestFunction(
            configuration: configuration,
            firehose: FirehoseClient(configuration: configuration.aws, transport: transport),
            s3: S3Client(configuration: configuration.aws, transport: transport))
        let host = InProcessFunctionHost(handler: function, logger: logger)
        let gateway = APIGatewayEmulator(
            host: host, routes: options.routes, payloadFormat: options.payloadFormat,
            functionTimeoutMillis: options.functionTimeoutMillis)
        let router = LocalRouter(
            firehose: firehose, gateway: gateway, function: host, functionTimeoutMillis: options.functionTimeoutMillis,
            s3: s3)
        return LocalCloud(emulator: emulator, router: router, recoveredRecords: recovered)
    }

    /// Opens the file-backed S3 store under `options.dataDirectory`, makes sure the data
    /// and error buckets exist, and returns it with the S3 service over it. Pass the store
    /// as ``start(options:sink:s3:flushPeriod:logger:)``'s sink and the service as its `s3`,
    /// so Firehose delivers into it, the function writes its error objects to it, and S3
    /// clients read both over the port.
    public static func openS3(options: LocalCloudOptions) async throws(LocalCloudError) -> (LocalS3Store, S3Service) {
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
        for bucket in [options.dataBucket, options.errorBucket] where !existing.contains(bucket) {
            do {
                try await store.createBucket(bucket)
            } catch {
                throw LocalCloudError(code: .s3StoreFailed, message: "cannot create the bucket '\(bucket)': \(error)")
            }
        }
        return (store, S3Service(store: store, authenticator: .disabled, region: region))
    }

    /// The environment variables that point the AWS CLI and SDKs at a server on `address`.
    public static func environment(_ address: LocalServerAddress) -> [(name: String, value: String)] {
        [
            ("AWS_ENDPOINT_URL", address.baseURL), ("AWS_ACCESS_KEY_ID", credentials.accessKeyId),
            ("AWS_SECRET_ACCESS_KEY", credentials.secretAccessKey), ("AWS_REGION", region),
            // botocore (boto3, the AWS CLI) reads the region only from this one.
            ("AWS_DEFAULT_REGION", region),
        ]
    }
}
