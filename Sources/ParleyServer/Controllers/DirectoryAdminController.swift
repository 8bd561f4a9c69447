import Foundation
import Hummingbird
import ParleyAPI
import ParleyCore

/// The operator API for organizations (`/admin/tenants`), authenticated by the admin key.
struct DirectoryAdminController {
    let directory: DirectoryService
    let signIn: OrgSignInService
    let maxBodyBytes: Int

    func addRoutes(to group: RouterGroup<ParleyRequestContext>) {
        group.get("tenants", use: listTenants)
        group.post("tenants", use: createTenant)
        group.get("tenants/{tenantId}", use: showTenant)
        group.put("tenants/{tenantId}/acs-federation", use: setFederation)
        group.get("tenants/{tenantId}/external-access-policies", use: listPolicies)
        group.put("tenants/{tenantId}/external-access-policies/{identity}", use: setPolicy)
        group.get("tenants/{tenantId}/users", use: listUsers)
        group.post("tenants/{tenantId}/users", use: addUser)
        group.patch("tenants/{tenantId}/users/{userId}", use: updateUser)
        group.put("tenants/{tenantId}/users/{userId}/password", use: setPassword)
        group.get("tenants/{tenantId}/apps", use: listApps)
        group.post("tenants/{tenantId}/apps", use: registerApp)
        group.put("tenants/{tenantId}/apps/{appId}/redirect-uris", use: setRedirectURIs)
        group.get("tenants/{tenantId}/voice-apps", use: listVoiceApps)
        group.post("tenants/{tenantId}/voice-apps", use: addVoiceApp)
    }

    @Sendable func listVoiceApps(_ request: Request, context: ParleyRequestContext) async throws -> Response {
        try WireIO.json(PageModel(value: try await directory.voiceApps(in: try tenantId(context)).map(Self.model)))
    }

    @Sendable func addVoiceApp(_ request: Request, context: ParleyRequestContext) async throws -> Response {
        var request = request
        let body = try await WireIO.required(
            WireIO.decodeStrict(TeamsVoiceAppCreateRequest.self, allowedFields: ["displayName", "id"], from: &request, limit: maxBodyBytes)
        )
        let app = try await directory.addVoiceApp(
            to: try tenantId(context),
            displayName: body.displayName,
            id: try body.id.map { try Self.uuid($0, field: "id") }
        )
        return try WireIO.json(Self.model(app), status: .created)
    }

    static func model(_ app: TeamsVoiceApp) -> TeamsVoiceAppModel {
        TeamsVoiceAppModel(
            appId: app.appId.uuidString.lowercased(),
            rawId: app.rawId,
            tenantId: app.tenantId.uuidString.lowercased(),
            displayName: app.displayName
        )
    }

    @Sendable func setPassword(_ request: Request, context: ParleyRequestContext) async throws -> Response {
        var request = request
        let body = try await WireIO.required(
            WireIO.decodeStrict(PasswordSetRequest.self, allowedFields: ["password"], from: &request, limit: maxBodyBytes)
        )
        let userId = try Self.uuid(try WireIO.pathParameter("userId", in: context), field: "userId")
        try await signIn.setPassword(body.password, of: userId, in: try tenantId(context))
        return WireIO.empty(.noContent)
    }

    @Sendable func listApps(_ request: Request, context: ParleyRequestContext) async throws -> Response {
        let tenantId = try tenantId(context)
        _ = try await directory.tenant(tenantId)
        return try WireIO.json(PageModel(value: try await signIn.apps(in: tenantId).map { Self.model($0, secret: nil) }))
    }

    @Sendable func registerApp(_ request: Request, context: ParleyRequestContext) async throws -> Response {
        var request = request
        let body = try await WireIO.required(
            WireIO.decodeStrict(TenantAppCreateRequest.self, allowedFields: ["displayName", "redirectUris"], from: &request, limit: maxBodyBytes)
        )
        let (app, secret) = try await signIn.registerApp(
            in: try tenantId(context),
            displayName: body.displayName,
            redirectUris: body.redirectUris ?? []
        )
        return try WireIO.json(Self.model(app, secret: secret), status: .created)
    }

