import Foundation
import InletCore
import InletEmulator
import InletHTTP
import InletSigV4

/// A fresh data directory under the system temporary folder; removed by `cleanUp()`.
struct TemporaryDirectory {
    let path: String

    init() throws {
        path = NSTemporaryDirectory() + "inlet-s3-tests-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    /// Every file and folder below `path`, relative to it, sorted.
    func allEntries() -> [String] {
        (FileManager.default.subpaths(atPath: path) ?? []).sorted()
    }

    func cleanUp() {
        try? FileManager.default.removeItem(atPath: path)
    }
}

enum S3Fixtures {
    static let credentials = AWSCredentials(accessKeyId: "AKIDLOCALTEST", secretAccessKey: "local/secret+key=")
    static let signingTime = SigV4Date(amzDate: "20261127T100000Z")!
    static let host = "127.0.0.1:4566"
    static let region = "eu-west-1"

    static func authenticator(now: SigV4Date = signingTime, region: String? = nil) -> SigV4Authenticator {
        SigV4Authenticator(credentials: [credentials], region: region, now: { now })
    }

    /// A request signed by Inlet's `SigV4Signer` with S3's rules. `path` is the wire (encoded) path.
    static func signed(
        _ method: String, _ path: String, query: String = "", headers: [(String, String)] = [], body: [UInt8] = [],
        credentials: AWSCredentials = credentials, service: String = "s3", region: String = region,
        date: SigV4Date = signingTime, payload: SigV4Payload? = nil
    ) -> LocalRequest {
        let signer = SigV4Signer(credentials: credentials, service: service, region: region)
        let target = query.isEmpty ? path : path + "?" + query
        let request = SigV4Request(
            method: method, host: host, target: target, headers: headers.map { (name: $0.0, value: $0.1) },
            payload: payload ?? (body.isEmpty ? .empty : .bytes(body)))
        var all = HTTPHeaders([("Host", host)] + headers)
        for header in signer.sign(request, date: date).all { all.add(name: header.name, value: header.value) }
        return LocalRequest(method: method, rawPath: path, rawQuery: query, headers: all, body: body)
    }

    /// An unsigned request (for services with auth off).
    static func plain(
        _ method: String, _ path: String, query: String = "", headers: [(String, String)] = [], body: [UInt8] = []
    ) -> LocalRequest {
        LocalRequest(
            method: method, rawPath: path, rawQuery: query, headers: HTTPHeaders([("Host", host)] + headers), body: body)
    }
}

/// An `HTTPTransport` that hands requests to an ``S3Service`` in process, so `S3Client` runs unchanged.
struct InProcessS3Transport: HTTPTransport {
    let service: S3Service

    func send(_ request: HTTPRequest, timeout: Duration?) async throws(TransportError) -> HTTPResponse {
        var rest = Substring(request.url)
        if let scheme = rest.range(of: "://") { rest = rest[scheme.upperBound...] }
        let slash = rest.firstIndex(of: "/") ?? rest.endIndex
        let host = String(rest[..<slash])
        let target = rest[slash...]
        let question = target.firstIndex(of: "?")
        let path = String(target[..<(question ?? target.endIndex)])
        let query = question.map { String(target[target.index(after: $0)...]) } ?? ""
        var headers = request.headers
        if !headers.contains(name: "Host") { headers.add(name: "Host", value: host) }
        let response = await service.handle(
            LocalRequest(
                method: request.method.rawValue, rawPath: path.isEmpty ? "/" : path, rawQuery: query, headers: headers,
                body: request.body))
        return HTTPResponse(status: response.status, headers: response.headers, body: response.body)
    }
}

extension LocalResponse {
    var text: String { String(decoding: body, as: UTF8.self) }

    /// The text of the first `<name>` element, or nil.
    func xml(_ name: String) -> String? {
        guard let open = text.range(of: "<\(name)>"), let close = text.range(of: "</\(name)>", range: open.upperBound..<text.endIndex)
        else { return nil }
        return String(text[open.upperBound..<close.lowerBound])
    }

    /// The texts of every `<name>` element, in order.
    func xmlAll(_ name: String) -> [String] {
        var out: [String] = []
        var from = text.startIndex
        while let open = text.range(of: "<\(name)>", range: from..<text.endIndex),
            let close = text.range(of: "</\(name)>", range: open.upperBound..<text.endIndex)
        {
            out.append(String(text[open.upperBound..<close.lowerBound]))
            from = close.upperBound
        }
        return out
    }

    /// The S3 error code of an `<Error>` body.
    var errorCode: String? { xml("Code") }
}
