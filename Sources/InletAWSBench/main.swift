// inlet-aws-bench: what signing costs, and how fast PutRecordBatch goes against a local endpoint.
//
//   swift build -c release --product inlet-aws-bench && .build/release/inlet-aws-bench
//
// (a) SigV4 signing of a Firehose PutRecordBatch request, 100,000 times (payload hash given),
//     and with the SHA-256 of a 500 x 300-byte batch body included.
// (b) FirehoseClient.putRecordBatch throughput with 300-byte records over CurlTransport
//     against `inlet-aws-bench sink`, a minimal keep-alive HTTP server in a child process
//     (so the client's CPU time is measured apart from the server's), and optionally against
//     the Python fault server in its fast accept mode, to show what a Python peer caps.
import InletAWS
import InletCore
import InletHTTP
import InletSigV4

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

if CommandLine.arguments.dropFirst().first == "sink" { Sink.run() }

struct Options {
    var signIterations = 100_000
    var records = 200_000
    var recordSize = 300
    var recordsPerCall = 10_000
    var concurrency = 4
    var pythonSink: String?
    var pythonRecords = 100_000
}

let usage = """
    usage: inlet-aws-bench [--sign-iterations N] [--records N] [--record-size BYTES]
                           [--records-per-call N] [--concurrency N]
                           [--python-sink PATH/TO/fault_firehose.py] [--python-records N]
    """
func parseOptions(_ argv: [String]) -> Options {
    var options = Options()
    var index = 1
    func intArgument() -> Int {
        guard index + 1 < argv.count, let value = Int(argv[index + 1]), value > 0 else {
            print(usage)
            exit(2)
        }
        index += 1
        return value
    }
    while index < argv.count {
        switch argv[index] {
        case "--sign-iterations": options.signIterations = intArgument()
        case "--records": options.records = intArgument()
        case "--record-size": options.recordSize = intArgument()
        case "--records-per-call": options.recordsPerCall = intArgument()
        case "--concurrency": options.concurrency = intArgument()
        case "--python-records": options.pythonRecords = intArgument()
        case "--python-sink":
            guard index + 1 < argv.count else {
                print(usage)
                exit(2)
            }
            options.pythonSink = argv[index + 1]
            index += 1
        default:
            print(usage)
            exit(argv[index] == "--help" || argv[index] == "-h" ? 0 : 2)
        }
        index += 1
    }
    return options
}

func seconds(_ duration: Duration) -> Double {
    Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
}

func format(_ value: Double, _ digits: Int = 2) -> String {
    var scale = 1.0
    for _ in 0..<digits { scale *= 10 }
    let rounded = (value * scale).rounded() / scale
    var text = String(rounded)
    if let dot = text.firstIndex(of: ".") {
        let decimals = text.distance(from: dot, to: text.endIndex) - 1
        if decimals < digits { text += String(repeating: "0", count: digits - decimals) }
    }
    return text
}

/// `count` distinct records of `size` bytes.
func makeRecords(count: Int, size: Int) -> [ArraySlice<UInt8>] {
    var state: UInt32 = 0x9E37_79B9
    return (0..<count).map { _ in
        (0..<size).map { _ -> UInt8 in
            state ^= state << 13
            state ^= state >> 17
            state ^= state << 5
            return UInt8(truncatingIfNeeded: state)
        }[...]
    }
}

struct Benchmark {
    let options: Options
    /// Temporary credentials, as in Lambda: the session token is long and signed too.
    let credentials = AWSCredentials(
        accessKeyId: "ASIAEXAMPLEEXAMPLE00", secretAccessKey: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
        sessionToken: String(repeating: "T", count: 800))

    func run() async {
        signing()
        guard let sink = Child.spawn([executablePath(), "sink"]) else {
            print("could not start the sink")
            exit(1)
        }
        await throughput(label: "-> Swift sink", child: sink, records: options.records)
        if let script = options.pythonSink {
            if let python = Child.spawn(["python3", script, "--fast", "--then", "accept"]) {
                await throughput(label: "-> Python sink", child: python, records: options.pythonRecords)
            } else {
                print("could not start \(script) with python3")
            }
        }
    }

    // MARK: (a) Signing

