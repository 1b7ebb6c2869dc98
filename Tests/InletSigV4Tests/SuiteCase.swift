import Foundation
import InletSigV4

/// One case of the AWS SigV4 test suite (`Fixtures/sigv4/v4/<name>`), parsed.
struct SuiteCase {
    let name: String
    let directory: URL
    let credentials: AWSCredentials
    let region: String
    let service: String
    let date: SigV4Date
    let normalize: Bool
    let signBody: Bool
    let omitSessionToken: Bool
    let expires: Int
    let request: RawRequest

    /// request.txt split into its parts, kept as written so the signed request can be rebuilt.
    struct RawRequest {
        var method: String
        var target: String
        var version: String
        var headers: [(name: String, value: String)]
        var body: [UInt8]

        var host: String { headers.first { $0.name.lowercased() == "host" }?.value ?? "" }

        init(text: String) {
            var lines = text.components(separatedBy: "\n")
            let requestLine = lines.removeFirst()
            let firstSpace = requestLine.firstIndex(of: " ")!
            let lastSpace = requestLine.lastIndex(of: " ")!
            method = String(requestLine[..<firstSpace])
            target = String(requestLine[requestLine.index(after: firstSpace)..<lastSpace])
            version = String(requestLine[requestLine.index(after: lastSpace)...])
            headers = []
            body = []
            while !lines.isEmpty {
                let line = lines.removeFirst()
                if line.isEmpty {
                    body = Array(lines.joined(separator: "\n").utf8)
                    break
                }
                if line.first == " " || line.first == "\t", !headers.isEmpty {
                    // An obs-fold continuation line belongs to the previous header's value.
                    headers[headers.count - 1].value += "\n" + line
                    continue
                }
                let colon = line.firstIndex(of: ":")!
                headers.append((String(line[..<colon]), String(line[line.index(after: colon)...])))
            }
        }

        /// The request as the suite writes a signed request: request line, headers, blank line, body.
        func text(target: String, extraHeaders: [(name: String, value: String)]) -> String {
            var out = "\(method) \(target) \(version)\n"
            for header in headers + extraHeaders { out += "\(header.name):\(header.value)\n" }
            out += "\n"
            out += String(decoding: body, as: UTF8.self)
            return out
        }
    }

    init(directory: URL) throws {
        self.directory = directory
        name = directory.lastPathComponent
        let context = try JSONSerialization.jsonObject(with: Data(contentsOf: directory.appendingPathComponent("context.json")))
            as! [String: Any]
        let creds = context["credentials"] as! [String: Any]
        credentials = AWSCredentials(
            accessKeyId: creds["access_key_id"] as! String, secretAccessKey: creds["secret_access_key"] as! String,
            sessionToken: creds["token"] as? String)
        region = context["region"] as! String
        service = context["service"] as! String
        normalize = context["normalize"] as? Bool ?? true
        signBody = context["sign_body"] as? Bool ?? false
        omitSessionToken = context["omit_session_token"] as? Bool ?? false
        expires = context["expiration_in_seconds"] as? Int ?? 3600
        let formatter = ISO8601DateFormatter()
        let timestamp = formatter.date(from: context["timestamp"] as! String)!
        date = SigV4Date(secondsSince1970: Int64(timestamp.timeIntervalSince1970))
        request = RawRequest(
            text: try String(contentsOf: directory.appendingPathComponent("request.txt"), encoding: .utf8))
    }

    func read(_ file: String) throws -> String {
        try String(contentsOf: directory.appendingPathComponent(file), encoding: .utf8)
    }

    var options: SigV4Options {
        SigV4Options.forService(service).with {
            $0.normalizePath = normalize
            $0.addContentSHA256Header = signBody
            $0.signSessionToken = !omitSessionToken
        }
    }

    var signer: SigV4Signer {
        SigV4Signer(credentials: credentials, service: service, region: region, options: options)
    }

    var sigV4Request: SigV4Request {
        SigV4Request(
            method: request.method, host: request.host, target: request.target, headers: request.headers,
            payload: .bytes(request.body))
    }

    static func all() throws -> [SuiteCase] {
        let root = Bundle.module.resourceURL!.appendingPathComponent("Fixtures/sigv4/v4")
        let names = try FileManager.default.contentsOfDirectory(atPath: root.path).sorted()
        return try names.map { try SuiteCase(directory: root.appendingPathComponent($0)) }
    }
}
