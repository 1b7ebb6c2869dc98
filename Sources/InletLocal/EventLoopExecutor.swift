import NIOCore
import NIOPosix

/// Swift concurrency's global executor for `inlet local`.
public enum EventLoopExecutor {
    /// Runs Swift concurrency's jobs on the HTTP server's event loops
    /// (`MultiThreadedEventLoopGroup.singleton`, which Hummingbird serves on) instead of a
    /// separate pool, so a request's handler runs on the thread that read it and writes its
    /// answer without waking another thread. Every blocking call of the local cloud (fsync,
    /// the function's libcurl requests) runs on threads of its own.
    ///
    /// Call once, at the start of a command that serves HTTP, before it starts tasks.
    ///
    /// - Returns: whether the event loops took over (false where NIO cannot, and then the
    ///   default executor stays).
    @discardableResult
    public static func adopt() -> Bool {
        NIOSingletons.unsafeTryInstallSingletonPosixEventLoopGroupAsConcurrencyGlobalExecutor()
    }
}
