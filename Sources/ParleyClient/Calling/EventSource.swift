import Synchronization

/// Hands each event to every current subscriber: the `xChanged` / `xsUpdated` sequences of the
/// calling objects. A subscriber hears what happens after it subscribed; the current value is
/// read from the object itself (read it first, then subscribe, as with the ACS SDKs).
///
/// Events are yielded outside the lock, so that a subscriber ending its iteration (which calls
/// back into ``subscribe()``'s termination handler) never waits for a yield in progress.
final class EventSource<Element: Sendable>: Sendable {
    private struct State {
        var nextId = 0
        var subscribers: [Int: AsyncStream<Element>.Continuation] = [:]
        var isFinished = false
        /// Yielded to subscribers that arrive after the end (for one-shot sequences).
        var final: Element?
    }

    private let state = Mutex(State())

    /// A sequence of `initial`, then the events from now on; it ends when the source finishes.
    func subscribe(startingWith initial: [Element] = []) -> AsyncStream<Element> {
        let (stream, continuation) = AsyncStream.makeStream(of: Element.self)
        for element in initial { continuation.yield(element) }
        let id = state.withLock { state -> Int? in
            guard !state.isFinished else { return nil }
            defer { state.nextId += 1 }
            state.subscribers[state.nextId] = continuation
            return state.nextId
        }
        guard let id else {
            if let final = state.withLock({ $0.final }) { continuation.yield(final) }
            continuation.finish()
            return stream
        }
        continuation.onTermination = { [weak self] _ in
            _ = self?.state.withLock { $0.subscribers.removeValue(forKey: id) }
        }
        return stream
    }

    func yield(_ element: Element) {
        let subscribers = state.withLock { Array($0.subscribers.values) }
        for subscriber in subscribers { subscriber.yield(element) }
    }

    /// Ends every sequence, after yielding `final` when given; later subscribers get `final`
    /// (if any) and an immediate end.
    func finish(final: Element? = nil) {
        let subscribers = state.withLock { state -> [AsyncStream<Element>.Continuation] in
            guard !state.isFinished else { return [] }
            state.isFinished = true
            state.final = final
            defer { state.subscribers = [:] }
            return Array(state.subscribers.values)
        }
        for subscriber in subscribers {
            if let final { subscriber.yield(final) }
            subscriber.finish()
        }
    }
}
