import Foundation
import GRDB
import ParleyCore

extension SQLiteParleyStore {
    // MARK: Tenants

    public func insertTenant(_ tenant: Tenant, globalPolicy: ExternalAccessPolicy, event: DomainEvent) async throws {
        try await writer.write { db in
            let taken = try db.fetchOne(
                Bool.self,
                cached: "SELECT 1 FROM tenants WHERE id = ? OR domain = ?",
                arguments: [Self.key(tenant.id), tenant.domain]
            )
            guard taken != true else {
                throw ParleyError(.conflict, "A tenant with this id or the domain '\(tenant.domain)' already exists.", target: "domain")
            }
            try db.execute(
                cached: """
                    INSERT INTO tenants (id, display_name, domain, enable_acs_users, allowed_acs_resources, blocked_acs_resources, created_at)
                    VALUES (?, ?, ?, ?, ?, ?, ?)
                    """,
                arguments: [
                    Self.key(tenant.id), tenant.displayName, tenant.domain, tenant.federation.enableAcsUsers,
                    Self.list(tenant.federation.allowedAcsResources), Self.list(tenant.federation.blockedAcsResources), Self.millis(tenant.createdAt),
                ]
            )
            try Self.upsert(globalPolicy, tenant.id, db)
            try Self.append(event, to: db)
        }
    }

    public func tenants() async throws -> [Tenant] {
        try await database.read { db in
            try db.fetchAllRows(cached: "SELECT * FROM tenants ORDER BY created_at, id").map(Self.tenant(from:))
        }
    }

    public func tenant(id: UUID) async throws -> Tenant? {
        try await database.read { db in
            try db.fetchOneRow(cached: "SELECT * FROM tenants WHERE id = ?", arguments: [Self.key(id)]).map(Self.tenant(from:))
        }
    }

    public func updateFederation(_ federation: AcsFederationConfiguration, of tenantId: UUID, event: DomainEvent) async throws -> Tenant? {
        try await writer.write { db in
            try db.execute(
                cached: "UPDATE tenants SET enable_acs_users = ?, allowed_acs_resources = ?, blocked_acs_resources = ? WHERE id = ?",
                arguments: [
                    federation.enableAcsUsers, Self.list(federation.allowedAcsResources), Self.list(federation.blockedAcsResources),
                    Self.key(tenantId),
                ]
            )
            guard db.changesCount == 1 else { return nil }
            try Self.append(event, to: db)
            return try db.fetchOneRow(cached: "SELECT * FROM tenants WHERE id = ?", arguments: [Self.key(tenantId)]).map(Self.tenant(from:))
        }
    }

    // MARK: Policies

    public func upsertPolicy(_ policy: ExternalAccessPolicy, in tenantId: UUID, event: DomainEvent) async throws {
        try await writer.write { db in
            try Self.upsert(policy, tenantId, db)
            try Self.append(event, to: db)
        }
    }

    public func policies(in tenantId: UUID) async throws -> [ExternalAccessPolicy] {
        try await database.read { db in
            try db.fetchAllRows(
                cached: "SELECT * FROM external_access_policies WHERE tenant_id = ? ORDER BY identity",
                arguments: [Self.key(tenantId)]
            )
            .map { ExternalAccessPolicy(identity: $0["identity"], enableAcsFederationAccess: $0["enable_acs_federation_access"]) }
        }
    }

    // MARK: People

    public func insertOrgUser(_ user: OrgUser, passwordHash: String?, event: DomainEvent) async throws {
        try await writer.write { db in
            let taken = try db.fetchOne(
                Bool.self,
                cached: "SELECT 1 FROM org_users WHERE id = ? OR user_principal_name = ?",
                arguments: [Self.key(user.id), user.userPrincipalName]
            )
            guard taken != true else {
                throw ParleyError(.conflict, "A user with this id or '\(user.userPrincipalName)' already exists.", target: "userPrincipalName")
            }
            try db.execute(
                cached: """
                    INSERT INTO org_users
                        (id, tenant_id, display_name, user_principal_name, mail, coexistence_mode, enterprise_voice_enabled, external_access_policy, created_at,
                         password_hash)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """,
                arguments: [
                    Self.key(user.id), Self.key(user.tenantId), user.displayName, user.userPrincipalName, user.mail, user.coexistenceMode.rawValue,
                    user.enterpriseVoiceEnabled, user.externalAccessPolicy, Self.millis(user.createdAt), passwordHash,
                ]
            )
            try Self.append(event, to: db)
        }
    }

    public func orgUser(id: UUID) async throws -> OrgUser? {
        try await database.read { db in
            try db.fetchOneRow(cached: "SELECT * FROM org_users WHERE id = ?", arguments: [Self.key(id)]).map(Self.orgUser(from:))
        }
    }

