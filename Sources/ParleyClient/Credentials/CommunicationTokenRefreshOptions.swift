/// How a ``CommunicationTokenCredential`` gets fresh tokens, as in the ACS SDKs.
public struct CommunicationTokenRefreshOptions: Sendable {
    /// A token to use until it needs refreshing; without one the first use refreshes.
    public var initialToken: String?
    /// Refresh ahead of time: once the token expires within ten minutes, rather than two.
    public var refreshProactively: Bool
    /// Fetches a new token (typically from the application's own backend).
    public var tokenRefresher: @Sendable () async throws -> String

    public init(initialToken: String? = nil, refreshProactively: Bool = false, tokenRefresher: @escaping @Sendable () async throws -> String) {
        self.initialToken = initialToken
        self.refreshProactively = refreshProactively
        self.tokenRefresher = tokenRefresher
    }
}
