import Hummingbird
import ParleyCore

/// Requires an `api-version` query parameter that the API implements.
struct ApiVersionMiddleware: RouterMiddleware {
    typealias Context = ParleyRequestContext
    let supported: [String]

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard let version = request.uri.queryParameters.get("api-version") else {
            throw ParleyError(
                .badRequest,
                wireCode: "MissingApiVersionParameter",
                "The api-version query parameter is required. Supported versions: \(supported.joined(separator: ", "))."
            )
        }
        guard supported.contains(version) else {
            throw ParleyError(
                .badRequest,
                wireCode: "UnsupportedApiVersion",
                "The api-version '\(version)' is not supported. Supported versions: \(supported.joined(separator: ", "))."
            )
        }
        return try await next(request, context)
    }
}
