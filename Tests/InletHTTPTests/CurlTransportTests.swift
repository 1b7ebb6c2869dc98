import Foundation
import Testing

import InletCore
import InletTestSupport
@testable import InletHTTP
import InletThreads

/// Sends `request` and returns the error it must fail with.
private func transportError(
    _ transport: CurlTransport, _ request: HTTPRequest, timeout: Duration? = nil
) async -> TransportError? {
    do {
        let response = try await transport.send(request, timeout: timeout)
        Issue.record("expected a TransportError, got status \(response.status)")
        return nil
    } catch {
        return error
    }
}

/// All tests talk to a fresh `test_server.py` on 127.0.0.1. Serialized so that the timing
/// bounds hold on a small shared machine; concurrency is exercised inside the tests.
@Suite(.serialized) struct CurlTransportTests {
    @Test func getEchoesMethodPathAndHeaders() async throws {
        let server = try await TestServer.start()
        defer { server.stop() }
        let transport = CurlTransport()
        let response = try await transport.send(
            HTTPRequest(url: server.url("/echo?x=1"), headers: ["X-Trace": "abc", "X-Blank": ""]))
        #expect(response.status == 200)
        #expect(response.headers["content-type"] == "application/json")
        let echo = try json(response.body)
        #expect(echo["method"] as? String == "GET")
        #expect(echo["path"] as? String == "/echo?x=1")
        #expect(echo["body_length"] as? Int == 0)
        #expect(echo["expect"] is NSNull)
        let headers = try #require(echo["headers"] as? [[String]])
        #expect(headers.contains(["X-Trace", "abc"]))
        #expect(headers.contains(["X-Blank", ""]))
        #expect(!headers.contains { $0[0].lowercased() == "content-length" })
    }

    @Test func postAndPutSendBodiesWithoutInventingAContentType() async throws {
        let server = try await TestServer.start()
        defer { server.stop() }
        let transport = CurlTransport()
        for method in [HTTPMethod.post, .put, .patch, .delete] {
            let body = Array("hello \(method)".utf8)
            let response = try await transport.send(
                HTTPRequest(method: method, url: server.url("/echo"), body: body))
            let echo = try json(response.body)
            #expect(echo["method"] as? String == method.rawValue)
            #expect(echo["body_text"] as? String == "hello \(method)")
            let headers = try #require(echo["headers"] as? [[String]])
            #expect(headers.contains(["Content-Length", String(body.count)]))
            #expect(!headers.contains { $0[0].lowercased() == "content-type" }, "\(method): \(headers)")
        }
        let typed = try await transport.send(
            HTTPRequest(method: .post, url: server.url("/echo"),
                        headers: ["Content-Type": "application/x-amz-json-1.1"], body: Array("{}".utf8)))
        let headers = try #require(try json(typed.body)["headers"] as? [[String]])
        #expect(headers.contains(["Content-Type", "application/x-amz-json-1.1"]))
    }

    @Test func emptyBodiesSendContentLengthZeroAndNeverReadStdin() async throws {
        let server = try await TestServer.start()
        defer { server.stop() }
        let transport = CurlTransport()
        for method in [HTTPMethod.post, .put, .patch] {
            // Were curl to read the body from stdin, this would hang until the time limit.
            let response = try await transport.send(
                HTTPRequest(method: method, url: server.url("/echo")), timeout: .seconds(5))
            let echo = try json(response.body)
            #expect(echo["method"] as? String == method.rawValue)
            #expect(echo["body_length"] as? Int == 0)
            let headers = try #require(echo["headers"] as? [[String]])
            #expect(headers.contains(["Content-Length", "0"]), "\(method): \(headers)")
        }
    }

