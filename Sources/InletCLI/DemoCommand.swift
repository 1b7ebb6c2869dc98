import ArgumentParser
import Foundation
import InletCore
import InletHTTP
import InletLocal
import InletWarehouse

/// `inlet demo`: the whole local pipeline, end to end, in one command.
struct DemoCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract: "Run the whole pipeline locally: post events, watch them become rows, show the rejects and the latency.",
        discussion: """
            Starts inlet local in this process over a temporary data directory (a 1 s
            Firehose buffer), posts tests/sample.json and a generated mix of valid and
            invalid events through the HTTP API, waits until Snowpipe has loaded every
            delivered file into the SQLite warehouse, prints the rows, the rejected events
            with their reasons and the latency from each 2xx to its row being queryable,
            then stops everything. Exit status 0 when every accepted event became exactly
            one row and every rejected one an error row.
            """)

    @Option(help: "The sample file to post first.")
    var sample: String = "tests/sample.json"

    @Option(help: "How many generated events to post (one in ten invalid).")
    var events: Int = 400

    @Option(name: .customLong("batch"), help: "Generated events per request.")
    var batch: Int = 25

    @Option(name: .customLong("pace"), help: "Milliseconds between requests (a steady load by default; raise it to measure an idle pipeline).")
    var pace: Int = 20

    @Option(name: .customLong("data-dir"), help: "Keep the pipeline's files here instead of a temporary directory.")
    var dataDir: String?

    @Option(name: .customLong("timeout"), help: "Seconds to wait for every row.")
    var timeout: Double = 60

    func validate() throws {
        guard (1...100_000).contains(events) else { throw ValidationError("--events must be 1–100000") }
        guard timeout > 0 else { throw ValidationError("--timeout must be positive") }
        guard (1...5_000).contains(batch) else { throw ValidationError("--batch must be 1–5000") }
        guard (0...60_000).contains(pace) else { throw ValidationError("--pace must be 0–60000 ms") }
    }

    func run() async throws {
        let temporary = dataDir == nil
        let directory = dataDir ?? NSTemporaryDirectory() + "inlet-demo-" + UUID().uuidString.prefix(8).lowercased()
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { if temporary { try? FileManager.default.removeItem(atPath: directory) } }

        let options = LocalCloudOptions(dataDirectory: directory, bufferIntervalSeconds: 1, bufferSizeMiB: 1)
        let cloud: LocalCloud
        let warehouse: LocalWarehouse
        do {
            cloud = try await LocalCloud.start(options: options, flushPeriod: .milliseconds(100))
            warehouse = cloud.warehouse
        } catch {
            throw CLIError("inlet demo cannot start: \(error)")
        }
        let server = LocalServer(configuration: LocalServerConfiguration(port: 0), router: cloud.router, gracefulShutdownSignals: [])
        let (addresses, continuation) = AsyncStream.makeStream(of: LocalServerAddress.self)
        let serving = Task { try await server.run { continuation.yield($0) } }
        var iterator = addresses.makeAsyncIterator()
        guard let address = await iterator.next() else { throw CLIError("inlet demo: the server did not start") }
        print("inlet demo: the local pipeline listens on \(address.baseURL) over \(directory)")

        // The requests: the sample file, then the generated mix in NDJSON requests of 25.
        var bodies: [(contentType: String, body: [UInt8], label: String)] = []
        if let sampleBytes = FileManager.default.contents(atPath: sample) {
            bodies.append(("application/json", Array(sampleBytes), sample))
        } else {
            printError("inlet demo: \(sample) is not readable; posting the built-in sample event instead")
            bodies.append(("application/json", Array(#"{"Id":"1","Name":"John","Age":"10","Sex":"Male"}"#.utf8), "sample"))
        }
        let generated = Self.generatedEvents(events)
        for start in stride(from: 0, to: generated.count, by: batch) {
            let chunk = generated[start..<min(start + batch, generated.count)]
            bodies.append(("application/x-ndjson", Array((chunk.joined(separator: "\n") + "\n").utf8), "generated"))
        }

        let transport = CurlTransport()
        var accepted = 0, rejected = 0, failed = 0
        var ackMillis: [String: (millis: Int64, events: Int)] = [:]  // request id → when its 2xx came back
        let reader: WarehouseReader
        do {
            reader = try WarehouseReader(path: warehouse.path)
        } catch {
            throw CLIError("inlet demo: \(error)")
        }
        // Watches the warehouse while the requests go out, so each request's rows are timed
        // when they appear, not after the last request.
        let watcher = VisibilityWatcher(reader: reader)
        let watching = Task { await watcher.run() }
        for item in bodies {
            let request = HTTPRequest(
                method: .post, url: address.baseURL + "/events", headers: HTTPHeaders([("Content-Type", item.contentType)]),
                body: item.body)
            do {
                let response = try await transport.send(request, timeout: .seconds(30))
                let answer = try JSONDocument(parsing: response.body)
                func int(_ name: String) -> Int {
                    answer.member(0, named: Array(name.utf8)).flatMap { Int(answer.numberText($0)) } ?? 0
                }
                if (200..<300).contains(response.status) || response.status == 400 {
                    accepted += int("accepted")
                    rejected += int("rejected")
                    if let id = answer.member(0, named: Array("requestId".utf8)), int("accepted") > 0 {
                        ackMillis[answer.string(id)] = (Self.nowMillis(), int("accepted"))
                    }
                } else {
                    failed += int("events")
                    printError("inlet demo: a request was answered \(response.status)")
                }
            } catch {
                failed += 1
                printError("inlet demo: a request failed: \(error)")
            }
            try await Task.sleep(for: .milliseconds(pace))
        }
        print("posted \(bodies.count) requests: \(accepted) events accepted, \(rejected) rejected, \(failed) failed")

        // Wait for the rows: every accepted event in RAW_EVENTS, every rejected one in RAW_ERRORS.
        let deadline = ContinuousClock.now + .seconds(timeout)
        while ContinuousClock.now < deadline {
            let (rows, errorRows) = await watcher.counts
            if rows >= accepted && errorRows >= rejected { break }
            try await Task.sleep(for: .milliseconds(20))
        }
        watching.cancel()
        let (_, errorRows) = await watcher.counts
        let visibleMillis = await watcher.visibleMillis
        // Rows of the dedup view (one per event id): what a query sees.
        let rows = (try? await reader.query("SELECT count(*) FROM events_dedup", translate: false))?
            .rows.first?.first?.text.flatMap { Int($0) } ?? 0

        let sampleRows = try? await reader.query(
            "SELECT id, name, age, sex, event_id, received_at, file_name FROM events_dedup ORDER BY received_at, id LIMIT 8",
            translate: false)
        let rejects = try? await reader.query(
            "SELECT event_index, error, reasons, raw_event FROM ingest_errors ORDER BY received_at, event_index LIMIT 12",
            translate: false)
        let history = try? await reader.query(
            "SELECT pipe_name, status, count(*) AS files, sum(row_count) AS rows FROM copy_history GROUP BY 1, 2",
            translate: false)
        print("\nRows in EVENTS_DEDUP (the first 8 of \(rows)):")
        print(sampleRows?.renderTable(maxWidth: 40) ?? "(none)")
        print("Rejected events in INGEST_ERRORS (\(errorRows)):")
        print(rejects?.renderTable(maxWidth: 70) ?? "(none)")
        print("Snowpipe's copy_history:")
        print(history?.renderTable() ?? "(none)")

        // Each accepted event's latency is its request's: from the 2xx to the request's rows being queryable.
        let latencies = ackMillis.flatMap { id, ack in
            visibleMillis[id].map { Array(repeating: max(0, $0 - ack.millis), count: ack.events) } ?? []
        }.sorted()
        if !latencies.isEmpty {
            func percentile(_ p: Double) -> Int64 { latencies[min(latencies.count - 1, Int(Double(latencies.count) * p))] }
            print("End-to-end latency, from each 2xx to its row being queryable (\(latencies.count) events in "
                + "\(ackMillis.count) requests, 1 s buffer): p50 \(percentile(0.5)) ms, p99 \(percentile(0.99)) ms, "
                + "max \(latencies.last!) ms")
        }

        serving.cancel()
        _ = await serving.result
        await warehouse.waitUntilLoaded()
        await warehouse.stop()
        let complete = rows == accepted && errorRows == rejected && failed == 0
        print(complete
            ? "inlet demo: every accepted event is one row and every rejected one an error row; stopped everything."
            : "inlet demo: incomplete: \(rows)/\(accepted) rows, \(errorRows)/\(rejected) error rows, \(failed) failed.")
        if !complete { throw ExitCode(1) }
    }

    /// `count` NDJSON events, one in ten invalid in a different way.
    static func generatedEvents(_ count: Int) -> [String] {
        let names = ["Ada", "Grace", "Linus", "Barbara", "Ken", "Margaret", "Dennis", "Frances"]
        let invalid = [
            #"{"Id":"","Name":"blank id"}"#,
            #"{"Name":"no id at all"}"#,
            #"{"Id":42,"Name":"numeric id"}"#,
            #"{"Id":"r1","Age":10}"#,
            #"{"Id":"r2","_ingest":{"event_id":"forged"}}"#,
            #"{"Id":"r3","Name":"unterminated"#,
            #"["not","an","object"]"#,
        ]
        return (0..<count).map { i in
            if i % 10 == 9 { return invalid[(i / 10) % invalid.count] }
            let name = names[i % names.count]
            return #"{"Id":"demo-\#(i)","Name":"\#(name)","Age":"\#(20 + i % 50)","Sex":"\#(i % 2 == 0 ? "F" : "M")"}"#
        }
    }

    static func nowMillis() -> Int64 { CLIInput.nowMillis() }
}

/// Polls the warehouse's raw tables every 10 ms: when each request's first rows became
/// queryable, and how many rows and error rows there are.
actor VisibilityWatcher {
    let reader: WarehouseReader
    private(set) var visibleMillis: [String: Int64] = [:]
    private var rows = 0, errorRows = 0
    private var lastRow: Int64 = 0, lastErrorRow: Int64 = 0

    init(reader: WarehouseReader) { self.reader = reader }

    var counts: (rows: Int, errorRows: Int) { (rows, errorRows) }

    func run() async {
        while !Task.isCancelled {
            await poll()
            try? await Task.sleep(for: .milliseconds(10))
        }
    }

    func poll() async {
        // Both tables appear with the warehouse; before the first load they are empty.
        if let result = try? await reader.query(
            "SELECT rowid, json_extract(record, '$._ingest.request_id') FROM raw_events WHERE rowid > \(lastRow) ORDER BY rowid",
            translate: false)
        {
            let now = CLIInput.nowMillis()
            for row in result.rows {
                if case .integer(let id) = row[0] { lastRow = max(lastRow, id) }
                if let request = row[1].text, visibleMillis[request] == nil { visibleMillis[request] = now }
            }
            rows += result.rows.count
        }
        if let result = try? await reader.query(
            "SELECT max(rowid), count(*) FROM raw_errors WHERE rowid > \(lastErrorRow)", translate: false),
            let row = result.rows.first, case .integer(let count) = row[1], count > 0
        {
            if case .integer(let id) = row[0] { lastErrorRow = id }
            errorRows += Int(count)
        }
    }
}
