import ParleyAPI

/// Where a calling endpoint's frames go: its real-time connection. Delivering never waits (the
/// connection queues, and closes itself when its queue overflows).
public protocol CallFrameSink: AnyObject, Sendable {
    func deliver(_ frame: RealtimeServerFrame)
}
