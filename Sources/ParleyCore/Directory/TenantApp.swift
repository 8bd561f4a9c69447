import Foundation

/// An application registered in a tenant (an Entra app registration): the `client_id` of its
/// sign-ins, and a client secret for the client-credentials grant.
public struct TenantApp: Sendable, Equatable {
    public var appId: UUID
    public var tenantId: UUID
    public var displayName: String
    public var createdAt: Date

    public init(appId: UUID, tenantId: UUID, displayName: String, createdAt: Date) {
        self.appId = appId
        self.tenantId = tenantId
        self.displayName = displayName
        self.createdAt = createdAt
    }
}
