import Foundation
import InletCore
import InletEmulator
import Testing

@testable import InletLocal

/// `inlet local`'s assembly with the file-backed S3 store, in process: what the HTTP API
/// accepts reaches the data bucket through Firehose, the rejects reach the error bucket,
/// and both are listed by the S3 API on the same router.
@Suite struct LocalCloudS3Tests {
    @Test func acceptedAndRejectedEventsLandInTheirBuckets() async throws {
        let directory = NSTemporaryDirectory() + "inlet-cloud-s3-" + UUID().uuidString
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let options = LocalCloudOptions(dataDirectory: directory, bufferIntervalSeconds: 60)
        let (store, s3) = try await LocalCloud.openS3(options: options)
        let cloud = try await LocalCloud.start(options: options, sink: store, s3: { await s3.handle($0) })
        // Opening again finds the buckets it made.
        _ = try await LocalCloud.openS3(options: options)

        let post = LocalRequest(
            method: "POST", rawPath: "/events", headers: HTTPHeaders([("content-type", "application/x-ndjson")]),
            body: Array("{\"Id\":\"1\"}\n{\"Id\":\"\"}\n{\"Id\":\"3\"}\n".utf8))
        let response = await cloud.router.handle(post)
        #expect(response.status == 207)
        await cloud.emulator.flushAll()

        func keys(_ bucket: String) async -> [String] {
            let listing = await cloud.router.handle(LocalRequest(method: "GET", rawPath: "/\(bucket)", rawQuery: "list-type=2"))
            let text = String(decoding: listing.body, as: UTF8.self)
            return text.components(separatedBy: "<Key>").dropFirst().map { String($0.prefix { $0 != "<" }) }
        }
        let data = await keys(options.dataBucket)
        #expect(data.count == 1)
        #expect(data.first?.contains("/\(options.streamName)-1-") == true)
        let errors = await keys(options.errorBucket)
        #expect(errors.count == 1)
        #expect(errors.first?.hasPrefix("errors/") == true)

        let object = await cloud.router.handle(LocalRequest(method: "GET", rawPath: "/\(options.dataBucket)/\(data[0])"))
        let records = String(decoding: object.body, as: UTF8.self).split(separator: "\n")
        #expect(records.count == 2)
        #expect(records.allSatisfy { $0.contains("\"_ingest\":{\"event_id\"") })
    }
}
