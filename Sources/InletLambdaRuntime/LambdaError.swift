import InletCore

/// The error body Lambda expects: `{errorMessage, errorType, stackTrace}`.
public struct LambdaErrorReport: Error, Sendable, Equatable {
    /// A message for the person reading the logs.
    public var errorMessage: String
    /// A short type name, also sent as `Lambda-Runtime-Function-Error-Type`.
    public var errorType: String
    /// Frames, if any; Swift errors carry none.
    public var stackTrace: [String]

    /// A report.
    public init(errorMessage: String, errorType: String, stackTrace: [String] = []) {
        self.errorMessage = errorMessage
        self.errorType = errorType
        self.stackTrace = stackTrace
    }

    /// A report for any error; the type name becomes `errorType`.
    public init(_ error: any Error) {
        if let report = error as? LambdaErrorReport {
            self = report
        } else {
            self.init(errorMessage: String(describing: error), errorType: String(describing: type(of: error)))
        }
    }

    /// The JSON body.
    public var json: [UInt8] {
        var out: [UInt8] = Array(#"{"errorMessage":"#.utf8)
        JSONText.appendQuoted(errorMessage, to: &out)
        out.append(contentsOf: #","errorType":"#.utf8)
        JSONText.appendQuoted(errorType, to: &out)
        out.append(contentsOf: #","stackTrace":["#.utf8)
        for (k, frame) in stackTrace.enumerated() {
            if k > 0 { out.append(0x2C) }
            JSONText.appendQuoted(frame, to: &out)
        }
        out.append(contentsOf: "]}".utf8)
        return out
    }
}
