import Foundation

/// The organization side of the store: tenants, their people, federation and policies.
public protocol DirectoryStore: Sendable {
    /// Inserts a tenant and its Global external access policy; a taken id or domain is a conflict.
    func insertTenant(_ tenant: Tenant, globalPolicy: ExternalAccessPolicy, event: DomainEvent) async throws
    func tenants() async throws -> [Tenant]
    func tenant(id: UUID) async throws -> Tenant?
    /// Replaces the tenant's ACS federation configuration; nil if there is no such tenant.
    func updateFederation(_ federation: AcsFederationConfiguration, of tenantId: UUID, event: DomainEvent) async throws -> Tenant?

    /// Creates or replaces a policy of the tenant.
    func upsertPolicy(_ policy: ExternalAccessPolicy, in tenantId: UUID, event: DomainEvent) async throws
    func policies(in tenantId: UUID) async throws -> [ExternalAccessPolicy]

    /// Inserts a person; a taken id or user principal name is a conflict.
    func insertOrgUser(_ user: OrgUser, event: DomainEvent) async throws
    func orgUser(id: UUID) async throws -> OrgUser?
    func orgUsers(in tenantId: UUID) async throws -> [OrgUser]
    /// Replaces a person's settings; nil if there is no such person.
    func updateOrgUser(_ user: OrgUser, event: DomainEvent) async throws -> OrgUser?
}
