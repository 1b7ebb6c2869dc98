import Foundation
import InletCore

/// Reading inputs and the clock, for commands.
enum CLIInput {
    /// The bytes of FILE, or of standard input for `-`.
    static func read(_ path: String) throws -> [UInt8] {
        if path == "-" {
            return Array(FileHandle.standardInput.readDataToEndOfFile())
        }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw CLIError("cannot read '\(path)': no such file, or it is not readable")
        }
        return Array(data)
    }

    /// Loads a contract from a JSON Schema file, or the built-in default.
    static func contract(_ path: String?) throws -> Contract {
        guard let path else { return .default }
        let bytes = try read(path)
        do {
            return try Contract(schema: bytes)
        } catch {
            throw CLIError("the contract '\(path)' is not usable: \(error)")
        }
    }

    /// Milliseconds since the Unix epoch, now.
    static func nowMillis() -> Int64 {
        var ts = timespec()
        clock_gettime(CLOCK_REALTIME, &ts)
        return Int64(ts.tv_sec) * 1000 + Int64(ts.tv_nsec) / 1_000_000
    }

    /// A fresh request id, as API Gateway would assign one.
    static func newRequestId() -> String {
        UUID().uuidString.lowercased()
    }
}

/// A command-line failure with a message for the user.
struct CLIError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// Writes to standard error.
func printError(_ text: String) {
    FileHandle.standardError.write(Data((text + "\n").utf8))
}

/// Writes raw bytes to standard output.
func writeStdout(_ bytes: [UInt8]) {
    FileHandle.standardOutput.write(Data(bytes))
}
