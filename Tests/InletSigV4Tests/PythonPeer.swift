import Foundation
import Testing

/// Runs `botocore_sign.py` (next to this file) with python3.
///
/// When python3 or botocore is missing the calling test fails with a clear message,
/// unless `INLET_SKIP_PYTHON_PEERS=1`, in which case it is skipped (returns nil).
enum PythonPeer {
    static let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("botocore_sign.py")

    static func run(_ arguments: [String]) throws -> Data? {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", script.path] + arguments
        let stdout = Pipe()
        let stderr = Pipe()
        process.standardOutput = stdout
        process.standardError = stderr
        let skipAllowed = ProcessInfo.processInfo.environment["INLET_SKIP_PYTHON_PEERS"] == "1"
        do {
            try process.run()
        } catch {
            return unavailable("cannot run python3: \(error)", skipAllowed: skipAllowed)
        }
        // Drain stdout before waiting so a full pipe cannot block the child (stderr stays small).
        let out = stdout.fileHandleForReading.readDataToEndOfFile()
        let err = stderr.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        let message = String(decoding: err, as: UTF8.self)
        if process.terminationStatus == 3 || process.terminationStatus == 127 {
            return unavailable(message, skipAllowed: skipAllowed)
        }
        guard process.terminationStatus == 0 else {
            Issue.record("botocore_sign.py failed with status \(process.terminationStatus): \(message)")
            return nil
        }
        return out
    }

    private static func unavailable(_ reason: String, skipAllowed: Bool) -> Data? {
        if skipAllowed {
            print("botocore peer test skipped (INLET_SKIP_PYTHON_PEERS=1): \(reason)")
        } else {
            Issue.record(
                "botocore is not available (\(reason.trimmingCharacters(in: .whitespacesAndNewlines))). Install it with 'pip install botocore' (CI does), or set INLET_SKIP_PYTHON_PEERS=1 to skip the botocore comparisons."
            )
        }
        return nil
    }
}
