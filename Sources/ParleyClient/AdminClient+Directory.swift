import NIOHTTP1
import ParleyAPI

/// The organization part of the operator API (`/admin/tenants`).
extension AdminClient {
    public func listTenants() async throws -> [TenantModel] {
        try await send(.GET, "/admin/tenants", as: PageModel<TenantModel>.self).value
    }

    public func createTenant(displayName: String, domain: String, id: String? = nil) async throws -> TenantModel {
        try await send(.POST, "/admin/tenants", body: TenantCreateRequest(displayName: displayName, domain: domain, id: id), as: TenantModel.self)
    }

    public func tenant(_ id: String) async throws -> TenantModel {
        try await send(.GET, "/admin/tenants/\(Self.escape(id))", as: TenantModel.self)
    }

    /// `Set-CsTeamsAcsFederationConfiguration`
    public func setFederation(of tenantId: String, _ federation: AcsFederationModel) async throws -> TenantModel {
        try await send(.PUT, "/admin/tenants/\(Self.escape(tenantId))/acs-federation", body: federation, as: TenantModel.self)
    }

    /// `Set-CsExternalAccessPolicy` (creates a custom policy when it does not exist).
    public func setPolicy(_ identity: String, of tenantId: String, enableAcsFederationAccess: Bool) async throws -> ExternalAccessPolicyModel {
        try await send(
            .PUT,
            "/admin/tenants/\(Self.escape(tenantId))/external-access-policies/\(Self.escape(identity))",
            body: ExternalAccessPolicyUpdate(enableAcsFederationAccess: enableAcsFederationAccess),
            as: ExternalAccessPolicyModel.self
        )
    }

    public func policies(of tenantId: String) async throws -> [ExternalAccessPolicyModel] {
        try await send(.GET, "/admin/tenants/\(Self.escape(tenantId))/external-access-policies", as: PageModel<ExternalAccessPolicyModel>.self).value
    }

    public func users(of tenantId: String) async throws -> [OrgUserModel] {
        try await send(.GET, "/admin/tenants/\(Self.escape(tenantId))/users", as: PageModel<OrgUserModel>.self).value
    }

    public func addUser(to tenantId: String, _ user: OrgUserCreateRequest) async throws -> OrgUserModel {
        try await send(.POST, "/admin/tenants/\(Self.escape(tenantId))/users", body: user, as: OrgUserModel.self)
    }

    public func updateUser(_ userId: String, of tenantId: String, _ update: OrgUserUpdateRequest) async throws -> OrgUserModel {
        try await send(.PATCH, "/admin/tenants/\(Self.escape(tenantId))/users/\(Self.escape(userId))", body: update, as: OrgUserModel.self)
    }

    public func voiceApps(of tenantId: String) async throws -> [TeamsVoiceAppModel] {
        try await send(.GET, "/admin/tenants/\(Self.escape(tenantId))/voice-apps", as: PageModel<TeamsVoiceAppModel>.self).value
    }

    public func addVoiceApp(to tenantId: String, displayName: String) async throws -> TeamsVoiceAppModel {
        try await send(
            .POST,
            "/admin/tenants/\(Self.escape(tenantId))/voice-apps",
            body: TeamsVoiceAppCreateRequest(displayName: displayName),
            as: TeamsVoiceAppModel.self
        )
    }

    /// App registrations of the tenant (without their secrets).
    public func apps(of tenantId: String) async throws -> [TenantAppModel] {
        try await send(.GET, "/admin/tenants/\(Self.escape(tenantId))/apps", as: PageModel<TenantAppModel>.self).value
    }

    /// Registers an app; the answer holds its client secret, shown only this once.
    public func registerApp(in tenantId: String, displayName: String, redirectUris: [String] = []) async throws -> TenantAppModel {
        try await send(
            .POST,
            "/admin/tenants/\(Self.escape(tenantId))/apps",
            body: TenantAppCreateRequest(displayName: displayName, redirectUris: redirectUris),
            as: TenantAppModel.self
        )
    }

    /// Replaces an app registration's redirect URIs.
    public func setRedirectURIs(_ uris: [String], of appId: String, in tenantId: String) async throws -> TenantAppModel {
        try await send(
            .PUT,
            "/admin/tenants/\(Self.escape(tenantId))/apps/\(Self.escape(appId))/redirect-uris",
            body: RedirectURIsRequest(redirectUris: uris),
            as: TenantAppModel.self
        )
    }
}
