import ArgumentParser
import Foundation
import InletCompression
import InletCore
import InletWarehouse

/// `inlet bench`: validate+enrich+encode throughput on one core, beside a Python baseline;
/// with `--warehouse`, load throughput into the SQLite warehouse.
struct BenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Measure the per-event pipeline (parse, validate, enrich, encode) against a Python baseline.",
        discussion: """
            Build in release mode first: swift build -c release. Both Inlet and the Python
            baseline are pinned to the same core, and run one after the other, so the ratio
            is meaningful on a noisy machine.

            --warehouse measures the local Snowpipe's load instead: files of 300-byte enriched
            records (like Firehose's objects) parsed, compacted and inserted into a fresh
            warehouse, one transaction per file, and reports rows per second.

            --gateway posts single 300-byte events to the local cloud's HTTP API in process
            (no socket: the API Gateway event, the ingest function, PutRecordBatch into the
            fsynced Firehose buffer) from --concurrency tasks, and reports requests per second
            and CPU time per request.
            """)

    @Option(help: "Seconds to run each case.")
    var seconds: Double = 2

    @Option(help: "The CPU core both sides are pinned to (-1: do not pin).")
    var cpu: Int = 1

    @Option(help: "The Python interpreter for the baseline; 'none' skips it.")
    var python: String = "python3"

    @Flag(help: "Measure loading into the SQLite warehouse (rows/s) instead.")
    var warehouse = false

    @Option(help: "With --warehouse: how many records to load.")
    var rows: Int = 500_000

    @Option(name: .customLong("rows-per-file"), help: "With --warehouse: records per staged file.")
    var rowsPerFile: Int = 10_000

    @Flag(help: "With --warehouse: gzip the staged files, as Firehose's GZIP format does.")
    var gzip = false

    @Flag(help: "Measure the local cloud's HTTP API in process (req/s, CPU per request), without a socket.")
    var gateway = false

    @Option(help: "With --gateway: requests in flight.")
    var concurrency: Int = 32

    @Option(help: "With --gateway: events per request (1: a JSON event; more: NDJSON).")
    var batch: Int = 1

    mutating func run() async throws {
        if cpu >= 0 { pinToCore(cpu) }
        if warehouse {
            try await WarehouseBench(rows: rows, rowsPerFile: rowsPerFile, gzip: gzip).run()
            return
        }
        if gateway {
            try await GatewayBench(seconds: seconds, concurrency: max(1, concurrency), batch: max(1, batch)).run()
            return
        }
        let cases = BenchCase.standard()
        let ingestor = Ingestor()
        var baseline: [String: Double] = [:]
        if python != "none" {
            baseline = try runPythonBaseline(cases)
        }
        print("case                     events/s      MB/s   python ev/s   ratio")
        for c in cases {
            let result = measure(c, ingestor: ingestor)
            let py = baseline[c.name]
            let ratio = py.map { String(format: "%6.1fx", result.eventsPerSecond / $0) } ?? "     -"
            let pyText = py.map { String(format: "%12.0f", $0) } ?? "           -"
            let name = c.name.padding(toLength: 22, withPad: " ", startingAt: 0)
            print(String(format: "%@ %10.0f %9.1f %@  %@", name, result.eventsPerSecond, result.megabytesPerSecond, pyText, ratio))
        }
    }

    struct Result {
        var eventsPerSecond: Double
        var megabytesPerSecond: Double
    }

    func measure(_ c: BenchCase, ingestor: Ingestor) -> Result {
        let context = IngestContext(requestId: "bench-request", receivedAtMillis: 1_764_235_141_123, sourceIp: "127.0.0.1", userAgent: "bench")
        var sink = 0
        // Warm up, then run whole rounds until the time is up.
        for _ in 0..<50 { sink &+= (try? ingestor.process(body: c.body, format: .detect, context: context))?.accepted.count ?? 0 }
        let start = monotonicSeconds()
        var rounds = 0
        var elapsed = 0.0
        repeat {
            for _ in 0..<c.roundsPerCheck {
                sink &+= (try? ingestor.process(body: c.body, format: .detect, context: context))?.accepted.count ?? 0
            }
            rounds += c.roundsPerCheck
            elapsed = monotonicSeconds() - start
        } while elapsed < seconds
        precondition(sink == (rounds + 50) * c.events, "every benchmark event must be accepted")
        let events = Double(rounds * c.events)
        return Result(
            eventsPerSecond: events / elapsed,
            megabytesPerSecond: Double(rounds * c.body.count) / elapsed / 1_000_000)
    }

    func runPythonBaseline(_ cases: [BenchCase]) throws -> [String: Double] {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("inlet-bench-\(getpid())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        var arguments: [String] = []
        for c in cases {
            let file = dir.appendingPathComponent(c.fileName)
            try Data(c.body).write(to: file)
            arguments.append("\(c.name)=\(file.path)")
        }
        let script = BenchCase.pythonScriptPath()
        let process = Process()
        var launch = [python, script, "--seconds", String(seconds)] + arguments
        if cpu >= 0, FileManager.default.isExecutableFile(atPath: "/usr/bin/taskset") {
            launch = ["/usr/bin/taskset", "-c", String(cpu)] + launch
        }
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = launch
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        let output = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw CLIError("the Python baseline failed (exit \(process.terminationStatus)); run it with --python none to skip")
        }
        var result: [String: Double] = [:]
        for line in String(decoding: output, as: UTF8.self).split(separator: "\n") {
            let parts = line.split(separator: "\t")
            if parts.count == 2, let v = Double(parts[1]) { result[String(parts[0])] = v }
        }
        return result
    }
}

