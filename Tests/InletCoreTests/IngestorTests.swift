import Foundation
import Testing
@testable import InletCore

@Suite struct IngestorTests {
    let ingestor = Ingestor()

    func run(_ body: String, format: BodyFormat = .detect, context: IngestContext = fixedContext) throws -> IngestBatch {
        try ingestor.process(body: bytes(body), format: format, context: context)
    }

    /// Parses one record back, to look at its fields.
    func fields(_ batch: IngestBatch, _ k: Int) throws -> [String: Any] {
        let record = Array(batch.record(batch.accepted[k]))
        #expect(record.last == 0x0A)
        return try JSONSerialization.jsonObject(with: Data(record)) as! [String: Any]
    }

    @Test func acceptsTheSampleEventAndEnrichesIt() throws {
        let sample = try Data(contentsOf: Fixtures.repository.appendingPathComponent("tests/sample.json"))
        let batch = try ingestor.process(body: Array(sample), format: .detect, context: fixedContext)
        #expect(batch.eventCount == 1)
        #expect(batch.rejected.isEmpty)
        let record = batch.record(batch.accepted[0]).text
        #expect(record.hasPrefix(#"{"Id":"1","Name":"John","Age":"10","Sex":"Male","_ingest":{"event_id":""#))
        #expect(record.hasSuffix("\n"))
        let ingest = try fields(batch, 0)["_ingest"] as! [String: Any]
        #expect(ingest["received_at"] as? String == "2025-11-27T09:19:01.123Z")
        #expect(ingest["request_id"] as? String == fixedContext.requestId)
        #expect(ingest["source_ip"] as? String == "203.0.113.7")
        #expect(ingest["user_agent"] as? String == "curl/8.5.0")
        #expect(ingest["contract"] as? String == Contract.default.id)
        let id = ingest["event_id"] as! String
        #expect(UUID(uuidString: id) != nil)
        #expect(Array(id)[14] == "8")
    }

    @Test func eventIdsAreDeterministicPerRequestAndIndex() throws {
        let body = "{\"Id\":\"a\"}\n{\"Id\":\"a\"}\n"
        let first = try run(body)
        let again = try run(body)
        let other = try run(body, context: IngestContext(requestId: "another", receivedAtMillis: 0))
        let ids = { (b: IngestBatch) in try (0..<2).map { try (self.fields(b, $0)["_ingest"] as! [String: Any])["event_id"] as! String } }
        #expect(try ids(first) == ids(again))
        #expect(try ids(first)[0] != ids(first)[1])
        #expect(try Set(ids(first)).isDisjoint(with: ids(other)))
    }

    @Test func rejectsABlankOrMissingIdWithReasons() throws {
        let batch = try run("{\"Id\":\"\"}\n{\"Name\":\"x\"}\n{\"Id\":\"   \"}\n")
        #expect(batch.accepted.isEmpty)
        #expect(batch.rejected.map(\.index) == [0, 1, 2])
        #expect(batch.rejected.allSatisfy { $0.code == .contractViolation })
        #expect(batch.rejected[0].reasons.contains { $0.pointer == "/Id" })
        #expect(batch.rejected[1].reasons.contains { $0.keyword == "required" && $0.message.contains("Id") })
        #expect(batch.rejected[2].reasons.contains { $0.pointer == "/Id" })
    }

