import Synchronization

/// Tells whoever tails the event log that something was committed. Wake-ups coalesce: a reader
/// that was busy finds one pending wake-up, then reads every event after its position.
public final class CommitNotifier: Sendable {
    private let subscribers = Mutex<[Int: AsyncStream<Void>.Continuation]>([:])
    private let nextId = Atomic<Int>(0)

    public init() {}

    /// Called by the store after each committed transaction.
    public func notify() {
        for subscriber in subscribers.withLock({ Array($0.values) }) { subscriber.yield() }
    }

    /// Wake-ups from now on; at most one is ever pending.
    public func subscribe() -> AsyncStream<Void> {
        let (stream, continuation) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
        let id = nextId.wrappingAdd(1, ordering: .relaxed).oldValue
        subscribers.withLock { $0[id] = continuation }
        continuation.onTermination = { [weak self] _ in
            self?.subscribers.withLock { _ = $0.removeValue(forKey: id) }
        }
        return stream
    }
}
