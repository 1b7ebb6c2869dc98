import Foundation
import InletCore
import InletEmulator
import InletLambdaRuntime

/// A function host that answers every invocation with a fixed result and records the payloads.
actor ScriptedHost: FunctionHost {
    let result: FunctionResult
    private(set) var payloads: [[UInt8]] = []
    private(set) var deadlines: [Int64] = []

    init(_ result: FunctionResult) { self.result = result }

    func invoke(_ payload: [UInt8], requestId: String, deadlineMillis: Int64) async -> FunctionResult {
        payloads.append(payload)
        deadlines.append(deadlineMillis)
        return result
    }

    /// The last payload; empty before any.
    var lastPayload: [UInt8] { payloads.last ?? [] }
}

/// 2026-11-27T10:00:00Z.
let gatewayMillis: Int64 = 1_795_773_600_000

/// A gateway over `host` with a fixed request id.
func gateway(
    _ host: any FunctionHost, routes: [APIGatewayRoute] = [.postEvents], format: APIGatewayEmulator.PayloadFormat = .v2
) -> APIGatewayEmulator {
    APIGatewayEmulator(host: host, routes: routes, payloadFormat: format, makeRequestId: { "JKJaXmPLvHcESHA=" })
}

/// A JSON object from bytes.
func object(_ bytes: [UInt8]) -> [String: Any] {
    (try? JSONSerialization.jsonObject(with: Data(bytes))) as? [String: Any] ?? [:]
}

/// The SAM-generated HTTP API event in InletAPIGatewayTests' fixtures.
func samHTTPAPIEvent() throws -> [String: Any] {
    let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("InletAPIGatewayTests/Fixtures/events/apigw-http-api-v2.json")
    return try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as! [String: Any]
}
