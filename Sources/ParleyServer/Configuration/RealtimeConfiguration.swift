/// How the real-time gateway keeps and delivers events.
public struct RealtimeConfiguration: Sendable, Equatable {
    /// How long events stay in the log for clients to resume from, in seconds.
    public var retentionSeconds: Int = 86_400
    /// Frames a connection may have waiting before it is closed as a slow consumer.
    public var queueLimit: Int = 1024
    /// How often the server pings each connection, in seconds; one that does not answer is closed.
    public var pingIntervalSeconds: Int = 30

    public init() {}
}