    @Test func eightMegabytesUpAndDown() async throws {
        let server = try await TestServer.start()
        defer { server.stop() }
        let transport = CurlTransport()
        let body = pattern(8 << 20)
        let start = ContinuousClock.now
        let response = try await transport.send(
            HTTPRequest(method: .post, url: server.url("/echo-raw"), body: body))
        let elapsed = milliseconds(since: start)
        #expect(response.status == 200)
        #expect(response.body.count == body.count)
        #expect(response.body == body)
        let put = try await transport.send(HTTPRequest(method: .put, url: server.url("/echo"), body: body))
        let echo = try json(put.body)
        #expect(echo["body_length"] as? Int == body.count)
        #expect(echo["body_sum"] as? Int == byteSum(body))
        print("8 MiB POST echoed back in \(elapsed) ms")
    }

    @Test func twoMegabytePutSendsNoExpectAndDoesNotWait() async throws {
        let server = try await TestServer.start()
        defer { server.stop() }
        let transport = CurlTransport()
        let body = pattern(2 << 20, seed: 7)
        // A caller's Expect header is dropped too.
        let request = HTTPRequest(
            method: .put, url: server.url("/echo"), headers: ["Expect": "100-continue"], body: body)
        _ = try await transport.send(request)  // warm the connection
        let start = ContinuousClock.now
        let response = try await transport.send(request)
        let elapsed = milliseconds(since: start)
        let echo = try json(response.body)
        #expect(echo["expect"] is NSNull, "Expect header was sent: \(String(describing: echo["expect"]))")
        #expect(echo["body_length"] as? Int == body.count)
        #expect(echo["body_sum"] as? Int == byteSum(body))
        // curl's 100-continue wait alone would be 1000 ms.
        #expect(elapsed < 900, "2 MiB PUT took \(elapsed) ms")
        print("2 MiB PUT without Expect: \(elapsed) ms")
    }

    @Test func headRequestHasHeadersButNoBody() async throws {
        let server = try await TestServer.start()
        defer { server.stop() }
        let transport = CurlTransport(configuration: .default.with { $0.maximumResponseBodySize = 10 })
        let response = try await transport.send(HTTPRequest(method: .head, url: server.url("/headers")))
        #expect(response.status == 200)
        #expect(response.body.isEmpty)
        #expect(response.headers["X-CUSTOM"] == "Value")
        #expect(response.headers["content-length"] == "2")
    }

    @Test func responseHeadersAreOrderedAndCaseInsensitive() async throws {
        let server = try await TestServer.start()
        defer { server.stop() }
        let response = try await CurlTransport().send(HTTPRequest(url: server.url("/headers")))
        #expect(response.headers["x-custom"] == "Value")
        #expect(response.headers["X-Custom"] == "Value")
        #expect(response.headers.values(for: "SET-THING") == ["1", "2"])
        #expect(response.headers["x-empty"] == "")
        #expect(response.headers["x-missing"] == nil)
        #expect(response.headers.fields.first?.name == "Server")
        #expect(response.bodyText == "ok")
    }

    @Test func chunkedResponsesAreDecoded() async throws {
        let server = try await TestServer.start()
        defer { server.stop() }
        let response = try await CurlTransport().send(HTTPRequest(url: server.url("/chunked/100/1000")))
        #expect(response.status == 200)
        #expect(response.headers["transfer-encoding"] == "chunked")
        #expect(response.body.count == 100_000)
        let expected = (0..<100).flatMap { [UInt8](repeating: UInt8(97 + $0 % 26), count: 1000) }
        #expect(response.body == expected)
        #expect(response.headers["x-trailer"] == "done")
    }

    @Test(arguments: [400, 403, 404, 429, 500, 503])
    func errorStatusesAreResponses(status: Int) async throws {
        let server = try await TestServer.start()
        defer { server.stop() }
        let response = try await CurlTransport().send(HTTPRequest(url: server.url("/status/\(status)")))
        #expect(response.status == status)
        #expect(!response.isSuccess)
        #expect(response.bodyText == "status \(status)")
    }

