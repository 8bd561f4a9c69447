import Foundation

/// The operator's use cases for organizations, mirroring the Teams admin cmdlets: tenants,
/// their people (coexistence mode, Enterprise Voice), ACS federation and external access
/// policies.
public struct DirectoryService: Sendable {
    private let store: any ParleyStore
    private let clock: any WallClock
    private let ids: any IdentifierGenerator

    public init(store: any ParleyStore, clock: any WallClock, ids: any IdentifierGenerator = RandomIdentifierGenerator()) {
        self.store = store
        self.clock = clock
        self.ids = ids
    }

    // MARK: Tenants

    /// Creates a tenant with interop off (`EnableAcsUsers` false) and a Global policy that allows
    /// ACS federation once the tenant enables it, as Teams ships.
    public func createTenant(displayName: String, domain: String, id: UUID? = nil) async throws -> Tenant {
        let domain = domain.lowercased()
        guard Tenant.isValidDomain(domain) else {
            throw ParleyError(.validation, "'\(domain)' is not a valid domain (e.g. contoso.com).", target: "domain")
        }
        guard !displayName.isEmpty, displayName.count <= 256 else {
            throw ParleyError(.validation, "A tenant needs a display name of 1-256 characters.", target: "displayName")
        }
        let tenant = Tenant(id: id ?? ids.uuid(), displayName: displayName, domain: domain, createdAt: clock.now())
        try await store.insertTenant(
            tenant,
            globalPolicy: ExternalAccessPolicy(identity: ExternalAccessPolicy.globalIdentity, enableAcsFederationAccess: true),
            event: event(.tenantCreated, tenant.id, subject: tenant.id.uuidString.lowercased())
        )
        return tenant
    }

    public func tenants() async throws -> [Tenant] { try await store.tenants() }

    public func tenant(_ id: UUID) async throws -> Tenant {
        guard let tenant = try await store.tenant(id: id) else {
            throw ParleyError(.notFound, "Tenant '\(id.uuidString.lowercased())' was not found.", target: "tenantId")
        }
        return tenant
    }

    /// `Set-CsTeamsAcsFederationConfiguration`.
    public func setFederation(_ federation: AcsFederationConfiguration, of tenantId: UUID) async throws -> Tenant {
        guard
            let updated = try await store.updateFederation(
                federation,
                of: tenantId,
                event: event(.tenantFederationUpdated, tenantId, subject: tenantId.uuidString.lowercased())
            )
        else {
            throw ParleyError(.notFound, "Tenant '\(tenantId.uuidString.lowercased())' was not found.", target: "tenantId")
        }
        return updated
    }

    // MARK: Policies

    /// `Set-CsExternalAccessPolicy` (creating a custom policy if it does not exist).
    public func setPolicy(_ policy: ExternalAccessPolicy, in tenantId: UUID) async throws {
        _ = try await tenant(tenantId)
        guard Self.isValidPolicyName(policy.identity) else {
            throw ParleyError(.validation, "Policy name '\(policy.identity)' is invalid: use 1-64 letters, digits, '-' or '_'.", target: "identity")
        }
        try await store.upsertPolicy(policy, in: tenantId, event: event(.externalAccessPolicyUpdated, tenantId, subject: policy.identity))
    }

    public func policies(in tenantId: UUID) async throws -> [ExternalAccessPolicy] {
        _ = try await tenant(tenantId)
        return try await store.policies(in: tenantId)
    }

    // MARK: People

