import Hummingbird
import ParleyCore

/// The per-request state: who is calling, established by the authentication middleware.
public struct ParleyRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    /// The resource whose access key signed the request (HMAC-authenticated routes).
    var resource: CommunicationResource?
    /// The app user whose token came with the request (bearer-authenticated routes).
    var user: AuthenticatedUser?
    /// The organization user or app whose token came with the request (Graph routes).
    var orgPrincipal: OrgPrincipal?

    public init(source: ApplicationRequestContextSource) {
        self.coreContext = .init(source: source)
    }

    /// The HMAC-authenticated resource; a route that needs it but lacks it is a server bug.
    func requireResource() throws -> CommunicationResource {
        guard let resource else { throw ParleyError(.internal, "Route is missing HMAC authentication.") }
        return resource
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
