#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A minimal HTTP/1.1 keep-alive server that answers every `PutRecordBatch` with "all
/// accepted" (one `RecordId` per `{"Data":` entry in the body). It parses no JSON and
/// stores nothing, so it measures the client rather than the server.
///
/// Runs as `inlet-aws-bench sink`: prints its port on the first line of stdout and exits
/// when stdin reaches EOF.
enum Sink {
    static func run() -> Never {
        let listener = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        precondition(listener >= 0, "socket failed")
        var yes: Int32 = 1
        setsockopt(listener, SOL_SOCKET, SO_REUSEADDR, &yes, socklen_t(MemoryLayout<Int32>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { pointer in
                bind(listener, pointer, length) == 0 && getsockname(listener, pointer, &length) == 0
            }
        }
        precondition(bound && listen(listener, 128) == 0, "bind/listen failed")
        print(UInt16(bigEndian: address.sin_port))
        fflush(nil)
        startThread {
            var byte: UInt8 = 0
            while read(0, &byte, 1) > 0 {}
            exit(0)
        }
        while true {
            let connection = accept(listener, nil, nil)
            guard connection >= 0 else { continue }
            var one: Int32 = 1
            setsockopt(connection, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
            startThread { serve(connection) }
        }
    }

    private static let entry: [UInt8] = Array(#"{"RecordId":"49543463076548007577105092703039560359975228518395019266"}"#.utf8)
    private static let marker: [UInt8] = Array(#"{"Data":"#.utf8)

    /// Serves requests on `fd` until the peer closes it.
    static func serve(_ fd: Int32) {
        defer { close(fd) }
        var buffer = [UInt8](repeating: 0, count: 1 << 16)
        var pending: [UInt8] = []
        while true {
            // Read until the end of the header block.
            var headerEnd: Int?
            while headerEnd == nil {
                headerEnd = find([13, 10, 13, 10], in: pending)
                if headerEnd != nil { break }
                let n = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
                if n <= 0 { return }
                pending.append(contentsOf: buffer[0..<n])
            }
            let bodyStart = headerEnd! + 4
            let contentLength = Self.contentLength(pending[0..<headerEnd!])
            while pending.count < bodyStart + contentLength {
                let n = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
                if n <= 0 { return }
                pending.append(contentsOf: buffer[0..<n])
            }
            let records = count(marker, in: pending[bodyStart..<bodyStart + contentLength])
            pending.removeFirst(bodyStart + contentLength)

            var body: [UInt8] = Array(#"{"Encrypted":false,"FailedPutCount":0,"RequestResponses":["#.utf8)
            body.reserveCapacity(body.count + records * (entry.count + 1) + 2)
            for index in 0..<records {
                if index > 0 { body.append(UInt8(ascii: ",")) }
                body.append(contentsOf: entry)
            }
            body.append(contentsOf: "]}".utf8)
            var response = Array(
                ("HTTP/1.1 200 OK\r\nContent-Type: application/x-amz-json-1.1\r\n"
                    + "x-amzn-RequestId: bench\r\nContent-Length: \(body.count)\r\n\r\n").utf8)
            response.append(contentsOf: body)
            var sent = 0
            while sent < response.count {
                let n = response.withUnsafeBytes { write(fd, $0.baseAddress! + sent, $0.count - sent) }
                if n <= 0 { return }
                sent += n
            }
        }
    }

    static func contentLength(_ head: ArraySlice<UInt8>) -> Int {
        let text = String(decoding: head, as: UTF8.self).lowercased()
        guard let range = text.firstRange(of: "content-length:") else { return 0 }
        let digits = text[range.upperBound...].drop { $0 == " " }.prefix { $0.isNumber }
        return Int(digits) ?? 0
    }

    static func find(_ needle: [UInt8], in haystack: [UInt8]) -> Int? {
        guard haystack.count >= needle.count else { return nil }
        for start in 0...(haystack.count - needle.count)
        where haystack[start] == needle[0] && haystack[start..<start + needle.count].elementsEqual(needle) {
            return start
        }
        return nil
    }

    static func count(_ needle: [UInt8], in haystack: ArraySlice<UInt8>) -> Int {
        haystack.withUnsafeBufferPointer { h in
            needle.withUnsafeBufferPointer { n in
                var total = 0
                var i = 0
                let last = h.count - n.count
                while i <= last {
                    if h[i] == n[0] && memcmp(h.baseAddress! + i, n.baseAddress!, n.count) == 0 {
                        total += 1
                        i += n.count
                    } else {
                        i += 1
                    }
                }
                return total
            }
        }
    }
}

/// Runs `body` on a new detached pthread.
func startThread(_ body: @escaping () -> Void) {
    final class Box {
        let body: () -> Void
        init(_ body: @escaping () -> Void) { self.body = body }
    }
    let context = Unmanaged.passRetained(Box(body)).toOpaque()
    #if os(Linux)
        var thread = pthread_t()
    #else
        var thread: pthread_t?
    #endif
    let rc = pthread_create(&thread, nil, { raw in
        let box = Unmanaged<Box>.fromOpaque(raw!).takeRetainedValue()
        box.body()
        return nil
    }, context)
    precondition(rc == 0, "pthread_create failed")
    #if os(Linux)
        pthread_detach(thread)
    #else
        pthread_detach(thread!)
    #endif
}
