import Foundation

/// Holds the current token and refreshes it when it is about to expire, one refresh at a time:
/// concurrent callers wait for the same refresh.
actor TokenCache {
    /// Refresh ahead of expiry by this much when refreshing proactively.
    static let proactiveWindow: TimeInterval = 10 * 60
    /// Refresh ahead of expiry by this much otherwise (the ACS SDKs' on-demand margin).
    static let onDemandWindow: TimeInterval = 2 * 60

    private let refresher: (@Sendable () async throws -> String)?
    private let window: TimeInterval
    private let now: @Sendable () -> Date
    private var current: CommunicationAccessToken?
    private var refreshing: Task<CommunicationAccessToken, any Error>?

    /// A token that never refreshes.
    init(token: String, now: @escaping @Sendable () -> Date) throws(TokenCredentialError) {
        self.current = try CommunicationAccessToken(jwt: token)
        self.refresher = nil
        self.window = 0
        self.now = now
    }

    init(
        initialToken: String?,
        refreshProactively: Bool,
        refresher: @escaping @Sendable () async throws -> String,
        now: @escaping @Sendable () -> Date
    ) throws(TokenCredentialError) {
        self.current = try initialToken.map { token throws(TokenCredentialError) in try CommunicationAccessToken(jwt: token) }
        self.refresher = refresher
        self.window = refreshProactively ? Self.proactiveWindow : Self.onDemandWindow
        self.now = now
    }

    /// A token valid now, refreshed first when it expires within the refresh window.
    func token() async throws -> CommunicationAccessToken {
        let now = now()
        if let current, current.expiresOn.timeIntervalSince(now) > window { return current }
        guard let refresher else {
            if let current, current.expiresOn > now { return current }
            throw TokenCredentialError(.tokenExpired, "The access token expired and the credential has no token refresher.")
        }
        if let refreshing { return try await refreshing.value }
        let clock = self.now
        let task = Task {
            let token = try CommunicationAccessToken(jwt: try await refresher())
            guard token.expiresOn > clock() else {
                throw TokenCredentialError(.refreshedTokenExpired, "The token refresher returned a token that has already expired.")
            }
            return token
        }
        refreshing = task
        defer { if refreshing == task { refreshing = nil } }
        do {
            let token = try await task.value
            current = token
            return token
        } catch {
            // A failed early refresh is not fatal while the token still works.
            if let current, current.expiresOn > self.now() { return current }
            throw error
        }
    }
}
