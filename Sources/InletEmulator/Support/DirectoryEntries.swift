#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The names in `directory` (from `opendir`), without `.` and `..`, in `readdir`'s order.
///
/// Each name is read up to its NUL through a pointer into the entry. Copying the entry's
/// `d_name` field instead would read 256 bytes, but an entry is only as long as its name, so
/// copying the last entry in `readdir`'s buffer reads past the end of the buffer
/// (AddressSanitizer reports a heap-buffer-overflow in a folder of a few thousand files).
func directoryEntryNames(_ directory: OpaquePointer) -> [String] {
    let nameOffset = MemoryLayout<dirent>.offset(of: \dirent.d_name) ?? 0
    var names: [String] = []
    while let entry = readdir(directory) {
        let name = String(cString: UnsafeRawPointer(entry).advanced(by: nameOffset).assumingMemoryBound(to: CChar.self))
        if name != "." && name != ".." { names.append(name) }
    }
    return names
}
