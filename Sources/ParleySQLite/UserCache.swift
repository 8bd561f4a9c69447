import ParleyCore
import Synchronization

/// App users by raw id, so that authenticating a request (which checks the user's token
/// generation every time) needs no database read.
///
/// Every change to a user goes through this process's store, which invalidates the entry before
/// and after the write. A read that started before an invalidation never fills the cache
/// (the epoch check), so a revoked or deleted user is never served from a stale entry once the
/// revocation has returned.
final class UserCache: Sendable {
    private struct State {
        var epoch: UInt64 = 0
        var users: [String: AcsUser] = [:]
    }

    private let capacity: Int
    private let state = Mutex(State())

    init(capacity: Int = 100_000) {
        self.capacity = capacity
    }

    /// The cached user, or nil and the epoch to pass to ``fill(_:epoch:)`` after reading it.
    func lookup(_ rawId: String) -> (user: AcsUser?, epoch: UInt64) {
        state.withLock { ($0.users[rawId], $0.epoch) }
    }

    /// Caches a user read from the database, unless anything was invalidated since `epoch`.
    func fill(_ user: AcsUser, epoch: UInt64) {
        state.withLock { state in
            guard state.epoch == epoch else { return }
            if state.users.count >= capacity { state.users.removeAll(keepingCapacity: true) }
            state.users[user.rawId] = user
        }
    }

    func invalidate(_ rawId: String) {
        state.withLock { state in
            state.epoch &+= 1
            state.users.removeValue(forKey: rawId)
        }
    }

    /// Forgets every user (the database was replaced underneath).
    func invalidateAll() {
        state.withLock { state in
            state.epoch &+= 1
            state.users.removeAll()
        }
    }
}
