/// How long calls wait for people.
public struct CallTimeouts: Sendable, Equatable {
    /// How long a call rings before it ends with 487/10004 (ACS: 85 s).
    public var ringingSeconds: Double
    /// How long a participant whose connection dropped stays in its calls, waiting for the
    /// endpoint to come back (ACS: 2 minutes).
    public var reconnectGraceSeconds: Double

    public init(ringingSeconds: Double = 85, reconnectGraceSeconds: Double = 120) {
        self.ringingSeconds = ringingSeconds
        self.reconnectGraceSeconds = reconnectGraceSeconds
    }
}
