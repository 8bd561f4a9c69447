/// Whether a ``CallAgent`` can reach the server (`connectionState` of the ACS SDK).
public enum CallAgentConnectionState: String, Sendable, Hashable {
    /// Registered: requests go through, calls and incoming calls arrive.
    case connected = "Connected"
    /// The connection dropped and the agent is reconnecting; requests fail with
    /// ``CallingError/notConnectedCode`` meanwhile. Calls go on for the server's grace period.
    case reconnecting = "Reconnecting"
    /// For good: the agent was disposed, or the server will not take it back (token revoked,
    /// user deleted, registration refused).
    case disconnected = "Disconnected"
}