    /// Replaces an app registration's redirect URIs (the authorization code flow's return addresses).
    @Sendable func setRedirectURIs(_ request: Request, context: ParleyRequestContext) async throws -> Response {
        var request = request
        let body = try await WireIO.required(
            WireIO.decodeStrict(RedirectURIsRequest.self, allowedFields: ["redirectUris"], from: &request, limit: maxBodyBytes)
        )
        let appId = try Self.uuid(try WireIO.pathParameter("appId", in: context), field: "appId")
        let app = try await signIn.setRedirectURIs(body.redirectUris, of: appId, in: try tenantId(context))
        return try WireIO.json(Self.model(app, secret: nil))
    }

    static func model(_ app: TenantApp, secret: String?) -> TenantAppModel {
        TenantAppModel(
            appId: app.appId.uuidString.lowercased(),
            tenantId: app.tenantId.uuidString.lowercased(),
            displayName: app.displayName,
            redirectUris: app.redirectUris,
            clientSecret: secret
        )
    }

    @Sendable func listTenants(_ request: Request, context: ParleyRequestContext) async throws -> Response {
        try WireIO.json(PageModel(value: try await directory.tenants().map(Self.model)))
    }

    @Sendable func createTenant(_ request: Request, context: ParleyRequestContext) async throws -> Response {
        var request = request
        let body = try await WireIO.required(
            WireIO.decodeStrict(TenantCreateRequest.self, allowedFields: ["displayName", "domain", "id"], from: &request, limit: maxBodyBytes)
        )
        let id = try body.id.map { try Self.uuid($0, field: "id") }
        return try WireIO.json(
            Self.model(try await directory.createTenant(displayName: body.displayName, domain: body.domain, id: id)),
            status: .created
        )
    }

    @Sendable func showTenant(_ request: Request, context: ParleyRequestContext) async throws -> Response {
        try WireIO.json(Self.model(try await directory.tenant(try tenantId(context))))
    }

    @Sendable func setFederation(_ request: Request, context: ParleyRequestContext) async throws -> Response {
        var request = request
        let body = try await WireIO.required(
            WireIO.decodeStrict(
                AcsFederationModel.self,
                allowedFields: ["enableAcsUsers", "allowedAcsResources", "blockedAcsResources"],
                from: &request,
                limit: maxBodyBytes
            )
        )
        let federation = AcsFederationConfiguration(
            enableAcsUsers: body.enableAcsUsers,
            allowedAcsResources: try body.allowedAcsResources.map { try Self.uuid($0, field: "allowedAcsResources") },
            blockedAcsResources: try body.blockedAcsResources.map { try Self.uuid($0, field: "blockedAcsResources") }
        )
        return try WireIO.json(Self.model(try await directory.setFederation(federation, of: try tenantId(context))))
    }

    @Sendable func listPolicies(_ request: Request, context: ParleyRequestContext) async throws -> Response {
        let policies = try await directory.policies(in: try tenantId(context))
        return try WireIO.json(
            PageModel(
                value: policies.map { ExternalAccessPolicyModel(identity: $0.identity, enableAcsFederationAccess: $0.enableAcsFederationAccess) }
            )
        )
    }

    @Sendable func setPolicy(_ request: Request, context: ParleyRequestContext) async throws -> Response {
        var request = request
        let body = try await WireIO.required(
            WireIO.decodeStrict(ExternalAccessPolicyUpdate.self, allowedFields: ["enableAcsFederationAccess"], from: &request, limit: maxBodyBytes)
        )
        let policy = ExternalAccessPolicy(
            identity: try WireIO.pathParameter("identity", in: context),
            enableAcsFederationAccess: body.enableAcsFederationAccess
        )
        try await directory.setPolicy(policy, in: try tenantId(context))
        return try WireIO.json(ExternalAccessPolicyModel(identity: policy.identity, enableAcsFederationAccess: policy.enableAcsFederationAccess))
    }

