import Foundation

extension InteropGate {
    /// Loads the person's tenant and policies and applies ``check(resource:user:tenant:policies:purpose:)``.
    static func denial(resource: UUID, user: OrgUser, store: any DirectoryStore, purpose: Purpose) async throws -> Denial? {
        guard let tenant = try await store.tenant(id: user.tenantId) else { return .acsUsersDisabled }
        let policies = Dictionary(try await store.policies(in: tenant.id).map { ($0.identity, $0) }, uniquingKeysWith: { first, _ in first })
        return check(resource: resource, user: user, tenant: tenant, policies: policies, purpose: purpose)
    }
}
