import Foundation
import Logging
import Synchronization

/// Writes call records behind the calls: signalling never waits for the disk; changes that pile
/// up are saved in one transaction, each call's record once, with every event in order.
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
        // A call that changed several times since the last flush (rang, then connected) is
        // written once, as it is now; every event is kept, in order.
        var records: [CallRecord] = []
        var index: [String: Int] = [:]
        for change in batch {
            if let existing = index[change.record.id] {
                records[existing] = change.record
            } else {
                index[change.record.id] = records.count
                records.append(change.record)
            }
        }
        do {
            try await store.saveCalls(records, events: batch.flatMap(\.events))
        } catch {
            logger.error("Saving \(batch.count) call record changes failed: \(error)")
        }
    }

    func finish() { wake.finish() }
}