    /// Adds a person to the tenant; the user principal name must be in the tenant's domain. With a
    /// password, the person can sign in with the password grant.
    public func addUser(
        to tenantId: UUID,
        displayName: String,
        userPrincipalName: String,
        mail: String? = nil,
        coexistenceMode: CoexistenceMode = .teamsOnly,
        enterpriseVoiceEnabled: Bool = true,
        id: UUID? = nil,
        password: String? = nil
    ) async throws -> OrgUser {
        let tenant = try await tenant(tenantId)
        if let password { try PasswordHasher.validate(password) }
        let passwordHash = try password.map(PasswordHasher.hash)
        let upn = userPrincipalName.lowercased()
        guard upn.hasSuffix("@" + tenant.domain), upn.count > tenant.domain.count + 1 else {
            throw ParleyError(.validation, "The user principal name must be <name>@\(tenant.domain).", target: "userPrincipalName")
        }
        guard !displayName.isEmpty, displayName.count <= 256 else {
            throw ParleyError(.validation, "A person needs a display name of 1-256 characters.", target: "displayName")
        }
        let user = OrgUser(
            id: id ?? ids.uuid(),
            tenantId: tenantId,
            displayName: displayName,
            userPrincipalName: upn,
            mail: mail?.lowercased() ?? upn,
            coexistenceMode: coexistenceMode,
            enterpriseVoiceEnabled: enterpriseVoiceEnabled,
            createdAt: clock.now()
        )
        try await store.insertOrgUser(user, passwordHash: passwordHash, event: event(.orgUserCreated, tenantId, subject: user.rawId))
        return user
    }

    public func users(in tenantId: UUID) async throws -> [OrgUser] {
        _ = try await tenant(tenantId)
        return try await store.orgUsers(in: tenantId)
    }

    public func user(_ id: UUID) async throws -> OrgUser {
        guard let user = try await store.orgUser(id: id) else {
            throw ParleyError(.notFound, "User '\(id.uuidString.lowercased())' was not found.", target: "userId")
        }
        return user
    }

    /// The person of `tenantId` with this object id or user principal name; nil for anyone else,
    /// so one tenant never finds another's people.
    public func user(idOrPrincipalName key: String, in tenantId: UUID) async throws -> OrgUser? {
        var person: OrgUser?
        if let id = UUID(uuidString: key) { person = try await store.orgUser(id: id) }
        if person == nil { person = try await store.orgUser(userPrincipalName: key.lowercased()) }
        return person?.tenantId == tenantId ? person : nil
    }

    /// Changes a person's coexistence mode, Enterprise Voice or assigned policy (`Global` or nil
    /// assigns the Global policy; a custom one must exist).
    public func updateUser(
        _ id: UUID,
        in tenantId: UUID,
        coexistenceMode: CoexistenceMode? = nil,
        enterpriseVoiceEnabled: Bool? = nil,
        externalAccessPolicy: String? = nil
    ) async throws -> OrgUser {
        var user = try await user(id)
        guard user.tenantId == tenantId else {
            throw ParleyError(.notFound, "User '\(id.uuidString.lowercased())' was not found.", target: "userId")
        }
        if let coexistenceMode { user.coexistenceMode = coexistenceMode }
        if let enterpriseVoiceEnabled { user.enterpriseVoiceEnabled = enterpriseVoiceEnabled }
        if let externalAccessPolicy {
            if externalAccessPolicy == ExternalAccessPolicy.globalIdentity {
                user.externalAccessPolicy = nil
            } else {
                guard try await store.policies(in: tenantId).contains(where: { $0.identity == externalAccessPolicy }) else {
                    throw ParleyError(
                        .validation,
                        "The tenant has no external access policy '\(externalAccessPolicy)'.",
                        target: "externalAccessPolicy"
                    )
                }
                user.externalAccessPolicy = externalAccessPolicy
            }
        }
        guard let updated = try await store.updateOrgUser(user, event: event(.orgUserUpdated, tenantId, subject: user.rawId)) else {
            throw ParleyError(.notFound, "User '\(id.uuidString.lowercased())' was not found.", target: "userId")
        }
        return updated
    }

    // MARK: Voice apps

    /// Creates a Teams voice app (a resource account) in the tenant.
    public func addVoiceApp(to tenantId: UUID, displayName: String, id: UUID? = nil) async throws -> TeamsVoiceApp {
        _ = try await tenant(tenantId)
        guard !displayName.isEmpty, displayName.count <= 256 else {
            throw ParleyError(.validation, "A voice app needs a display name of 1-256 characters.", target: "displayName")
        }
        let app = TeamsVoiceApp(appId: id ?? ids.uuid(), tenantId: tenantId, displayName: displayName, createdAt: clock.now())
        try await store.insertVoiceApp(app, event: event(.voiceAppCreated, tenantId, subject: app.rawId))
        return app
    }

