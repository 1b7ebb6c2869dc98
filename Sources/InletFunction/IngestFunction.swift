#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import InletAPIGateway
import InletAWS
import InletCompression
import InletCore
import InletLambdaRuntime
import Logging

/// The ingest handler: API Gateway event in, valid records to Firehose, rejected and
/// undelivered events to the error bucket, and a response that tells the sender
/// exactly what happened. Nothing it answers 2xx for is lost.
public struct IngestFunction: APIGatewayLambdaHandler {
    let configuration: FunctionConfiguration
    let ingestor: Ingestor
    let firehose: any RecordDelivery
    let s3: S3Client

    /// A handler with its clients: `firehose` is a ``FirehoseClient`` in Lambda.
    public init(configuration: FunctionConfiguration, firehose: any RecordDelivery, s3: S3Client) {
        self.configuration = configuration
        self.ingestor = Ingestor(contract: configuration.contract)
        self.firehose = firehose
        self.s3 = s3
    }

    public func handle(_ payload: [UInt8], context: LambdaContext, logger: Logger) async throws -> [UInt8] {
        let request = try APIGatewayRequest(json: payload)
        return await handle(request, context: context, logger: logger).encoded(for: request.version)
    }

    public func handle(_ request: APIGatewayRequest, context: LambdaContext, logger: Logger) async -> APIGatewayResponse {
        let remaining = context.remainingMillis(nowMillis: Self.nowMillis())
        let deadline = ContinuousClock.now.advanced(by: .milliseconds(min(remaining, 15 * 60 * 1000)))
        return await ingest(request, lambdaRequestId: context.requestId, deadline: deadline, logger: logger)
    }

    /// Runs one request through the pipeline and the two sinks.
    public func ingest(
        _ request: APIGatewayRequest, lambdaRequestId: String, deadline: ContinuousClock.Instant, logger: Logger
    ) async -> APIGatewayResponse {
        let batch: PreparedIngest
        switch prepare(request, lambdaRequestId: lambdaRequestId, logger: logger) {
        case .answered(let response): return response
        case .prepared(let prepared): batch = prepared
        }

        // Valid records to Firehose, keeping time back for the error object.
        var delivered = 0
        var undelivered: [RejectedEvent] = []
        if !batch.batch.accepted.isEmpty {
            let firehoseDeadline = deadline.advanced(by: .milliseconds(-configuration.reserveMillis))
            let outcome = await firehose.putRecordBatch(
                streamName: configuration.deliveryStreamName, records: batch.records, deadline: firehoseDeadline)
            for (k, result) in outcome.records.enumerated() {
                switch result {
                case .delivered:
                    delivered += 1
                case .failed(let code, let message):
                    let accepted = batch.batch.accepted[k]
                    undelivered.append(
                        RejectedEvent(
                            index: accepted.index, code: .deliveryFailed,
                            reasons: [ValidationReason(pointer: "", keyword: code, message: message)],
                            raw: Array(batch.batch.records[accepted.range].dropLast())))
                }
            }
        }

        // Rejected and undelivered events to the error bucket, one object per request.
        var owed = batch.batch.rejected + undelivered
        owed.sort { $0.index < $1.index }
        var stored = true
        if !owed.isEmpty {
            let key = errorKey(requestId: batch.requestId, receivedAtMillis: batch.context.receivedAtMillis)
            let body = ErrorEnvelope.encode(owed, context: batch.context, contractId: ingestor.contract.id)
            do {
                _ = try await s3.putObject(
                    bucket: configuration.errorBucketName, key: key, body: body, contentType: "application/x-ndjson",
                    deadline: deadline)
            } catch {
                stored = false
                logger.error(
                    "the error bucket could not be written",
                    metadata: ["code": "\(error.code)", "status": "\(error.httpStatus.map(String.init) ?? "-")"])
            }
        }
        if !undelivered.isEmpty {
            logger.warning("Firehose did not take every record", metadata: ["undelivered": "\(undelivered.count)"])
        }
        return batch.response(delivered: delivered, deliveryFailed: undelivered.map(\.index), errorsStored: stored)
    }

