import Foundation
import InletCore
import InletEmulator
import InletHTTP
import InletTestSupport
import Testing

@testable import InletLocal

/// Everything the function's processes write, as the host forwards it.
final class OutputLog: @unchecked Sendable {
    private let lock = NSLock()
    private var bytes: [UInt8] = []

    func append(_ more: [UInt8]) {
        lock.lock()
        bytes += more
        lock.unlock()
        // Still visible when a test fails.
        FileHandle.standardError.write(Data(more))
    }

    var text: String {
        lock.lock()
        defer { lock.unlock() }
        return String(decoding: bytes, as: UTF8.self)
    }
}

/// `inlet local` on 127.0.0.1 port 0 with the function run as processes (`--function-command`),
/// the file-backed S3 store, and a fresh data directory.
struct ProcessCloud {
    let directory: String
    let cloud: LocalCloud
    let store: LocalS3Store
    let address: LocalServerAddress
    let task: Task<Void, any Error>
    let log: OutputLog
    let transport = CurlTransport()

    var host: RuntimeAPIFunctionHost { cloud.router.runtimeAPI! }
    var url: String { address.baseURL }

    static func start(
        _ command: [String], concurrency: Int = 1, timeoutMillis: Int64 = 30_000, environment: [String: String] = [:]
    ) async throws -> ProcessCloud {
        let directory = NSTemporaryDirectory() + "inlet-processes-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let log = OutputLog()
        var options = LocalCloudOptions(
            dataDirectory: directory, bufferIntervalSeconds: 900, functionTimeoutMillis: timeoutMillis)
        options.functionProcesses = RuntimeAPIConfiguration(
            command: command, concurrency: concurrency, environment: environment, shutdownGrace: .seconds(2),
            output: { log.append($0) })
        let cloud = try await LocalCloud.start(options: options, flushPeriod: .milliseconds(100))
        let store = cloud.store
        let server = LocalServer(router: cloud.router, gracefulShutdownSignals: [])
        let (stream, continuation) = AsyncStream.makeStream(of: LocalServerAddress.self)
        let task = Task { try await server.run { continuation.yield($0) } }
        var iterator = stream.makeAsyncIterator()
        guard let address = await iterator.next() else { throw Failure("the server did not start") }
        return ProcessCloud(directory: directory, cloud: cloud, store: store, address: address, task: task, log: log)
    }

    /// Stops the server: the processes are stopped and reaped, Firehose flushed.
    func stop() async throws {
        task.cancel()
        try await task.value
    }

    func remove() { try? FileManager.default.removeItem(atPath: directory) }

    func send(_ method: HTTPMethod, _ path: String, headers: HTTPHeaders = [:], body: [UInt8] = []) async throws
        -> HTTPResponse
    {
        try await transport.send(HTTPRequest(method: method, url: url + path, headers: headers, body: body), timeout: .seconds(90))
    }

    /// A direct, RIE-style invoke.
    func invoke(_ payload: String) async throws -> HTTPResponse {
        try await send(.post, "/2015-03-31/functions/function/invocations", body: Array(payload.utf8))
    }

    /// Every object of `bucket`, by key.
    func objects(_ bucket: String) async throws -> [String: [UInt8]] {
        var out: [String: [UInt8]] = [:]
        for info in try await store.listObjectsV2(bucket: bucket, query: S3ListQuery()).contents {
            out[info.key] = try await store.getObject(bucket: bucket, key: info.key).body
        }
        return out
    }
}

func jsonObject(_ bytes: [UInt8]) -> [String: Any]? {
    (try? JSONSerialization.jsonObject(with: Data(bytes))) as? [String: Any]
}

/// Whether a process with this id still exists (zombies included: a reaped process does not).
func processExists(_ pid: Int32) -> Bool {
    kill(pid, 0) == 0 || errno != ESRCH
}

/// Waits up to `seconds` for `condition`.
func eventually(_ seconds: Double = 10, _ condition: () async -> Bool) async -> Bool {
    let end = Date().addingTimeInterval(seconds)
    while Date() < end {
        if await condition() { return true }
        try? await Task.sleep(for: .milliseconds(50))
    }
    return await condition()
}

