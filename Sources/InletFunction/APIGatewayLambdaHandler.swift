import InletAPIGateway
import InletLambdaRuntime
import Logging

/// A Lambda handler for API Gateway proxy events that can also take the event as a value.
/// In Lambda the event arrives as JSON (``LambdaHandler/handle(_:context:logger:)``); an
/// emulator running the function in its own process hands over the request it has already
/// parsed and maps the response back itself, skipping a JSON round trip each way. Both
/// entries must answer alike: the JSON one decodes, calls the typed one and encodes.
public protocol APIGatewayLambdaHandler: LambdaHandler {
    /// Handles one proxy request.
    func handle(_ request: APIGatewayRequest, context: LambdaContext, logger: Logger) async -> APIGatewayResponse
}
