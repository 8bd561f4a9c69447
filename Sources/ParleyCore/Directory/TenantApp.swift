import Foundation

/// An application registered in a tenant (an Entra app registration): the `client_id` of its
/// sign-ins, a client secret for the client-credentials grant, and the redirect URIs the
/// authorization code flow may send its codes to.
public struct TenantApp: Sendable, Equatable {
    public var appId: UUID
    public var tenantId: UUID
    public var displayName: String
    /// Where `/authorize` may redirect with a code (see ``RedirectURI``); empty: the app signs
    /// in with the password or client-credentials grant only.
    public var redirectUris: [String]
    public var createdAt: Date

    public init(appId: UUID, tenantId: UUID, displayName: String, redirectUris: [String] = [], createdAt: Date) {
        self.appId = appId
        self.tenantId = tenantId
        self.displayName = displayName
        self.redirectUris = redirectUris
        self.createdAt = createdAt
    }
}
