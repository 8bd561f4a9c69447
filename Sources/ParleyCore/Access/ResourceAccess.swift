import Foundation

/// Decides who a Microsoft Entra ID bearer token lets act on which communication resource: the
/// token must be one Parley issued (signature), for Azure Communication Services (audience),
/// current (expiry), from its tenant's authority (issuer), of an app that still exists there;
/// and the app must hold a role assignment on the resource.
///
/// A token names no resource. The request's endpoint may (`/resources/<name>/`); otherwise the
/// resource is the one the app holds a role on, when there is exactly one (docs/api.md).
public struct ResourceAccess: Sendable {
    /// How far `nbf` may be ahead of the server's clock (Entra's default skew).
    static let clockSkew: TimeInterval = 300

    private let store: any ParleyStore
    private let tokens: OrgTokenAuthority
    private let clock: any WallClock

    public init(store: any ParleyStore, tokens: OrgTokenAuthority, clock: any WallClock) {
        self.store = store
        self.tokens = tokens
        self.clock = clock
    }

    /// The caller a bearer token makes of its app, on the resource named `resourceName` (a name
    /// or immutable id), or on the app's one resource when nil.
    ///
    /// - Throws: 401 for a token that is not a current app token of Parley for Azure
    ///   Communication Services; 403 `AuthorizationFailed` when the app has no role there.
    public func caller(bearerToken token: String, resourceName: String?) async throws -> ResourceCaller {
        let (tenantId, appId) = try await app(of: token)
        let assignments = try await store.roleAssignments(ofApp: appId).filter { $0.tenantId == tenantId }
        let app = "The application '\(appId.uuidString.lowercased())' of tenant '\(tenantId.uuidString.lowercased())'"
        let resource: CommunicationResource
        if let resourceName {
            guard let named = try await store.resource(nameOrImmutableId: resourceName),
                assignments.contains(where: { $0.resourceId == named.immutableId })
            else {
                throw Self.authorizationFailed("\(app) has no role assignment on resource '\(resourceName)'.")
            }
            resource = named
        } else {
            let resourceIds = Set(assignments.map(\.resourceId))
            guard let only = resourceIds.first else {
                throw Self.authorizationFailed(
                    "\(app) has no role assignment on any resource (an operator grants one: parley resources grant)."
                )
            }
            guard resourceIds.count == 1 else {
                var names: [String] = []
                for id in resourceIds { if let resource = try await store.resource(immutableId: id) { names.append(resource.name) } }
                throw Self.authorizationFailed(
                    "\(app) holds roles on several resources (\(names.sorted().joined(separator: ", "))): "
                        + "call the endpoint of the one you mean, /resources/<name>/."
                )
            }
            guard let found = try await store.resource(immutableId: only) else {
                throw Self.authorizationFailed("\(app) has no role assignment on any resource.")
            }
            resource = found
        }
        let roles = Set(assignments.filter { $0.resourceId == resource.immutableId }.map(\.role))
        return ResourceCaller(resource: resource, credential: .app(tenantId: tenantId, appId: appId, roles: roles))
    }

    /// The tenant and app of a valid app token for Azure Communication Services.
    private func app(of token: String) async throws -> (tenantId: UUID, appId: UUID) {
        let claims: OrgAccessTokenClaims
        do {
            claims = try await tokens.verifiedAccessClaims(of: token)
        } catch {
            throw Self.invalid(
                "InvalidAuthenticationToken",
                "The access token is not a valid token of this server: its signature or format is wrong."
            )
        }
        guard OrgTokenAudience.communication.matches(claims.aud) else {
            throw Self.invalid(
                "InvalidAuthenticationTokenAudience",
                "The access token has been obtained for wrong audience or resource '\(claims.aud)'. "
                    + "It should exactly match '\(OrgTokenAudience.communication.identifier)' (scope \(OrgTokenAudience.communication.identifier)/.default)."
            )
        }
        let now = clock.now().timeIntervalSince1970
        guard TimeInterval(claims.exp) > now else {
            throw Self.invalid("ExpiredAuthenticationToken", "The access token expired at \(Date(timeIntervalSince1970: TimeInterval(claims.exp))).")
        }
        guard TimeInterval(claims.nbf) <= now + Self.clockSkew else {
            throw Self.invalid("InvalidAuthenticationToken", "The access token is not valid yet.")
        }
        guard let tenantId = UUID(uuidString: claims.tid), Self.issuer(claims.iss, isAuthorityOf: claims.tid),
            let tenant = try await store.tenant(id: tenantId)
        else {
            throw Self.invalid("InvalidAuthenticationTokenTenant", "The access token is from a wrong issuer '\(claims.iss)'.")
        }
        guard claims.idtyp == "app", let appId = UUID(uuidString: claims.appid), claims.oid.lowercased() == claims.appid.lowercased(),
            let (app, _) = try await store.app(id: appId), app.tenantId == tenant.id
        else {
            throw Self.invalid(
                "InvalidAuthenticationToken",
                "The access token is not an application token of a registered app of tenant '\(claims.tid)'."
            )
        }
        return (tenant.id, app.appId)
    }

    /// Whether `issuer` is Parley's authority for tenant `tid`: `<server>/<tid>/v2.0`.
    static func issuer(_ issuer: String, isAuthorityOf tid: String) -> Bool {
        guard let url = URL(string: issuer), url.scheme == "https" || url.scheme == "http", url.host != nil else { return false }
        return url.path.lowercased() == "/\(tid.lowercased())/v2.0"
    }

    private static func invalid(_ code: String, _ message: String) -> ParleyError {
        ParleyError(.unauthenticated, wireCode: code, message)
    }

    static func authorizationFailed(_ message: String) -> ParleyError {
        ParleyError(.forbidden, wireCode: "AuthorizationFailed", message)
    }
}