    public func orgUsers(in tenantId: UUID) async throws -> [OrgUser] {
        try await database.read { db in
            try db.fetchAllRows(cached: "SELECT * FROM org_users WHERE tenant_id = ? ORDER BY display_name, id", arguments: [Self.key(tenantId)])
                .map(Self.orgUser(from:))
        }
    }

    public func updateOrgUser(_ user: OrgUser, event: DomainEvent) async throws -> OrgUser? {
        try await writer.write { db in
            try db.execute(
                cached: """
                    UPDATE org_users SET display_name = ?, mail = ?, coexistence_mode = ?, enterprise_voice_enabled = ?, external_access_policy = ?
                    WHERE id = ? AND tenant_id = ?
                    """,
                arguments: [
                    user.displayName, user.mail, user.coexistenceMode.rawValue, user.enterpriseVoiceEnabled, user.externalAccessPolicy,
                    Self.key(user.id), Self.key(user.tenantId),
                ]
            )
            guard db.changesCount == 1 else { return nil }
            try Self.append(event, to: db)
            return try db.fetchOneRow(cached: "SELECT * FROM org_users WHERE id = ?", arguments: [Self.key(user.id)]).map(Self.orgUser(from:))
        }
    }

    public func setPasswordHash(_ hash: String, of userId: UUID, event: DomainEvent) async throws -> Bool {
        try await writer.write { db in
            try db.execute(cached: "UPDATE org_users SET password_hash = ? WHERE id = ?", arguments: [hash, Self.key(userId)])
            guard db.changesCount == 1 else { return false }
            try Self.append(event, to: db)
            return true
        }
    }

    public func passwordHash(of userId: UUID) async throws -> String? {
        try await database.read { db in
            try db.fetchOne(String.self, cached: "SELECT password_hash FROM org_users WHERE id = ?", arguments: [Self.key(userId)])
        }
    }

