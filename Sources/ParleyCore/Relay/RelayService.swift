import Foundation

/// The ACS Network Traversal use case: a resource's back end asks for a relay configuration,
/// optionally on behalf of one of its app users.
public struct RelayService: Sendable {
    public let issuer: RelayCredentialIssuer
    private let store: any ParleyStore

    public init(issuer: RelayCredentialIssuer, store: any ParleyStore) {
        self.issuer = issuer
        self.store = store
    }

    /// Issues a relay configuration for `resource`.
    ///
    /// - Parameters:
    ///   - rawId: an app user of `resource` (`8:acs:…`), or nil. ACS requires "an existing ACS
    ///     user identity": a malformed id, or one that is not an ACS user, is 400
    ///     `InvalidIdentifier`; a well-formed id that is unknown or belongs to another resource
    ///     is 400 `ValidationError` (target `id`), the same for both, so one resource learns
    ///     nothing about another's users.
    ///   - routeType: `any`, `nearest` (any case) or nil for both; else 400.
    ///   - ttlSeconds: 0 … 172800; above: the default; below zero: 400.
    public func issueRelayConfiguration(
        in resource: CommunicationResource,
        forUser rawId: String?,
        routeType: String?,
        ttlSeconds: Int?
    ) async throws -> RelayConfiguration {
        let route = try RelayRouteType.parse(routeType)
        let configuration = try issuer.issue(forUser: rawId, routeType: route, ttl: ttlSeconds.map { .seconds($0) })
        if let rawId {
            // Only after every other check: issuing has no effect, and a refused request returns nothing.
            guard try AcsUserId.resource(of: rawId) == resource.immutableId, let user = try await store.user(rawId: rawId),
                user.resourceId == resource.immutableId
            else {
                throw ParleyError(.validation, "Identity '\(rawId)' does not exist in this resource.", target: "id")
            }
        }
        return configuration
    }
}
