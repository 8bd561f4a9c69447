import Foundation
import Hummingbird
import HummingbirdCore
import ParleyAPI
import ParleyCore

/// Establishes who a real-time connection belongs to, from an app user token or an organization
/// user token, in the `Authorization` header or (for browsers) the `access_token` parameter,
/// and where it resumes from (`after`).
///
/// The WebSocket upgrade (``RealtimeUpgradeChannel``) admits with it; a request it refuses is
/// answered by the router through ``RealtimeAuthenticationMiddleware``, with the same checks and
/// the ACS error envelope.
struct RealtimeAuthenticator: Sendable {
    let identities: IdentityService
    let orgSignIn: OrgSignInService

    /// Who connects and from which position.
    struct Admission: Sendable {
        var identity: RealtimeIdentity
        var after: Int64?
    }

    /// Admits a request from its `Authorization` header and target (path and query).
    func admit(authorization: String?, uri: URI) async throws -> Admission {
        let after = try Self.position(uri)
        let token = BearerToken.from(authorization: authorization) ?? uri.queryParameters.get(RealtimeProtocol.accessTokenParameter)
        return Admission(identity: try await identity(token: token), after: after)
    }

    /// The caller's identity from an app user token or an organization user token.
    private func identity(token: String?) async throws -> RealtimeIdentity {
        guard let token, !token.isEmpty else {
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

    /// The `after` query parameter: a non-negative position, when given.
    private static func position(_ uri: URI) throws -> Int64? {
        guard let text = uri.queryParameters.get(RealtimeProtocol.afterParameter) else { return nil }
        guard let position = Int64(text), position >= 0 else {
            throw ParleyError(
                .badRequest,
                wireCode: "InvalidPosition",
                "'\(RealtimeProtocol.afterParameter)' must be a non-negative integer position."
            )
        }
        return position
    }
}