    @Test func connectionRefusedIsCouldNotConnect() async throws {
        let port = closedLoopbackPort()
        let transport = CurlTransport()
        let error = await transportError(transport, HTTPRequest(url: "http://127.0.0.1:\(port)/x"))
        #expect(error?.code == .couldNotConnect)
        #expect(error?.curlCode == 7)
        #expect(error?.message.contains("127.0.0.1:\(port)") == true)
        #expect(error?.curlMessage.isEmpty == false)
        #expect(Self.blockingError(transport, HTTPRequest(url: "http://127.0.0.1:\(port)/x"))?.code == .couldNotConnect)
    }

    private static func blockingError(_ transport: CurlTransport, _ request: HTTPRequest) -> TransportError? {
        do {
            _ = try transport.sendBlocking(request)
            return nil
        } catch {
            return error
        }
    }

    @Test func perRequestTimeoutIsTimedOut() async throws {
        let server = try await TestServer.start()
        defer { server.stop() }
        let transport = CurlTransport()
        let start = ContinuousClock.now
        let error = await transportError(transport, HTTPRequest(url: server.url("/sleep/3000")), timeout: .milliseconds(300))
        let elapsed = milliseconds(since: start)
        #expect(error?.code == .timedOut)
        #expect(error?.curlCode == 28)
        #expect(elapsed >= 290 && elapsed < 1500, "timed out after \(elapsed) ms")
        print("300 ms timeout fired after \(elapsed) ms")
        // The transport still works afterwards, on a new connection.
        let ok = try await transport.send(HTTPRequest(url: server.url("/sleep/10")), timeout: .seconds(5))
        #expect(ok.status == 200)
    }

    @Test func configuredTimeoutAppliesWhenNoneIsPassed() async throws {
        let server = try await TestServer.start()
        defer { server.stop() }
        let transport = CurlTransport(configuration: .default.with { $0.timeout = .milliseconds(200) })
        let error = await transportError(transport, HTTPRequest(url: server.url("/sleep/2000")))
        #expect(error?.code == .timedOut)
        // A per-request timeout overrides the default.
        let response = try await transport.send(HTTPRequest(url: server.url("/sleep/400")), timeout: .seconds(5))
        #expect(response.bodyText == "slept")
    }

    @Test func exhaustedTimeBudgetFailsWithoutSending() async throws {
        let server = try await TestServer.start()
        defer { server.stop() }
        let transport = CurlTransport()
        for budget in [Duration.zero, .milliseconds(-5)] {
            let error = await transportError(transport, HTTPRequest(url: server.url("/echo")), timeout: budget)
            #expect(error?.code == .timedOut)
            #expect(error?.curlCode == nil)
        }
        let stats = try json(try await transport.send(HTTPRequest(url: server.url("/stats"))).body)
        #expect(stats["requests"] as? Int == 1)
    }

    @Test func truncatedBodiesArePartialResponses() async throws {
        let server = try await TestServer.start()
        defer { server.stop() }
        let transport = CurlTransport()
        for path in ["/truncate", "/truncate-chunked"] {
            let error = await transportError(transport, HTTPRequest(url: server.url(path)))
            #expect(error?.code == .partialResponse, "\(path): \(String(describing: error))")
            #expect(error?.curlCode == 18)
        }
    }

    @Test func resetAndSilentCloseAreDistinguished() async throws {
        let server = try await TestServer.start()
        defer { server.stop() }
        let transport = CurlTransport()
        let reset = await transportError(transport, HTTPRequest(url: server.url("/reset")))
        #expect(reset?.code == .connectionReset, "\(String(describing: reset))")
        let silent = await transportError(transport, HTTPRequest(url: server.url("/close-silently")))
        #expect(silent?.code == .emptyResponse, "\(String(describing: silent))")
        #expect(silent?.curlCode == 52)
    }

