import CZlib

/// CRC-32 (IEEE 802.3, reflected; the checksum of gzip, zlib and S3's `x-amz-checksum-crc32`),
/// computed by the system zlib, whose table-driven loop is several times faster than a
/// byte-at-a-time one.
public struct CRC32: Sendable, Equatable {
    /// The checksum of everything passed to ``update(_:)`` so far.
    public private(set) var value: UInt32 = 0

    /// A checksum of nothing yet (0).
    public init() {}

    /// Adds `bytes` to the checksum.
    public mutating func update(_ bytes: UnsafeRawBufferPointer) {
        guard let base = bytes.baseAddress, !bytes.isEmpty else { return }
        var crc = UInt(value)
        var pointer = base.assumingMemoryBound(to: UInt8.self)
        var remaining = bytes.count
        // zlib takes a 32-bit length.
        while remaining > 0 {
            let chunk = min(remaining, Int(UInt32.max))
            crc = crc32(crc, pointer, UInt32(chunk))
            pointer += chunk
            remaining -= chunk
        }
        value = UInt32(truncatingIfNeeded: crc)
    }

    /// Adds `bytes` to the checksum.
    public mutating func update(_ bytes: [UInt8]) {
        bytes.withUnsafeBytes { update($0) }
    }

    /// Adds `bytes` to the checksum.
    public mutating func update(_ bytes: ArraySlice<UInt8>) {
        bytes.withUnsafeBytes { update($0) }
    }

    /// The checksum of `bytes`.
    public static func checksum(_ bytes: [UInt8]) -> UInt32 {
        var crc = CRC32()
        crc.update(bytes)
        return crc.value
    }
}
