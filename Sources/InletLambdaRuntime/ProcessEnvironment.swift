#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The process environment, read from `environ` once by whoever needs it: `bootstrap` at
/// start, and `inlet local` for the function processes it spawns.
public enum ProcessEnvironment {
    /// Every `NAME=value` of this process (the first `=` splits).
    public static func current() -> [String: String] {
        var result: [String: String] = [:]
        result.reserveCapacity(64)
        var pointer = environ
        while let entry = pointer.pointee {
            // Split at the first `=` on the bytes: no character-by-character walk.
            if let eq = strchr(entry, 0x3D) {
                let nameLength = eq - entry
                let name = UnsafeRawBufferPointer(start: entry, count: nameLength)
                let value = UnsafeRawBufferPointer(start: eq + 1, count: strlen(eq + 1))
                result[String(decoding: name, as: UTF8.self)] = String(decoding: value, as: UTF8.self)
            }
            pointer += 1
        }
        return result
    }
}
