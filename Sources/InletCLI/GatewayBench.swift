import Foundation
import InletCore
import InletEmulator
import InletLocal

/// `inlet bench --gateway`: the local cloud's HTTP API in process, without a socket. Single
/// 300-byte events are posted to ``LocalRouter`` by `concurrency` tasks, through the real
/// path (the API Gateway event, the ingest function, PutRecordBatch into the Firehose
/// emulator's write-ahead buffer, fsynced with group commit), for `seconds`. It reports
/// requests per second and the process's CPU time per request: the cost of Inlet's own code,
/// which the socket benchmark (Benchmarks/gateway_bench.py) adds the HTTP server's to.
struct GatewayBench {
    var seconds: Double
    var concurrency: Int
    /// Events per request: 1 posts a JSON event, more post NDJSON.
    var batch: Int

    static let event = Array(
        #"{"Id":"0000001","Name":"John Smith","Age":"42","Sex":"Male","Email":"john.smith@example.com","Plan":"pro","Country":"GB","Tags":["a","b","c"],"Note":"benchmark event padding to about three hundred bytes of JSON text in total, the size the targets name for one event................................."}"#
            .utf8)

    func run() async throws {
        let directory = NSTemporaryDirectory() + "inlet-gateway-bench-\(getpid())"
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let cloud = try await LocalCloud.start(
            options: LocalCloudOptions(dataDirectory: directory, bufferIntervalSeconds: 60, bufferSizeMiB: 64))
        let router = cloud.router
        let body = batch == 1 ? Self.event : Array((0..<batch).map { _ in Self.event + [0x0A] }.joined())
        let request = LocalRequest(
            method: "POST", rawPath: "/events",
            headers: HTTPHeaders([
                ("Host", "127.0.0.1:4566"), ("User-Agent", "inlet-bench"),
                ("Content-Type", batch == 1 ? "application/json" : "application/x-ndjson"),
                ("Content-Length", "\(body.count)"),
            ]), body: body, remoteAddress: "127.0.0.1")
        for _ in 0..<200 { _ = await router.handle(request) }

        let startCPU = cpuSeconds()
        let start = monotonicSeconds()
        let end = start + seconds
        let concurrency = self.concurrency
        let (requests, failures) = await withTaskGroup(of: (Int, Int).self) { group in
            for _ in 0..<concurrency {
                group.addTask {
                    var done = 0, failed = 0
                    while monotonicSeconds() < end {
                        let response = await router.handle(request)
                        done += 1
                        if response.status != 200 { failed += 1 }
                    }
                    return (done, failed)
                }
            }
            var total = (0, 0)
            for await (done, failed) in group { total = (total.0 + done, total.1 + failed) }
            return total
        }
        let elapsed = monotonicSeconds() - start
        let cpu = cpuSeconds() - startCPU
        let statistics = await cloud.emulator.statistics
        await cloud.emulator.shutdown()
        await cloud.warehouse.stop()
        print(
            String(
                format:
                    "gateway in process: %d requests of %d events in %.1f s, %.0f req/s, %.1f MB/s, "
                    + "%.1f µs CPU per request, %d not 200, %.1f appends per fsync",
                requests, batch, elapsed, Double(requests) / elapsed, Double(requests * body.count) / elapsed / 1e6,
                cpu / Double(max(requests, 1)) * 1e6, failures,
                Double(statistics.appendCalls) / Double(max(statistics.groupCommits, 1))))
    }

    /// User and system CPU seconds of this process so far.
    func cpuSeconds() -> Double {
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        return Double(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec)
            + Double(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6
    }
}
