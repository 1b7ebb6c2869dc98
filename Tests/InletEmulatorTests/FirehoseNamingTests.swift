import InletCore
import Testing

@testable import InletEmulator

/// Object names and prefix expressions as AWS evaluates them.
@Suite struct FirehoseNamingTests {
    @Test func noPrefixIsTheDefaultTimePrefix() throws {
        #expect(try FirehoseNaming.evaluate(nil, epochMillis: fixedMillis) == "2026/11/27/10/")
        #expect(try FirehoseNaming.evaluate("", epochMillis: fixedMillis) == "2026/11/27/10/")
    }

    @Test func aPrefixWithoutExpressionsGetsTheTimePrefixAppended() throws {
        #expect(try FirehoseNaming.evaluate("logs/", epochMillis: fixedMillis) == "logs/2026/11/27/10/")
    }

    @Test func timestampExpressionsFollowJavaPatterns() throws {
        #expect(
            try FirehoseNaming.evaluate("dt=!{timestamp:yyyy-MM-dd}/h=!{timestamp:HH}/", epochMillis: fixedMillis)
                == "dt=2026-11-27/h=10/")
        #expect(try FirehoseNaming.evaluate("!{timestamp:yy/M/d/H:mm:ss}/", epochMillis: fixedMillis) == "26/11/27/10:15:30/")
        // Quoted literal text, and '' for a quote.
        #expect(
            try FirehoseNaming.evaluate("!{timestamp:'year='yyyy'/month='MM''}/", epochMillis: fixedMillis)
                == "year=2026/month=11'/")
        #expect(throws: FirehoseNaming.ExpressionError.self) {
            try FirehoseNaming.evaluate("!{timestamp:EEE}/", epochMillis: fixedMillis)
        }
    }

    @Test func randomStringIsElevenAlphanumerics() throws {
        let prefix = try FirehoseNaming.evaluate("r=!{firehose:random-string}/", epochMillis: fixedMillis)
        #expect(matches(prefix, "r=[A-Za-z0-9]{11}/"))
        let other = try FirehoseNaming.evaluate("r=!{firehose:random-string}/", epochMillis: fixedMillis)
        #expect(prefix != other)
    }

    @Test func errorOutputTypeOnlyInTheErrorPrefix() throws {
        #expect(
            try FirehoseNaming.evaluate(
                "errors/!{firehose:error-output-type}/!{timestamp:yyyy}/", epochMillis: fixedMillis,
                errorOutputType: "processing-failed") == "errors/processing-failed/2026/")
        #expect(throws: FirehoseNaming.ExpressionError.self) {
            try FirehoseNaming.evaluate("!{firehose:error-output-type}/", epochMillis: fixedMillis)
        }
        #expect(throws: FirehoseNaming.ExpressionError.self) {
            try FirehoseNaming.evaluate("!{unknown:x}/", epochMillis: fixedMillis)
        }
        #expect(throws: FirehoseNaming.ExpressionError.self) {
            try FirehoseNaming.evaluate("!{timestamp:yyyy/", epochMillis: fixedMillis)
        }
    }

    @Test func suffixAndUUID() {
        let uuid = FirehoseNaming.uuidV4()
        #expect(matches(uuid, "[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}"))
        #expect(
            FirehoseNaming.suffix(stream: "events", version: 1, epochMillis: fixedMillis, uuid: uuid, gzip: true)
                == "events-1-2026-11-27-10-15-30-\(uuid).gz")
    }

    @Test func configValidation() {
        #expect(throws: FirehoseError("InvalidArgumentException", "ErrorOutputPrefix cannot be null or empty when Prefix contains expressions.")) {
            try DeliveryStreamConfig(name: "s", bucket: "b", prefix: "!{timestamp:yyyy}/").validate()
        }
        #expect(throws: FirehoseError.self) { try DeliveryStreamConfig(name: "s", bucket: "b", bufferingSizeMiB: 129).validate() }
        #expect(throws: FirehoseError.self) { try DeliveryStreamConfig(name: "s", bucket: "b", bufferingIntervalSeconds: 901).validate() }
        #expect(throws: FirehoseError.self) { try DeliveryStreamConfig(name: "a/b", bucket: "b").validate() }
        #expect(throws: FirehoseError.self) { try DeliveryStreamConfig(name: String(repeating: "a", count: 65), bucket: "b").validate() }
        #expect(throws: Never.self) { try DeliveryStreamConfig(name: "a.b-c_D9", bucket: "b").validate() }
    }
}
