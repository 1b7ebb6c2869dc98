import InletCore
import CCurl

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// `curl_global_init` result; Swift runs a global's initialiser exactly once, thread-safely.
private let curlGlobalInit: Int = Int(inlet_curl_global_init().rawValue)

/// One libcurl easy handle and its error buffer. The handle keeps its connection cache
/// across `curl_easy_reset`, which is how keep-alive connections get reused.
///
/// Used by one thread at a time: the ``HandlePool`` hands it out exclusively.
final class EasyHandle: @unchecked Sendable {
    /// What a single transfer may use.
    struct Options {
        var connectTimeout: Duration
        /// nil: no limit.
        var timeout: Duration?
        var maximumResponseBodySize: Int
        var cancellation: CancellationFlag?
    }

    private let curl: UnsafeMutableRawPointer
    private let errorBuffer: UnsafeMutablePointer<CChar>

    init?() {
        guard curlGlobalInit == Int(CURLE_OK.rawValue), let curl = curl_easy_init() else { return nil }
        self.curl = curl
        errorBuffer = .allocate(capacity: Int(CURL_ERROR_SIZE))
        errorBuffer.initialize(repeating: 0, count: Int(CURL_ERROR_SIZE))
    }

    deinit {
        curl_easy_cleanup(curl)
        errorBuffer.deallocate()
    }

