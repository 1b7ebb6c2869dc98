import Foundation
import Testing

/// Runs `Tests/InletSigV4Tests/botocore_sign.py` (botocore's signer and clients) with python3,
/// for the SigV4 suites and the emulator's botocore tests alike.
///
/// When python3 or botocore is missing the calling test fails with a clear message,
/// unless `INLET_SKIP_PYTHON_PEERS=1`, in which case it is skipped (returns nil).
public enum BotocorePeer {
    static let script = PeerBinaries.repository.appendingPathComponent("Tests/InletSigV4Tests/botocore_sign.py")

    /// Runs it to its end on a thread of its own (see `runProgram`) and returns its output.
    public static func run(_ arguments: [String]) async throws -> Data? {
        let skipAllowed = ProcessInfo.processInfo.environment["INLET_SKIP_PYTHON_PEERS"] == "1"
        let result: ProgramResult
        do {
            result = try await runProgram(["python3", script.path] + arguments)
        } catch {
            return unavailable("cannot run python3: \(error)", skipAllowed: skipAllowed)
        }
        if result.status == 3 || result.status == 127 {
            return unavailable(result.stderr, skipAllowed: skipAllowed)
        }
        guard result.status == 0 else {
            Issue.record("botocore_sign.py failed with status \(result.status): \(result.stderr)")
            return nil
        }
        return result.output
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