    @Test func fiftySequentialRequestsUseOneConnection() async throws {
        let server = try await TestServer.start()
        defer { server.stop() }
        let transport = CurlTransport()
        var connectionIDs: Set<String> = []
        let start = ContinuousClock.now
        for index in 0..<50 {
            let response = try await transport.send(
                HTTPRequest(method: .post, url: server.url("/echo"), body: Array("request \(index)".utf8)))
            #expect(try json(response.body)["body_text"] as? String == "request \(index)")
            connectionIDs.insert(response.headers["x-connection-id"] ?? "?")
        }
        let elapsed = milliseconds(since: start)
        let stats = try json(try await transport.send(HTTPRequest(url: server.url("/stats"))).body)
        #expect(connectionIDs.count == 1)
        #expect(stats["connections"] as? Int == 1)
        #expect(stats["requests"] as? Int == 51)
        #expect(transport.idleHandleCount == 1)
        print("50 sequential async requests: \(connectionIDs.count) connection(s), \(elapsed) ms")
    }

    @Test func blockingAPIReusesItsConnection() async throws {
        let server = try await TestServer.start()
        defer { server.stop() }
        let transport = CurlTransport()
        let (ids, elapsed) = try Self.blockingLoop(transport, server)
        #expect(ids.count == 1)
        // The async API picks up the same pooled handle, so the same connection.
        let response = try await transport.send(HTTPRequest(url: server.url("/stats")))
        #expect(try json(response.body)["connections"] as? Int == 1)
        #expect(transport.workerThreadCount == 1)
        print("50 sequential blocking requests: \(ids.count) connection(s), \(elapsed) ms")
    }

    /// Sync, as the Lambda runtime loop would be.
    private static func blockingLoop(_ transport: CurlTransport, _ server: PythonServer) throws -> (Set<String>, Int) {
        var ids: Set<String> = []
        let start = ContinuousClock.now
        for index in 0..<50 {
            let body = Array("blocking \(index)".utf8)
            let response = try transport.sendBlocking(
                HTTPRequest(method: index.isMultiple(of: 2) ? .post : .put, url: server.url("/echo"), body: body),
                timeout: .seconds(5))
            #expect(response.status == 200)
            #expect(try json(response.body)["body_text"] as? String == "blocking \(index)")
            ids.insert(response.headers["x-connection-id"] ?? "?")
        }
        return (ids, milliseconds(since: start))
    }

    @Test func sixtyFourConcurrentRequestsAllCorrect() async throws {
        let server = try await TestServer.start()
        defer { server.stop() }
        let transport = CurlTransport()
        let bodies = (0..<64).map { pattern(1000 + $0 * 997, seed: UInt32($0 + 1)) }
        let start = ContinuousClock.now
        let results = try await withThrowingTaskGroup(of: (Int, HTTPResponse).self) { group in
            for index in 0..<64 {
                group.addTask {
                    let body = bodies[index]
                    let response = try await transport.send(
                        HTTPRequest(method: .post, url: server.url("/echo-raw?i=\(index)"), body: body),
                        timeout: .seconds(30))
                    return (index, response)
                }
            }
            var results: [Int: HTTPResponse] = [:]
            for try await (index, response) in group { results[index] = response }
            return results
        }
        let elapsed = milliseconds(since: start)
        #expect(results.count == 64)
        for (index, response) in results {
            #expect(response.body == bodies[index], "request \(index)")
        }
        let connections = Set(results.values.compactMap { $0.headers["x-connection-id"] })
        #expect(connections.count <= transport.configuration.maximumConcurrentRequests)
        #expect(transport.workerThreadCount <= transport.configuration.maximumConcurrentRequests)
        // Afterwards, sequential requests reuse the pooled connections: no new ones.
        let before = try json(try await transport.send(HTTPRequest(url: server.url("/stats"))).body)
        for _ in 0..<20 { _ = try await transport.send(HTTPRequest(url: server.url("/echo"))) }
        let after = try json(try await transport.send(HTTPRequest(url: server.url("/stats"))).body)
        #expect(before["connections"] as? Int == after["connections"] as? Int)
        print("64 concurrent requests: \(elapsed) ms, \(connections.count) connections, "
            + "\(transport.workerThreadCount) threads")
    }

