import HTTPTypes
import Hummingbird
import HummingbirdCore
import InletCore
import InletEmulator
import Logging
import NIOCore
import ServiceLifecycle
import UnixSignals

/// Where a ``LocalServer`` listens.
public struct LocalServerConfiguration: Sendable {
    /// The address to bind; `127.0.0.1` by default, so nothing off this machine reaches it.
    public var host: String
    /// The port to bind; 0 picks a free one (``LocalServer/run(onListening:)`` reports it).
    public var port: Int
    /// How long a connection may send nothing while a request is being read (or between
    /// requests) before it is closed: slow-header and slow-body (slowloris) clients are cut
    /// off, while a request being answered (a long-polling Runtime API `/next`) is not.
    public var readTimeout: Duration
    /// The most header fields in one request (a header flood is refused).
    public static let maximumHeaderCount = 256
    /// The most bytes of header fields in one request.
    public static let maximumHeaderBytes = 64 * 1024

    /// A configuration.
    public init(host: String = "127.0.0.1", port: Int = 0, readTimeout: Duration = .seconds(10)) {
        self.host = host
        self.port = port
        self.readTimeout = readTimeout
    }

    /// Whether `host` is a loopback address (or `localhost`).
    public var isLoopback: Bool { Self.isLoopback(host) }

    /// Whether `host` names the loopback interface: `localhost`, `127.0.0.0/8` or `::1`.
    public static func isLoopback(_ host: String) -> Bool {
        host == "localhost" || host == "::1" || host == "[::1]" || host.hasPrefix("127.")
    }
}

/// The address a running ``LocalServer`` is bound to.
public struct LocalServerAddress: Sendable, Equatable, CustomStringConvertible {
    /// The bound IP address, e.g. `127.0.0.1`.
    public var host: String
    /// The bound port (the one the system picked when the configuration asked for 0).
    public var port: Int

    /// `http://host:port` (IPv6 hosts in brackets): the value for `AWS_ENDPOINT_URL`.
    public var baseURL: String { host.contains(":") ? "http://[\(host)]:\(port)" : "http://\(host):\(port)" }

    /// The base URL.
    public var description: String { baseURL }

    /// The address to connect to from this machine: a wildcard bind (`0.0.0.0`, `::`) is
    /// reached through loopback.
    public var reachable: LocalServerAddress {
        var address = self
        if address.host == "0.0.0.0" { address.host = "127.0.0.1" }
        if address.host == "::" { address.host = "::1" }
        return address
    }
}

/// Stops the function's processes when the server shuts down (before the HTTP server, see
/// ``LocalServer/run(onListening:)``).
struct FunctionProcessesService: Service {
    let host: RuntimeAPIFunctionHost

    func run() async throws {
        try? await gracefulShutdown()
        await host.shutdown()
    }
}

/// A failure to start or run ``LocalServer``.
public struct LocalServerError: Error, Sendable, CustomStringConvertible {
    /// A stable reason.
    public enum Code: String, Sendable {
        /// The address could not be bound (in use, or not an address of this machine).
        case bindFailed = "bind_failed"
    }
    /// The reason.
    public var code: Code
    /// What happened and what to do about it.
    public var message: String

    /// An error.
    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    /// `code: message`.
    public var description: String { "\(code.rawValue): \(message)" }
}

/// The request context of ``LocalServer``: Hummingbird's core context plus the peer's address
/// (API Gateway's `sourceIp`).
struct LocalRequestContext: RequestContext, RemoteAddressRequestContext {
    var coreContext: CoreRequestContextStorage
    let remoteAddress: SocketAddress?

    init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        remoteAddress = source.channel.remoteAddress
    }
}

