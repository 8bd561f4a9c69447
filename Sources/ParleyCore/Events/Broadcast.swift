import Synchronization

/// In-process fan-out of values to whoever subscribes. Publishing never blocks: each subscriber
/// has its own buffer, and a subscriber that falls behind loses its oldest values first.
public final class Broadcast<Element: Sendable>: Sendable {
    private let subscribers = Mutex<[Int: AsyncStream<Element>.Continuation]>([:])
    private let nextId = Atomic<Int>(0)
    private let bufferSize: Int

    /// - Parameter bufferSize: values kept per subscriber that has not read them yet.
    public init(bufferSize: Int = 1024) {
        self.bufferSize = bufferSize
    }

    /// Delivers `value` to every current subscriber.
    public func publish(_ value: Element) {
        for subscriber in subscribers.withLock({ Array($0.values) }) { subscriber.yield(value) }
    }

    /// The values published from now on.
    public func subscribe() -> AsyncStream<Element> {
        let (stream, continuation) = AsyncStream.makeStream(of: Element.self, bufferingPolicy: .bufferingNewest(bufferSize))
        let id = nextId.wrappingAdd(1, ordering: .relaxed).oldValue
        subscribers.withLock { $0[id] = continuation }
        continuation.onTermination = { [weak self] _ in
            self?.subscribers.withLock { _ = $0.removeValue(forKey: id) }
        }
        return stream
    }
}

/// Events that are not stored (typing indicators), for whoever listens (the realtime gateway).
/// Stored events are read from the store's event log instead, by position.
public typealias EventHub = Broadcast<DomainEvent>

/// Tells whoever tails the event log that something was committed. Made with a buffer of one,
/// wake-ups coalesce: a busy reader finds one pending, then reads every event after its position.
public typealias CommitNotifier = Broadcast<Void>

extension Broadcast where Element == Void {
    /// Called by the store after each committed transaction.
    public func notify() { publish(()) }
}
