import Hummingbird
import ParleyCore

/// The per-request state: who is calling, established by the authentication middleware.
public struct ParleyRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    /// Who acts on which resource (resource API routes: HMAC or Microsoft Entra ID).
    var resourceCaller: ResourceCaller?
    /// The app user whose token came with the request (bearer-authenticated routes).
    var user: AuthenticatedUser?
    /// The organization user or app whose token came with the request (Graph routes).
    var orgPrincipal: OrgPrincipal?

    public init(source: ApplicationRequestContextSource) {
        self.coreContext = .init(source: source)
    }

    /// The resource API caller; a route that needs it but lacks it is a server bug.
    func requireResourceCaller() throws -> ResourceCaller {
        guard let resourceCaller else { throw ParleyError(.internal, "Route is missing resource authentication.") }
        return resourceCaller
    }

    func requireOrgPrincipal() throws -> OrgPrincipal {
        guard let orgPrincipal else { throw ParleyError(.internal, "Route is missing organization authentication.") }
        return orgPrincipal
    }

    func requireUser() throws -> AuthenticatedUser {
        guard let user else { throw ParleyError(.internal, "Route is missing bearer authentication.") }
        return user
    }
}