/// One benchmark input: a body and how many events it holds.
struct BenchCase {
    var name: String
    var fileName: String
    var body: [UInt8]
    var events: Int
    var roundsPerCheck: Int

    /// A realistic event of about `size` bytes that the default contract accepts.
    static func event(size: Int, id: Int) -> String {
        var e = #"{"Id":"\#(100000 + id)","Name":"John Smith","Age":"42","Sex":"Male","email":"john.smith@example.com","#
            + #""country":"GB","plan":"premium","ts":"2026-11-27T09:19:01.123Z","score":0.8125,"visits":1734,"#
            + #""props":{"page":"/checkout","ref":"newsletter","ab":"B"}"#
        var k = 0
        while e.utf8.count + 2 < size - 40 {
            e += #","item\#(k)":{"sku":"SKU-\#(10000 + k)","qty":\#(k % 7 + 1),"price":\#(k + 1)9.95,"ok":true}"#
            k += 1
        }
        let pad = max(0, size - e.utf8.count - 12)
        e += #","note":""# + String(repeating: "x", count: pad) + #""}"#
        return e
    }

    static func standard() -> [BenchCase] {
        let small = event(size: 300, id: 1)
        let large = event(size: 4096, id: 1)
        let ndSmall = (0..<1000).map { event(size: 300, id: $0) }.joined(separator: "\n") + "\n"
        let ndLarge = (0..<1000).map { event(size: 4096, id: $0) }.joined(separator: "\n") + "\n"
        return [
            BenchCase(name: "event-300B", fileName: "event-300.json", body: Array(small.utf8), events: 1, roundsPerCheck: 2000),
            BenchCase(name: "event-4KiB", fileName: "event-4k.json", body: Array(large.utf8), events: 1, roundsPerCheck: 200),
            BenchCase(name: "ndjson-1000x300B", fileName: "nd-300.ndjson", body: Array(ndSmall.utf8), events: 1000, roundsPerCheck: 2),
            BenchCase(name: "ndjson-1000x4KiB", fileName: "nd-4k.ndjson", body: Array(ndLarge.utf8), events: 1000, roundsPerCheck: 1),
        ]
    }

    /// `Benchmarks/python_baseline.py`, found from the working directory or next to the source.
    static func pythonScriptPath() -> String {
        let relative = "Benchmarks/python_baseline.py"
        if FileManager.default.fileExists(atPath: relative) { return relative }
        let source = URL(fileURLWithPath: #filePath)
        return source.deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent(relative).path
    }
}

func monotonicSeconds() -> Double {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
}

/// Re-executes this process under `taskset -c core`, once, so that the whole benchmark
/// (and the Python baseline, which is pinned the same way) runs on one core.
func pinToCore(_ core: Int) {
    guard getenv("INLET_BENCH_PINNED") == nil, FileManager.default.isExecutableFile(atPath: "/usr/bin/taskset") else {
        return
    }
    setenv("INLET_BENCH_PINNED", "1", 1)
    // Resolve the link now: inside taskset, /proc/self/exe would name taskset itself.
    let executable = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
    let arguments = ["/usr/bin/taskset", "-c", String(core), executable] + CommandLine.arguments.dropFirst()
    var cArguments = arguments.map { strdup($0) } + [nil]
    execv("/usr/bin/taskset", &cArguments)
    printError("could not pin to core \(core); running unpinned")
}
