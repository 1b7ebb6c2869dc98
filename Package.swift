// swift-tools-version:6.1
import PackageDescription

// Modules depend one way, bottom to top, in the order an event flows:
//   InletCore           pure: JSON, contract, body framing, enrichment, envelopes (no I/O, no C)
//   InletThreads        pthreads: a lock, a worker pool, a serial executor on a thread of its own
//   InletCompression    CZlib: gzip inflate with a size limit, deflate; request-body decoding
//   InletSigV4          COpenSSL: the SigV4 signer and verifier (pure; the date is a parameter)
//   InletHTTP           CCurl: the libcurl transport
//   InletAWS            Firehose and S3 clients on the signer and the transport (no Foundation)
//   InletAPIGateway     API Gateway proxy events and responses
//   InletLambdaRuntime  the Runtime API loop
//   InletFunction       the ingest handler
//   InletEmulator       the local cloud's services (Firehose, HTTP API, function hosts), plain async handlers
//   InletWarehouse      CSQLite: the embedded warehouse and the local Snowpipe that loads it (no Hummingbird)
//   InletLocal          `inlet local`: those services on one Hummingbird port (never linked into bootstrap)
//   executables: inlet (CLI), inlet-aws-bench (signing and PutRecordBatch throughput),
//                inlet-nio-ceiling (the gateway benchmark's bare SwiftNIO baseline)
let package = Package(
    name: "Inlet",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "inlet", targets: ["InletCLI"]),
        .executable(name: "inlet-aws-bench", targets: ["InletAWSBench"]),
        // The gateway benchmark's baseline: the most a SwiftNIO server answers on this machine.
        .executable(name: "inlet-nio-ceiling", targets: ["InletNIOCeiling"]),
        .library(name: "InletCore", targets: ["InletCore"]),
        .library(name: "InletSigV4", targets: ["InletSigV4"]),
        .library(name: "InletHTTP", targets: ["InletHTTP"]),
        .library(name: "InletAWS", targets: ["InletAWS"]),
        // For the fuzz targets in the nested Fuzz/ package.
        .library(name: "InletCompression", targets: ["InletCompression"]),
        .library(name: "InletEmulator", targets: ["InletEmulator"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.6.0"),
        // Only InletLocal (the `inlet local` server) links Hummingbird; bootstrap never does.
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.80.0"),
        // Hummingbird's HTTP/1.1 codec to HTTP types, for the gateway's fast path (InletLocal).
        .package(url: "https://github.com/apple/swift-nio-extras", from: "1.20.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.6.0"),
        .package(url: "https://github.com/apple/swift-http-types", from: "1.3.0"),
    ],
    targets: [
        // MARK: Pure core
        .target(name: "InletCore"),
        .target(name: "InletThreads"),

        // MARK: System libraries
        .systemLibrary(
            name: "CZlib", path: "Sources/CZlib", pkgConfig: "zlib",
            providers: [.apt(["zlib1g-dev"])]),
        .systemLibrary(
            name: "COpenSSL", path: "Sources/COpenSSL", pkgConfig: "libcrypto",
            providers: [.apt(["libssl-dev"])]),
        .systemLibrary(
            name: "CCurl", path: "Sources/CCurl", pkgConfig: "libcurl",
            providers: [.apt(["libcurl4-openssl-dev"])]),
        .systemLibrary(
            name: "CSQLite", path: "Sources/CSQLite", pkgConfig: "sqlite3",
            providers: [.apt(["libsqlite3-dev"])]),

        .target(name: "CGlibcCompat"),

        // MARK: Codecs
        .target(name: "InletCompression", dependencies: ["InletCore", "CZlib"]),

        // MARK: AWS access
        .target(name: "InletSigV4", dependencies: ["COpenSSL"]),
        .target(name: "InletHTTP", dependencies: ["InletCore", "InletThreads", "CCurl"]),
        .target(name: "InletAWS", dependencies: ["InletCore", "InletSigV4", "InletHTTP"]),

        // MARK: The function
        .target(name: "InletAPIGateway", dependencies: ["InletCore"]),
        .target(
            name: "InletLambdaRuntime",
            dependencies: ["InletCore", "InletHTTP", .product(name: "Logging", package: "swift-log")]),
        .target(
            name: "InletFunction",
            dependencies: [
                "InletCore", "InletCompression", "InletAPIGateway", "InletAWS", "InletLambdaRuntime",
                .product(name: "Logging", package: "swift-log"),
            ]),

        // MARK: The local cloud (never linked into bootstrap)
        .target(
            name: "InletEmulator",
            dependencies: [
                "InletCore", "InletCompression", "InletSigV4", "InletAPIGateway", "InletHTTP", "InletAWS",
                "InletLambdaRuntime", "InletFunction", "InletThreads", .product(name: "Logging", package: "swift-log"),
            ]),

        // The SQLite warehouse and the local Snowpipe (knows nothing of S3's implementation).
        .target(
            name: "InletWarehouse",
            dependencies: [
                "InletCore", "InletCompression", "InletThreads", "CSQLite", .product(name: "Logging", package: "swift-log"),
            ]),

        // The one-port HTTP server of `inlet local` (Hummingbird; never linked into bootstrap).
        .target(
            name: "InletLocal",
            dependencies: [
                "InletEmulator", "InletWarehouse", "InletCore", "InletAWS", "InletHTTP", "InletSigV4", "InletFunction", "InletLambdaRuntime",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOHTTPTypes", package: "swift-nio-extras"),
                .product(name: "NIOHTTPTypesHTTP1", package: "swift-nio-extras"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Logging", package: "swift-log"),
            ]),

        // MARK: Executables
        .executableTarget(
            name: "InletCLI",
            dependencies: [
                "InletCore", "InletCompression", "InletLocal", "InletEmulator", "InletSigV4", "InletHTTP", "InletWarehouse",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]),
        .executableTarget(
            name: "InletAWSBench", dependencies: ["InletAWS", "InletSigV4", "InletHTTP", "InletCore"]),
        .executableTarget(
            name: "InletNIOCeiling",
            dependencies: [
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ]),

        .executableTarget(
            name: "bootstrap",
            dependencies: [
                "InletFunction", "InletLambdaRuntime", "InletAWS", "InletHTTP", "CGlibcCompat",
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Sources/InletBootstrap"),

        // MARK: Tests
        // Real peers the integration suites share (moto_server with signature checks on).
        .target(
            name: "InletTestSupport", dependencies: ["InletAWS", "InletHTTP", "InletSigV4"],
            path: "Tests/InletTestSupport", exclude: ["moto_setup.py"]),
        .testTarget(
            name: "InletCoreTests", dependencies: ["InletCore", "InletCompression"],
            resources: [.copy("Fixtures")]),
        .testTarget(
            name: "InletSigV4Tests", dependencies: ["InletSigV4", "InletTestSupport"],
            exclude: ["botocore_sign.py"],
            resources: [.copy("Fixtures")]),
        .testTarget(
            name: "InletHTTPTests", dependencies: ["InletHTTP", "InletCore", "InletThreads", "InletTestSupport"],
            exclude: ["Support"]),
        .testTarget(
            name: "InletAWSTests", dependencies: ["InletAWS", "InletHTTP", "InletCore", "InletSigV4", "InletTestSupport"],
            exclude: ["Support"]),
        .testTarget(
            name: "InletEmulatorTests",
            dependencies: [
                "InletEmulator", "InletCore", "InletCompression", "InletSigV4", "InletAWS", "InletHTTP", "InletTestSupport",
                "InletAPIGateway", "InletLambdaRuntime", "InletFunction", .product(name: "Logging", package: "swift-log"),
            ]),
        .testTarget(
            name: "InletLocalTests",
            dependencies: [
                "InletLocal", "InletEmulator", "InletAWS", "InletHTTP", "InletCore", "InletTestSupport", "InletSigV4", "InletCompression", "InletWarehouse",
                "InletLambdaRuntime", .product(name: "Logging", package: "swift-log"),
            ],
            // Read by path from the repository (the hostile corpus), not bundled.
            exclude: ["Fixtures"]),
        .testTarget(
            name: "InletWarehouseTests",
            dependencies: [
                "InletWarehouse", "InletCore", "InletCompression", "InletEmulator", "InletLocal", "InletTestSupport", "InletHTTP",
                .product(name: "Logging", package: "swift-log"),
            ]),
        .testTarget(
            name: "InletLambdaRuntimeTests",
            dependencies: ["InletLambdaRuntime", .product(name: "Logging", package: "swift-log")]),
        .testTarget(
            name: "InletFunctionTests",
            dependencies: [
                "InletFunction", "InletAWS", "InletHTTP", "InletCore", "InletAPIGateway", "InletLambdaRuntime",
                "InletTestSupport", .product(name: "Logging", package: "swift-log"),
            ]),
        .testTarget(
            name: "InletAPIGatewayTests", dependencies: ["InletAPIGateway", "InletCore"],
            resources: [.copy("Fixtures")]),
    ],
    swiftLanguageModes: [.v6]
)
