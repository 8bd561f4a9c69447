import ParleyAPI
import Synchronization

/// The requests sent on a calling connection that await their reply, by request id. Replies
/// complete them; a dropped connection fails them all, so no caller waits forever.
final class PendingRequests: Sendable {
    typealias Completion = @Sendable (Result<RealtimeReply, CallingError>) -> Void

    private struct Entry {
        var completion: Completion
        var timeout: Task<Void, Never>?
    }

    private struct State {
        var nextId = 1
        var entries: [String: Entry] = [:]
    }

    private let state = Mutex(State())

    /// Registers a request and returns the id to send it with. Unless answered first, it fails
    /// with ``CallingError/timeoutCode`` after `timeout`.
    func add(timeout: Duration, completion: @escaping Completion) -> String {
        let id = state.withLock { state in
            defer { state.nextId += 1 }
            let id = "c\(state.nextId)"
            state.entries[id] = Entry(completion: completion)
            return id
        }
        let timer = Task { [weak self] in
            guard (try? await Task.sleep(for: timeout)) != nil else { return }
            self?.fail(id, CallingError(status: 0, code: CallingError.timeoutCode, message: "The server did not answer within \(timeout)."))
        }
        let stillPending = state.withLock { state in
            guard state.entries[id] != nil else { return false }
            state.entries[id]?.timeout = timer
            return true
        }
        if !stillPending { timer.cancel() }
        return id
    }

    /// Hands the reply to whoever waits for it; replies nobody waits for are dropped.
    func complete(_ reply: RealtimeReply) {
        guard let entry = remove(reply.requestId) else { return }
        if let error = reply.error {
            entry.completion(.failure(CallingError(error)))
        } else {
            entry.completion(.success(reply))
        }
    }

    func fail(_ id: String, _ error: CallingError) {
        remove(id)?.completion(.failure(error))
    }

    /// Fails every pending request (the connection dropped, or the agent stopped).
    func failAll(_ error: CallingError) {
        let entries = state.withLock { state in
            defer { state.entries = [:] }
            return Array(state.entries.values)
        }
        for entry in entries {
            entry.timeout?.cancel()
            entry.completion(.failure(error))
        }
    }

    private func remove(_ id: String) -> Entry? {
        let entry = state.withLock { $0.entries.removeValue(forKey: id) }
        entry?.timeout?.cancel()
        return entry
    }
}
