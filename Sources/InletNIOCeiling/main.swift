import NIOCore
import NIOHTTP1
import NIOPosix

// `inlet-nio-ceiling PORT`: the gateway benchmark's SwiftNIO baseline (Benchmarks/gateway_bench.py).
// One event loop on 127.0.0.1:PORT answers every HTTP/1.1 request, once its body is read, with
// a fixed 200 and an 11-byte JSON body: no router, no task, no async channel, no work. It is
// what any server built on SwiftNIO (Hummingbird among them) can reach at most on a machine,
// measured beside nginx in the same run.

/// Answers each request with the same response when its end arrives.
final class FixedAnswer: ChannelInboundHandler, Sendable {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard case .end = unwrapInboundIn(data) else { return }
        var head = HTTPResponseHead(version: .http1_1, status: .ok)
        head.headers.add(name: "Content-Type", value: "application/json")
        head.headers.add(name: "Content-Length", value: "11")
        context.write(wrapOutboundOut(.head(head)), promise: nil)
        context.write(wrapOutboundOut(.body(.byteBuffer(ByteBuffer(string: #"{"ok":true}"#)))), promise: nil)
        context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
    }
}

guard CommandLine.arguments.count == 2, let port = Int(CommandLine.arguments[1]), (1...65535).contains(port) else {
    print("usage: inlet-nio-ceiling PORT   (serves 127.0.0.1:PORT until killed)")
    exit(2)
}
let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
let channel = try ServerBootstrap(group: group)
    .serverChannelOption(.backlog, value: 256)
    .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
    .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
    .childChannelInitializer { channel in
        channel.eventLoop.makeCompletedFuture {
            try channel.pipeline.syncOperations.configureHTTPServerPipeline(withErrorHandling: true)
            try channel.pipeline.syncOperations.addHandler(FixedAnswer())
        }
    }
    .bind(host: "127.0.0.1", port: port).wait()
try channel.closeFuture.wait()
