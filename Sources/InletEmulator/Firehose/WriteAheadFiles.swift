import Glibc
import InletCompression

/// An I/O failure of the emulator's files, with the call and `errno`'s text.
public struct FileError: Error, Sendable, CustomStringConvertible {
    /// What failed, e.g. `fsync /data/firehose/s/segment-1.wal: No space left on device`.
    public var message: String
    /// An error with a message.
    public init(_ message: String) { self.message = message }
    /// An error for a failed call on `path`, with the current `errno`.
    static func errno(_ call: String, _ path: String) -> FileError {
        FileError("\(call) \(path): \(String(cString: strerror(Glibc.errno)))")
    }
    /// The message, for logs.
    public var description: String { message }
}

/// An open file descriptor, closed when the last reference goes (so an fsync in flight
/// on another task keeps it open even after its segment was delivered and unlinked).
final class SegmentFile: Sendable {
    let fd: Int32
    let path: String
    init(fd: Int32, path: String) {
        self.fd = fd
        self.path = path
    }
    deinit { close(fd) }

    /// Opens `path` for writing at offsets (``write(_:at:)``), creating it.
    static func openSegment(_ path: String) throws(FileError) -> SegmentFile {
        let fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw .errno("open", path) }
        return SegmentFile(fd: fd, path: path)
    }

    /// Writes all of `bytes` at `offset`.
    func write(_ bytes: [UInt8], at offset: Int) throws(FileError) {
        var done = 0
        while done < bytes.count {
            let n = bytes.withUnsafeBytes { pwrite(fd, $0.baseAddress! + done, $0.count - done, off_t(offset + done)) }
            if n < 0 {
                if Glibc.errno == EINTR { continue }
                throw .errno("pwrite", path)
            }
            done += n
        }
    }


    /// Flushes the file's data to the disk, with the metadata needed to read it back (its
    /// size), not its timestamps: `fdatasync`, as write-ahead logs use.
    func sync() throws(FileError) {
        guard fdatasync(fd) == 0 else { throw .errno("fdatasync", path) }
    }
}

/// Small file-system helpers on Glibc.
enum Files {
    /// The whole content of `path`, or nil when it does not exist.
    static func read(_ path: String) throws(FileError) -> [UInt8]? {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        if fd < 0 {
            if Glibc.errno == ENOENT || Glibc.errno == ENOTDIR { return nil }
            throw .errno("open", path)
        }
        defer { close(fd) }
        var out: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = chunk.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress!, $0.count) }
            if n < 0 {
                if Glibc.errno == EINTR { continue }
                throw .errno("read", path)
            }
            if n == 0 { break }
            out.append(contentsOf: chunk[0..<n])
        }
        return out
    }

    /// Creates `path` and its missing parents.
    static func makeDirectories(_ path: String) throws(FileError) {
        var current = path.hasPrefix("/") ? "" : "."
        for part in path.split(separator: "/") {
            current += "/" + part
            if mkdir(current, 0o755) != 0 && Glibc.errno != EEXIST { throw .errno("mkdir", current) }
        }
    }

    /// fsyncs a directory, so that a file created or renamed in it survives a crash.
    static func syncDirectory(_ path: String) throws(FileError) {
        let fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { throw .errno("open", path) }
        defer { close(fd) }
        guard fsync(fd) == 0 else { throw .errno("fsync", path) }
    }

    /// Writes `bytes` to `path` atomically: a temporary file, fsync, rename, directory fsync.
    static func writeAtomically(_ bytes: [UInt8], to path: String, directory: String) throws(FileError) {
        let temporary = path + ".tmp"
        let fd = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw .errno("open", temporary) }
        let handle = SegmentFile(fd: fd, path: temporary)
        try handle.write(bytes, at: 0)
        try handle.sync()
        guard rename(temporary, path) == 0 else { throw .errno("rename", path) }
        try syncDirectory(directory)
    }

    /// Removes a file; a missing file is not an error.
    static func remove(_ path: String) throws(FileError) {
        if unlink(path) != 0 && Glibc.errno != ENOENT { throw .errno("unlink", path) }
    }

    /// Removes an empty directory; a missing one is not an error.
    static func removeDirectory(_ path: String) throws(FileError) {
        if rmdir(path) != 0 && Glibc.errno != ENOENT { throw .errno("rmdir", path) }
    }

    /// Truncates `path` to `length` bytes.
    static func truncate(_ path: String, to length: Int) throws(FileError) {
        guard Glibc.truncate(path, off_t(length)) == 0 else { throw .errno("truncate", path) }
    }

    /// The names in a directory (without `.` and `..`); empty when it does not exist.
    static func list(_ path: String) throws(FileError) -> [String] {
        guard let dir = opendir(path) else {
            if Glibc.errno == ENOENT { return [] }
            throw .errno("opendir", path)
        }
        defer { closedir(dir) }
        return directoryEntryNames(dir)
    }
}