    /// Runs one request to completion on the calling thread.
    func perform(_ request: HTTPRequest, options: Options) -> Result<HTTPResponse, TransportError> {
        if let problem = validate(request) { return .failure(problem) }
        curl_easy_reset(curl)  // keeps live connections and the DNS cache
        errorBuffer[0] = 0

        var headerList: UnsafeMutablePointer<curl_slist>? = nil
        defer { curl_slist_free_all(headerList) }
        for (name, value) in request.headers {
            if HTTPHeaders.namesEqual(name, "Expect") || HTTPHeaders.namesEqual(name, "Content-Length") {
                continue
            }
            // "Name:" would tell curl to *remove* a header; "Name;" sends it with no value.
            let line = value.isEmpty ? name + ";" : name + ": " + value
            guard let appended = curl_slist_append(headerList, line) else { return .failure(outOfMemory()) }
            headerList = appended
        }
        // Never wait for "100 Continue" before sending a body.
        guard let withExpect = curl_slist_append(headerList, "Expect:") else { return .failure(outOfMemory()) }
        headerList = withExpect

        let method = request.method.rawValue
        let sendsBody = !request.body.isEmpty || method == "POST" || method == "PUT" || method == "PATCH"
        if sendsBody && !request.headers.contains(name: "Content-Type") {
            // Suppress curl's default "application/x-www-form-urlencoded" for POST bodies.
            guard let appended = curl_slist_append(headerList, "Content-Type:") else { return .failure(outOfMemory()) }
            headerList = appended
        }

        let context = TransferContext(
            maximumBodySize: options.maximumResponseBodySize, expectsBody: method != "HEAD",
            cancellation: options.cancellation)
        let contextPointer = Unmanaged.passUnretained(context).toOpaque()

        var rc = CURLE_OK
        func set(_ code: CURLcode) { if rc == CURLE_OK { rc = code } }
        set(request.url.withCString { inlet_curl_setopt_string(curl, CURLOPT_URL, $0) })
        set(inlet_curl_setopt_string(curl, CURLOPT_PROTOCOLS_STR, "http,https"))
        set(inlet_curl_setopt_pointer(curl, CURLOPT_ERRORBUFFER, errorBuffer))
        set(inlet_curl_setopt_long(curl, CURLOPT_NOSIGNAL, 1))
        set(inlet_curl_setopt_long(curl, CURLOPT_TCP_NODELAY, 1))
        set(inlet_curl_setopt_long(curl, CURLOPT_TCP_KEEPALIVE, 1))
        set(inlet_curl_setopt_long(curl, CURLOPT_TCP_KEEPIDLE, 30))
        set(inlet_curl_setopt_long(curl, CURLOPT_TCP_KEEPINTVL, 15))
        set(inlet_curl_setopt_long(curl, CURLOPT_HTTP_VERSION, Int(CURL_HTTP_VERSION_1_1)))
        set(inlet_curl_setopt_long(curl, CURLOPT_CONNECTTIMEOUT_MS, milliseconds(options.connectTimeout)))
        if let timeout = options.timeout {
            set(inlet_curl_setopt_long(curl, CURLOPT_TIMEOUT_MS, milliseconds(timeout)))
        }
        set(inlet_curl_setopt_slist(curl, CURLOPT_HTTPHEADER, headerList))
        set(inlet_curl_setopt_pointer(curl, CURLOPT_WRITEDATA, contextPointer))
        set(inlet_curl_setopt_write_function(curl) { data, size, count, userdata in
            let context = Unmanaged<TransferContext>.fromOpaque(userdata!).takeUnretainedValue()
            return context.receiveBody(UnsafeRawBufferPointer(start: data, count: size * count))
        })
        set(inlet_curl_setopt_pointer(curl, CURLOPT_HEADERDATA, contextPointer))
        set(inlet_curl_setopt_header_function(curl) { data, size, count, userdata in
            let context = Unmanaged<TransferContext>.fromOpaque(userdata!).takeUnretainedValue()
            return context.receiveHeaderLine(UnsafeRawBufferPointer(start: data, count: size * count))
        })
        // The body is always given as POSTFIELDS; should curl ever ask for more, it gets
        // end-of-data instead of the default of reading stdin.
        set(inlet_curl_setopt_read_function(curl) { _, _, _, _ in 0 })
        if options.cancellation != nil {
            set(inlet_curl_setopt_long(curl, CURLOPT_NOPROGRESS, 0))
            set(inlet_curl_setopt_pointer(curl, CURLOPT_XFERINFODATA, contextPointer))
            set(inlet_curl_setopt_xferinfo_function(curl) { userdata, _, _, _, _ in
                let context = Unmanaged<TransferContext>.fromOpaque(userdata!).takeUnretainedValue()
                return context.isCancelled ? 1 : 0
            })
        }
        if method == "HEAD" {
            set(inlet_curl_setopt_long(curl, CURLOPT_NOBODY, 1))
        } else {
            // Without a body: a GET-style request. With one: a POST-style request (see
            // below), renamed by CUSTOMREQUEST when the method is not POST.
            if !sendsBody { set(inlet_curl_setopt_long(curl, CURLOPT_HTTPGET, 1)) }
            if method != (sendsBody ? "POST" : "GET") {
                set(method.withCString { inlet_curl_setopt_string(curl, CURLOPT_CUSTOMREQUEST, $0) })
            }
        }
        guard rc == CURLE_OK else { return .failure(mapError(rc, request: request, options: options, context: context)) }

        rc = withExtendedLifetime(context) {
            guard sendsBody else { return curl_easy_perform(curl) }
            return request.body.withUnsafeBytes { body in
                // POSTFIELDS (with CUSTOMREQUEST for PUT and friends) sends the bytes from
                // memory with a Content-Length, and can resend them if curl retries on a
                // fresh connection. The pointer stays valid until perform returns.
                let set = inlet_curl_setopt_postfields(curl, body.baseAddress, curl_off_t(body.count))
                guard set == CURLE_OK else { return set }
                return curl_easy_perform(curl)
            }
        }
        guard rc == CURLE_OK else { return .failure(mapError(rc, request: request, options: options, context: context)) }

        var status = 0
        _ = inlet_curl_getinfo_long(curl, CURLINFO_RESPONSE_CODE, &status)
        return .success(HTTPResponse(status: status, headers: context.headers, body: context.body))
    }

    private func validate(_ request: HTTPRequest) -> TransportError? {
        func invalid(_ what: String) -> TransportError {
            TransportError(.invalidRequest, what + "; nothing was sent.")
        }
        let method = request.method.rawValue.utf8
        if method.isEmpty || !method.allSatisfy(isTokenByte) {
            return invalid("The method \"\(request.method)\" is not an HTTP token")
        }
        if request.method == .head && !request.body.isEmpty {
            return invalid("A HEAD request cannot have a body")
        }
        if request.url.utf8.contains(where: { $0 <= 0x20 || $0 == 0x7F }) {
            return invalid("The URL contains a space or control character; percent-encode it")
        }
        for (name, value) in request.headers {
            if name.utf8.isEmpty || !name.utf8.allSatisfy(isTokenByte) {
                return invalid("The header name \"\(name)\" is not an HTTP token")
            }
            if value.utf8.contains(where: { $0 == 0x0D || $0 == 0x0A || $0 == 0x00 }) {
                return invalid("The value of header \"\(name)\" contains CR, LF or NUL")
            }
            if HTTPHeaders.namesEqual(name, "Content-Length"), value != String(request.body.count) {
                return invalid(
                    "The Content-Length header says \(value) but the body has \(request.body.count) bytes; "
                        + "drop the header (the transport sets it) or fix the body")
            }
        }
        return nil
    }

