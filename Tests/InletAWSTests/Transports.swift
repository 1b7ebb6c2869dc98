import Foundation
import InletHTTP

/// A transport that hands each request to `alter` after it was signed, then sends it.
struct TamperingTransport: HTTPTransport {
    let base: any HTTPTransport
    let alter: @Sendable (inout HTTPRequest) -> Void

    func send(_ request: HTTPRequest, timeout: Duration?) async throws(TransportError) -> HTTPResponse {
        var changed = request
        alter(&changed)
        return try await base.send(changed, timeout: timeout)
    }
}

/// A transport that counts the requests it passes on.
final class CountingTransport: HTTPTransport, @unchecked Sendable {
    let base: any HTTPTransport
    private let lock = NSLock()
    private var sent = 0
    init(_ base: any HTTPTransport) { self.base = base }
    var count: Int { lock.withLock { sent } }

    func send(_ request: HTTPRequest, timeout: Duration?) async throws(TransportError) -> HTTPResponse {
        lock.withLock { sent += 1 }
        return try await base.send(request, timeout: timeout)
    }
}

