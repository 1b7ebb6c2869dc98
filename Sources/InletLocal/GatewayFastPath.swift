#if canImport(Glibc)
import Glibc
#endif
import HTTPTypes
import HummingbirdCore
import InletCore
import InletEmulator
import Logging
import NIOCore
import NIOHTTP1
import NIOHTTPTypes
import NIOHTTPTypesHTTP1

/// Hummingbird's HTTP/1.1 child channel, set up as `HTTP1Channel` sets it up, with one more
/// handler, ``GatewayFastPath``, after the connection-state handler: the HTTP API's requests
/// are answered from the channel pipeline, and every other request reaches Hummingbird's
/// responder as before.
struct LocalHTTP1Channel: ServerChildChannel, HTTPChannelHandler {
    typealias Value = NIOAsyncChannel<HTTPRequestPart, HTTPResponsePart>

    let responder: HTTPChannelHandler.Responder
    let configuration: HTTP1Channel.Configuration
    let router: LocalRouter

    func setup(channel: any Channel, logger: Logger) -> EventLoopFuture<Value> {
        channel.eventLoop.makeCompletedFuture {
            var limits = NIOHTTPDecoderLimitConfiguration()
            limits.maxHeaderFieldSize = configuration.httpDecoder.maxHeaderFieldSize
            limits.maxHeaderListSize = configuration.httpDecoder.maxHeaderListSize
            limits.maxHeaderFieldCount = configuration.httpDecoder.maxHeaderFieldCount
            let pipeline = channel.pipeline.syncOperations
            try pipeline.configureHTTPServerPipeline(
                withPipeliningAssistance: false, withErrorHandling: false, withOutboundHeaderValidation: false,
                withEncoderConfiguration: .init(), withDecoderLimitConfiguration: limits)
            try pipeline.addHandler(HTTP1ToHTTPServerCodec(secure: false))
            try pipeline.addHandler(
                HTTPConnectionStateHandler(
                    idleTimeout: configuration.idleTimeout.map { .nanoseconds($0.nanoseconds) }, logger: logger))
            if router.gateway != nil {
                try pipeline.addHandler(GatewayFastPath(router: router))
            }
            return try NIOAsyncChannel(
                wrappingChannelSynchronously: channel, configuration: .init(isOutboundHalfClosureEnabled: true))
        }
    }

    func handle(value: Value, logger: Logger) async {
        await handleHTTP(asyncChannel: value, logger: logger)
    }
}

