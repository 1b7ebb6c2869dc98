/// The Lambda Runtime API's paths and headers, in one place.
public enum RuntimeAPI {
    /// The API version prefix.
    public static let version = "2018-06-01"
    /// `GET`: blocks until the next invocation arrives.
    public static let nextPath = "/\(version)/runtime/invocation/next"
    /// `POST`: reports that initialisation failed.
    public static let initErrorPath = "/\(version)/runtime/init/error"
    /// `POST`: the result of invocation `id`.
    public static func responsePath(_ id: String) -> String { "/\(version)/runtime/invocation/\(id)/response" }
    /// `POST`: the failure of invocation `id`.
    public static func errorPath(_ id: String) -> String { "/\(version)/runtime/invocation/\(id)/error" }

    /// Headers on `/next` responses and on error reports.
    public enum Header {
        public static let requestId = "lambda-runtime-aws-request-id"
        public static let deadline = "lambda-runtime-deadline-ms"
        public static let functionArn = "lambda-runtime-invoked-function-arn"
        public static let traceId = "lambda-runtime-trace-id"
        public static let clientContext = "lambda-runtime-client-context"
        public static let cognitoIdentity = "lambda-runtime-cognito-identity"
        public static let tenantId = "lambda-runtime-aws-tenant-id"
        public static let functionErrorType = "Lambda-Runtime-Function-Error-Type"
    }

    /// Environment variables the runtime reads once, at start.
    public enum Variable {
        public static let runtimeAPI = "AWS_LAMBDA_RUNTIME_API"
        public static let handler = "_HANDLER"
        public static let logFormat = "AWS_LAMBDA_LOG_FORMAT"
        public static let logLevel = "AWS_LAMBDA_LOG_LEVEL"
        public static let traceId = "_X_AMZN_TRACE_ID"
        public static let functionName = "AWS_LAMBDA_FUNCTION_NAME"
    }
}
