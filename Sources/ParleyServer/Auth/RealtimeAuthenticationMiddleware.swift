import Hummingbird
import ParleyCore

/// The real-time endpoint's checks for requests that were not upgraded: the same refusal the
/// upgrade gave, as an HTTP response in the ACS error envelope, after which the connection
/// closes (WebSocket clients wait for that after a refused upgrade).
struct RealtimeAuthenticationMiddleware: RouterMiddleware {
    typealias Context = ParleyRequestContext
    let authenticator: RealtimeAuthenticator

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var response: Response
        do {
            _ = try await authenticator.admit(authorization: request.headers[.authorization], uri: request.uri)
            response = try await next(request, context)
        } catch let error as ParleyError {
            response = ErrorEnvelopeMiddleware.response(for: error)
        }
        response.headers[.connection] = "close"
        return response
    }
}
