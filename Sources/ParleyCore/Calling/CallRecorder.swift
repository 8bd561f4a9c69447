import Foundation
import Logging
import Synchronization

/// Writes call records behind the calls: signalling never waits for the disk, and records are
/// saved in the order the changes happened, many to a transaction when they pile up.
final class CallRecorder: Sendable {
    struct Change: Sendable {
        var record: CallRecord
        var events: [DomainEvent]
    }

    private let store: any ParleyStore
    private let logger: Logger
    private let pending = Mutex<[Change]>([])
    private let wake: AsyncStream<Void>.Continuation
    private let wakes: AsyncStream<Void>

    init(store: any ParleyStore, logger: Logger) {
        self.store = store
        self.logger = logger
        (wakes, wake) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
    }

    /// Queues a change; never waits.
    func record(_ change: Change) {
        pending.withLock { $0.append(change) }
        wake.yield()
    }

    /// Saves queued changes until cancelled, then saves what is left.
    func run() async {
        for await _ in wakes {
            await flush()
            if Task.isCancelled { break }
        }
        await flush()
    }

    /// Saves every queued change now.
    func flush() async {
        let batch = pending.withLock { pending in
            defer { pending.removeAll(keepingCapacity: true) }
            return pending
        }
        guard !batch.isEmpty else { return }
        do {
            try await store.saveCalls(batch.map { ($0.record, $0.events) })
        } catch {
            logger.error("Saving \(batch.count) call record changes failed: \(error)")
        }
    }

    func finish() { wake.finish() }
}