    /// What ``prepare(_:lambdaRequestId:logger:)`` makes of a request.
    public enum Preparation: Sendable {
        /// The request is answered without sending anything: its body was refused whole.
        case answered(APIGatewayResponse)
        /// The request's events, validated and enriched, to be sent.
        case prepared(PreparedIngest)
    }

    /// The synchronous first step of ``ingest(_:lambdaRequestId:deadline:logger:)``: decodes,
    /// validates and enriches the request's events, touching neither Firehose nor S3. A
    /// caller that sends the records itself (the local gateway's fast path) answers with
    /// ``PreparedIngest/response(delivered:deliveryFailed:errorsStored:)``.
    public func prepare(_ request: APIGatewayRequest, lambdaRequestId: String, logger: Logger) -> Preparation {
        let requestId = request.requestId.isEmpty ? lambdaRequestId : request.requestId
        let context = IngestContext(
            requestId: requestId, receivedAtMillis: request.timeEpochMillis ?? Self.nowMillis(),
            sourceIp: request.sourceIp, userAgent: request.userAgent)
        do {
            let format = try BodyFormat.forContentType(request.headers["content-type"])
            let sent = request.bodyForDecoding
            let body = try BodyDecoder.decode(
                sent.bytes, isBase64Encoded: sent.isBase64Encoded,
                contentEncoding: request.headers["content-encoding"], limits: ingestor.limits)
            let batch = try ingestor.process(body: body, format: format, context: context)
            return .prepared(PreparedIngest(requestId: requestId, context: context, batch: batch))
        } catch {
            logger.info("request refused", metadata: ["code": "\(error.code.rawValue)"])
            return .answered(IngestOutcome.refused(error, requestId: requestId))
        }
    }

    /// The stream the function sends valid records to.
    public var deliveryStreamName: String { configuration.deliveryStreamName }

    /// `ERROR_KEY_PREFIX/yyyy/MM/dd/HH/<requestId>.json`: deterministic, so a retried
    /// invocation overwrites its object instead of adding another. The request id is
    /// reduced to characters that are safe in a key.
    public func errorKey(requestId: String, receivedAtMillis: Int64) -> String {
        let t = UTCDateTime(epochMillis: receivedAtMillis)
        func two(_ v: Int) -> String { v < 10 ? "0\(v)" : "\(v)" }
        let safe = String(
            String.UnicodeScalarView(
                requestId.unicodeScalars.map {
                    ($0.properties.isASCIIHexDigit || ("a"..."z").contains($0) || ("A"..."Z").contains($0)
                        || $0 == "-" || $0 == "_" || $0 == ".") ? $0 : "_"
                }))
        let name = safe.isEmpty || safe.allSatisfy({ $0 == "." }) ? "request" : safe
        return "\(configuration.errorKeyPrefix)\(t.year)/\(two(t.month))/\(two(t.day))/\(two(t.hour))/\(name).json"
    }

    static func nowMillis() -> Int64 {
        var ts = timespec()
        clock_gettime(CLOCK_REALTIME, &ts)
        return Int64(ts.tv_sec) * 1000 + Int64(ts.tv_nsec) / 1_000_000
    }
}

/// A request's events after ``IngestFunction/prepare(_:lambdaRequestId:logger:)``: the valid
/// records to send, the rejected events owed to the error bucket, and the response once
/// the sending is done.
public struct PreparedIngest: Sendable {
    /// The request id the response and the error object name.
    public let requestId: String
    /// The enrichment context.
    public let context: IngestContext
    /// The processed body.
    public let batch: IngestBatch

    /// The valid events' records, in order (each ends with a newline).
    public var records: [ArraySlice<UInt8>] { batch.accepted.map { batch.record($0) } }

    /// The response, given how many records Firehose took, which valid events it did not
    /// (their indexes), and whether the error bucket holds every event owed to it.
    public func response(delivered: Int, deliveryFailed: [Int] = [], errorsStored: Bool = true) -> APIGatewayResponse {
        IngestOutcome(
            requestId: requestId, eventCount: batch.eventCount, delivered: delivered, rejected: batch.rejected,
            deliveryFailed: deliveryFailed, errorsStored: errorsStored
        ).response
    }
}
