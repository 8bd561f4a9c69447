import Foundation
import Synchronization

/// In-process fan-out of events that are not stored (typing indicators), to whoever listens
/// (the realtime gateway). Stored events are read from the store's event log instead, by position.
public final class EventHub: Sendable {
    private struct State {
        var nextId = 0
        var subscribers: [Int: AsyncStream<DomainEvent>.Continuation] = [:]
    }

    private let state = Mutex(State())

    public init() {}

    /// Delivers `event` to every current subscriber; never blocks (slow subscribers drop the
    /// oldest buffered events first).
    public func publish(_ event: DomainEvent) {
        let subscribers = state.withLock { Array($0.subscribers.values) }
        for subscriber in subscribers { subscriber.yield(event) }
    }

    /// A stream of events published from now on.
    public func subscribe(bufferSize: Int = 1024) -> AsyncStream<DomainEvent> {
        let (stream, continuation) = AsyncStream.makeStream(of: DomainEvent.self, bufferingPolicy: .bufferingNewest(bufferSize))
        let id = state.withLock { state in
            let id = state.nextId
            state.nextId += 1
            state.subscribers[id] = continuation
            return id
        }
        continuation.onTermination = { [weak self] _ in
            self?.state.withLock { _ = $0.subscribers.removeValue(forKey: id) }
        }
        return stream
    }
}
