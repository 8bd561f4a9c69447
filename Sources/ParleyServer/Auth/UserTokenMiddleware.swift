import Hummingbird
import ParleyCore

/// Authenticates `Authorization: Bearer <user access token>` on every request and puts the
/// user in the context. Revoked, expired and deleted users' tokens fail here, at once.
struct UserTokenMiddleware: RouterMiddleware {
    typealias Context = ParleyRequestContext
    let identities: IdentityService

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard let token = BearerToken.from(request) else {
            throw ParleyError(.unauthenticated, wireCode: "InvalidAccessToken", "The request has no bearer access token.")
        }
        var context = context
        context.user = try await identities.authenticate(accessToken: token)
        return try await next(request, context)
    }
}

/// Authenticates the operator's admin key (`Authorization: Bearer <admin key>`).
struct AdminKeyMiddleware: RouterMiddleware {
    typealias Context = ParleyRequestContext
    let adminKey: String

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard let token = BearerToken.from(request), SecretGenerator.constantTimeEquals(token, adminKey) else {
            throw ParleyError(.unauthenticated, "The admin API needs 'Authorization: Bearer <admin key>'; the key is printed when Parley starts.")
        }
        return try await next(request, context)
    }
}

/// The credential of `Authorization: Bearer <token>` (scheme in any case).
enum BearerToken {
    static func from(_ request: Request) -> String? {
        guard let header = request.headers[.authorization] else { return nil }
        let scheme = "bearer "
        guard header.utf8.count > scheme.utf8.count, header.prefix(scheme.count).lowercased() == scheme else { return nil }
        let token = header.dropFirst(scheme.count).drop(while: { $0 == " " })
        let trimmed = token.prefix(while: { $0 != " " })
        return trimmed.isEmpty ? nil : String(trimmed)
    }
}
