import Foundation

/// A role given to an app registration of a tenant on one communication resource, as an Azure
/// role assignment scoped to the resource. Operators make and remove them; bearer tokens of the
/// app are accepted on the resource's APIs while one exists.
public struct RoleAssignment: Sendable, Equatable {
    public var id: UUID
    /// The resource's immutable id.
    public var resourceId: UUID
    public var tenantId: UUID
    public var appId: UUID
    public var role: ResourceRole
    public var createdAt: Date

    public init(id: UUID, resourceId: UUID, tenantId: UUID, appId: UUID, role: ResourceRole, createdAt: Date) {
        self.id = id
        self.resourceId = resourceId
        self.tenantId = tenantId
        self.appId = appId
        self.role = role
        self.createdAt = createdAt
    }
}