/// Answers the HTTP API's requests (``LocalDestination/gateway``) in the channel pipeline,
/// without Hummingbird's per-request machinery (its async request and response streams),
/// which cost more CPU than the gateway's own work. The request is routed, answered by
/// ``LocalRouter/handle(_:at:)`` exactly as the Hummingbird path answers it, and the response
/// is written in one flush.
///
/// It takes a request only when nothing is owed to Hummingbird on the connection (so that
/// responses leave in the order the requests came), and only a plain one: a body framed by a
/// `Content-Length` within the gateway's 10 MB limit, no `Expect`, no `Connection: close`,
/// not HEAD. Everything else, including a longer body (413 in the gateway's format), goes on
/// to Hummingbird. Parts read while a request is answered (a pipelining client's next
/// requests) wait their turn, and while any wait the connection is asked for no more bytes.
///
/// It sits after Hummingbird's connection-state handler, which thus sees every request and
/// response: the idle timeout and a graceful shutdown's quiescing hold for both paths.
final class GatewayFastPath: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPRequestPart
    typealias InboundOut = HTTPRequestPart
    typealias OutboundIn = HTTPResponsePart
    typealias OutboundOut = HTTPResponsePart

    private enum State {
        /// Between requests.
        case idle
        /// Reading the body of a request this handler answers (into its `body`, reserved to
        /// the declared length).
        case collecting(LocalRequest)
        /// Waiting for the answer to a request.
        case answering
        /// Passing a request's parts on to Hummingbird.
        case forwarding
    }

    private let router: LocalRouter
    private var state = State.idle
    /// Requests passed on to Hummingbird whose response has not been written in full.
    private var owedByHummingbird = 0
    /// Parts read while a request is being answered, handled after it.
    private var waiting = CircularBuffer<HTTPRequestPart>()
    /// Whether a read was asked for while parts waited.
    private var readHeld = false
    /// Whether the client's end of input waits for the requests before it.
    private var inputClosedHeld = false
    /// False once the connection closed or the handler left the pipeline.
    private var open = true
    /// The peer's address, read once per connection (nil until the first request).
    private var remoteAddress: String??
    private var dateSecond: Int64 = -1
    private var date = ""

    init(router: LocalRouter) {
        self.router = router
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let part = unwrapInboundIn(data)
        if case .answering = state {
            waiting.append(part)
        } else if !waiting.isEmpty {
            waiting.append(part)
        } else {
            process(part, context: context)
        }
    }

    private func process(_ part: HTTPRequestPart, context: ChannelHandlerContext) {
        switch (state, part) {
        case (.idle, .head(let head)):
            if owedByHummingbird == 0, let request = takeable(head, context: context) {
                state = .collecting(request)
            } else {
                owedByHummingbird += 1
                state = .forwarding
                context.fireChannelRead(wrapInboundOut(part))
            }
        case (.collecting(var request), .body(let bytes)):
            state = .answering  // drops the enum's copy of the body while appending to it
            request.body.append(contentsOf: bytes.readableBytesView)
            state = .collecting(request)
        case (.collecting(let request), .end):
            state = .answering
            answer(request, context: context)
        case (.forwarding, .end):
            state = .idle
            context.fireChannelRead(wrapInboundOut(part))
        default:
            // Hummingbird's parts, and anything out of order: Hummingbird reports it.
            context.fireChannelRead(wrapInboundOut(part))
        }
    }

    /// The request, without its body, when this handler answers it.
    private func takeable(_ head: HTTPRequest, context: ChannelHandlerContext) -> LocalRequest? {
        guard head.method != .head, head.headerFields[.expect] == nil,
            let length = head.headerFields[.contentLength].flatMap({ Int($0) }),
            length <= APIGatewayEmulator.maximumBodyBytes,
            head.headerFields[.connection].map({ !$0.lowercased().contains("close") }) ?? true
        else { return nil }
        let routed = LocalServer.route(head, router: router)
        guard routed.destination == .gateway else { return nil }
        if remoteAddress == nil { remoteAddress = .some(context.channel.remoteAddress?.ipAddress) }
        var request = routed.request(head, remoteIP: remoteAddress ?? nil)
        request.body.reserveCapacity(length)
        return request
    }

    private func answer(_ request: LocalRequest, context: ChannelHandlerContext) {
        let loop = context.eventLoop
        let bound = NIOLoopBound((handler: self, context: context), eventLoop: loop)
        let reply: @Sendable (LocalResponse) -> Void = { response in
            // A closed connection's answer is dropped (the events it carried were handled).
            let (handler, context) = bound.value
            guard handler.open else { return }
            handler.write(response, context: context)
        }
        let router = self.router
        let general: @Sendable () -> Void = {
            let promise = loop.makePromise(of: LocalResponse.self)
            promise.completeWithTask { await router.handle(request, at: .gateway) }
            promise.futureResult.assumeIsolated().whenSuccess(reply)
        }
        if let lane = router.ingestLane, lane.answer(request, on: loop, reply: reply, fallback: general) { return }
        general()
    }

    private func write(_ response: LocalResponse, context: ChannelHandlerContext) {
        // Any method but HEAD (which never takes this path) frames the same way.
        var fields = LocalServer.fields(of: response, method: "POST", closing: false)
        fields[.contentLength] = String(response.body.count)
        fields[.date] = httpDate()
        let status = HTTPResponse.Status(code: response.status, reasonPhrase: LocalServer.reasonPhrase(response.status))
        context.write(wrapOutboundOut(.head(HTTPResponse(status: status, headerFields: fields))), promise: nil)
        if !response.body.isEmpty {
            context.write(wrapOutboundOut(.body(context.channel.allocator.buffer(bytes: response.body))), promise: nil)
        }
        context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
        state = .idle
        drain(context: context)
    }

    /// Handles the parts that waited, until one request is being answered again.
    private func drain(context: ChannelHandlerContext) {
        guard !waiting.isEmpty else { return resumeReading(context: context) }
        while !waiting.isEmpty {
            if case .answering = state { break }
            process(waiting.removeFirst(), context: context)
        }
        // Hummingbird's handler hands parts on at the end of a read burst: end this one.
        context.fireChannelReadComplete()
        if waiting.isEmpty { resumeReading(context: context) }
    }

    /// Once nothing waits and no answer is pending, the end of the client's input (held
    /// until then, so that Hummingbird does not stop reading before the waiting requests).
    private func releaseInputClosed(context: ChannelHandlerContext) {
        guard inputClosedHeld, waiting.isEmpty else { return }
        if case .answering = state { return }
        inputClosedHeld = false
        context.fireUserInboundEventTriggered(ChannelEvent.inputClosed)
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if let event = event as? ChannelEvent, event == .inputClosed {
            if case .answering = state {
                inputClosedHeld = true
                return
            }
            if !waiting.isEmpty {
                inputClosedHeld = true
                return
            }
        }
        context.fireUserInboundEventTriggered(event)
    }

    private func resumeReading(context: ChannelHandlerContext) {
        releaseInputClosed(context: context)
        if readHeld {
            readHeld = false
            context.read()
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        open = false
        context.fireChannelInactive()
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        open = false
    }

    func read(context: ChannelHandlerContext) {
        // Reads go on while a request is answered (holding them would cost two epoll_ctl
        // calls per request); only parts already waiting (a pipelining client) stop them.
        if !waiting.isEmpty {
            readHeld = true
        } else {
            context.read()
        }
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        if case .end = unwrapOutboundIn(data), owedByHummingbird > 0 {
            owedByHummingbird -= 1
        }
        context.write(data, promise: promise)
    }

    /// The `Date` header's value, formatted once a second.
    private func httpDate() -> String {
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        let second = Int64(now.tv_sec)
        if second != dateSecond {
            dateSecond = second
            date = HTTPDate.string(epochSeconds: second)
        }
        return date
    }
}
