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

/// Authenticates an organization access token (Graph routes) and puts the principal in the context.
struct OrgTokenMiddleware: RouterMiddleware {
    typealias Context = ParleyRequestContext
    let signIn: OrgSignInService

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard let token = BearerToken.from(request) else {
            throw ParleyError(.unauthenticated, wireCode: "InvalidAuthenticationToken", "Access token is empty.")
        }
        var context = context
        context.orgPrincipal = try await signIn.authenticate(accessToken: token)
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

/// The credential of `Authorization: Bearer <token>` (scheme in any case). Works on UTF-8
/// bytes: tokens are long, and walking them as Characters showed up in profiles.
enum BearerToken {
    static func from(_ request: Request) -> String? {
        from(authorization: request.headers[.authorization])
    }

    static func from(authorization header: String?) -> String? {
        guard let header else { return nil }
        let bytes = header.utf8
        let scheme = "bearer ".utf8
        guard bytes.count > scheme.count,
            zip(bytes, scheme).allSatisfy({ $0 | 0x20 == $1 | 0x20 })
        else { return nil }
        let space = UInt8(ascii: " ")
        guard let start = bytes.dropFirst(scheme.count).firstIndex(where: { $0 != space }) else { return nil }
        let end = bytes[start...].firstIndex(of: space) ?? bytes.endIndex
        return String(header[start..<end])
    }
}