/// `inlet local`'s one HTTP server: a single Hummingbird application on one port whose one
/// catch-all responder adapts each request to a ``LocalRequest``, hands it to a
/// ``LocalRouter`` and writes the ``LocalResponse`` back. The HTTP API's plain requests are
/// answered the same way one step earlier, in the channel pipeline (``GatewayFastPath``).
///
/// - The path and query reach the services exactly as sent (Hummingbird's router, which
///   decodes paths, is not used).
/// - The body is collected whole, up to ``LocalRouter/bodyLimit(_:)`` for the request's
///   destination (10 MB for the HTTP API, whose own 413 answers anything longer; 6 MB for
///   direct invokes; 16 MiB for Firehose; 128 MiB for S3, since the emulator holds a body in
///   memory). A longer body, or a `Content-Length` announcing one, gets 413 in the
///   destination's format.
/// - The response is written in one piece, with its `Content-Length`.
/// - `TCP_NODELAY`: Hummingbird has no setting for it, but SwiftNIO's `ServerBootstrap`
///   (which Hummingbird uses) sets it on the listening socket by default, and Linux hands it
///   on to every accepted connection; so small responses are not held back by Nagle.
///
/// ``run(onListening:)`` serves until its task is cancelled or the process gets SIGINT or
/// SIGTERM, then stops the function's processes (when ``LocalRouter/runtimeAPI`` runs it as
/// processes: SIGTERM, then SIGKILL, all reaped), stops accepting, finishes the requests in
/// flight, and flushes every Firehose buffer to the sink (``FirehoseEmulator/shutdown()``)
/// before it returns. Once bound it tells ``LocalRouter/runtimeAPI`` its address.
public struct LocalServer: Sendable {
    /// Where to listen.
    public var configuration: LocalServerConfiguration
    /// The services.
    public var router: LocalRouter
    /// The signals that start a graceful shutdown (cancelling ``run(onListening:)``'s task
    /// does too); empty in tests.
    public var gracefulShutdownSignals: [UnixSignal]
    /// The server's logger.
    public var logger: Logger

    /// A server for `router` on `configuration`'s address.
    public init(
        configuration: LocalServerConfiguration = LocalServerConfiguration(), router: LocalRouter,
        gracefulShutdownSignals: [UnixSignal] = [.sigint, .sigterm],
        logger: Logger = Logger(label: "inlet.local")
    ) {
        self.configuration = configuration
        self.router = router
        self.gracefulShutdownSignals = gracefulShutdownSignals
        self.logger = logger
    }

    /// Serves until cancelled or signalled, then flushes Firehose and returns.
    ///
    /// - Parameter onListening: called once the socket is bound, with the bound address
    ///   (the port the system picked when the configuration asked for 0).
    /// - Throws: ``LocalServerError`` (`bind_failed`) when the address cannot be bound.
    public func run(onListening: @escaping @Sendable (LocalServerAddress) async -> Void = { _ in }) async throws {
        let router = self.router
        let responder = CallbackResponder { (request: Request, context: LocalRequestContext) async throws -> Response in
            try await Self.respond(request, context: context, router: router)
        }
        let timeout = configuration.readTimeout.components
        let http1 = HTTP1Channel.Configuration(
            idleTimeout: .nanoseconds(timeout.seconds * 1_000_000_000 + timeout.attoseconds / 1_000_000_000),
            httpDecoderConfiguration: .init(
                maxHeaderFieldSize: LocalServerConfiguration.maximumHeaderBytes,
                maxHeaderListSize: LocalServerConfiguration.maximumHeaderBytes,
                maxHeaderFieldCount: LocalServerConfiguration.maximumHeaderCount))
        let app = Application(
            responder: responder,
            server: HTTPServerBuilder { responder in
                LocalHTTP1Channel(responder: responder, configuration: http1, router: router)
            },
            configuration: ApplicationConfiguration(
                address: .hostname(configuration.host, port: configuration.port), serverName: nil),
            onServerRunning: { channel in
                let address = channel.localAddress
                let bound = LocalServerAddress(
                    host: address?.ipAddress ?? configuration.host, port: address?.port ?? configuration.port)
                await router.runtimeAPI?.listening(at: bound.reachable.baseURL)
                await onListening(bound)
            },
            logger: logger)
        // Services stop in reverse order: the function's processes first, so that their
        // long-polling `/next` requests do not hold up the server's graceful shutdown.
        var services: [any Service] = [app]
        if let host = router.runtimeAPI { services.append(FunctionProcessesService(host: host)) }
        let group = ServiceGroup(
            configuration: ServiceGroupConfiguration(
                services: services, gracefulShutdownSignals: gracefulShutdownSignals, cancellationSignals: [],
                logger: logger))
        // Cancelling the caller's task shuts the server down gracefully, as a signal does:
        // the group runs in a task of its own so the cancellation does not reach the
        // connections, and triggers the group's graceful shutdown instead.
        let running = Task { try await group.run() }
        do {
            try await withTaskCancellationHandler {
                try await running.value
            } onCancel: {
                Task { await group.triggerGracefulShutdown() }
            }
        } catch {
            await router.runtimeAPI?.shutdown()
            await Self.flush(router)
            if error is IOError || "\(error)".contains("bind") {
                throw LocalServerError(
                    .bindFailed,
                    "cannot listen on \(configuration.host):\(configuration.port): \(error); choose another --port "
                        + "(0 picks a free one) or stop what is using it")
            }
            throw error
        }
        await Self.flush(router)
    }