    @Test func manySmallRequestsFromManyTasks() async throws {
        let server = try await TestServer.start()
        defer { server.stop() }
        let transport = CurlTransport(configuration: .init(maximumConcurrentRequests: 8))
        let start = ContinuousClock.now
        let correct = try await withThrowingTaskGroup(of: Int.self) { group in
            for task in 0..<32 {
                group.addTask {
                    var correct = 0
                    for index in 0..<16 {
                        let text = "\(task)-\(index)"
                        let response = try await transport.send(
                            HTTPRequest(method: .post, url: server.url("/echo-raw"), body: Array(text.utf8)))
                        if response.bodyText == text { correct += 1 }
                    }
                    return correct
                }
            }
            return try await group.reduce(0, +)
        }
        let elapsed = milliseconds(since: start)
        #expect(correct == 512)
        let stats = try json(try await transport.send(HTTPRequest(url: server.url("/stats"))).body)
        let connections = try #require(stats["connections"] as? Int)
        #expect(connections <= 8)
        print("512 requests from 32 tasks, 8 at a time: \(elapsed) ms, \(connections) connections")
    }

    @Test func aConnectionTheServerDroppedIsReplaced() async throws {
        let server = try await TestServer.start()
        defer { server.stop() }
        let transport = CurlTransport()
        let first = try await transport.send(HTTPRequest(url: server.url("/then-close")))
        #expect(first.bodyText == "bye")
        try await Task.sleep(for: .milliseconds(200))
        let second = try await transport.send(HTTPRequest(method: .post, url: server.url("/echo"), body: [1, 2]))
        #expect(try json(second.body)["body_length"] as? Int == 2)
        #expect(first.headers["x-connection-id"] != second.headers["x-connection-id"])
    }