/// The function as child processes speaking the Runtime API (`--function-command`), served on
/// `inlet local`'s one port: Inlet's real `bootstrap` and AWS's Python runtime interface client
/// (awslambdaric), with timeouts, errors, init errors, a pool, and Lambda's payload limits.
@Suite(.serialized, .timeLimit(.minutes(5 * SanitizerRun.slowdown))) struct FunctionProcessesTests {
    /// A Python handler whose behaviour the event picks.
    static let handlerSource = #"""
        import json, os, time

        def handler(event, context):
            print("print-marker", context.aws_request_id, flush=True)
            if isinstance(event, dict) and "rawPath" in event:
                if event.get("body") == "sleep":
                    time.sleep(60)
                if event.get("body") == "exit":
                    os._exit(3)
                return {"statusCode": 201, "headers": {"x-handled-by": "python"},
                        "body": json.dumps({"path": event["rawPath"], "body": event.get("body"), "pid": os.getpid()})}
            action = event.get("action") if isinstance(event, dict) else None
            if action == "sleep":
                time.sleep(event["seconds"])
            if action == "raise":
                raise ValueError("the handler raised")
            if action == "exit":
                os._exit(3)
            if action == "big":
                return "x" * 7000000
            names = ["AWS_LAMBDA_RUNTIME_API", "AWS_ENDPOINT_URL", "AWS_ACCESS_KEY_ID", "AWS_REGION", "_HANDLER",
                     "DELIVERY_STREAM_NAME", "ERROR_BUCKET_NAME", "AWS_LAMBDA_FUNCTION_NAME", "LAMBDA_TASK_ROOT"]
            return {"pid": os.getpid(), "requestId": context.aws_request_id, "arn": context.invoked_function_arn,
                    "remaining": context.get_remaining_time_in_millis(), "env": {n: os.environ.get(n) for n in names}}
        """#

    static let text: HTTPHeaders = ["Content-Type": "text/plain"]

    /// A folder with `app.py` (the handler above) and `broken.py` (an import that fails).
    func pythonHandlers() throws -> String {
        let folder = NSTemporaryDirectory() + "inlet-python-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        try Self.handlerSource.write(toFile: folder + "/app.py", atomically: true, encoding: .utf8)
        try "import not_a_module_inlet_knows\n".write(toFile: folder + "/broken.py", atomically: true, encoding: .utf8)
        return folder
    }

    /// `python -m awslambdaric MODULE.handler`, with the handlers on PYTHONPATH.
    func awslambdaric(_ handler: String = "app.handler", folder: String) -> (command: [String], environment: [String: String]) {
        ([PeerBinaries.python(), "-m", "awslambdaric", handler], ["PYTHONPATH": folder])
    }

    // MARK: 1. Inlet's bootstrap, end to end

    @Test func bootstrapServesTheGatewayIntoFirehoseAndS3() async throws {
        let cloud = try await ProcessCloud.start([try PeerBinaries.builtProduct("bootstrap")])
        defer { cloud.remove() }
        let ndjson = try await cloud.send(
            .post, "/events", headers: ["Content-Type": "application/x-ndjson"],
            body: Array("{\"Id\":\"p1\"}\n{\"Id\":\"\"}\n{\"Id\":\"p2\"}\n".utf8))
        #expect(ndjson.status == 207, "\(String(decoding: ndjson.body, as: UTF8.self))\n\(cloud.log.text)")
        let single = try await cloud.send(.post, "/events", headers: ["Content-Type": "application/json"], body: Array(#"{"Id":"p3"}"#.utf8))
        #expect(single.status == 200, "\(String(decoding: single.body, as: UTF8.self))")
        #expect(jsonObject(single.body)?["accepted"] as? Int == 1)
        // Both invocations went to one process, which is stopped with the server.
        #expect(await cloud.host.startedProcessCount == 1)
        let pids = await cloud.host.processIDs
        try await cloud.stop()
        #expect(await cloud.host.processIDs.isEmpty)
        #expect(pids.count == 1 && pids.allSatisfy { !processExists($0) })

        // The process's Firehose and S3 clients reached this emulator through AWS_ENDPOINT_URL.
        let data = try await cloud.objects("inlet-data")
        let records = data.values.flatMap { $0.split(separator: 0x0A) }.compactMap { jsonObject(Array($0)) }
        #expect(Set(records.compactMap { $0["Id"] as? String }) == ["p1", "p2", "p3"])
        #expect(records.allSatisfy { (($0["_ingest"] as? [String: Any])?["event_id"] as? String)?.count == 36 })
        let errors = try await cloud.objects("inlet-errors")
        #expect(errors.count == 1)
        #expect(errors.keys.allSatisfy { $0.hasPrefix("errors/") && $0.hasSuffix(".json") })
        #expect(String(decoding: errors.values.first ?? [], as: UTF8.self).contains("contract_violation"))
        // Its output reached the log with the prefix.
        #expect(cloud.log.text.contains("[function 1] started"))
    }

    // MARK: 2. awslambdaric through the gateway and direct invoke

    @Test func awslambdaricAnswersTheGatewayAndDirectInvokes() async throws {
        let folder = try pythonHandlers()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let python = awslambdaric(folder: folder)
        let cloud = try await ProcessCloud.start(python.command, timeoutMillis: 20_000, environment: python.environment)
        defer { cloud.remove() }

        let gateway = try await cloud.send(.post, "/events?x=1", headers: Self.text, body: Array("hello".utf8))
        #expect(gateway.status == 201, "\(String(decoding: gateway.body, as: UTF8.self))\n\(cloud.log.text)")
        #expect(gateway.headers["x-handled-by"] == "python")
        let mapped = jsonObject(gateway.body)
        #expect(mapped?["path"] as? String == "/events")
        #expect(mapped?["body"] as? String == "hello")

        let direct = try await cloud.invoke(#"{"x":1}"#)
        #expect(direct.status == 200)
        let result = try #require(jsonObject(direct.body), "\(String(decoding: direct.body, as: UTF8.self))")
        #expect(result["requestId"] as? String == direct.headers["X-Amzn-RequestId"])
        #expect(result["arn"] as? String == "arn:aws:lambda:us-east-1:000000000000:function:inlet-ingest")
        let remaining = result["remaining"] as? Int ?? 0
        #expect(remaining > 0 && remaining <= 20_000)
        // One process served both, with the bound port in its environment.
        #expect(result["pid"] as? Int == mapped?["pid"] as? Int)
        let env = result["env"] as? [String: String] ?? [:]
        #expect(env["AWS_LAMBDA_RUNTIME_API"] == "127.0.0.1:\(cloud.address.port)")
        #expect(env["AWS_ENDPOINT_URL"] == cloud.url)
        #expect(env["AWS_ACCESS_KEY_ID"] == LocalCloud.credentials.accessKeyId)
        #expect(env["AWS_REGION"] == LocalCloud.region)
        #expect(env["_HANDLER"] == "app.handler")
        #expect(env["DELIVERY_STREAM_NAME"] == "inlet-events")
        #expect(env["ERROR_BUCKET_NAME"] == "inlet-errors")
        #expect(env["AWS_LAMBDA_FUNCTION_NAME"] == "inlet-ingest")
        #expect(env["LAMBDA_TASK_ROOT"] == FileManager.default.currentDirectoryPath)

        // What the handler printed went to the log, prefixed, and never into a response.
        #expect(!String(decoding: direct.body + gateway.body, as: UTF8.self).contains("print-marker"))
        #expect(await eventually { cloud.log.text.contains("[function 1] print-marker \(result["requestId"] as? String ?? "?")") })
        try await cloud.stop()
    }

    // MARK: 3. Timeouts

    @Test func aHandlerPastTheTimeoutIsKilledAndTheNextInvokeStartsAFreshProcess() async throws {
        let folder = try pythonHandlers()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let python = awslambdaric(folder: folder)
        // 5 s: a cold start of Python on a busy 2-core machine must fit in it.
        let cloud = try await ProcessCloud.start(python.command, timeoutMillis: 5_000, environment: python.environment)
        defer { cloud.remove() }

        let first = try #require(jsonObject(try await cloud.invoke("{}").body)?["pid"] as? Int)
        let slow = try await cloud.invoke(#"{"action":"sleep","seconds":60}"#)
        #expect(slow.status == 200)
        #expect(String(decoding: slow.body, as: UTF8.self) == "Task timed out after 5.00 seconds")
        #expect(slow.headers["X-Amz-Function-Error"] == "Unhandled")
        // Killed (SIGKILL) and reaped: no zombie is left.
        #expect(await eventually { !processExists(Int32(first)) })
        #expect(await eventually { cloud.log.text.contains("[function 1] exited: signal: killed") })

        let next = try await cloud.invoke("{}")
        let second = try #require(jsonObject(next.body)?["pid"] as? Int, "\(String(decoding: next.body, as: UTF8.self))")
        #expect(second != first)
        #expect(await cloud.host.startedProcessCount == 2)

        // Through the gateway, a function timeout shorter than the integration's is a 500.
        let gateway = try await cloud.send(.post, "/events", headers: Self.text, body: Array("sleep".utf8))
        #expect(gateway.status == 500)
        #expect(await eventually { await cloud.host.processIDs.isEmpty })  // the second process was killed too
        #expect(!processExists(Int32(second)))
        try await cloud.stop()
    }

    // MARK: 4. Function errors and a process that exits

    @Test func aRaisedErrorIsAFunctionErrorAndAnExitIsRuntimeExitErrorThenANewProcessServes() async throws {
        let folder = try pythonHandlers()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let python = awslambdaric(folder: folder)
        let cloud = try await ProcessCloud.start(python.command, timeoutMillis: 20_000, environment: python.environment)
        defer { cloud.remove() }

        let before = try #require(jsonObject(try await cloud.invoke("{}").body)?["pid"] as? Int)
        let raised = try await cloud.invoke(#"{"action":"raise"}"#)
        #expect(raised.status == 200)
        #expect(raised.headers["X-Amz-Function-Error"] == "Unhandled")
        let report = try #require(jsonObject(raised.body))
        #expect(report["errorType"] as? String == "ValueError")
        #expect(report["errorMessage"] as? String == "the handler raised")
        #expect((report["stackTrace"] as? [String])?.contains { $0.contains("app.py") } == true)
        // The same process goes on serving.
        #expect(jsonObject(try await cloud.invoke("{}").body)?["pid"] as? Int == before)

        let exited = try await cloud.invoke(#"{"action":"exit"}"#)
        #expect(exited.status == 502)
        let exitReport = try #require(jsonObject(exited.body))
        let requestId = try #require(exited.headers["X-Amzn-RequestId"])
        #expect(exitReport["errorType"] as? String == "Runtime.ExitError")
        #expect(exitReport["errorMessage"] as? String == "RequestId: \(requestId) Error: Runtime exited with error: exit status 3")
        // Through the gateway the same failure is API Gateway's 500.
        let viaGateway = try await cloud.send(.post, "/events", headers: Self.text, body: Array("exit".utf8))
        #expect(viaGateway.status == 500)
        #expect(String(decoding: viaGateway.body, as: UTF8.self) == #"{"message":"Internal Server Error"}"#)

        let after = try await cloud.invoke("{}")
        #expect(after.status == 200)
        let fresh = try #require(jsonObject(after.body)?["pid"] as? Int)
        #expect(fresh != before)
        #expect(!processExists(Int32(before)))
        try await cloud.stop()
    }

    // MARK: 5. Init errors

    @Test func bootstrapsInitErrorIsReportedAsRIEReportsItAndEachInvokeTriesAFreshProcess() async throws {
        let cloud = try await ProcessCloud.start(
            [try PeerBinaries.builtProduct("bootstrap")], environment: ["DELIVERY_STREAM_NAME": ""])
        defer { cloud.remove() }
        for attempt in 1...2 {
            let response = try await cloud.invoke("{}")
            #expect(response.status == 502, "\(String(decoding: response.body, as: UTF8.self))\n\(cloud.log.text)")
            let report = try #require(jsonObject(response.body))
            #expect(report["errorType"] as? String == "InitError.missing_variable")
            #expect((report["errorMessage"] as? String)?.contains("DELIVERY_STREAM_NAME") == true)
            #expect(await cloud.host.startedProcessCount == attempt)
            #expect(await eventually { await cloud.host.processIDs.isEmpty })
            // bootstrap exits on its own, with status 1, after reporting (the host's kill after
            // a grace period would show as a signal instead).
            #expect(
                await eventually { cloud.log.text.contains("[function \(attempt)] exited: exit status 1") },
                "\(cloud.log.text)")
        }
        let gateway = try await cloud.send(.post, "/events", body: Array("{}".utf8))
        #expect(gateway.status == 500)
        #expect(String(decoding: gateway.body, as: UTF8.self) == #"{"message":"Internal Server Error"}"#)
        try await cloud.stop()
    }

    @Test func bootstrapWritesJSONLogLinesWithTheRequestIdAndHonoursTheLogLevel() async throws {
        let bootstrap = try PeerBinaries.builtProduct("bootstrap")
        let json = try await ProcessCloud.start([bootstrap], environment: ["AWS_LAMBDA_LOG_FORMAT": "JSON"])
        defer { json.remove() }
        // A payload that is no event: a function error, which bootstrap logs at ERROR.
        let failed = try await json.invoke("[1]")
        #expect(jsonObject(failed.body)?["errorType"] as? String == "DecodingError")
        let requestId = try #require(failed.headers["X-Amzn-RequestId"])
        let prefix = "[function 1] "
        #expect(await eventually { json.log.text.contains(requestId) }, "\(json.log.text)")
        let line = try #require(
            json.log.text.split(separator: "\n").first { $0.hasPrefix(prefix) && $0.contains(requestId) },
            "\(json.log.text)")
        let object = try #require(jsonObject(Array(line.dropFirst(prefix.count).utf8)), "not a JSON line: \(line)")
        #expect(object["level"] as? String == "ERROR")
        #expect(object["requestId"] as? String == requestId)
        #expect((object["message"] as? String)?.contains("not an API Gateway proxy event") == true)
        #expect((object["timestamp"] as? String)?.hasSuffix("Z") == true)
        try await json.stop()

        // AWS_LAMBDA_LOG_LEVEL=FATAL: the same failure, and no ERROR line.
        let quiet = try await ProcessCloud.start(
            [bootstrap], environment: ["AWS_LAMBDA_LOG_FORMAT": "JSON", "AWS_LAMBDA_LOG_LEVEL": "FATAL"])
        defer { quiet.remove() }
        let again = try await quiet.invoke("[1]")
        #expect(jsonObject(again.body)?["errorType"] as? String == "DecodingError")
        let quietId = try #require(again.headers["X-Amzn-RequestId"])
        try await quiet.stop()
        #expect(!quiet.log.text.contains(quietId), "\(quiet.log.text)")
        #expect(!quiet.log.text.contains("\"level\":\"ERROR\""), "\(quiet.log.text)")
    }

    @Test func aPythonImportErrorIsReportedAsLambdaReportsIt() async throws {
        let folder = try pythonHandlers()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let python = awslambdaric("broken.handler", folder: folder)
        let cloud = try await ProcessCloud.start(python.command, timeoutMillis: 20_000, environment: python.environment)
        defer { cloud.remove() }
        let response = try await cloud.invoke("{}")
        #expect(response.status == 502)
        let report = try #require(jsonObject(response.body), "\(String(decoding: response.body, as: UTF8.self))")
        #expect(report["errorType"] as? String == "Runtime.ImportModuleError")
        #expect(report["errorMessage"] as? String == "Unable to import module 'broken': No module named 'not_a_module_inlet_knows'")
        #expect(await eventually { cloud.log.text.contains("[function 1] exited: exit status 1") })
        try await cloud.stop()
    }

    // MARK: 6. A pool

    @Test func aPoolOfTwoAnswersFourConcurrentInvokesWithAtMostTwoProcesses() async throws {
        let folder = try pythonHandlers()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let python = awslambdaric(folder: folder)
        let cloud = try await ProcessCloud.start(
            python.command, concurrency: 2, timeoutMillis: 60_000, environment: python.environment)
        defer { cloud.remove() }
        let results = try await withThrowingTaskGroup(of: HTTPResponse.self) { group in
            for _ in 0..<4 { group.addTask { try await cloud.invoke(#"{"action":"sleep","seconds":1.5}"#) } }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        #expect(results.count == 4)
        #expect(results.allSatisfy { $0.status == 200 })
        let answers = results.compactMap { jsonObject($0.body) }
        let pids = Set(answers.compactMap { $0["pid"] as? Int })
        #expect(pids.count == 2, "\(answers)")
        #expect(await cloud.host.peakProcessCount == 2)
        #expect(await cloud.host.startedProcessCount == 2)
        // Each process has its own path on the one port.
        let addresses = Set(answers.compactMap { ($0["env"] as? [String: String])?["AWS_LAMBDA_RUNTIME_API"] })
        #expect(addresses == ["127.0.0.1:\(cloud.address.port)/_runtime/1", "127.0.0.1:\(cloud.address.port)/_runtime/2"])
        try await cloud.stop()
        #expect(pids.allSatisfy { !processExists(Int32($0)) })
    }

    @Test func aProcessKilledFromOutsideMidInvocationIsRuntimeExitErrorWhileTheOtherServesALoad() async throws {
        let folder = try pythonHandlers()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let python = awslambdaric(folder: folder)
        let cloud = try await ProcessCloud.start(
            python.command, concurrency: 2, timeoutMillis: 60_000, environment: python.environment)
        defer { cloud.remove() }
        // One invocation holds the first process; kill -9 it from outside while a load of
        // invocations goes to the second.
        let held = Task { try await cloud.invoke(#"{"action":"sleep","seconds":30}"#) }
        #expect(await eventually { await cloud.host.processIDs.count == 1 })
        let victim = try #require(await cloud.host.processIDs.first)
        try await Task.sleep(for: .milliseconds(300))  // the handler is in its sleep
        let load = Task {
            try await withThrowingTaskGroup(of: HTTPResponse.self) { group in
                for _ in 0..<30 { group.addTask { try await cloud.invoke("{}") } }
                return try await group.reduce(into: []) { $0.append($1) }
            }
        }
        try await Task.sleep(for: .milliseconds(200))
        #expect(kill(victim, SIGKILL) == 0)

        let killed = try await held.value
        #expect(killed.status == 502, "\(String(decoding: killed.body, as: UTF8.self))")
        let report = try #require(jsonObject(killed.body))
        let requestId = try #require(killed.headers["X-Amzn-RequestId"])
        #expect(report["errorType"] as? String == "Runtime.ExitError")
        #expect(
            report["errorMessage"] as? String == "RequestId: \(requestId) Error: Runtime exited with error: signal: killed")
        let answers = try await load.value
        #expect(answers.count == 30 && answers.allSatisfy { $0.status == 200 }, "\(answers.map(\.status))")
        let servedBy = Set(answers.compactMap { jsonObject($0.body)?["pid"] as? Int })
        #expect(!servedBy.contains(Int(victim)), "\(servedBy)")
        #expect(await eventually { !processExists(victim) })  // reaped, no zombie

        // It keeps serving: a fresh process takes the dead one's place.
        let after = try await withThrowingTaskGroup(of: HTTPResponse.self) { group in
            for _ in 0..<2 { group.addTask { try await cloud.invoke(#"{"action":"sleep","seconds":0.5}"#) } }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        #expect(after.allSatisfy { $0.status == 200 })
        #expect(await cloud.host.startedProcessCount == 3)
        try await cloud.stop()
    }

    // MARK: 7. Payload limits

    @Test func payloadsOver6MBAreRefusedAsLambdaRefusesThem() async throws {
        let folder = try pythonHandlers()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let python = awslambdaric(folder: folder)
        let cloud = try await ProcessCloud.start(python.command, timeoutMillis: 30_000, environment: python.environment)
        defer { cloud.remove() }

        let request = try await cloud.send(
            .post, "/2015-03-31/functions/function/invocations",
            body: [UInt8](repeating: 0x20, count: LambdaLimits.maximumRequestBytes + 1))
        #expect(request.status == 413)
        #expect(request.headers["x-amzn-ErrorType"] == "RequestEntityTooLargeException")
        #expect(
            jsonObject(request.body)?["message"] as? String
                == "Request must be smaller than 6291456 bytes for the InvokeFunction operation")
        // An event over 6 MB (its body alone is) never reaches a process: 413, which tells
        // the client to send less (the function's own answer to a body over 6 MiB).
        let gateway = try await cloud.send(
            .post, "/events", headers: Self.text, body: [UInt8](repeating: 0x61, count: LambdaLimits.maximumRequestBytes))
        #expect(gateway.status == 413)
        #expect(await cloud.host.startedProcessCount == 0)

        let response = try await cloud.invoke(#"{"action":"big"}"#)
        #expect(response.status == 200)
        #expect(response.headers["X-Amz-Function-Error"] == "Unhandled")
        let report = try #require(jsonObject(response.body))
        #expect(report["errorType"] as? String == "Function.ResponseSizeTooLarge")
        #expect(report["errorMessage"] as? String == "Response payload size exceeded maximum allowed payload size (6291556 bytes).")
        try await cloud.stop()
    }

    // MARK: What a process inherits

    @Test func processesInheritOnlyTheStandardDescriptorsAndDefaultSignalHandling() async throws {
        let bootstrap = try PeerBinaries.builtProduct("bootstrap")
        let cloud = try await ProcessCloud.start([
            // The masks are read by the shell itself (the `read` builtin, no fork): a shell may
            // block every signal around a fork, which a child reading /proc/$$/status would see.
            "sh", "-c",
            "while IFS= read -r line; do case \"$line\" in SigIgn*|SigBlk*) echo \"$line\";; esac; done < /proc/self/status; "
                + "echo fds:; ls /proc/$$/fd; echo :fds; exec \"$0\"",
            bootstrap,
        ])
        defer { cloud.remove() }
        // A payload that is no event: the function answers with its error, so it did start.
        let response = try await cloud.invoke("[1]")
        #expect(jsonObject(response.body)?["errorType"] as? String == "DecodingError")
        try await cloud.stop()
        let lines = cloud.log.text.split(separator: "\n").map { $0.replacingOccurrences(of: "[function 1] ", with: "") }
        // Not the server's sockets, epoll descriptors or files: stdin (/dev/null), stdout and stderr.
        let start = try #require(lines.firstIndex(of: "fds:")), end = try #require(lines.firstIndex(of: ":fds"))
        // The host's own lines ("ready after …") may land between the markers: the process's
        // output is read by polling, so keep only the descriptor numbers.
        let descriptors = lines[(start + 1)..<end].filter { !$0.isEmpty && $0.allSatisfy(\.isNumber) }
        #expect(descriptors == ["0", "1", "2"], "\(lines)")
        func mask(_ name: String) -> UInt64? {
            lines.first { $0.hasPrefix(name + ":") }.flatMap { UInt64($0.split(separator: "\t").last ?? "", radix: 16) }
        }
        let ignored = try #require(mask("SigIgn"))
        #expect(ignored & (1 << (SIGTERM - 1)) == 0 && ignored & (1 << (SIGPIPE - 1)) == 0 && ignored & (1 << (SIGINT - 1)) == 0)
        #expect(mask("SigBlk") == 0)
    }

    @Test func stoppingKillsAProcessThatIgnoresSIGTERMAndReapsIt() async throws {
        // A runtime that answers one invocation, then ignores SIGTERM and never asks again.
        let script = NSTemporaryDirectory() + "inlet-stubborn-" + UUID().uuidString + ".sh"
        defer { try? FileManager.default.removeItem(atPath: script) }
        try #"""
            trap '' TERM
            API="http://$AWS_LAMBDA_RUNTIME_API/2018-06-01/runtime"
            ID=$(curl -s -D - -o /dev/null "$API/invocation/next" | grep -i '^lambda-runtime-aws-request-id:' | cut -d' ' -f2 | tr -d '\r')
            curl -s -o /dev/null -X POST -d '"done"' "$API/invocation/$ID/response"
            while true; do sleep 1; done
            """#.write(toFile: script, atomically: true, encoding: .utf8)
        let cloud = try await ProcessCloud.start(["sh", script])
        defer { cloud.remove() }
        #expect(String(decoding: try await cloud.invoke("{}").body, as: UTF8.self) == #""done""#)
        let pids = await cloud.host.processIDs
        #expect(pids.count == 1)
        let started = Date()
        try await cloud.stop()
        // SIGTERM, 2 s of grace, then SIGKILL; reaped before the server returned.
        #expect(Date().timeIntervalSince(started) >= 1.5)
        #expect(cloud.log.text.contains("[function 1] exited: signal: killed"), "\(cloud.log.text)")
        #expect(pids.allSatisfy { !processExists($0) })
    }

    // MARK: The Runtime API, call by call, against RIE

    /// A runtime in bash and curl that makes good and bad Runtime API calls and writes each
    /// answer (label, status, body) to `$TRANSCRIPT`. Invocations: ok, err, big, exact, exit.
    static let scriptedRuntime = #"""
        #!/bin/bash
        API="http://$AWS_LAMBDA_RUNTIME_API/2018-06-01/runtime"
        B=$(mktemp); H=$(mktemp); BIG=$(mktemp)
        call() { local label=$1; shift; local code; code=$(curl -s -H 'Expect:' -o "$B" -w '%{http_code}' "$@"); echo "$label $code $(cat "$B")" >> "$TRANSCRIPT"; }
        next() { curl -s -D "$H" -o "$B" "$API/invocation/next" || exit 0; ID=$(grep -i '^lambda-runtime-aws-request-id:' "$H" | cut -d' ' -f2 | tr -d '\r'); echo "next $(cat "$B")" >> "$TRANSCRIPT"; }
        next
        call next-again "$API/invocation/next"
        call wrong-id -X POST -d '"x"' "$API/invocation/not-the-id/response"
        call get-response "$API/invocation/$ID/response"
        call response -X POST -d '{"r":1}' "$API/invocation/$ID/response"
        call response-again -X POST -d '{"r":2}' "$API/invocation/$ID/response"
        call error-after-response -X POST -d '{}' "$API/invocation/$ID/error"
        call init-error-after-init -X POST -d '{}' "$API/init/error"
        call unknown-path "$API/unknown"
        next
        call error -X POST -H 'Lambda-Runtime-Function-Error-Type: Custom.Bad' -d '{"errorMessage":"bad thing","errorType":"Custom.Bad","stackTrace":["a","b"]}' "$API/invocation/$ID/error"
        next
        head -c 6291557 /dev/zero | tr '\0' a > "$BIG"
        call too-big -X POST --data-binary "@$BIG" "$API/invocation/$ID/response"
        call after-too-big -X POST -d '"late"' "$API/invocation/$ID/response"
        next
        head -c 6291556 /dev/zero | tr '\0' a > "$BIG"
        call exactly-the-limit -X POST --data-binary "@$BIG" "$API/invocation/$ID/response"
        next
        rm -f "$B" "$H" "$BIG"
        exit 7
        """#

    @Test func theRuntimeAPIAnswersEachCallAsRIEDoes() async throws {
        let folder = NSTemporaryDirectory() + "inlet-scripted-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let script = folder + "/runtime.sh"
        try Self.scriptedRuntime.write(toFile: script, atomically: true, encoding: .utf8)
        chmod(script, 0o755)
        let invocations = [#""ok""#, #""err""#, #""big""#, #""exact""#, #""exit""#]
        let transport = CurlTransport()

        // RIE.
        let riePort = freeLoopbackPort()
        let rie = try PeerProcess(
            executable: try PeerBinaries.runtimeInterfaceEmulator(),
            arguments: [
                "--runtime-interface-emulator-address", "127.0.0.1:\(riePort)",
                "--runtime-api-address", "127.0.0.1:\(freeLoopbackPort())", script,
            ],
            environment: ["TRANSCRIPT": folder + "/rie.txt"])
        defer { rie.stop() }
        try await rie.waitForPort(riePort)
        var expected: [HTTPResponse] = []
        for payload in invocations {
            expected.append(
                try await transport.send(
                    HTTPRequest(
                        method: .post, url: "http://127.0.0.1:\(riePort)/2015-03-31/functions/function/invocations",
                        body: Array(payload.utf8)), timeout: .seconds(60)))
        }
        let rieLog = rie.log
        rie.stop()

        // inlet local.
        let cloud = try await ProcessCloud.start([script], environment: ["TRANSCRIPT": folder + "/inlet.txt"])
        defer { cloud.remove() }
        var actual: [HTTPResponse] = []
        for payload in invocations { actual.append(try await cloud.invoke(payload)) }
        try await cloud.stop()

        func normalized(_ text: String) -> String {
            text.replacingOccurrences(
                of: "[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", with: "<id>", options: .regularExpression)
        }
        let rieTranscript = normalized((try? String(contentsOfFile: folder + "/rie.txt", encoding: .utf8)) ?? "")
        let inletTranscript = normalized((try? String(contentsOfFile: folder + "/inlet.txt", encoding: .utf8)) ?? "")
        #expect(rieTranscript.split(separator: "\n").count == 17, "\(rieTranscript)\n\(rieLog)")
        #expect(inletTranscript == rieTranscript)

        // What the caller gets: the same statuses, and the same error types and messages.
        for (index, payload) in invocations.enumerated() {
            let (want, got) = (expected[index], actual[index])
            #expect(got.status == want.status, "\(payload)")
            #expect(got.body.count == want.body.count || jsonObject(want.body) != nil, "\(payload)")
            if let wantReport = jsonObject(want.body), wantReport["errorType"] != nil {
                let gotReport = jsonObject(got.body)
                #expect(gotReport?["errorType"] as? String == wantReport["errorType"] as? String, "\(payload)")
                #expect(
                    normalized(gotReport?["errorMessage"] as? String ?? "")
                        == normalized(wantReport["errorMessage"] as? String ?? ""), "\(payload)")
            } else {
                #expect(got.body == want.body, "\(payload)")
            }
        }
    }
}