    func signing() {
        let signer = SigV4Signer(credentials: credentials, service: "firehose", region: "eu-west-1")
        var batchBody: [UInt8] = Array(#"{"DeliveryStreamName":"inlet-events","Records":["#.utf8)
        for (index, record) in makeRecords(count: 500, size: options.recordSize).enumerated() {
            if index > 0 { batchBody.append(UInt8(ascii: ",")) }
            batchBody.append(contentsOf: #"{"Data":""#.utf8)
            Base64.encode(record, into: &batchBody)
            batchBody.append(contentsOf: #""}"#.utf8)
        }
        batchBody.append(contentsOf: "]}".utf8)
        let headers: [(name: String, value: String)] = [
            ("Content-Type", "application/x-amz-json-1.1"), ("X-Amz-Target", "Firehose_20150804.PutRecordBatch"),
        ]
        let givenHash = SigV4Request(
            method: "POST", host: "firehose.eu-west-1.amazonaws.com", headers: headers,
            payload: .sha256Hex(Digest.sha256Hex(batchBody)))
        let hashed = SigV4Request(
            method: "POST", host: "firehose.eu-west-1.amazonaws.com", headers: headers, payload: .bytes(batchBody))

        func microsecondsPerSignature(_ request: SigV4Request, iterations: Int) -> Double {
            var checksum = 0
            for i in 0..<min(1000, iterations) {
                checksum &+= signer.sign(request, date: SigV4Date(secondsSince1970: 1_790_000_000 + Int64(i))).signature.utf8.count
            }
            let start = ContinuousClock.now
            for i in 0..<iterations {
                // A new date each time, as in production (so no signature can be reused).
                checksum &+= signer.sign(request, date: SigV4Date(secondsSince1970: 1_790_000_000 + Int64(i)))
                    .signature.utf8.count
            }
            let elapsed = seconds(ContinuousClock.now - start)
            precondition(checksum > 0)
            return elapsed / Double(iterations) * 1e6
        }

        let signMicros = microsecondsPerSignature(givenHash, iterations: options.signIterations)
        print("signing    SigV4, Firehose PutRecordBatch headers + session token, payload hash given: "
            + "\(options.signIterations) iterations, \(format(signMicros)) µs/request")
        let hashIterations = max(100, options.signIterations / 50)
        let hashMicros = microsecondsPerSignature(hashed, iterations: hashIterations)
        print("signing    the same including SHA-256 of a 500 x \(options.recordSize) B batch body "
            + "(\(batchBody.count) B): \(hashIterations) iterations, \(format(hashMicros)) µs/request")
    }

    // MARK: (b) Throughput

    func throughput(label: String, child: Child, records total: Int) async {
        let configuration = AWSConfiguration(
            credentials: credentials, region: "eu-west-1",
            firehoseEndpoint: AWSEndpoint(url: "http://127.0.0.1:\(child.port)")!)
        let client = FirehoseClient(
            configuration: configuration, transport: CurlTransport(),
            limits: FirehoseClient.Limits(concurrentRequests: options.concurrency))
        let perCall = min(options.recordsPerCall, total)
        let records = makeRecords(count: perCall, size: options.recordSize)
        let warmUp = await client.putRecordBatch(
            streamName: "inlet-events", records: Array(records.prefix(1000)), deadline: .now + .seconds(60))
        guard warmUp.allDelivered else {
            print("throughput \(label): the warm-up call failed: \(warmUp.records.first { !$0.isDelivered }!)")
            _ = child.stop()
            return
        }
        let cpuStart = processCPUSeconds()
        let start = ContinuousClock.now
        var sent = 0, requests = 0, bodyBytes = 0, failed = 0
        while sent < total {
            let outcome = await client.putRecordBatch(
                streamName: "inlet-events", records: records, deadline: .now + .seconds(60))
            failed += outcome.failedCount
            requests += outcome.statistics.requests
            bodyBytes += outcome.statistics.bodyBytesSent
            sent += records.count
        }
        let elapsed = seconds(ContinuousClock.now - start)
        let clientCPU = processCPUSeconds() - cpuStart
        let serverCPU = child.stop()
        let payloadMB = Double(sent * options.recordSize) / 1e6
        print("throughput \(label): \(sent) records x \(options.recordSize) B in \(format(elapsed)) s "
            + "(\(requests) requests of up to 500 records, \(options.concurrency) in flight, \(failed) failed)")
        print("           \(Int(Double(sent) / elapsed)) records/s, \(format(payloadMB / elapsed)) MB/s of records, "
            + "\(format(Double(bodyBytes) / 1e6 / elapsed)) MB/s of request bodies")
        print("           client CPU \(format(clientCPU / Double(sent) * 1e6)) µs/record "
            + "(\(format(clientCPU / elapsed * 100, 0))% of one core); server CPU "
            + "\(format(serverCPU / Double(sent) * 1e6)) µs/record (\(format(serverCPU / elapsed * 100, 0))% of one core)")
    }
}

await Benchmark(options: parseOptions(CommandLine.arguments)).run()