    @Test func readsAnArrayOfEvents() throws {
        let batch = try run(#"[{"Id":"1"}, {"Id":""}, 7, {"Id":"3"}]"#)
        #expect(batch.eventCount == 4)
        #expect(batch.accepted.map(\.index) == [0, 3])
        #expect(batch.rejected.map(\.index) == [1, 2])
        #expect(batch.rejected[1].code == .notAnObject)
        #expect(batch.rejected[1].raw.text == "7")
    }

    @Test func minifiesEventsInsideASpacedArray() throws {
        let batch = try run("[ {\"Id\" : \"1\", \"a\" : [ 1, 2 ]} ]")
        #expect(batch.record(batch.accepted[0]).text.hasPrefix(#"{"Id":"1","a":[1,2],"_ingest":"#))
    }

    @Test func aMalformedArrayIsOneRejectionHoldingTheWholeBody() throws {
        let body = #"[{"Id":"1"}, {"Id":}]"#
        let batch = try run(body)
        #expect(batch.accepted.isEmpty)
        #expect(batch.rejected.count == 1)
        #expect(batch.rejected[0].code == .malformedJSON)
        #expect(batch.rejected[0].raw.text == body)
    }

    @Test func readsNDJSONAndResumesAfterABadLine() throws {
        let batch = try run("{\"Id\":\"1\"}\r\n{\"Id\":\n\n{\"Id\":\"3\"}{\"Id\":\"4\"}\n", format: .ndjson)
        #expect(batch.eventCount == 4)
        #expect(batch.accepted.map(\.index) == [0, 2, 3])
        #expect(batch.rejected.map(\.index) == [1])
        #expect(batch.rejected[0].raw.text == "{\"Id\":")
    }

    @Test func detectsNDJSONWithoutAContentType() throws {
        let batch = try run("{\"Id\":\"1\"}\n{\"Id\":\"2\"}")
        #expect(batch.accepted.count == 2)
    }

    @Test func neverOverwritesTheSendersIngestField() throws {
        let batch = try run(#"{"Id":"1","_ingest":{"event_id":"forged"}}"#)
        #expect(batch.accepted.isEmpty)
        #expect(batch.rejected[0].code == .reservedField)
        #expect(batch.rejected[0].reasons[0].pointer == "/_ingest")
    }

    @Test func findsTheIngestFieldHoweverItIsWritten() throws {
        var filler = ""
        for k in 0..<40 { filler += "\"f\(k)\":\(k)," }
        for body in [
            #"{"Id":"1","\u005fingest":1}"#, #"{"_ingest":null,"Id":"1"}"#, "{" + filler + #""Id":"1","_ingest":{}}"#,
            #"[{"Id":"1","_ingest":1}]"#, "{\"Id\":\"1\"}\n{\"Id\":\"2\",\"_ingest\":1}",
        ] {
            let batch = try run(body)
            #expect(batch.rejected.last?.code == .reservedField, "\(body)")
        }
        for body in [#"{"Id":"1","x":{"_ingest":1}}"#, "{" + filler + #""Id":"1"}"#, #"{"Id":"1","_ingest2":1,"_inges":2}"#] {
            #expect(try run(body).accepted.count == 1, "\(body)")
        }
    }

    @Test func enrichesAnEmptyObjectWithoutALeadingComma() throws {
        let custom = try Contract(schema: bytes("{}"))
        let batch = try Ingestor(contract: custom).process(body: bytes("{}"), format: .detect, context: fixedContext)
        let record = try #require(batch.accepted.first)
        #expect(batch.record(record).text.hasPrefix(#"{"_ingest":{"#))
        _ = try fields(batch, 0)
    }

    @Test func rejectsARecordOverTheFirehoseLimitButKeepsTheRest() throws {
        let big = "{\"Id\":\"1\",\"pad\":\"" + String(repeating: "x", count: 1_023_900) + "\"}"
        let small = "{\"Id\":\"2\",\"pad\":\"" + String(repeating: "x", count: 1_023_000) + "\"}"
        let batch = try run(big + "\n" + small + "\n")
        #expect(batch.rejected.map(\.code) == [.recordTooLarge])
        #expect(batch.rejected[0].raw.count == big.utf8.count)
        #expect(batch.accepted.map(\.index) == [1])
        #expect(batch.accepted[0].range.count <= 1_024_000)
    }

    @Test func givesEveryRecordTheSameEnrichmentWhateverIsRejected() throws {
        let big = "{\"Id\":\"1\",\"pad\":\"" + String(repeating: "x", count: 1_023_900) + "\"}"
        for events in [["{\"Id\":\"a\"}", big, "{\"Id\":\"c\"}", "{\"Id\":\"b\"}"], [big, "{\"Id\":\"a\"}", big, "{\"Id\":\"b\"}", "{\"Id\":\"c\"}"]] {
            let batch = try run(events.joined(separator: "\n"))
            #expect(batch.accepted.count == 3)
            let tails = batch.accepted.map { accepted in
                let record = batch.record(accepted).text
                return record[record.range(of: "\",\"received_at\"")!.lowerBound...]
            }
            #expect(Set(tails).count == 1)
            #expect(tails[0].hasSuffix("\"contract\":\"inlet:default-contract:v1\"}}\n"))
            for k in batch.accepted.indices { _ = try fields(batch, k) }
        }
    }

    @Test func carriesHugeNumbersThroughByteExact() throws {
        let batch = try run(#"{"Id":"1","n":9007199254740993,"d":3.141592653589793238462643383279}"#)
        #expect(batch.record(batch.accepted[0]).text.hasPrefix(#"{"Id":"1","n":9007199254740993,"d":3.141592653589793238462643383279,"#))
    }

    @Test func refusesAnEmptyBodyAndAnOversizedDecodedBody() throws {
        #expect(throws: IngestError(.emptyBody, "the body holds no events; send a JSON object, an array or NDJSON")) {
            try run(" \n ")
        }
        let small = Ingestor(limits: IngestLimits().with(maxDecodedBodyBytes: 10))
        #expect {
            try small.process(body: bytes(#"{"Id":"12345678"}"#), format: .detect, context: fixedContext)
        } throws: { ($0 as? IngestError)?.code == .decodedBodyTooLarge }
    }

    @Test func choosesTheFramingFromTheContentType() throws {
        #expect(try BodyFormat.forContentType(nil) == .detect)
        #expect(try BodyFormat.forContentType("application/json; charset=utf-8") == .detect)
        #expect(try BodyFormat.forContentType("Application/X-NDJSON") == .ndjson)
        #expect(try BodyFormat.forContentType("application/vnd.api+json") == .detect)
        #expect(throws: IngestError.self) { try BodyFormat.forContentType("application/xml") }
        do {
            _ = try BodyFormat.forContentType("multipart/form-data; boundary=x")
        } catch {
            #expect(error.httpStatus == 415)
            #expect(error.message.contains("multipart/form-data"))
        }
    }

    /// Every file in the malformed corpus is named `<expected code>--<case>.json`.
    @Test func rejectsEveryInputInTheMalformedCorpus() throws {
        let files = try Fixtures.files(in: "malformed")
        #expect(files.count >= 50)
        for file in files {
            let expected = String(file.lastPathComponent.split(separator: "-", maxSplits: 1)[0])
            let body = Array(try Data(contentsOf: file))
            let batch = try ingestor.process(body: body, format: .detect, context: fixedContext)
            #expect(batch.accepted.isEmpty, "\(file.lastPathComponent) was accepted")
            let first = try #require(batch.rejected.first, "\(file.lastPathComponent) had no rejection")
            let got = first.code == .malformedJSON ? first.reasons[0].keyword : first.code.rawValue
            #expect(got == expected, "\(file.lastPathComponent): \(first.reasons)")
        }
    }

    @Test func escapesTheContextInTheEnrichment() throws {
        let context = IngestContext(
            requestId: "r\"1\\\n\u{1}é", receivedAtMillis: 253_402_300_800_000, sourceIp: nil, userAgent: "ua\t\"x\"")
        let batch = try run("{\"Id\":\"1\"}\n{}", context: context)
        #expect(batch.accepted.count == 1)
        let ingest = try fields(batch, 0)["_ingest"] as! [String: Any]
        #expect(ingest["request_id"] as? String == context.requestId)
        #expect(ingest["received_at"] as? String == "10000-01-01T00:00:00.000Z")
        #expect(ingest["source_ip"] is NSNull)
        #expect(ingest["user_agent"] as? String == context.userAgent)
        let record = batch.record(batch.accepted[0]).text
        #expect(record.hasSuffix(#","source_ip":null,"user_agent":"ua\t\"x\"","contract":"inlet:default-contract:v1"}}"# + "\n"))
    }

    @Test func encodesErrorEnvelopesWithTheOriginalText() throws {
        let batch = try run(#"{"Id":""}"#)
        let envelope = ErrorEnvelope.encode(batch.rejected, context: fixedContext, contractId: "c1")
        #expect(envelope.last == 0x0A)
        let object = try JSONSerialization.jsonObject(with: Data(envelope)) as! [String: Any]
        #expect(object["error"] as? String == "contract_violation")
        #expect(object["raw_event"] as? String == #"{"Id":""}"#)
        #expect(object["received_at"] as? String == "2025-11-27T09:19:01.123Z")
        #expect(object["request_id"] as? String == fixedContext.requestId)
        #expect((object["reasons"] as? [[String: Any]])?.first?["pointer"] as? String == "/Id")
    }

    @Test func keepsNonUTF8OriginalsAsBase64() throws {
        let body: [UInt8] = Array(#"{"Id":""#.utf8) + [0xFF] + Array(#""}"#.utf8)
        let batch = try ingestor.process(body: body, format: .detect, context: fixedContext)
        let envelope = ErrorEnvelope.encode(batch.rejected, context: fixedContext, contractId: "c1")
        let object = try JSONSerialization.jsonObject(with: Data(envelope)) as! [String: Any]
        #expect(object["raw_event"] == nil)
        #expect(try Base64.decode(bytes(object["raw_event_base64"] as! String)) == body)
    }
}

@Suite struct EnrichmentPrimitiveTests {
    @Test func formatsUTCTimestampsWithMilliseconds() {
        #expect(UTCDateTime(epochMillis: 0).iso8601 == "1970-01-01T00:00:00.000Z")
        #expect(UTCDateTime(epochMillis: 951_782_400_999).iso8601 == "2000-02-29T00:00:00.999Z")
        #expect(UTCDateTime(epochMillis: 1_764_235_141_123).iso8601 == "2025-11-27T09:19:01.123Z")
        #expect(UTCDateTime(epochMillis: -1).iso8601 == "1969-12-31T23:59:59.999Z")
        #expect(UTCDateTime.daysFromCivil(year: 2000, month: 3, day: 1) == 11_017)
    }

    @Test func formatsYearsOutsideFourDigitsAsBefore() {
        #expect(UTCDateTime(epochMillis: 253_402_300_800_000).iso8601 == "10000-01-01T00:00:00.000Z")
        #expect(UTCDateTime(epochMillis: 3_000_000_000_000_000).iso8601 == "97036-03-20T05:20:00.000Z")
        #expect(UTCDateTime(epochMillis: -62_200_000_000_000).iso8601 == "0000-12-17T14:13:20.000Z")
        var out: [UInt8] = [0x78]
        UTCDateTime(epochMillis: 1_764_235_141_123).appendISO8601(to: &out)
        #expect(out.text == "x2025-11-27T09:19:01.123Z")
    }

    @Test func copiesPiecesOfEveryLength() {
        let source = (0..<40).map { UInt8(0x41 + $0) }
        for n in 0...40 {
            var out: [UInt8] = [0x2D]
            source.withUnsafeBufferPointer { all in
                out.append(writing: n + 1) { w in
                    w.put(UnsafeBufferPointer(rebasing: all[0..<n]))
                    w.put(0x2E)
                }
            }
            #expect(out == [0x2D] + source[0..<n] + [0x2E], "\(n)")
        }
    }

    @Test func writesEveryTwoDigitNumber() {
        var out: [UInt8] = []
        out.append(writing: 200) { w in for v in 0..<100 { w.putTwoDigits(v) } }
        #expect(out.text == (0..<100).map { $0 < 10 ? "0\($0)" : "\($0)" }.joined())
    }

    @Test func keepsEventIdsStable() {
        // Ids must never change for a given request id and index: retries rely on them.
        let ids = [
            ("c6af9ac6-7b61-11e6-9a41-93e8deadbeef", 0, "2855f60b-f45f-8c0b-96bd-91f42e2490b7"),
            ("c6af9ac6-7b61-11e6-9a41-93e8deadbeef", 1, "b2328c2f-0bf1-8e88-b032-c7bdb7e5e7ac"),
            ("", 0, "21fa69a5-8f3d-82f5-aeeb-edd37773eab5"),
            ("é\"", 123_456, "839c6a4b-e886-8dba-adcf-f56a7b7bee5e"),
        ]
        for (requestId, index, id) in ids {
            #expect(EventIDGenerator(requestId: requestId).id(index: index) == id)
            var out: [UInt8] = [0x78]
            EventIDGenerator(requestId: requestId).append(index: index, to: &out)
            #expect(out.text == "x" + id)
        }
    }

    @Test func quotesLikeAppendQuotedWithEscapesAtEveryOffset() {
        let specials: [UInt8] = [0x22, 0x5C, 0x0A, 0x0D, 0x09, 0x08, 0x0C, 0x00, 0x1F, 0x7F, 0xC3]
        for k in 0..<20 {
            for special in specials {
                var text = [UInt8](repeating: 0x61, count: k) + [special] + [UInt8](repeating: 0x62, count: 19 - k)
                if special == 0xC3 { text.insert(0xA9, at: k + 1) }
                var expected: [UInt8] = []
                text.withUnsafeBufferPointer { JSONText.appendQuoted(bytes: $0, to: &expected) }
                var written: [UInt8] = []
                text.withUnsafeBufferPointer { bytes in
                    written.append(writingAtMost: ByteWriter.quotedLimit(bytes.count)) { $0.putQuoted(bytes) }
                }
                #expect(written == expected, "\(special) at \(k)")
            }
        }
        var empty: [UInt8] = []
        empty.append(writing: 2) { $0.putQuoted(UnsafeBufferPointer(start: nil, count: 0)) }
        #expect(empty.text == "\"\"")
    }

    @Test func roundTripsBase64() throws {
        for n in 0..<70 {
            let data = (0..<n).map { UInt8(truncatingIfNeeded: $0 &* 37 &+ 11) }
            let text = Base64.encode(data)
            #expect(text == Data(data).base64EncodedString())
            #expect(try Base64.decode(bytes(text)) == data)
        }
    }

    @Test(arguments: ["abc", "ab=c", "a===", "ab c", "ab\ncd", "abc!", "====", "Zm9v=Zm9v"])
    func rejectsInvalidBase64(_ text: String) {
        #expect(throws: Base64.DecodingError.self) { try Base64.decode(bytes(text)) }
    }
}
