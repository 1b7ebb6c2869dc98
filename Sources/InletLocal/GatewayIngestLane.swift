import InletAPIGateway
import InletEmulator
import InletFunction
import Logging
import NIOCore

/// The in-process ingest function's common case, answered without a task: a request whose
/// events are all valid is prepared on the connection's event loop (the gateway's request,
/// then ``IngestFunction/prepare(_:lambdaRequestId:logger:)``), its records are put on the
/// Firehose emulator's loop (``FirehoseEmulator/putRecordsNow(stream:records:whenDurable:)``,
/// inline when it is the same loop), and the response is written once the group commit
/// that covers them completes.
///
/// The answer is the one ``LocalRouter/handle(_:at:)`` gives: the same event, the same
/// records in the same buffer, the same response. Everything else takes that general path:
/// payload 1.0, rejected events (they go to the error bucket), fault injection (whose
/// per-record failures the function retries), and a refused or failed write or sync
/// (retried there). Such a request is prepared again there: validation is a fraction of a
/// microsecond per event, small beside the error object's write. No record here is over
/// Firehose's 1,000 KiB: the ingestor rejects an enriched record over 1,024,000 bytes.
/// One difference: the function's timeout is not watched here; the wait for the fsync is
/// the only wait, and it ends with the fsync.
struct GatewayIngestLane: Sendable {
    let gateway: APIGatewayEmulator
    let function: IngestFunction
    let emulator: FirehoseEmulator
    /// The loop the emulator runs on (its executor).
    let emulatorLoop: any EventLoop
    let logger: Logger
    let now: @Sendable () -> Int64

    /// Answers `request`, read on `loop`, through `reply` (called on `loop`), or calls
    /// `fallback` (on `loop`) for the general path. Returns false, having done nothing, when
    /// the request takes the general path from the start.
    func answer(
        _ request: LocalRequest, on loop: any EventLoop, reply: @escaping @Sendable (LocalResponse) -> Void,
        fallback: @escaping @Sendable () -> Void
    ) -> Bool {
        guard let (requestId, event) = gateway.proxyRequest(request, now: now()) else { return false }
        var logger = self.logger
        logger[metadataKey: "requestId"] = .string(requestId)
        let prepared: PreparedIngest
        switch function.prepare(event, lambdaRequestId: requestId, logger: logger) {
        case .answered(let answer):
            reply(gateway.respond(to: answer, requestId: requestId))
            return true
        case .prepared(let batch):
            prepared = batch
        }
        guard prepared.batch.rejected.isEmpty, !prepared.batch.accepted.isEmpty else { return false }
        let records = prepared.batch.accepted.map { Array(prepared.batch.record($0)) }

        let (gateway, emulator, stream) = (self.gateway, self.emulator, function.deliveryStreamName)
        let onLoop: @Sendable (@escaping @Sendable () -> Void) -> Void = { work in
            if loop.inEventLoop { work() } else { loop.execute(work) }
        }
        let put: @Sendable () -> Void = {
            let appended: Int?
            do {
                appended = try emulator.assumeIsolated { emulator in
                    try emulator.putRecordsNow(stream: stream, records: records) { failure in
                        onLoop {
                            if failure != nil { return fallback() }
                            reply(gateway.respond(to: prepared.response(delivered: records.count), requestId: requestId))
                        }
                    }
                }
            } catch {
                appended = nil
            }
            if appended == nil { onLoop(fallback) }
        }
        if emulatorLoop.inEventLoop { put() } else { emulatorLoop.execute(put) }
        return true
    }
}
