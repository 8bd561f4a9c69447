import Foundation

/// The authorization code flow's part of the store: redirect URIs of app registrations, codes,
/// sign-in sessions and their rotating refresh tokens. Codes and tokens are kept as hashes only.
public protocol SignInStore: Sendable {
    /// Replaces an app registration's redirect URIs; nil if there is no such app in the tenant.
    func setRedirectURIs(_ uris: [String], of appId: UUID, in tenantId: UUID, event: DomainEvent) async throws -> TenantApp?

    /// Stores a new code (and forgets codes that expired long ago).
    func insertAuthorizationCode(_ code: AuthorizationCode, event: DomainEvent) async throws
    func authorizationCode(hash: String) async throws -> AuthorizationCode?
    /// Marks the code redeemed and starts its session with its first refresh token, in one
    /// transaction; false (and nothing written) if the code was already redeemed.
    func redeemAuthorizationCode(
        hash: String,
        at time: Date,
        session: SignInSession,
        refreshToken: RefreshTokenRecord,
        event: DomainEvent
    ) async throws -> Bool

    func signInSession(id: String) async throws -> SignInSession?
    func refreshToken(hash: String) async throws -> RefreshTokenRecord?
    /// Marks `hash` used and stores `replacement`, in one transaction; false (and nothing
    /// written) if `hash` was already used or its session has ended.
    func rotateRefreshToken(hash: String, replacement: RefreshTokenRecord, at time: Date, event: DomainEvent) async throws -> Bool
    /// Ends the session: none of its refresh tokens works any more. False if it had already ended.
    func revokeSignInSession(id: String, at time: Date, event: DomainEvent) async throws -> Bool
}
