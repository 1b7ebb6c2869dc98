import InletCore
import InletEmulator

/// Reads an HTTP/1.1 request written as text, as the AWS SigV4 test suite writes them
/// (`request.txt`, `header-signed-request.txt`): the request line, header lines (a line that
/// starts with a space or tab continues the previous value), an empty line, the body.
/// Lenient, so that every input becomes some request: a missing part is empty.
enum RequestText {
    static func parse(_ bytes: [UInt8]) -> LocalRequest {
        var lines: [ArraySlice<UInt8>] = []
        var index = 0
        var bodyStart = bytes.count
        while index < bytes.count {
            var end = index
            while end < bytes.count && bytes[end] != 0x0A { end += 1 }
            var line = bytes[index..<end]
            if line.last == 0x0D { line = line.dropLast() }
            index = end + 1
            if line.isEmpty && !lines.isEmpty {
                bodyStart = min(index, bytes.count)
                break
            }
            lines.append(line)
        }
        // `METHOD target HTTP/1.1`; the suite's targets may hold spaces, so the version is cut from the end.
        var requestLine = lines.first ?? []
        let space = requestLine.firstIndex(of: 0x20) ?? requestLine.endIndex
        let method = String(decoding: requestLine[..<space], as: UTF8.self)
        requestLine = space < requestLine.endIndex ? requestLine[(space + 1)...] : []
        let version = Array(" HTTP/".utf8)
        if let cut = requestLine.indices.reversed().first(where: { requestLine[$0...].starts(with: version) }) {
            requestLine = requestLine[..<cut]
        }
        let question = requestLine.firstIndex(of: UInt8(ascii: "?"))
        let rawPath = String(decoding: requestLine[..<(question ?? requestLine.endIndex)], as: UTF8.self)
        let rawQuery = question.map { String(decoding: requestLine[($0 + 1)...], as: UTF8.self) } ?? ""

        var fields: [(String, String)] = []
        for line in lines.dropFirst() {
            if let first = line.first, first == 0x20 || first == 0x09, !fields.isEmpty {
                fields[fields.count - 1].1 += "\n" + String(decoding: line, as: UTF8.self)
                continue
            }
            let colon = line.firstIndex(of: UInt8(ascii: ":")) ?? line.endIndex
            let name = String(decoding: line[..<colon], as: UTF8.self)
            let value = colon < line.endIndex ? line[(colon + 1)...] : []
            fields.append((name, String(decoding: trimmed(value), as: UTF8.self)))
        }
        return LocalRequest(
            method: method, rawPath: rawPath, rawQuery: rawQuery, headers: HTTPHeaders(fields),
            body: Array(bytes[bodyStart...]), remoteAddress: "127.0.0.1")
    }

    /// Without the surrounding spaces and tabs an HTTP parser strips from a field value.
    static func trimmed(_ value: ArraySlice<UInt8>) -> ArraySlice<UInt8> {
        var value = value
        while let first = value.first, first == 0x20 || first == 0x09 { value = value.dropFirst() }
        while let last = value.last, last == 0x20 || last == 0x09 { value = value.dropLast() }
        return value
    }
}
