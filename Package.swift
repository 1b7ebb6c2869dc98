// swift-tools-version:6.1
import PackageDescription

// Modules depend one way, bottom to top:
//   InletCore (pure: JSON, contract, body framing, enrichment; no I/O, no C)
//   CZlib → InletCompression (gzip inflate with a size limit, deflate)
//   COpenSSL → InletSigV4 (pure signer; libcrypto for HMAC/SHA-256)
//   CCurl → InletHTTP (libcurl transport)
//   InletAWS (configuration, Firehose and S3 clients)
//   executables: inlet (CLI)
let package = Package(
    name: "Inlet",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "inlet", targets: ["InletCLI"]),
        .library(name: "InletCore", targets: ["InletCore"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.6.0"),
    ],
    targets: [
        // MARK: Pure core
        .target(name: "InletCore"),

        // MARK: System libraries
        .systemLibrary(
            name: "CZlib", path: "Sources/CZlib", pkgConfig: "zlib",
            providers: [.apt(["zlib1g-dev"])]),
        .systemLibrary(
            name: "CCurl", path: "Sources/CCurl", pkgConfig: "libcurl",
            providers: [.apt(["libcurl4-openssl-dev"])]),

        // MARK: Codecs
        .target(name: "InletCompression", dependencies: ["InletCore", "CZlib"]),

        // MARK: Transport
        .target(name: "InletHTTP", dependencies: ["CCurl"]),

        // MARK: Executables
        .executableTarget(
            name: "InletCLI",
            dependencies: [
                "InletCore", "InletCompression",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]),

        // MARK: Tests
        .testTarget(
            name: "InletCoreTests", dependencies: ["InletCore", "InletCompression"],
            resources: [.copy("Fixtures")]),
        .testTarget(
            name: "InletHTTPTests", dependencies: ["InletHTTP"],
            exclude: ["Support"]),
    ],
    swiftLanguageModes: [.v6]
)
