import Foundation

/// An authorization code of the OAuth 2.0 authorization code flow, as stored: only the hash of
/// the code is kept, with everything a redemption must match (client, redirect URI, PKCE
/// challenge) and what the tokens will say (person, scopes, nonce, session).
public struct AuthorizationCode: Sendable, Equatable {
    /// Base64 SHA-256 of the code handed to the client.
    public var codeHash: String
    public var tenantId: UUID
    public var clientId: UUID
    public var userId: UUID
    public var redirectUri: String
    /// The scopes the client asked for (space-separated in the request).
    public var scopes: [String]
    /// The OpenID Connect nonce, echoed in the id token.
    public var nonce: String?
    /// The PKCE challenge: base64url(SHA-256(code_verifier)), method S256.
    public var codeChallenge: String
    /// The sign-in session the redemption starts (its refresh tokens and the id token's `sid`).
    public var sessionId: String
    public var issuedAt: Date
    public var expiresAt: Date
    /// Set once the code was exchanged for tokens; a second exchange is refused and ends the session.
    public var redeemedAt: Date?

    public init(
        codeHash: String,
        tenantId: UUID,
        clientId: UUID,
        userId: UUID,
        redirectUri: String,
        scopes: [String],
        nonce: String?,
        codeChallenge: String,
        sessionId: String,
        issuedAt: Date,
        expiresAt: Date,
        redeemedAt: Date? = nil
    ) {
        self.codeHash = codeHash
        self.tenantId = tenantId
        self.clientId = clientId
        self.userId = userId
        self.redirectUri = redirectUri
        self.scopes = scopes
        self.nonce = nonce
        self.codeChallenge = codeChallenge
        self.sessionId = sessionId
        self.issuedAt = issuedAt
        self.expiresAt = expiresAt
        self.redeemedAt = redeemedAt
    }
}

/// A person's sign-in to one app, from an authorization code's redemption until it expires,
/// signs out, or is ended because a spent code or refresh token was replayed.
public struct SignInSession: Sendable, Equatable {
    /// Random; the id token's `sid`.
    public var id: String
    public var tenantId: UUID
    public var clientId: UUID
    public var userId: UUID
    public var scopes: [String]
    public var startedAt: Date
    /// Refresh tokens stop working at this time, however recently they were issued.
    public var expiresAt: Date
    public var revokedAt: Date?

    public init(
        id: String,
        tenantId: UUID,
        clientId: UUID,
        userId: UUID,
        scopes: [String],
        startedAt: Date,
        expiresAt: Date,
        revokedAt: Date? = nil
    ) {
        self.id = id
        self.tenantId = tenantId
        self.clientId = clientId
        self.userId = userId
        self.scopes = scopes
        self.startedAt = startedAt
        self.expiresAt = expiresAt
        self.revokedAt = revokedAt
    }
}

/// One refresh token of a session, as stored (its hash). Each is used once: redeeming it issues
/// the next one (rotation); presenting a used one again ends the session.
public struct RefreshTokenRecord: Sendable, Equatable {
    public var tokenHash: String
    public var sessionId: String
    public var issuedAt: Date
    public var usedAt: Date?

    public init(tokenHash: String, sessionId: String, issuedAt: Date, usedAt: Date? = nil) {
        self.tokenHash = tokenHash
        self.sessionId = sessionId
        self.issuedAt = issuedAt
        self.usedAt = usedAt
    }
}
