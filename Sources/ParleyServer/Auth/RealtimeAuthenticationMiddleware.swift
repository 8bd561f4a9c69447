import Hummingbird
import ParleyAPI
import ParleyCore

/// Establishes who a real-time connection belongs to, from an app user token or an organization
/// user token, in the `Authorization` header or (for browsers) the `access_token` parameter.
struct RealtimeAuthenticationMiddleware: RouterMiddleware {
    typealias Context = ParleyRequestContext
    let identities: IdentityService
    let orgSignIn: OrgSignInService

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var context = context
        context.realtimeIdentity = try await authenticate(request)
        return try await next(request, context)
    }

    /// The caller's identity from an app user token or an organization user token.
    private func authenticate(_ request: Request) async throws -> RealtimeIdentity {
        guard let token = BearerToken.from(request) ?? request.uri.queryParameters.get(RealtimeProtocol.accessTokenParameter), !token.isEmpty
        else {
            throw ParleyError(
                .unauthenticated,
                wireCode: "InvalidAccessToken",
                "Connect with 'Authorization: Bearer <token>' or '?\(RealtimeProtocol.accessTokenParameter)=<token>'."
            )
        }
        do {
            return RealtimeIdentity(try await identities.authenticate(accessToken: token))
        } catch let appError as ParleyError where appError.code == .unauthenticated {
            guard let principal = try? await orgSignIn.authenticate(accessToken: token) else { throw appError }
            return RealtimeIdentity(principal)
        }
    }
}
