import Foundation
import Testing
import InletSigV4

@Suite struct SigV4DateTests {
    @Test func formatsTheSuiteTimestamp() {
        let date = SigV4Date(secondsSince1970: 1_440_938_160)
        #expect(date.amzDate == "20150830T123600Z")
        #expect(date.dateStamp == "20150830")
        #expect(SigV4Date(amzDate: "20150830T123600Z") == date)
    }

    @Test func agreesWithFoundationAcrossCenturies() {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyyMMdd'T'HHmmss'Z'"
        var rng = SplitMix64(seed: 42)
        // 1601 to 2399, plus leap days and the epoch.
        var instants: [Int64] = [0, -1, 951_782_400, 951_868_799, 4_107_542_399, 1_709_164_800, -2_208_988_800]
        for _ in 0..<2000 { instants.append(Int64.random(in: -11_644_473_600...13_569_465_600, using: &rng)) }
        for seconds in instants {
            let expected = formatter.string(from: Date(timeIntervalSince1970: TimeInterval(seconds)))
            let date = SigV4Date(secondsSince1970: seconds)
            #expect(date.amzDate == expected, "\(seconds)")
            #expect(SigV4Date(amzDate: expected) == date, "\(expected)")
        }
    }

    @Test func parsesHTTPDates() {
        #expect(SigV4Date(httpDate: "Sun, 30 Aug 2015 12:36:00 GMT") == SigV4Date(secondsSince1970: 1_440_938_160))
        #expect(SigV4Date(httpDate: "Sun, 30 Aug 2015 12:36:00 UTC") == nil)
        #expect(SigV4Date(httpDate: "Sunday, 30-Aug-15 12:36:00 GMT") == nil)
    }

    @Test func rejectsMalformedAmzDates() {
        for text in ["", "20150830T123600", "2015-08-30T12:36:00Z", "20150230T123600Z", "20151330T123600Z",
            "20150830T243600Z", "20150830T126000Z", "2015083OT123600Z", "+0150830T123600Z"]
        {
            #expect(SigV4Date(amzDate: text) == nil, "\(text)")
        }
        #expect(SigV4Date(amzDate: "20240229T000000Z") != nil)
        #expect(SigV4Date(amzDate: "20230229T000000Z") == nil)
    }
}
