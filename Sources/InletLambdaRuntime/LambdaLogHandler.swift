#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import InletCore
import Logging

/// Lambda's log formats: plain text lines, or JSON lines with `timestamp`, `level`,
/// `message` and `requestId` when `AWS_LAMBDA_LOG_FORMAT=JSON`.
///
/// Only what the code passes as a message or metadata is written; the runtime never
/// passes credentials or event bodies.
public struct LambdaLogHandler: LogHandler {
    /// The two formats Lambda knows.
    public enum Format: Sendable { case text, json }

    /// The line format.
    public let format: Format
    /// Where lines go (standard error by default, which Lambda captures).
    public let fileDescriptor: Int32
    public var logLevel: Logger.Level
    public var metadata: Logger.Metadata = [:]
    let label: String

    /// A handler; `level` comes from `AWS_LAMBDA_LOG_LEVEL` in ``bootstrap(environment:)``.
    public init(label: String, format: Format, level: Logger.Level, fileDescriptor: Int32 = 2) {
        self.label = label
        self.format = format
        self.logLevel = level
        self.fileDescriptor = fileDescriptor
    }

    /// Installs the handler for the whole process, reading the format and level from
    /// the environment the way Lambda's managed runtimes do.
    public static func bootstrap(environment: [String: String]) {
        let format: Format = environment[RuntimeAPI.Variable.logFormat]?.uppercased() == "JSON" ? .json : .text
        let level = parseLevel(environment[RuntimeAPI.Variable.logLevel]) ?? .info
        LoggingSystem.bootstrap { LambdaLogHandler(label: $0, format: format, level: level) }
    }

    /// Lambda's level names (TRACE, DEBUG, INFO, WARN, ERROR, FATAL) as swift-log levels.
    public static func parseLevel(_ text: String?) -> Logger.Level? {
        switch text?.uppercased() {
        case "TRACE": .trace
        case "DEBUG": .debug
        case "INFO": .info
        case "WARN", "WARNING": .warning
        case "ERROR": .error
        case "FATAL", "CRITICAL": .critical
        default: nil
        }
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    static func levelName(_ level: Logger.Level) -> String {
        switch level {
        case .trace: "TRACE"
        case .debug: "DEBUG"
        case .info: "INFO"
        case .notice: "INFO"
        case .warning: "WARN"
        case .error: "ERROR"
        case .critical: "FATAL"
        }
    }

    public func log(event: LogEvent) {
        var all = metadata
        if let extra = event.metadata { all.merge(extra) { $1 } }
        let line = render(level: event.level, message: event.message.description, metadata: all, nowMillis: Self.nowMillis())
        line.withUnsafeBufferPointer { buffer in
            var offset = 0
            while offset < buffer.count {
                let n = write(fileDescriptor, buffer.baseAddress! + offset, buffer.count - offset)
                if n <= 0 { break }
                offset += n
            }
        }
    }

    /// One log line, newline included.
    public func render(level: Logger.Level, message: String, metadata: Logger.Metadata, nowMillis: Int64) -> [UInt8] {
        var out: [UInt8] = []
        var timestamp: [UInt8] = []
        UTCDateTime(epochMillis: nowMillis).appendISO8601(to: &timestamp)
        let requestId = metadata["requestId"].map { "\($0)" }
        switch format {
        case .json:
            out.append(contentsOf: #"{"timestamp":""#.utf8)
            out.append(contentsOf: timestamp)
            out.append(contentsOf: #"","level":""#.utf8)
            out.append(contentsOf: Self.levelName(level).utf8)
            out.append(contentsOf: #"","message":"#.utf8)
            JSONText.appendQuoted(message, to: &out)
            if let requestId {
                out.append(contentsOf: #","requestId":"#.utf8)
                JSONText.appendQuoted(requestId, to: &out)
            }
            for (key, value) in metadata.sorted(by: { $0.key < $1.key }) where key != "requestId" {
                out.append(0x2C)
                JSONText.appendQuoted(key, to: &out)
                out.append(0x3A)
                JSONText.appendQuoted("\(value)", to: &out)
            }
            out.append(0x7D)
        case .text:
            out.append(contentsOf: timestamp)
            out.append(0x09)
            out.append(contentsOf: (requestId ?? "-").utf8)
            out.append(0x09)
            out.append(contentsOf: Self.levelName(level).utf8)
            out.append(0x09)
            out.append(contentsOf: message.utf8)
            for (key, value) in metadata.sorted(by: { $0.key < $1.key }) where key != "requestId" {
                out.append(contentsOf: " \(key)=\(value)".utf8)
            }
        }
        out.append(0x0A)
        return out
    }

    static func nowMillis() -> Int64 {
        var ts = timespec()
        clock_gettime(CLOCK_REALTIME, &ts)
        return Int64(ts.tv_sec) * 1000 + Int64(ts.tv_nsec) / 1_000_000
    }
}