    /// Delivers every Firehose buffer, in a task of its own: the caller's task may be
    /// cancelled (that is how it stopped), and the sink must not see that cancellation.
    static func flush(_ router: LocalRouter) async {
        let emulator = router.firehose.emulator
        await Task { await emulator.shutdown() }.value
    }

    // MARK: Adapting

    /// One request: route it by its head, collect its body up to the destination's limit,
    /// and answer.
    static func respond(_ request: Request, context: LocalRequestContext, router: LocalRouter) async throws -> Response {
        let routed = route(request.head, router: router)
        var local = routed.request(request.head, remoteAddress: context.remoteAddress)
        let destination = routed.destination
        let method = local.method
        let limit = LocalRouter.bodyLimit(destination)
        if let declared = request.headers[.contentLength].flatMap({ Int($0) }), declared > limit {
            return response(await router.refuse(local, at: destination, limit: limit), method: method, closing: true)
        }
        do {
            let buffer = try await request.body.collect(upTo: limit)
            local.body = Array(buffer.readableBytesView)
        } catch is NIOTooManyBytesError {
            return response(await router.refuse(local, at: destination, limit: limit), method: method, closing: true)
        }
        return response(await router.handle(local, at: destination), method: method, closing: false)
    }

    /// A request head's line, split as sent, and its destination.
    struct RoutedHead {
        var method: String
        var rawPath: String
        var rawQuery: String
        var destination: LocalDestination

        /// The head as a ``LocalRequest``, without its body.
        func request(_ head: HTTPRequest, remoteAddress: SocketAddress?) -> LocalRequest {
            request(head, remoteIP: remoteAddress?.ipAddress)
        }

        func request(_ head: HTTPRequest, remoteIP: String?) -> LocalRequest {
            LocalRequest(
                method: method, rawPath: rawPath, rawQuery: rawQuery, headers: LocalServer.headers(of: head),
                remoteAddress: remoteIP)
        }
    }

    /// Routes a request head from its line and two headers, read in place: nothing is
    /// converted until ``RoutedHead/request(_:remoteAddress:)`` is asked for.
    static func route(_ head: HTTPRequest, router: LocalRouter) -> RoutedHead {
        let (rawPath, rawQuery) = splitTarget(head.path ?? "/")
        let method = head.method.rawValue
        let destination = router.destination(method: method, rawPath: rawPath, rawQuery: rawQuery) { name in
            switch name {
            case "X-Amz-Target": return head.headerFields[amzTarget]
            case "Authorization": return head.headerFields[.authorization]
            default: return HTTPField.Name(name).flatMap { head.headerFields[$0] }
            }
        }
        return RoutedHead(method: method, rawPath: rawPath, rawQuery: rawQuery, destination: destination)
    }

