import Foundation

/// A user access token and when it expires (read from its `exp` claim).
public struct CommunicationAccessToken: Sendable, Hashable {
    public var token: String
    public var expiresOn: Date

    public init(token: String, expiresOn: Date) {
        self.token = token
        self.expiresOn = expiresOn
    }

    /// Reads the expiry of a JWT.
    init(jwt: String) throws(TokenCredentialError) {
        self.init(token: jwt, expiresOn: try JWTClaims(jwt).expiresOn)
    }
}
