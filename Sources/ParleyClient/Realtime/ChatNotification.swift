import ParleyAPI

/// What a ``ChatNotifications`` sequence yields.
public enum ChatNotification: Sendable, Equatable {
    /// A chat event. Durable events carry their position (persist the last one to resume from
    /// it after a restart); typing indicators have none.
    case event(ChatRealtimeEvent, position: Int64?)
    /// (Re)connected, and every event up to `position` has been delivered: live events follow.
    case connected(position: Int64)
    /// Events were lost beyond the server's retention window (or the position is unknown to the
    /// server): reload what you show through REST; the stream goes on from `position`.
    case resyncRequired(reason: String, position: Int64)
}

/// Options of a real-time connection.
public struct ChatNotificationOptions: Sendable {
    /// The first delay before reconnecting after a connection drops (the first retry is
    /// immediate); it doubles up to ``maximumReconnectDelay``.
    public var initialReconnectDelay: Duration
    public var maximumReconnectDelay: Duration
    /// How long a connection attempt may take to be upgraded to a WebSocket before it is given up
    /// and retried (a server or proxy that closes without answering would otherwise hold it).
    public var upgradeTimeout: Duration

    public init(
        initialReconnectDelay: Duration = .milliseconds(100),
        maximumReconnectDelay: Duration = .seconds(10),
        upgradeTimeout: Duration = .seconds(10)
    ) {
        self.initialReconnectDelay = initialReconnectDelay
        self.maximumReconnectDelay = maximumReconnectDelay
        self.upgradeTimeout = upgradeTimeout
    }
}

/// Why a real-time stream ended for good.
public struct ChatNotificationError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The close code the server gave (``RealtimeCloseCode``), if it closed the connection.
    public var closeCode: UInt16?
    public var message: String

    public init(closeCode: UInt16?, message: String) {
        self.closeCode = closeCode
        self.message = message
    }

    public var description: String { closeCode.map { "\($0): \(message)" } ?? message }
}