    private static let amzTarget = HTTPField.Name("X-Amz-Target")!

    /// The request target split at its first `?`, both parts exactly as sent. An absolute
    /// target (`http://host/path`) keeps only its path.
    static func splitTarget(_ target: String) -> (rawPath: String, rawQuery: String) {
        var target = Substring(target)
        if let scheme = target.range(of: "://"), !target[..<scheme.lowerBound].contains("/") {
            let rest = target[scheme.upperBound...]
            target = rest.firstIndex(where: { $0 == "/" || $0 == "?" }).map { rest[$0...] } ?? "/"
        }
        guard let mark = target.firstIndex(of: "?") else { return (target.isEmpty ? "/" : String(target), "") }
        let path = target[..<mark]
        return (path.isEmpty ? "/" : String(path), String(target[target.index(after: mark)...]))
    }

    /// The headers as sent, with `Host` put back (HTTP types carry it as the authority).
    static func headers(of head: HTTPRequest) -> HTTPHeaders {
        var headers = HTTPHeaders()
        if let authority = head.authority { headers.add(name: "Host", value: authority) }
        for field in head.headerFields { headers.add(name: field.name.rawName, value: field.value) }
        return headers
    }

    /// Hop-by-hop and framing headers the server sets itself.
    static let framingHeaders: Set<String> = ["content-length", "transfer-encoding", "connection", "keep-alive"]

    /// A service's response as Hummingbird's: the status, the headers (the server does the
    /// framing) and the body in one buffer. A HEAD response keeps the service's
    /// `Content-Length` (the size of what a GET would return) and sends no body.
    static func response(_ local: LocalResponse, method: String, closing: Bool) -> Response {
        let fields = fields(of: local, method: method, closing: closing)
        let status = HTTPResponse.Status(code: local.status, reasonPhrase: reasonPhrase(local.status))
        if method == "HEAD" { return Response(status: status, headers: fields, body: ResponseBody()) }
        return Response(status: status, headers: fields, body: ResponseBody(byteBuffer: ByteBuffer(bytes: local.body)))
    }

    /// A service's headers as HTTP fields, without the framing ones the server sets itself.
    static func fields(of local: LocalResponse, method: String, closing: Bool) -> HTTPFields {
        var fields = HTTPFields()
        for (name, value) in local.headers {
            let lower = HTTPHeaders.lowercasedName(name)
            if framingHeaders.contains(lower) && !(method == "HEAD" && lower == "content-length") { continue }
            guard let fieldName = HTTPField.Name(name) else { continue }
            fields.append(HTTPField(name: fieldName, value: value))
        }
        // The rest of a refused body is not read: the connection cannot be reused.
        if closing { fields[.connection] = "close" }
        return fields
    }

    /// The usual reason phrase of the statuses the services answer with.
    static func reasonPhrase(_ code: Int) -> String {
        switch code {
        case 200: "OK"
        case 204: "No Content"
        case 206: "Partial Content"
        case 207: "Multi-Status"
        case 301: "Moved Permanently"
        case 304: "Not Modified"
        case 400: "Bad Request"
        case 403: "Forbidden"
        case 404: "Not Found"
        case 405: "Method Not Allowed"
        case 409: "Conflict"
        case 411: "Length Required"
        case 412: "Precondition Failed"
        case 413: "Content Too Large"
        case 415: "Unsupported Media Type"
        case 416: "Range Not Satisfiable"
        case 429: "Too Many Requests"
        case 500: "Internal Server Error"
        case 501: "Not Implemented"
        case 502: "Bad Gateway"
        case 503: "Service Unavailable"
        case 504: "Gateway Timeout"
        default: ""
        }
    }
}
