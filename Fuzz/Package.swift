// swift-tools-version:6.1
import PackageDescription

// libFuzzer targets for the parsers that read untrusted bytes, kept out of the main build as
// the benchmarks are. Build and run them with `bash scripts/fuzz.sh [RUNS]`, which compiles
// every module (Inlet's included, for coverage) with `-sanitize=fuzzer,address` and
// `-enable-testing` (the targets reach a few internal functions through `@testable import`).
//
// Each target's `main` hands its test function to libFuzzer's driver (`LLVMFuzzerRunDriver`):
// SwiftPM gives every executable its own `main`, so libFuzzer's cannot be used. They link with
// lld, since gold fails on the instrumented objects ("internal error in format_file_lineno").
let lld: [LinkerSetting] = [.unsafeFlags(["-use-ld=lld"])]

func fuzzTarget(_ name: String, _ products: [String]) -> Target {
    .executableTarget(
        name: name, dependencies: ["FuzzSupport"] + products.map { .product(name: $0, package: "Inlet") },
        linkerSettings: lld)
}

let package = Package(
    name: "InletFuzz",
    platforms: [.macOS(.v13)],
    dependencies: [.package(name: "Inlet", path: "..")],
    targets: [
        .systemLibrary(name: "CLibFuzzer", path: "Sources/CLibFuzzer"),
        .target(name: "FuzzSupport", dependencies: ["CLibFuzzer"]),
        // The JSON parser, the contract validator and NDJSON framing: a request body as `inlet validate` reads it.
        fuzzTarget("FuzzIngest", ["InletCore", "InletCompression"]),
        // base64 and gzip/deflate decoding of request bodies, with the decompressed-size limit.
        fuzzTarget("FuzzBodyDecoder", ["InletCore", "InletCompression"]),
        // The emulator's SigV4 check, S3 path-style keys and aws-chunked bodies: a raw HTTP request.
        fuzzTarget("FuzzSigV4Request", ["InletEmulator", "InletSigV4", "InletCore"]),
        // The Firehose JSON 1.1 request decoder: `Operation` on the first line, the JSON body after it.
        fuzzTarget("FuzzFirehoseRequest", ["InletEmulator", "InletCore"]),
    ],
    swiftLanguageModes: [.v6]
)
