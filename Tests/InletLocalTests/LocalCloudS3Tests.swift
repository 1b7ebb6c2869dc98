import Foundation
import InletCompression
import InletCore
import InletHTTP
import InletSigV4
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
        // Unsigned S3 calls below: signature checks off, as with `--no-auth`.
        let options = LocalCloudOptions(dataDirectory: directory, bufferIntervalSeconds: 60, accessKeys: [])
        let cloud = try await LocalCloud.start(options: options, flushPeriod: .seconds(60))
        // Opening again finds the buckets it made.
        _ = try await LocalCloud.openStore(options: options)

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

    @Test func firehoseAndS3RefuseUnsignedAndWronglySignedRequestsByDefault() async throws {
        let directory = NSTemporaryDirectory() + "inlet-cloud-auth-" + UUID().uuidString
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let options = LocalCloudOptions(dataDirectory: directory)
        let cloud = try await LocalCloud.start(options: options)
        defer { Task { await cloud.emulator.shutdown() } }
        let host = "127.0.0.1:4577"
        let list = #"{"Limit":10}"#

        func firehose(_ signer: AWSCredentials?) async -> LocalResponse {
            var request = HTTPRequest(
                method: .post, url: "http://\(host)/",
                headers: HTTPHeaders([
                    ("Content-Type", "application/x-amz-json-1.1"),
                    ("X-Amz-Target", "Firehose_20150804.ListDeliveryStreams"),
                ]), body: Array(list.utf8))
            if let signer { request = signed(request, signer, service: "firehose") }
            return await cloud.router.handle(local(request))
        }
        func s3(_ signer: AWSCredentials?) async -> LocalResponse {
            var request = HTTPRequest(method: .get, url: "http://\(host)/\(options.dataBucket)?list-type=2")
            if let signer { request = signed(request, signer, service: "s3") }
            return await cloud.router.handle(local(request))
        }

        let stranger = AWSCredentials(accessKeyId: "AKIASTRANGER00000001", secretAccessKey: "not-the-key")
        let forged = AWSCredentials(accessKeyId: LocalCloud.credentials.accessKeyId, secretAccessKey: "wrong-secret")

        let unsignedFirehose = await firehose(nil)
        #expect(unsignedFirehose.status == 400)
        #expect(unsignedFirehose.headers["x-amzn-ErrorType"] == "MissingAuthenticationTokenException")
        #expect((await firehose(stranger)).headers["x-amzn-ErrorType"] == "UnrecognizedClientException")
        #expect((await firehose(forged)).headers["x-amzn-ErrorType"] == "InvalidSignatureException")
        let good = await firehose(LocalCloud.credentials)
        #expect(good.status == 200)
        #expect(String(decoding: good.body, as: UTF8.self).contains(options.streamName))

        let unsignedS3 = await s3(nil)
        #expect(unsignedS3.status == 403)
        #expect(String(decoding: unsignedS3.body, as: UTF8.self).contains("<Code>AccessDenied</Code>"))
        #expect(String(decoding: (await s3(stranger)).body, as: UTF8.self).contains("<Code>InvalidAccessKeyId</Code>"))
        #expect(String(decoding: (await s3(forged)).body, as: UTF8.self).contains("<Code>SignatureDoesNotMatch</Code>"))
        #expect((await s3(LocalCloud.credentials)).status == 200)

        // The in-process function's own calls are trusted: an accepted event still reaches the bucket.
        let post = LocalRequest(
            method: "POST", rawPath: "/events", headers: HTTPHeaders([("content-type", "application/json")]),
            body: Array(#"{"Id":"1"}"#.utf8))
        #expect((await cloud.router.handle(post)).status == 200)
        await cloud.emulator.flushAll()
        let listing = await s3(LocalCloud.credentials)
        #expect(String(decoding: listing.body, as: UTF8.self).contains("<KeyCount>1</KeyCount>"))
    }

    static let streamsFile = #"""
        [
          {"DeliveryStreamName": "inlet-events", "DeliveryStreamType": "DirectPut",
           "ExtendedS3DestinationConfiguration": {"BucketARN": "arn:aws:s3:::inlet-data",
             "Prefix": "events/!{timestamp:yyyy}/", "ErrorOutputPrefix": "failed/!{firehose:error-output-type}/",
             "BufferingHints": {"SizeInMBs": 1, "IntervalInSeconds": 60}}},
          {"DeliveryStreamName": "clicks",
           "ExtendedS3DestinationConfiguration": {"BucketARN": "arn:aws:s3:::clicks-bucket", "Prefix": "c/",
             "CompressionFormat": "GZIP",
             "ProcessingConfiguration": {"Enabled": true, "Processors": [{"Type": "AppendDelimiterToRecord"}]}}}
        ]
        """#

    /// An unsigned Firehose request to the router (the cloud runs with signature checks off).
    func firehose(_ cloud: LocalCloud, _ operation: String, _ body: String) async -> LocalResponse {
        await cloud.router.handle(
            LocalRequest(
                method: "POST", rawPath: "/",
                headers: HTTPHeaders([
                    ("x-amz-target", "Firehose_20150804." + operation), ("content-type", "application/x-amz-json-1.1"),
                ]),
                body: Array(body.utf8)))
    }

    @Test func aStreamsFileDeclaresTheFunctionsStreamAndOthersWithTheirBuckets() async throws {
        let directory = NSTemporaryDirectory() + "inlet-cloud-streams-" + UUID().uuidString
        defer { try? FileManager.default.removeItem(atPath: directory) }
        var options = LocalCloudOptions(dataDirectory: directory, bufferIntervalSeconds: 60, accessKeys: [])
        options.streams = try DeliveryStreamConfig.streams(file: Array(Self.streamsFile.utf8))
        let cloud = try await LocalCloud.start(options: options, flushPeriod: .seconds(60))

        // The function's stream takes the file's prefix.
        let post = LocalRequest(
            method: "POST", rawPath: "/events", headers: HTTPHeaders([("content-type", "application/json")]),
            body: Array(#"{"Id":"1"}"#.utf8))
        #expect((await cloud.router.handle(post)).status == 200)
        // The other stream exists, with its own bucket, compression and delimiter.
        let described = await firehose(cloud, "DescribeDeliveryStream", #"{"DeliveryStreamName":"clicks"}"#)
        #expect(described.status == 200, "\(String(decoding: described.body, as: UTF8.self))")
        let text = String(decoding: described.body, as: UTF8.self)
        #expect(text.contains("arn:aws:s3:::clicks-bucket") && text.contains("GZIP"), "\(text)")
        let put = await firehose(
            cloud, "PutRecordBatch", #"{"DeliveryStreamName":"clicks","Records":[{"Data":"YQ=="},{"Data":"Yg=="}]}"#)
        #expect(put.status == 200 && String(decoding: put.body, as: UTF8.self).contains(#""FailedPutCount":0"#))
        await cloud.emulator.flushAll()

        let data = try await LiveServer.objects(in: cloud.store, bucket: "inlet-data")
        #expect(data.count == 1)
        var utc = Calendar(identifier: .gregorian)
        utc.timeZone = TimeZone(identifier: "UTC")!
        let year = String(utc.component(.year, from: Date()))
        #expect(data.keys.allSatisfy { $0.hasPrefix("events/\(year)/inlet-events-1-") }, "\(data.keys)")
        let clicks = try await LiveServer.objects(in: cloud.store, bucket: "clicks-bucket")
        #expect(clicks.count == 1)
        let (key, body) = try #require(clicks.first)
        // A prefix without a timestamp gets AWS's default YYYY/MM/dd/HH/ after it.
        #expect(key.hasPrefix("c/\(year)/") && key.contains("/clicks-1-") && key.hasSuffix(".gz"), "\(key)")
        #expect(try Gzip.decompress(body, limit: 1 << 20) == Array("a\nb\n".utf8))
        await cloud.warehouse.stop()
    }

    @Test func aStreamsFileThatMovesTheFunctionsStreamOffTheDataBucketIsRefused() async throws {
        let directory = NSTemporaryDirectory() + "inlet-cloud-streams-" + UUID().uuidString
        defer { try? FileManager.default.removeItem(atPath: directory) }
        var options = LocalCloudOptions(dataDirectory: directory, accessKeys: [])
        options.streams = try DeliveryStreamConfig.streams(
            file: Array(#"{"DeliveryStreamName":"inlet-events","S3DestinationConfiguration":{"BucketARN":"arn:aws:s3:::elsewhere"}}"#.utf8))
        await #expect {
            _ = try await LocalCloud.start(options: options, flushPeriod: .seconds(60))
        } throws: { error in
            let error = error as? LocalCloudError
            return error?.code == .invalidStream && error?.message.contains("--data-bucket elsewhere") == true
        }
    }

    @Test func aStreamsFileWithAMistakeNamesTheStream() {
        func refusal(_ text: String) -> String? {
            do {
                _ = try DeliveryStreamConfig.streams(file: Array(text.utf8))
                return nil
            } catch {
                return "\(error)"
            }
        }
        #expect(refusal("[1]") == "SerializationException: Stream 1 of the streams file: The element is not a JSON object.")
        #expect(refusal("nope")?.hasPrefix("SerializationException: The streams file is not valid JSON") == true)
        let twice = #"{"DeliveryStreamName":"a","S3DestinationConfiguration":{"BucketARN":"arn:aws:s3:::b"}}"#
        #expect(refusal("[\(twice),\(twice)]") == "ResourceInUseException: Stream 2 of the streams file: The stream a is declared twice.")
        let badHints = #"[{"DeliveryStreamName":"a","S3DestinationConfiguration":{"BucketARN":"arn:aws:s3:::b","BufferingHints":{"SizeInMBs":500}}}]"#
        #expect(refusal(badHints)?.contains("Stream 1 of the streams file") == true)
        #expect(refusal(#"[{"DeliveryStreamName":"bad name!","S3DestinationConfiguration":{"BucketARN":"arn:aws:s3:::b"}}]"#)?
            .hasPrefix("ValidationException: Stream 1") == true)
    }

    @Test func theFaultFractionRefusesRecordsWithServiceUnavailable() async throws {
        let directory = NSTemporaryDirectory() + "inlet-cloud-faults-" + UUID().uuidString
        defer { try? FileManager.default.removeItem(atPath: directory) }
        // 5 s: the function retries for the 3.5 s before its 1.5 s reserve, then answers well
        // before the gateway's own timeout, even on a loaded machine (2 s left too little slack).
        var options = LocalCloudOptions(dataDirectory: directory, functionTimeoutMillis: 5_000, accessKeys: [])
        options.faultFraction = 1
        let cloud = try await LocalCloud.start(options: options, flushPeriod: .seconds(60))
        let put = await firehose(
            cloud, "PutRecordBatch", #"{"DeliveryStreamName":"inlet-events","Records":[{"Data":"YQ=="},{"Data":"Yg=="}]}"#)
        let text = String(decoding: put.body, as: UTF8.self)
        #expect(put.status == 200 && text.contains(#""FailedPutCount":2"#) && text.contains("ServiceUnavailableException"), "\(text)")
        // The function retries until its deadline, then answers 503 with the events kept.
        let post = LocalRequest(
            method: "POST", rawPath: "/events", headers: HTTPHeaders([("content-type", "application/json")]),
            body: Array(#"{"Id":"1"}"#.utf8))
        let answer = await cloud.router.handle(post)
        #expect(answer.status == 503, "\(answer.status) \(String(decoding: answer.body, as: UTF8.self))")
        await cloud.warehouse.stop()
    }

    /// `request` signed now by `signer` for `service` in the local region.
    func signed(_ request: HTTPRequest, _ signer: AWSCredentials, service: String) -> HTTPRequest {
        let date = SigV4Date(secondsSince1970: Int64(Date().timeIntervalSince1970))
        let signerV4 = SigV4Signer(credentials: signer, service: service, region: LocalCloud.region)
        var headers = request.headers
        headers.add(name: "Host", value: "127.0.0.1:4577")
        let target = String(request.url.dropFirst("http://127.0.0.1:4577".count))
        let signature = signerV4.sign(
            SigV4Request(method: request.method.rawValue, host: "127.0.0.1:4577", target: target,
                headers: headers.fields, payload: request.body.isEmpty ? .empty : .bytes(request.body)),
            date: date)
        for (name, value) in signature.all { headers.add(name: name, value: value) }
        return HTTPRequest(method: request.method, url: request.url, headers: headers, body: request.body)
    }

    func local(_ request: HTTPRequest) -> LocalRequest {
        let url = LoopbackTransport.parseURL(request.url)
        var headers = request.headers
        if !headers.contains(name: "host") { headers.add(name: "Host", value: url.host) }
        return LocalRequest(
            method: request.method.rawValue, rawPath: url.rawPath, rawQuery: url.rawQuery, headers: headers,
            body: request.body)
    }
}
