import Foundation

/// A Teams voice app of a tenant (an auto attendant or call queue resource account): app users
/// can call it, and it appears in calls as `28:orgid:<app id>`.
public struct TeamsVoiceApp: Sendable, Equatable {
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

    /// `28:orgid:<app id>`
    public var rawId: String { "28:orgid:\(appId.uuidString.lowercased())" }
}
