/// How a ``CallAgent`` connects and behaves.
public struct CallAgentOptions: Sendable {
    /// Shown to the other parties of calls; nil uses the user's name in the directory.
    public var displayName: String?
    /// A PEM file of CA certificates to trust instead of the system's roots: Parley's local CA,
    /// whose path the server prints at start.
    public var caCertificatePath: String?
    /// Makes and takes SDP offers for the calls' media. Nil (the default) sends and answers no
    /// media negotiation at all: bots and tests that only need the calls' signaling.
    public var mediaEngine: (any CallMediaEngine)?
    /// How long a request may wait for its reply before it fails with
    /// ``CallingError/timeoutCode``.
    public var requestTimeout: Duration
    /// The first delay before reconnecting after the connection drops (the first retry is
    /// immediate); it doubles up to ``maximumReconnectDelay``.
    public var initialReconnectDelay: Duration
    public var maximumReconnectDelay: Duration
    /// How long a connection attempt may take to be upgraded to a WebSocket before it is given up
    /// and retried (a server or proxy that closes without answering would otherwise hold it).
    public var upgradeTimeout: Duration
    /// Awaited before each reconnection (tests hold the agent away from the server with it).
    var beforeReconnecting: (@Sendable () async -> Void)?

    public init(
        displayName: String? = nil,
        caCertificatePath: String? = nil,
        mediaEngine: (any CallMediaEngine)? = nil,
        requestTimeout: Duration = .seconds(30),
        initialReconnectDelay: Duration = .milliseconds(100),
        maximumReconnectDelay: Duration = .seconds(10),
        upgradeTimeout: Duration = .seconds(10)
    ) {
        self.upgradeTimeout = upgradeTimeout
        self.displayName = displayName
        self.caCertificatePath = caCertificatePath
        self.mediaEngine = mediaEngine
        self.requestTimeout = requestTimeout
        self.initialReconnectDelay = initialReconnectDelay
        self.maximumReconnectDelay = maximumReconnectDelay
    }
}