    public func searchOrgUsers(_ text: String, in tenantIds: [UUID], limit: Int) async throws -> [OrgUser] {
        guard !tenantIds.isEmpty, limit > 0 else { return [] }
        let escaped = text.lowercased().replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "%", with: "\\%")
            .replacingOccurrences(of: "_", with: "\\_")
        let placeholders = Array(repeating: "?", count: tenantIds.count).joined(separator: ", ")
        var values: [(any DatabaseValueConvertible)?] = tenantIds.map(Self.key)
        values += [escaped + "%", "% " + escaped + "%", escaped + "%", escaped + "%", limit]
        let arguments = StatementArguments(values)
        return try await database.read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT * FROM org_users WHERE tenant_id IN (\(placeholders))
                    AND (lower(display_name) LIKE ? ESCAPE '\\' OR lower(display_name) LIKE ? ESCAPE '\\'
                         OR user_principal_name LIKE ? ESCAPE '\\' OR lower(coalesce(mail, '')) LIKE ? ESCAPE '\\')
                    ORDER BY display_name, id LIMIT ?
                    """,
                arguments: arguments
            )
            .map(Self.orgUser(from:))
        }
    }

    public func orgUser(userPrincipalName: String) async throws -> OrgUser? {
        try await database.read { db in
            try db.fetchOneRow(cached: "SELECT * FROM org_users WHERE user_principal_name = ?", arguments: [userPrincipalName]).map(
                Self.orgUser(from:)
            )
        }
    }

    // MARK: Apps

    public func insertApp(_ app: TenantApp, secretHash: String, event: DomainEvent) async throws {
        try await writer.write { db in
            try db.execute(
                cached: "INSERT INTO tenant_apps (app_id, tenant_id, display_name, secret_hash, created_at, redirect_uris) VALUES (?, ?, ?, ?, ?, ?)",
                arguments: [
                    Self.key(app.appId), Self.key(app.tenantId), app.displayName, secretHash, Self.millis(app.createdAt), Self.text(app.redirectUris),
                ]
            )
            try Self.append(event, to: db)
        }
    }

    public func apps(in tenantId: UUID) async throws -> [TenantApp] {
        try await database.read { db in
            try db.fetchAllRows(cached: "SELECT * FROM tenant_apps WHERE tenant_id = ? ORDER BY created_at, app_id", arguments: [Self.key(tenantId)])
                .map(Self.app(from:))
        }
    }

    public func app(id: UUID) async throws -> (app: TenantApp, secretHash: String)? {
        try await database.read { db in
            guard let row = try db.fetchOneRow(cached: "SELECT * FROM tenant_apps WHERE app_id = ?", arguments: [Self.key(id)]) else { return nil }
            return (try Self.app(from: row), row["secret_hash"])
        }
    }

    // MARK: Voice apps

    public func insertVoiceApp(_ app: TeamsVoiceApp, event: DomainEvent) async throws {
        try await writer.write { db in
            guard try db.fetchOne(Bool.self, cached: "SELECT 1 FROM teams_voice_apps WHERE app_id = ?", arguments: [Self.key(app.appId)]) != true
            else {
                throw ParleyError(.conflict, "A voice app with this id already exists.", target: "id")
            }
            try db.execute(
                cached: "INSERT INTO teams_voice_apps (app_id, tenant_id, display_name, created_at) VALUES (?, ?, ?, ?)",
                arguments: [Self.key(app.appId), Self.key(app.tenantId), app.displayName, Self.millis(app.createdAt)]
            )
            try Self.append(event, to: db)
        }
    }

    public func voiceApps(in tenantId: UUID) async throws -> [TeamsVoiceApp] {
        try await database.read { db in
            try db.fetchAllRows(
                cached: "SELECT * FROM teams_voice_apps WHERE tenant_id = ? ORDER BY created_at, app_id",
                arguments: [Self.key(tenantId)]
            )
            .map(Self.voiceApp(from:))
        }
    }

    public func voiceApp(appId: UUID) async throws -> TeamsVoiceApp? {
        try await database.read { db in
            try db.fetchOneRow(cached: "SELECT * FROM teams_voice_apps WHERE app_id = ?", arguments: [Self.key(appId)]).map(Self.voiceApp(from:))
        }
    }

    private static func voiceApp(from row: Row) throws -> TeamsVoiceApp {
        guard let appId = UUID(uuidString: row["app_id"]), let tenant = UUID(uuidString: row["tenant_id"]) else {
            throw ParleyError(.internal, "Stored voice app is malformed.")
        }
        return TeamsVoiceApp(appId: appId, tenantId: tenant, displayName: row["display_name"], createdAt: date(row["created_at"]))
    }

    // MARK: Rows

    static func app(from row: Row) throws -> TenantApp {
        guard let appId = UUID(uuidString: row["app_id"]), let tenantId = UUID(uuidString: row["tenant_id"]) else {
            throw ParleyError(.internal, "Stored app is malformed.")
        }
        return TenantApp(
            appId: appId,
            tenantId: tenantId,
            displayName: row["display_name"],
            redirectUris: redirectURIs(row["redirect_uris"]),
            createdAt: date(row["created_at"])
        )
    }

    private static func upsert(_ policy: ExternalAccessPolicy, _ tenantId: UUID, _ db: Database) throws {
        try db.execute(
            cached: """
                INSERT INTO external_access_policies (tenant_id, identity, enable_acs_federation_access) VALUES (?, ?, ?)
                ON CONFLICT (tenant_id, identity) DO UPDATE SET enable_acs_federation_access = excluded.enable_acs_federation_access
                """,
            arguments: [key(tenantId), policy.identity, policy.enableAcsFederationAccess]
        )
    }

    static func key(_ id: UUID) -> String { id.uuidString.lowercased() }

    /// Redirect URIs as one column, one per line (a URI has no line breaks).
    static func text(_ uris: [String]) -> String { uris.joined(separator: "\n") }

    private static func redirectURIs(_ text: String) -> [String] {
        text.split(separator: "\n").map(String.init)
    }

    /// A list of GUIDs as one comma-separated column.
    private static func list(_ ids: [UUID]) -> String { ids.map(key).joined(separator: ",") }

    private static func uuids(_ text: String) -> [UUID] {
        text.split(separator: ",").compactMap { UUID(uuidString: String($0)) }
    }

    private static func tenant(from row: Row) throws -> Tenant {
        guard let id = UUID(uuidString: row["id"]) else { throw ParleyError(.internal, "Stored tenant has a malformed id.") }
        return Tenant(
            id: id,
            displayName: row["display_name"],
            domain: row["domain"],
            federation: AcsFederationConfiguration(
                enableAcsUsers: row["enable_acs_users"],
                allowedAcsResources: uuids(row["allowed_acs_resources"]),
                blockedAcsResources: uuids(row["blocked_acs_resources"])
            ),
            createdAt: date(row["created_at"])
        )
    }

    private static func orgUser(from row: Row) throws -> OrgUser {
        guard let id = UUID(uuidString: row["id"]), let tenantId = UUID(uuidString: row["tenant_id"]),
            let mode = CoexistenceMode(rawValue: row["coexistence_mode"])
        else { throw ParleyError(.internal, "Stored org user is malformed.") }
        return OrgUser(
            id: id,
            tenantId: tenantId,
            displayName: row["display_name"],
            userPrincipalName: row["user_principal_name"],
            mail: row["mail"],
            coexistenceMode: mode,
            enterpriseVoiceEnabled: row["enterprise_voice_enabled"],
            externalAccessPolicy: row["external_access_policy"],
            createdAt: date(row["created_at"])
        )
    }
}
