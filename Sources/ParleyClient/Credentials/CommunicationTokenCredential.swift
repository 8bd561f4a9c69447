import Foundation

/// The user access token a chat client sends, as in the ACS SDKs: a static token, or one kept
/// fresh by a refresher the application supplies.
///
/// ```swift
/// let credential = try CommunicationTokenCredential(
///     options: .init(initialToken: token, refreshProactively: true) { try await myBackend.chatToken() }
/// )
/// ```
public final class CommunicationTokenCredential: Sendable {
    private let cache: TokenCache

    /// A credential for one token; once it expires, ``token()`` throws
    /// ``TokenCredentialError/Code/tokenExpired``.
    ///
    /// - Throws: ``TokenCredentialError`` when the token is not a JWT with an `exp` claim.
    public convenience init(token: String) throws {
        try self.init(token: token, now: Date.init)
    }

    /// A credential that calls `options.tokenRefresher` when the token is about to expire.
    ///
    /// - Throws: ``TokenCredentialError`` when the initial token is not a JWT with an `exp` claim.
    public convenience init(options: CommunicationTokenRefreshOptions) throws {
        try self.init(options: options, now: Date.init)
    }

    /// - Parameter now: the credential's clock (tests move it instead of sleeping).
    init(token: String, now: @escaping @Sendable () -> Date) throws {
        self.cache = try TokenCache(token: token, now: now)
    }

    /// - Parameter now: the credential's clock (tests move it instead of sleeping).
    init(options: CommunicationTokenRefreshOptions, now: @escaping @Sendable () -> Date) throws {
        self.cache = try TokenCache(
            initialToken: options.initialToken,
            refreshProactively: options.refreshProactively,
            refresher: options.tokenRefresher,
            now: now
        )
    }

    /// A token that is valid now, refreshed first if it was about to expire. Concurrent callers
    /// share one refresh.
    public func token() async throws -> CommunicationAccessToken {
        try await cache.token()
    }
}