    @Sendable func listUsers(_ request: Request, context: ParleyRequestContext) async throws -> Response {
        try WireIO.json(PageModel(value: try await directory.users(in: try tenantId(context)).map(Self.model)))
    }

    @Sendable func addUser(_ request: Request, context: ParleyRequestContext) async throws -> Response {
        var request = request
        let body = try await WireIO.required(
            WireIO.decodeStrict(
                OrgUserCreateRequest.self,
                allowedFields: ["displayName", "userPrincipalName", "mail", "coexistenceMode", "enterpriseVoiceEnabled", "id", "password"],
                from: &request,
                limit: maxBodyBytes
            )
        )
        let user = try await directory.addUser(
            to: try tenantId(context),
            displayName: body.displayName,
            userPrincipalName: body.userPrincipalName,
            mail: body.mail,
            coexistenceMode: try body.coexistenceMode.map(Self.mode) ?? .teamsOnly,
            enterpriseVoiceEnabled: body.enterpriseVoiceEnabled ?? true,
            id: try body.id.map { try Self.uuid($0, field: "id") },
            password: body.password
        )
        return try WireIO.json(Self.model(user), status: .created)
    }

    @Sendable func updateUser(_ request: Request, context: ParleyRequestContext) async throws -> Response {
        var request = request
        let body = try await WireIO.required(
            WireIO.decodeStrict(
                OrgUserUpdateRequest.self,
                allowedFields: ["coexistenceMode", "enterpriseVoiceEnabled", "externalAccessPolicy"],
                from: &request,
                limit: maxBodyBytes
            )
        )
        let user = try await directory.updateUser(
            try Self.uuid(try WireIO.pathParameter("userId", in: context), field: "userId"),
            in: try tenantId(context),
            coexistenceMode: try body.coexistenceMode.map(Self.mode),
            enterpriseVoiceEnabled: body.enterpriseVoiceEnabled,
            externalAccessPolicy: body.externalAccessPolicy
        )
        return try WireIO.json(Self.model(user))
    }

    // MARK: Wire

    private func tenantId(_ context: ParleyRequestContext) throws -> UUID {
        try Self.uuid(try WireIO.pathParameter("tenantId", in: context), field: "tenantId")
    }

    private static func uuid(_ text: String, field: String) throws -> UUID {
        guard let id = UUID(uuidString: text) else { throw ParleyError(.badRequest, "'\(text)' is not a GUID.", target: field) }
        return id
    }

    private static func mode(_ text: String) throws -> CoexistenceMode {
        guard let mode = CoexistenceMode.allCases.first(where: { $0.rawValue.lowercased() == text.lowercased() }) else {
            throw ParleyError(
                .validation,
                "Coexistence mode '\(text)' is not one of \(CoexistenceMode.allCases.map(\.rawValue).joined(separator: ", ")).",
                target: "coexistenceMode"
            )
        }
        return mode
    }

    static func model(_ tenant: Tenant) -> TenantModel {
        TenantModel(
            id: tenant.id.uuidString.lowercased(),
            displayName: tenant.displayName,
            domain: tenant.domain,
            acsFederation: AcsFederationModel(
                enableAcsUsers: tenant.federation.enableAcsUsers,
                allowedAcsResources: tenant.federation.allowedAcsResources.map { $0.uuidString.lowercased() },
                blockedAcsResources: tenant.federation.blockedAcsResources.map { $0.uuidString.lowercased() }
            ),
            createdOn: WireTimestamp.rfc3339(tenant.createdAt)
        )
    }

    static func model(_ user: OrgUser) -> OrgUserModel {
        OrgUserModel(
            id: user.id.uuidString.lowercased(),
            rawId: user.rawId,
            displayName: user.displayName,
            userPrincipalName: user.userPrincipalName,
            mail: user.mail,
            coexistenceMode: user.coexistenceMode.rawValue,
            enterpriseVoiceEnabled: user.enterpriseVoiceEnabled,
            externalAccessPolicy: user.externalAccessPolicy ?? ExternalAccessPolicy.globalIdentity
        )
    }
}