    @Test func concurrencyBeyondTheLimitQueues() async throws {
        let server = try await TestServer.start()
        defer { server.stop() }
        let transport = CurlTransport(configuration: .init(maximumConcurrentRequests: 2))
        let start = ContinuousClock.now
        try await withThrowingTaskGroup(of: Int.self) { group in
            for _ in 0..<6 {
                group.addTask { try await transport.send(HTTPRequest(url: server.url("/sleep/200"))).status }
            }
            for try await status in group { #expect(status == 200) }
        }
        let elapsed = milliseconds(since: start)
        // Six 200 ms requests, two at a time: three rounds.
        #expect(elapsed >= 590, "took \(elapsed) ms")
        #expect(transport.workerThreadCount == 2)
        // A queued request's wait counts against its timeout.
        let error: TransportError? = await withTaskGroup(of: TransportError?.self) { group in
            for _ in 0..<2 {
                group.addTask { _ = try? await transport.send(HTTPRequest(url: server.url("/sleep/600"))); return nil }
            }
            group.addTask {
                try? await Task.sleep(for: .milliseconds(50))
                return await transportError(transport, HTTPRequest(url: server.url("/echo")), timeout: .milliseconds(200))
            }
            var found: TransportError?
            for await error in group where error != nil { found = error }
            return found
        }
        #expect(error?.code == .timedOut)
    }

    @Test func cancellingTheTaskAbortsTheTransfer() async throws {
        let server = try await TestServer.start()
        defer { server.stop() }
        let transport = CurlTransport()
        let start = ContinuousClock.now
        let task = Task { await transportError(transport, HTTPRequest(url: server.url("/sleep/5000"))) }
        try await Task.sleep(for: .milliseconds(200))
        task.cancel()
        let error = await task.value
        let elapsed = milliseconds(since: start)
        #expect(error?.code == .cancelled)
        #expect(elapsed < 2500, "cancellation took \(elapsed) ms")
        print("cancelled transfer returned after \(elapsed) ms")
        // Already cancelled: fails before sending.
        let early = Task {
            withUnsafeCurrentTask { $0?.cancel() }
            return await transportError(transport, HTTPRequest(url: server.url("/echo")))
        }
        #expect(await early.value?.code == .cancelled)
    }

    @Test func oversizedResponsesAreRejected() async throws {
        let server = try await TestServer.start()
        defer { server.stop() }
        let transport = CurlTransport(configuration: .default.with { $0.maximumResponseBodySize = 4096 })
        let fits = try await transport.send(
            HTTPRequest(method: .post, url: server.url("/echo-raw"), body: pattern(4096)))
        #expect(fits.body.count == 4096)
        let announced = await transportError(
            transport, HTTPRequest(method: .post, url: server.url("/echo-raw"), body: pattern(4097)))
        #expect(announced?.code == .responseTooLarge)
        let chunked = await transportError(transport, HTTPRequest(url: server.url("/chunked/10/1000")))
        #expect(chunked?.code == .responseTooLarge)
    }

    @Test func invalidRequestsAreRejectedBeforeSending() async throws {
        let server = try await TestServer.start()
        defer { server.stop() }
        let transport = CurlTransport()
        let bad: [HTTPRequest] = [
            HTTPRequest(url: server.url("/echo"), headers: ["X-Evil": "a\r\nInjected: yes"]),
            HTTPRequest(url: server.url("/echo"), headers: ["Bad Name": "x"]),
            HTTPRequest(method: "GE T", url: server.url("/echo")),
            HTTPRequest(method: .head, url: server.url("/echo"), body: [1]),
            HTTPRequest(method: .post, url: server.url("/echo"), headers: ["Content-Length": "3"], body: [1]),
            HTTPRequest(url: server.url("/echo with space")),
            HTTPRequest(url: "ftp://127.0.0.1:\(server.port)/echo"),
            HTTPRequest(url: "file:///etc/passwd"),
        ]
        for request in bad {
            let error = await transportError(transport, request)
            #expect(error?.code == .invalidRequest, "\(request.method) \(request.url): \(String(describing: error))")
        }
        let stats = try json(try await transport.send(HTTPRequest(url: server.url("/stats"))).body)
        #expect(stats["requests"] as? Int == 1)
        // A correct Content-Length is accepted (and sent once).
        let ok = try await transport.send(
            HTTPRequest(method: .post, url: server.url("/echo"), headers: ["Content-Length": "3"], body: [1, 2, 3]))
        let headers = try #require(try json(ok.body)["headers"] as? [[String]])
        #expect(headers.filter { $0[0] == "Content-Length" }.count == 1)
    }

    @Test func blockingAndAsyncCallersCanMix() async throws {
        let server = try await TestServer.start()
        defer { server.stop() }
        let transport = CurlTransport(configuration: .init(maximumConcurrentRequests: 4))
        @Sendable func blockingLoop() -> Int {
            var ok = 0
            for _ in 0..<20 {
                if (try? transport.sendBlocking(HTTPRequest(url: server.url("/echo"))))?.status == 200 { ok += 1 }
            }
            return ok
        }
        let blocking = Task.detached { blockingLoop() }
        let asyncOK = try await withThrowingTaskGroup(of: Int.self) { group in
            for index in 0..<40 {
                group.addTask {
                    let response = try await transport.send(
                        HTTPRequest(method: .put, url: server.url("/echo"), body: Array("\(index)".utf8)))
                    return try json(response.body)["body_text"] as? String == "\(index)" ? 1 : 0
                }
            }
            return try await group.reduce(0, +)
        }
        #expect(asyncOK == 40)
        #expect(await blocking.value == 20)
    }
}

@Suite struct WorkerPoolTests {
    @Test func threadsStartLazilyAndExitOnShutdown() async throws {
        let pool = WorkerPool(maximumThreads: 3)
        #expect(pool.threadCount == 0)
        let done = LockedState(0)
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            for _ in 0..<10 {
                pool.submit {
                    usleep(20_000)
                    if done.withLock({ $0 += 1; return $0 }) == 10 { continuation.resume() }
                }
            }
        }
        #expect(pool.threadCount == 3)
        pool.shutdown()
        for _ in 0..<200 where pool.threadCount > 0 { try await Task.sleep(for: .milliseconds(10)) }
        #expect(pool.threadCount == 0)
    }

