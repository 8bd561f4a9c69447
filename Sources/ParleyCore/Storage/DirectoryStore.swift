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

    /// Inserts a person (with a password hash, if they sign in with a password); a taken id or
    /// user principal name is a conflict.
    func insertOrgUser(_ user: OrgUser, passwordHash: String?, event: DomainEvent) async throws
    func orgUser(id: UUID) async throws -> OrgUser?
    func orgUsers(in tenantId: UUID) async throws -> [OrgUser]
    /// Replaces a person's settings; nil if there is no such person.
    func updateOrgUser(_ user: OrgUser, event: DomainEvent) async throws -> OrgUser?

    /// Sets (or replaces) a person's password hash; false if there is no such person.
    func setPasswordHash(_ hash: String, of userId: UUID, event: DomainEvent) async throws -> Bool
    func passwordHash(of userId: UUID) async throws -> String?
    func orgUser(userPrincipalName: String) async throws -> OrgUser?
    /// People of the given tenants whose display name (or a word of it), user principal name or
    /// mail starts with `text` (case-insensitive), by display name, at most `limit`.
    func searchOrgUsers(_ text: String, in tenantIds: [UUID], limit: Int) async throws -> [OrgUser]

    /// Registers an app with the hash of its client secret.
    func insertApp(_ app: TenantApp, secretHash: String, event: DomainEvent) async throws
    func apps(in tenantId: UUID) async throws -> [TenantApp]
    func app(id: UUID) async throws -> (app: TenantApp, secretHash: String)?

    func insertVoiceApp(_ app: TeamsVoiceApp, event: DomainEvent) async throws
    func voiceApps(in tenantId: UUID) async throws -> [TeamsVoiceApp]
    func voiceApp(appId: UUID) async throws -> TeamsVoiceApp?
}

extension DirectoryStore {
    /// The tenant named by id or domain (any case), as an authority path segment names it.
    public func tenant(named name: String) async throws -> Tenant? {
        if let id = UUID(uuidString: name), let tenant = try await tenant(id: id) { return tenant }
        return try await tenants().first { $0.domain == name.lowercased() }
    }
}