    private func outOfMemory() -> TransportError {
        TransportError(.other, "Out of memory while building the request headers.")
    }

    private func mapError(
        _ rc: CURLcode, request: HTTPRequest, options: Options, context: TransferContext
    ) -> TransportError {
        let detail = errorBuffer[0] != 0 ? String(cString: errorBuffer) : String(cString: curl_easy_strerror(rc))
        let target = authority(of: request.url)
        var osErrno = 0
        _ = inlet_curl_getinfo_long(curl, CURLINFO_OS_ERRNO, &osErrno)
        let code: TransportError.Code
        let message: String
        switch rc {
        case CURLE_COULDNT_RESOLVE_HOST, CURLE_COULDNT_RESOLVE_PROXY:
            code = .couldNotResolve
            message = "Could not resolve the host of \(target); check the endpoint's host name (region, "
                + "service) and that DNS is reachable."
        case CURLE_COULDNT_CONNECT:
            code = .couldNotConnect
            message = "Could not connect to \(target); check that the server is running and listening on "
                + "that port and that no firewall or security group blocks it. The request was not sent."
        case CURLE_OPERATION_TIMEDOUT:
            code = .timedOut
            let total = options.timeout.map { "\(milliseconds($0)) ms total" } ?? "no total limit"
            message = "The request to \(target) timed out (\(total), \(milliseconds(options.connectTimeout)) ms "
                + "to connect); raise the timeout or check the server's latency. It may have been processed."
        case CURLE_SEND_ERROR where osErrno == Int(ECONNRESET) || osErrno == Int(EPIPE),
            CURLE_RECV_ERROR where osErrno == Int(ECONNRESET):
            code = .connectionReset
            message = "The connection to \(target) was reset by the peer; the request may have been "
                + "processed, so retry only if it is idempotent."
        case CURLE_SEND_ERROR:
            code = .sendError
            message = "Sending the request to \(target) failed; the request may have been processed, "
                + "so retry only if it is idempotent."
        case CURLE_RECV_ERROR:
            code = .receiveError
            message = "Receiving the response from \(target) failed; the request may have been processed, "
                + "so retry only if it is idempotent."
        case CURLE_PARTIAL_FILE:
            code = .partialResponse
            message = "The connection to \(target) closed before the end of the response body "
                + "(\(context.body.count) bytes received); retry the request."
        case CURLE_GOT_NOTHING:
            code = .emptyResponse
            message = "\(target) closed the connection without sending a response; the request may have "
                + "been processed, so retry only if it is idempotent."
        case CURLE_WEIRD_SERVER_REPLY, CURLE_BAD_CONTENT_ENCODING, CURLE_HTTP2, CURLE_HTTP2_STREAM, CURLE_HTTP3:
            code = .invalidResponse
            message = "\(target) sent a reply that is not valid HTTP; check that the URL's scheme and "
                + "port point at an HTTP server."
        case CURLE_SSL_CONNECT_ERROR, CURLE_PEER_FAILED_VERIFICATION, CURLE_SSL_CERTPROBLEM,
            CURLE_SSL_CIPHER, CURLE_SSL_CACERT_BADFILE, CURLE_SSL_ISSUER_ERROR, CURLE_SSL_CRL_BADFILE,
            CURLE_SSL_PINNEDPUBKEYNOTMATCH, CURLE_SSL_INVALIDCERTSTATUS, CURLE_SSL_SHUTDOWN_FAILED:
            code = .tlsFailure
            message = "The TLS connection to \(target) failed; check the CA certificates "
                + "(ca-certificates package), the system clock and the host name."
        case CURLE_WRITE_ERROR where context.tooLarge:
            code = .responseTooLarge
            message = "The response body from \(target) exceeds Configuration.maximumResponseBodySize "
                + "(\(options.maximumResponseBodySize) bytes); raise the limit or request less."
        case CURLE_ABORTED_BY_CALLBACK where context.isCancelled:
            code = .cancelled
            message = "The task sending the request to \(target) was cancelled; the request may have "
                + "been processed."
        case CURLE_URL_MALFORMAT, CURLE_UNSUPPORTED_PROTOCOL:
            code = .invalidRequest
            message = "The URL for \(target) is malformed or not http(s); nothing was sent."
        default:
            code = .other
            message = "The request to \(target) failed in libcurl: \(detail)."
        }
        return TransportError(code, message, curlCode: Int(rc.rawValue), curlMessage: detail)
    }
}

