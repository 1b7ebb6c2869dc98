import InletAWS
import InletHTTP
import InletTestSupport

/// A delivery stream into a fresh data bucket and a fresh error bucket on the shared moto,
/// with the environment a function needs to use them.
struct PipelineFixture {
    let moto: MotoPeer
    let s3: S3Client
    let stream: String
    let dataBucket: String
    let errorBucket: String

    /// moto's keys and endpoint, plus `DELIVERY_STREAM_NAME` and `ERROR_BUCKET_NAME`.
    var environment: [String: String] {
        var env = moto.environment
        env["DELIVERY_STREAM_NAME"] = stream
        env["ERROR_BUCKET_NAME"] = errorBucket
        return env
    }

    static func make(_ name: String, transport: CurlTransport) async throws -> PipelineFixture {
        let moto = try await MotoPeer.shared()
        let suffix = uniqueSuffix()
        let fixture = PipelineFixture(
            moto: moto, s3: S3Client(configuration: moto.configuration, transport: transport),
            stream: "\(name)-\(suffix)", dataBucket: "\(name)-data-\(suffix)", errorBucket: "\(name)-errors-\(suffix)")
        try await moto.createStream(fixture.stream, bucket: fixture.dataBucket, prefix: "events")
        try await fixture.s3.createBucket(fixture.errorBucket, deadline: .now + .seconds(10))
        return fixture
    }

    /// Every object in `bucket`, by key.
    func objects(in bucket: String) async throws -> [String: [UInt8]] {
        var result: [String: [UInt8]] = [:]
        for entry in try await s3.listObjectsV2(bucket: bucket, deadline: .now + .seconds(10)).contents {
            result[entry.key] = try await s3.getObject(bucket: bucket, key: entry.key, deadline: .now + .seconds(10)).body
        }
        return result
    }
}
