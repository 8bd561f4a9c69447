import HTTPTypes
import Hummingbird

/// Echoes `x-ms-client-request-id`, as the real service does, so client logs correlate.
struct RequestIdMiddleware<Context: RequestContext>: RouterMiddleware {
    static var clientRequestId: HTTPField.Name { HTTPField.Name("x-ms-client-request-id")! }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var response = try await next(request, context)
        if let id = request.headers[Self.clientRequestId] {
            response.headers[Self.clientRequestId] = id
        }
        return response
    }
}