/// Per-transfer state that libcurl's callbacks fill in.
final class TransferContext {
    private(set) var body: [UInt8] = []
    private(set) var headers = HTTPHeaders()
    private(set) var tooLarge = false
    private let maximumBodySize: Int
    private let expectsBody: Bool
    private let cancellation: CancellationFlag?

    init(maximumBodySize: Int, expectsBody: Bool, cancellation: CancellationFlag?) {
        self.maximumBodySize = maximumBodySize
        self.expectsBody = expectsBody
        self.cancellation = cancellation
    }

    var isCancelled: Bool { cancellation?.isCancelled ?? false }

    /// Returns the number of bytes taken; anything else makes curl fail with CURLE_WRITE_ERROR.
    func receiveBody(_ bytes: UnsafeRawBufferPointer) -> Int {
        guard bytes.count <= maximumBodySize - body.count else {
            tooLarge = true
            return 0
        }
        body.append(contentsOf: bytes)
        return bytes.count
    }

    /// Takes one raw header line (CRLF included). A status line starts a new header block,
    /// so that the headers of an interim 1xx response are discarded.
    func receiveHeaderLine(_ raw: UnsafeRawBufferPointer) -> Int {
        var line = raw[...]
        while let last = line.last, last == 0x0A || last == 0x0D { line = line.dropLast() }
        guard !line.isEmpty else { return raw.count }
        if line.starts(with: [0x48, 0x54, 0x54, 0x50, 0x2F]) {  // "HTTP/"
            headers.removeAll(keepingCapacity: true)
            body.removeAll(keepingCapacity: true)
            return raw.count
        }
        if let first = line.first, first == 0x20 || first == 0x09 {  // obsolete line folding
            headers.appendToLastValue(String(decoding: trimmed(line), as: UTF8.self))
            return raw.count
        }
        guard let colon = line.firstIndex(of: 0x3A) else { return raw.count }
        let name = String(decoding: trimmed(line[..<colon]), as: UTF8.self)
        let value = String(decoding: trimmed(line[(colon + 1)...]), as: UTF8.self)
        if expectsBody, HTTPHeaders.namesEqual(name, "Content-Length"), let length = Int(value), length >= 0 {
            guard length <= maximumBodySize else {
                tooLarge = true
                return 0
            }
            body.reserveCapacity(length)
        }
        headers.add(name: name, value: value)
        return raw.count
    }

    private func trimmed(_ bytes: Slice<UnsafeRawBufferPointer>) -> Slice<UnsafeRawBufferPointer> {
        var bytes = bytes
        while let first = bytes.first, first == 0x20 || first == 0x09 { bytes = bytes.dropFirst() }
        while let last = bytes.last, last == 0x20 || last == 0x09 { bytes = bytes.dropLast() }
        return bytes
    }
}

/// RFC 9110 `tchar`.
private func isTokenByte(_ byte: UInt8) -> Bool {
    switch byte {
    case UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "a")...UInt8(ascii: "z"),
        UInt8(ascii: "A")...UInt8(ascii: "Z"):
        return true
    default:
        return "!#$%&'*+-.^_`|~".utf8.contains(byte)
    }
}

/// Whole milliseconds, rounded up so a tiny positive timeout never becomes curl's "no limit" 0.
func milliseconds(_ duration: Duration) -> Int {
    guard duration > .zero else { return 1 }
    let (seconds, attoseconds) = duration.components
    guard seconds < Int64(Int32.max) / 1000 else { return Int(Int32.max) }
    let ms = Int(seconds) * 1000 + Int((attoseconds + 999_999_999_999_999) / 1_000_000_000_000_000)
    return max(1, ms)
}

/// `host[:port]` of a URL for messages, without user info, path or query (which may
/// carry credentials such as a presigned URL's signature).
func authority(of url: String) -> String {
    var rest = url[...]
    if let colon = rest.firstIndex(of: ":"), rest[colon...].hasPrefix("://") {
        rest = rest[rest.index(colon, offsetBy: 3)...]
    }
    if let end = rest.firstIndex(where: { $0 == "/" || $0 == "?" || $0 == "#" }) { rest = rest[..<end] }
    if let at = rest.lastIndex(of: "@") { rest = rest[rest.index(after: at)...] }
    return rest.isEmpty ? "(no host)" : String(rest)
}
