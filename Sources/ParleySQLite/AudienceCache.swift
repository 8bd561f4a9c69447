import Synchronization

/// Each thread's participants, and the id of their row in `event_audiences`, as the single writer
/// last resolved them: completing an event's audience (on every message) is then a lookup, and
/// the event stores a small id rather than the list.
///
/// Only the writer touches it, inside its transactions. Methods that change a thread's
/// membership drop the thread's entry; a rollback drops everything, since an entry resolved
/// inside the rolled-back work may name rows or memberships that were undone.
final class AudienceCache: Sendable {
    struct Entry: Sendable {
        var members: [String]
        var id: Int64
    }

    private let entries = Mutex<[String: Entry]>([:])
    private let capacity: Int

    init(capacity: Int = 50_000) {
        self.capacity = capacity
    }

    func audience(of threadId: String, orResolve resolve: () throws -> Entry) rethrows -> Entry {
        if let cached = entries.withLock({ $0[threadId] }) { return cached }
        let entry = try resolve()
        entries.withLock { entries in
            if entries.count >= capacity { entries.removeAll(keepingCapacity: true) }
            entries[threadId] = entry
        }
        return entry
    }

    func invalidate(_ threadId: String) {
        _ = entries.withLock { $0.removeValue(forKey: threadId) }
    }

    func invalidateAll() {
        entries.withLock { $0.removeAll() }
    }
}
