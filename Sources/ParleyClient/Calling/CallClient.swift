import Foundation

/// The entry point of calling (the ACS SDK's `CallClient`): makes ``CallAgent``s for users of
/// one Parley server.
///
/// ```swift
/// let client = CallClient(endpoint: URL(string: "https://127.0.0.1:8443/")!)
/// let agent = try await client.createCallAgent(
///     credential: credential,
///     options: CallAgentOptions(displayName: "Alice", caCertificatePath: ".parley/ca.pem")
/// )
/// ```
public final class CallClient: Sendable {
    /// The server, e.g. `https://127.0.0.1:8443/`.
    public let endpoint: URL

    public init(endpoint: URL) {
        self.endpoint = endpoint
    }

    /// Connects a calling endpoint for whoever `credential` belongs to: an app user (an ACS
    /// token with the `voip` scope) or a Teams user (a token from ``OrgSignIn``). Returns once
    /// the endpoint is registered; from then on calls can be placed and ring.
    ///
    /// - Throws: ``CallingError`` when the connection or the registration fails (nothing is
    ///   retried before the agent exists), or the credential's ``TokenCredentialError``.
    public func createCallAgent(credential: CommunicationTokenCredential, options: CallAgentOptions = .init()) async throws -> CallAgent {
        try await CallAgent.connect(endpoint: endpoint, credential: credential, options: options)
    }
}