/// The write-ahead segment format: a sequence of frames, each
/// `length u32 LE | arrival epoch millis i64 LE | crc32 u32 LE | data`, where the CRC-32
/// covers the arrival time and the data. Reading stops at the first short or corrupt
/// frame: that is the torn tail of a write interrupted by a crash, never acknowledged.
///
/// A segment may end in zeros written ahead of its frames (``preallocationBytes``): a
/// zero header is not a valid frame (the CRC-32 of eight zero bytes is not zero), so
/// reading stops there too.
enum SegmentFormat {
    /// Bytes before each record's data.
    static let headerSize = 16

    /// How far ahead of its frames a segment's blocks are written (as zeros) when small
    /// writes reach its end. An `fdatasync` after a write into blocks that already exist
    /// has only the data to flush; one after a write that grows the file also flushes the
    /// file's size and block map. Measured here, single-event requests rose 2 to 8% in
    /// paired wrk runs (19,682 → 20,341 req/s, for one).
    static let preallocationBytes = 1 << 20
    /// Writes at least this large grow the segment as they go: their data dwarfs the
    /// metadata, and zeros written ahead would double what the disk takes.
    static let preallocationBelow = 64 << 10

    /// What is written ahead: ``preallocationBytes`` zeros.
    static let preallocatedZeros = [UInt8](repeating: 0, count: preallocationBytes)

    /// Appends one frame to `out`.
    static func appendFrame(data: [UInt8], arrival: Int64, to out: inout [UInt8]) {
        let length = UInt32(data.count)
        let millis = UInt64(bitPattern: arrival)
        var crc = CRC32()
        withUnsafeBytes(of: millis.littleEndian) { crc.update($0) }
        crc.update(data)
        withUnsafeBytes(of: length.littleEndian) { out.append(contentsOf: $0) }
        withUnsafeBytes(of: millis.littleEndian) { out.append(contentsOf: $0) }
        withUnsafeBytes(of: crc.value.littleEndian) { out.append(contentsOf: $0) }
        out.append(contentsOf: data)
    }

    /// The intact frames of a segment and the length of the intact part.
    static func readFrames(_ bytes: [UInt8]) -> (records: [(data: [UInt8], arrival: Int64)], validLength: Int) {
        var records: [(data: [UInt8], arrival: Int64)] = []
        var offset = 0
        func le(_ at: Int, _ count: Int) -> UInt64 {
            var v: UInt64 = 0
            for i in 0..<count { v |= UInt64(bytes[at + i]) << (8 * UInt64(i)) }
            return v
        }
        while bytes.count - offset >= headerSize {
            let length = Int(le(offset, 4))
            let end = offset + headerSize + length
            guard end <= bytes.count else { break }
            var crc = CRC32()
            crc.update(bytes[(offset + 4)..<(offset + 12)])
            crc.update(bytes[(offset + headerSize)..<end])
            guard crc.value == UInt32(le(offset + 12, 4)) else { break }
            records.append((Array(bytes[(offset + headerSize)..<end]), Int64(bitPattern: le(offset + 4, 8))))
            offset = end
        }
        return (records, offset)
    }
}
