import Synchronization

/// Each thread's participants as the single writer last read them, so that completing an event's
/// audience (on every message) is a lookup rather than a read of every participant.
///
/// Only the writer touches it, inside its transactions. Methods that change a thread's
/// membership drop the thread's entry; a batch that rolls back drops everything, since an entry
/// read inside it may have seen writes that were undone.
final class AudienceCache: Sendable {
    private let entries = Mutex<[String: [String]]>([:])
    private let capacity: Int

    init(capacity: Int = 50_000) {
        self.capacity = capacity
    }

    func audience(of threadId: String, orRead read: () throws -> [String]) rethrows -> [String] {
        if let cached = entries.withLock({ $0[threadId] }) { return cached }
        let audience = try read()
        entries.withLock { entries in
            if entries.count >= capacity { entries.removeAll(keepingCapacity: true) }
            entries[threadId] = audience
        }
        return audience
    }

    func invalidate(_ threadId: String) {
        _ = entries.withLock { $0.removeValue(forKey: threadId) }
    }

    func invalidateAll() {
        entries.withLock { $0.removeAll() }
    }
}
