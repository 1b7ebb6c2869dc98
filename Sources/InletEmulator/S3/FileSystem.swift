#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The few POSIX file operations the local S3 store needs, with errors as ``S3Error``
/// (`InternalError`, naming the path and `errno`). No Foundation.
enum FileSystem {
    /// Whether `path` exists and is a directory.
    static func isDirectory(_ path: String) -> Bool {
        var info = stat()
        return stat(path, &info) == 0 && (info.st_mode & S_IFMT) == S_IFDIR
    }

    /// Whether `path` exists (of any type).
    static func exists(_ path: String) -> Bool {
        var info = stat()
        return lstat(path, &info) == 0
    }

    /// The size in bytes of the regular file at `path`, or nil when there is none.
    static func fileSize(_ path: String) -> Int? {
        var info = stat()
        guard stat(path, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG else { return nil }
        return Int(info.st_size)
    }

    /// Creates `path` and its missing parents (like `mkdir -p`).
    static func createDirectories(_ path: String) throws(S3Error) {
        if isDirectory(path) { return }
        var prefix = path.hasPrefix("/") ? "/" : ""
        for part in path.split(separator: "/") {
            prefix += part
            if !isDirectory(prefix), mkdir(prefix, 0o755) != 0, errno != EEXIST {
                throw failure("create the folder", prefix)
            }
            prefix += "/"
        }
    }

    /// Creates the directory `path`; false when it already exists.
    static func createDirectory(_ path: String) throws(S3Error) -> Bool {
        if mkdir(path, 0o755) == 0 { return true }
        if errno == EEXIST { return false }
        throw failure("create the folder", path)
    }

    /// The names in directory `path`, without `.` and `..`.
    static func list(_ path: String) throws(S3Error) -> [String] {
        guard let dir = opendir(path) else { throw failure("list the folder", path) }
        defer { closedir(dir) }
        return directoryEntryNames(dir)
    }

    /// The whole content of the file at `path`, or nil when it does not exist.
    static func read(_ path: String) throws(S3Error) -> [UInt8]? {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        if fd < 0 {
            if errno == ENOENT { return nil }
            throw failure("open", path)
        }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else { throw failure("stat", path) }
        var out = [UInt8](repeating: 0, count: Int(info.st_size))
        var done = 0
        while done < out.count {
            let count = out.withUnsafeMutableBytes { posixRead(fd, $0.baseAddress! + done, $0.count - done) }
            if count < 0 {
                if errno == EINTR { continue }
                throw failure("read", path)
            }
            if count == 0 { break }
            done += count
        }
        if done < out.count { out.removeSubrange(done...) }
        return out
    }

    /// Writes `bytes` to `directory/name` atomically: a temporary file in the same folder,
    /// `fsync`, `rename` over the target, then `fsync` of the folder, so a crash leaves
    /// either the old content or the new one, never a mix.
    static func writeAtomically(_ bytes: [UInt8], directory: String, name: String, temporaryName: String)
        throws(S3Error)
    {
        let temporary = directory + "/" + temporaryName
        let fd = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw failure("create", temporary) }
        var ok = false
        defer {
            if !ok { unlink(temporary) }
        }
        var done = 0
        while done < bytes.count {
            let count = bytes.withUnsafeBytes { posixWrite(fd, $0.baseAddress! + done, $0.count - done) }
            if count < 0 {
                if errno == EINTR { continue }
                let error = failure("write", temporary)
                close(fd)
                throw error
            }
            done += count
        }
        if fsync(fd) != 0 {
            let error = failure("fsync", temporary)
            close(fd)
            throw error
        }
        guard close(fd) == 0 else { throw failure("close", temporary) }
        guard rename(temporary, directory + "/" + name) == 0 else { throw failure("rename into place", temporary) }
        ok = true
        try syncDirectory(directory)
    }

    /// `fsync` of a folder, so a rename or unlink in it is durable.
    static func syncDirectory(_ path: String) throws(S3Error) {
        let fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { throw failure("open the folder", path) }
        defer { close(fd) }
        guard fsync(fd) == 0 else { throw failure("fsync the folder", path) }
    }

    /// Removes the file at `path`; false when it did not exist.
    @discardableResult
    static func remove(_ path: String) throws(S3Error) -> Bool {
        if unlink(path) == 0 { return true }
        if errno == ENOENT { return false }
        throw failure("remove", path)
    }

    /// Removes the empty folder at `path`.
    static func removeDirectory(_ path: String) throws(S3Error) {
        guard rmdir(path) == 0 else { throw failure("remove the folder", path) }
    }

    /// The current time in milliseconds since 1970.
    static func nowMilliseconds() -> Int64 {
        var spec = timespec()
        clock_gettime(CLOCK_REALTIME, &spec)
        return Int64(spec.tv_sec) * 1000 + Int64(spec.tv_nsec) / 1_000_000
    }

    private static func failure(_ action: String, _ path: String) -> S3Error {
        let code = errno
        let reason = strerror(code).map { String(cString: $0) } ?? "errno \(code)"
        return .internalError("could not \(action) '\(path)': \(reason) (errno \(code))")
    }
}

#if canImport(Glibc)
private func posixRead(_ fd: Int32, _ buffer: UnsafeMutableRawPointer, _ count: Int) -> Int { Glibc.read(fd, buffer, count) }
private func posixWrite(_ fd: Int32, _ buffer: UnsafeRawPointer, _ count: Int) -> Int { Glibc.write(fd, buffer, count) }
#else
private func posixRead(_ fd: Int32, _ buffer: UnsafeMutableRawPointer, _ count: Int) -> Int { Darwin.read(fd, buffer, count) }
private func posixWrite(_ fd: Int32, _ buffer: UnsafeRawPointer, _ count: Int) -> Int { Darwin.write(fd, buffer, count) }
#endif
