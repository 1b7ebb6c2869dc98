import Foundation
import InletHTTP
import InletSigV4
import InletAWS

/// The moto_server the integration tests talk to, with its signature checks on.
///
/// `INLET_TEST_MOTO_URL` names a running one (`scripts/test.sh` starts it); otherwise the
/// first test to ask starts `python3 -m moto.server` on a free loopback port and the
/// process stops it by PID when it exits. Either way `Support/moto_setup.py` then switches
/// moto's signature checks on (idempotently) and hands out the keys that pass them.
public struct MotoPeer: Sendable {
    /// The server's base URL.
    public let url: String
    /// Keys that pass its signature checks.
    public let credentials: AWSCredentials
    /// The region the keys and resources live in.
    public let region: String
    /// A role the keys may assume.
    public let roleArn: String

    /// The shared server, started and set up on first use.
    public static func shared() async throws -> MotoPeer {
        try await setup.value
    }

    private static let setup = Task<MotoPeer, any Error> {
        let url: String
        if let given = ProcessInfo.processInfo.environment["INLET_TEST_MOTO_URL"], !given.isEmpty {
            url = given
        } else {
            url = try await offPool { try startServer() }
        }
        let info = try await runSetup(url, ["credentials"])
        return MotoPeer(
            url: url,
            credentials: AWSCredentials(accessKeyId: info["accessKeyId"]!, secretAccessKey: info["secretAccessKey"]!),
            region: info["region"]!, roleArn: info["roleArn"]!)
    }

    /// A configuration that reaches this moto with its keys.
    public var configuration: AWSConfiguration {
        AWSConfiguration(credentials: credentials, region: region, endpoint: AWSEndpoint(url: url)!)
    }

    /// Temporary credentials from STS AssumeRole on this moto (they need their session token).
    public func temporaryCredentials() async throws -> AWSCredentials {
        let info = try await Self.runSetup(url, ["assume-role"])
        return AWSCredentials(
            accessKeyId: info["accessKeyId"]!, secretAccessKey: info["secretAccessKey"]!,
            sessionToken: info["sessionToken"]!)
    }

    /// Creates `bucket` and a DirectPut delivery stream `name` that writes to it under `prefix`.
    public func createStream(_ name: String, bucket: String, prefix: String) async throws {
        _ = try await Self.runSetup(url, ["create-stream", name, bucket, prefix])
    }

    /// The environment an AWS SDK (or `bootstrap`) needs to reach this moto.
    public var environment: [String: String] {
        [
            "AWS_ACCESS_KEY_ID": credentials.accessKeyId, "AWS_SECRET_ACCESS_KEY": credentials.secretAccessKey,
            "AWS_REGION": region, "AWS_ENDPOINT_URL": url,
        ]
    }

    // MARK: Processes

    /// Where `moto_setup.py` lives.
    public static let supportDirectory = URL(fileURLWithPath: #filePath).deletingLastPathComponent()

    /// Runs `moto_setup.py URL arguments…` and returns its JSON object.
    public static func runSetup(_ url: String, _ arguments: [String]) async throws -> [String: String] {
        let script = supportDirectory.appendingPathComponent("moto_setup.py").path
        let output = try await offPool { try runPython([script, url] + arguments) }
        let object = try JSONSerialization.jsonObject(with: output)
        guard let dictionary = object as? [String: String] else {
            throw PeerFailure(message: "moto_setup.py printed \(String(decoding: output, as: UTF8.self))")
        }
        return dictionary
    }

    /// Runs `python3 arguments…` to its end on the calling thread and returns its standard
    /// output; call it through ``offPool(_:)`` from a test.
    public static func runPython(_ arguments: [String]) throws -> Data {
        let result = try runProgramBlocking(["python3"] + arguments)
        guard result.status == 0 else {
            throw PeerFailure(
                message: "python3 \(arguments.joined(separator: " ")) failed (\(result.status)); "
                    + "install the peers with pip install -r scripts/requirements-test.txt. " + result.stderr)
        }
        return result.output
    }

    /// Starts moto_server on a free port, waits until it answers, and arranges for it to be
    /// stopped by PID when this process exits.
    private static func startServer() throws -> String {
        let port = freeLoopbackPort()
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", "-m", "moto.server", "-H", "127.0.0.1", "-p", String(port)]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        startedServerPID = process.processIdentifier
        atexit {
            // SIGKILL: a child of a test process may inherit a mask that blocks SIGTERM.
            if startedServerPID > 0 { kill(startedServerPID, SIGKILL) }
        }
        let url = "http://127.0.0.1:\(port)"
        for _ in 0..<200 {
            if canConnect(port: port) { return url }
            usleep(50_000)
        }
        throw PeerFailure(message: "moto_server did not start on port \(port) within 10 s")
    }

    /// A peer that could not be started or set up.
    public struct PeerFailure: Error, CustomStringConvertible {
        /// What went wrong.
        public var message: String
        /// A failure with a message.
        public init(message: String) { self.message = message }
        public var description: String { message }
    }
}

/// The PID of the moto_server this process started, stopped at exit.
nonisolated(unsafe) private var startedServerPID: pid_t = 0

/// Whether something accepts TCP connections on 127.0.0.1:`port`.
public func canConnect(port: Int) -> Bool {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    guard fd >= 0 else { return false }
    defer { close(fd) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    address.sin_port = UInt16(port).bigEndian
    return withUnsafePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
            connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0
        }
    }
}

/// A loopback TCP port that was free a moment ago.
public func freeLoopbackPort() -> Int {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    precondition(fd >= 0)
    defer { close(fd) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    address.sin_port = 0
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    let bound = withUnsafeMutablePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { pointer in
            bind(fd, pointer, length) == 0 && getsockname(fd, pointer, &length) == 0
        }
    }
    precondition(bound)
    return Int(UInt16(bigEndian: address.sin_port))
}

/// A short unique suffix for bucket and stream names.
public func uniqueSuffix() -> String {
    String(UUID().uuidString.prefix(8)).lowercased()
}

/// Runs blocking work (a child process, a pipe read) on a thread of its own, so that it
/// does not hold one of the few threads of Swift's cooperative pool that every test shares.
public func offPool<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
        Thread { continuation.resume(with: Result { try body() }) }.start()
    }
}
