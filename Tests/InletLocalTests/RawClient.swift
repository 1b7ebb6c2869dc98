import Foundation

/// A client on a plain blocking socket, for requests no HTTP library sends: stalls, floods,
/// pipelining.
enum RawClient {
    /// A connected blocking socket to 127.0.0.1:`port`, with a receive timeout.
    static func connect(_ port: Int) throws -> Int32 {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else { throw Failure("connect failed: errno \(errno)") }
        var timeout = timeval(tv_sec: 8, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        return fd
    }

    static func write(_ fd: Int32, _ text: String) {
        let bytes = Array(text.utf8)
        _ = bytes.withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
    }

    /// Runs a blocking socket call on a thread of its own: blocked on a cooperative thread
    /// (two on a two-core machine), it would starve the server under test in the same process.
    static func offPool<T: Sendable>(_ body: @escaping @Sendable () -> T) async -> T {
        await withCheckedContinuation { continuation in
            Thread { continuation.resume(returning: body()) }.start()
        }
    }

    /// Everything the server sends until it closes (or the receive timeout passes: nil).
    static func readUntilClosed(_ fd: Int32) async -> String? {
        await offPool { readUntilClosedBlocking(fd) }
    }

    /// The first `count` responses the server sends (fewer when it closes first or the
    /// receive timeout passes).
    static func readResponses(_ fd: Int32, count: Int) async -> [Response] {
        await offPool { readResponsesBlocking(fd, count: count) }
    }

    private static func readUntilClosedBlocking(_ fd: Int32) -> String? {
        var out: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let n = recv(fd, &buffer, buffer.count, 0)
            if n == 0 { return String(decoding: out, as: UTF8.self) }
            if n < 0 { return errno == ECONNRESET ? String(decoding: out, as: UTF8.self) : nil }
            out += buffer[0..<n]
        }
    }

    private static func readResponsesBlocking(_ fd: Int32, count: Int) -> [Response] {
        var out: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let parsed = responses(String(decoding: out, as: UTF8.self))
            if parsed.count >= count { return parsed }
            let n = recv(fd, &buffer, buffer.count, 0)
            if n <= 0 { return parsed }
            out += buffer[0..<n]
        }
    }

    /// One response of a stream of them.
    struct Response: Sendable {
        var status: Int
        /// Header names lowercased.
        var headers: [String: String]
        var body: String
    }

    /// The responses in `text`, each framed by its `Content-Length`.
    static func responses(_ text: String) -> [Response] {
        var rest = Substring(text)
        var out: [Response] = []
        while let end = rest.range(of: "\r\n\r\n") {
            let lines = rest[..<end.lowerBound].components(separatedBy: "\r\n")
            let status = Int(lines[0].split(separator: " ").dropFirst().first ?? "") ?? 0
            var headers: [String: String] = [:]
            for line in lines.dropFirst() {
                guard let colon = line.firstIndex(of: ":") else { continue }
                headers[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
            }
            let length = Int(headers["content-length"] ?? "0") ?? 0
            let body = rest[end.upperBound...].utf8.prefix(length)
            guard body.count == length else { break }  // not all here yet
            out.append(Response(status: status, headers: headers, body: String(decoding: body, as: UTF8.self)))
            rest = Substring(rest[end.upperBound...].utf8.dropFirst(length))
        }
        return out
    }
}