    /// A background pool's threads run at the nice value it was given, and the caller's
    /// thread keeps its own; an executor's thread likewise.
    @Test func aBackgroundPoolsThreadsRunAtItsNiceValue() async throws {
        #if canImport(Glibc)
        let caller = threadNiceValue()
        // A thread may always raise its nice value; lowering it below the caller's (a test
        // run under `nice -n 19`) needs privileges, so that case is not asserted.
        guard caller <= 10 else { return }
        let pool = WorkerPool(maximumThreads: 1, niceness: 10)
        defer { pool.shutdown() }
        #expect(await pool.run { threadNiceValue() } == 10)
        #expect(await WorkerPool(maximumThreads: 1).run { threadNiceValue() } == caller)
        #expect(threadNiceValue() == caller)
        #expect(await NiceProbe(executor: ThreadExecutor(niceness: 12)).nice() == 12)
        #endif
    }
}

#if canImport(Glibc)
/// An actor on a ``ThreadExecutor`` that reports its thread's nice value.
actor NiceProbe {
    let executor: ThreadExecutor
    nonisolated var unownedExecutor: UnownedSerialExecutor { executor.asUnownedSerialExecutor() }

    init(executor: ThreadExecutor) {
        self.executor = executor
    }

    func nice() -> Int32 { threadNiceValue() }
}

/// The calling thread's nice value (Linux keeps one per thread; `who` 0 names the caller).
func threadNiceValue() -> Int32 { getpriority(__priority_which_t(PRIO_PROCESS.rawValue), 0) }
#endif

@Suite struct ValueTypeTests {
    @Test func headersLookupAndEdit() {
        var headers: HTTPHeaders = ["Content-Type": "a", "X-A": "1", "x-a": "2"]
        #expect(headers["CONTENT-TYPE"] == "a")
        #expect(headers.values(for: "X-A") == ["1", "2"])
        headers["X-A"] = "3"
        #expect(headers.values(for: "x-a") == ["3"])
        #expect(headers.fields.map(\.name) == ["Content-Type", "X-A"])
        headers.add(name: "X-A", value: "4")
        #expect(headers.count == 3)
        headers["x-a"] = nil
        #expect(!headers.contains(name: "X-A"))
        #expect(headers == HTTPHeaders([("Content-Type", "a")]))
        #expect(!HTTPHeaders.namesEqual("X-A", "X-B"))
        #expect(!HTTPHeaders.namesEqual("[", "{"))  // not letters: no case folding
    }

    @Test func configurationDefaultsAndCopies() {
        let base = CurlTransport.Configuration.default
        #expect(base.connectTimeout == .seconds(10))
        #expect(base.timeout == nil)
        #expect(base.maximumConcurrentRequests == 16)
        let changed = base.with { $0.timeout = .seconds(3) }
        #expect(changed.timeout == .seconds(3))
        #expect(base.timeout == nil)
        #expect(CurlTransport(configuration: .init(maximumConcurrentRequests: 0)).configuration.maximumConcurrentRequests == 1)
    }

    @Test func millisecondsRoundUpAndClamp() {
        #expect(milliseconds(.nanoseconds(1)) == 1)
        #expect(milliseconds(.milliseconds(250)) == 250)
        #expect(milliseconds(.microseconds(1500)) == 2)
        #expect(milliseconds(.seconds(-1)) == 1)
        #expect(milliseconds(.seconds(Int64.max / 2)) == Int(Int32.max))
    }

    @Test func errorMessagesNeverShowPathsOrCredentials() {
        #expect(authority(of: "https://user:secret@bucket.s3.amazonaws.com/key?X-Amz-Signature=abc") == "bucket.s3.amazonaws.com")
        #expect(authority(of: "http://127.0.0.1:9001/2018-06-01/runtime/invocation/next") == "127.0.0.1:9001")
        let error = TransportError(.timedOut, "It timed out.", curlCode: 28, curlMessage: "Operation timed out")
        #expect(error.description == "timed_out: It timed out. (curl 28: Operation timed out)")
    }
}