    public func voiceApps(in tenantId: UUID) async throws -> [TeamsVoiceApp] {
        _ = try await tenant(tenantId)
        return try await store.voiceApps(in: tenantId)
    }

    // MARK: Interop

    /// The interop gate for an app user of `resource` reaching `user` (see ``InteropGate``).
    public func interopDenial(resource: UUID, user: OrgUser, purpose: InteropGate.Purpose) async throws -> InteropGate.Denial? {
        try await InteropGate.denial(resource: resource, user: user, store: store, purpose: purpose)
    }

    // MARK: Demo

    /// A demo organization: Contoso with a few people, interop enabled for `resource`, so that a
    /// first chat between an app user and an org user takes minutes. Reuses it if it exists.
    public func seedDemo(for resource: CommunicationResource) async throws -> (Tenant, [OrgUser]) {
        let tenantId = DemoOrganization.tenantId
        let tenant: Tenant
        if let existing = try await store.tenant(id: tenantId) {
            tenant = existing
        } else {
            tenant = try await createTenant(displayName: "Contoso", domain: "contoso.com", id: tenantId)
            _ = try await addVoiceApp(to: tenantId, displayName: "Contoso Help Desk", id: DemoOrganization.voiceAppId)
            for person in DemoOrganization.people {
                _ = try await addUser(
                    to: tenantId,
                    displayName: person.name,
                    userPrincipalName: person.upn,
                    coexistenceMode: person.mode,
                    enterpriseVoiceEnabled: person.voice,
                    id: person.id
                )
            }
        }
        var federation = tenant.federation
        federation.enableAcsUsers = true
        if !federation.allowedAcsResources.contains(resource.immutableId) { federation.allowedAcsResources.append(resource.immutableId) }
        let updated = try await setFederation(federation, of: tenantId)
        return (updated, try await store.orgUsers(in: tenantId))
    }

    private static func isValidPolicyName(_ name: String) -> Bool {
        let allowed = CharacterSet.alphanumerics.union(CharacterSet(charactersIn: "-_"))
        return (1...64).contains(name.count) && name.unicodeScalars.allSatisfy { allowed.contains($0) }
    }

    private func event(_ kind: DomainEvent.Kind, _ tenantId: UUID, subject: String) -> DomainEvent {
        DomainEvent(kind: kind, resourceId: tenantId.uuidString.lowercased(), subject: subject, occurredAt: clock.now())
    }
}

/// The fixed people of the demo organization (stable ids, so scripts can name them).
public enum DemoOrganization {
    public static let tenantId = UUID(uuidString: "7a6b1e52-0c4f-4d8e-9a51-3d2f6c8b9e10")!
    /// The help desk voice app, `28:orgid:<id>`.
    public static let voiceAppId = UUID(uuidString: "3f1d2c4b-5a6e-4f70-8192-a3b4c5d6e7f8")!

    public struct Person: Sendable {
        public var id: UUID
        public var name: String
        public var upn: String
        public var mode: CoexistenceMode
        public var voice: Bool
    }

    public static let people: [Person] = [
        Person(
            id: UUID(uuidString: "45ab2481-1c1c-4005-be24-0ffb879b1130")!,
            name: "Adele Vance",
            upn: "adele@contoso.com",
            mode: .teamsOnly,
            voice: true
        ),
        Person(
            id: UUID(uuidString: "6e7f2a10-5b3c-4d9e-8f21-0a1b2c3d4e5f")!,
            name: "Megan Bowen",
            upn: "megan@contoso.com",
            mode: .teamsOnly,
            voice: true
        ),
        Person(id: UUID(uuidString: "8c9d0e1f-2a3b-4c5d-9e6f-7a8b9c0d1e2f")!, name: "Lee Gu", upn: "lee@contoso.com", mode: .islands, voice: false),
    ]
}
