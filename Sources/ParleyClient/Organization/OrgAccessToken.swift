import Foundation

/// An organization access token from Parley's Entra-shaped sign-in.
public struct OrgAccessToken: Sendable, Hashable {
    /// The bearer token for the Graph-shaped API.
    public var accessToken: String
    public var expiresOn: Date
    /// The granted scopes, space-separated.
    public var scope: String
    /// The OpenID Connect id token (people only).
    public var idToken: String?

    public init(accessToken: String, expiresOn: Date, scope: String, idToken: String? = nil) {
        self.accessToken = accessToken
        self.expiresOn = expiresOn
        self.scope = scope
        self.idToken = idToken
    }
}
