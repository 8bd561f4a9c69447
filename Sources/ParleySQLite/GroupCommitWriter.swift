import GRDB
import Synchronization

/// Runs writes in shared transactions (group commit): writes that arrive while a transaction is
/// committing wait and go together into the next one, so one fsync serves many of them.
///
/// There is no background task. The first writer to find nobody committing becomes the leader:
/// it takes every queued write (its own included), runs them in one transaction, completes them,
/// and hands leadership to the oldest write still queued, whose caller then runs the next batch.
/// A failing write fails alone: the batch first runs without savepoints, and only when a write
/// fails is it rolled back and run again with one savepoint per write.
final class GroupCommitWriter: Sendable {
    private let database: any DatabaseWriter
    private let maxBatch: Int
    private let onCommit: @Sendable () -> Void
    private let onRollback: @Sendable () -> Void
    private let state = Mutex(State())

    private struct State {
        var queue: [Job] = []
        var leaderActive = false
    }

    /// - Parameters:
    ///   - onCommit: called after each committed batch, before its writers resume.
    ///   - onRollback: called when a batch, or one write of it, was rolled back.
    init(
        database: any DatabaseWriter,
        maxBatch: Int = 512,
        onCommit: @escaping @Sendable () -> Void = {},
        onRollback: @escaping @Sendable () -> Void = {}
    ) {
        self.database = database
        self.maxBatch = maxBatch
        self.onCommit = onCommit
        self.onRollback = onRollback
    }

    /// Runs `work` in a transaction shared with concurrent writes; returns once it is committed.
    func write<T: Sendable>(_ work: @escaping @Sendable (Database) throws -> T) async throws -> T {
        let job = Job { db in try work(db) }
        var lead = state.withLock { state in
            state.queue.append(job)
            guard !state.leaderActive else { return false }
            state.leaderActive = true
            return true
        }
        while true {
            if lead { await runBatch() }
            switch await job.outcome() {
            case .done(let result):
                // The job was built from `work`, so its value is a T.
                return try result.get() as! T
            case .lead:
                lead = true
            }
        }
    }

    /// Commits one batch, then passes leadership on (or gives it up when nothing is queued).
    private func runBatch() async {
        let batch = state.withLock { state in
            let batch = Array(state.queue.prefix(maxBatch))
            state.queue.removeFirst(batch.count)
            return batch
        }
        var results: [Result<any Sendable, any Error>]
        do {
            results = try await commitOptimistically(batch)
        } catch is BatchNeedsIsolation {
            onRollback()
            results = await commitIsolated(batch)
        } catch {
            // The transaction itself failed (commit, disk): nothing of the batch was written.
            onRollback()
            results = Array(repeating: .failure(error), count: batch.count)
        }
        if results.contains(where: { if case .success = $0 { true } else { false } }) { onCommit() }
        for (job, result) in zip(batch, results) { job.complete(result) }
        let next = state.withLock { state -> Job? in
            guard let next = state.queue.first else {
                state.leaderActive = false
                return nil
            }
            return next
        }
        next?.makeLeader()
    }
}

extension GroupCommitWriter {
    /// Runs every write of the batch in one transaction without savepoints (two statements
    /// fewer per write, inside the single writer). If any write fails, the whole transaction
    /// rolls back and the batch is run again with ``commitIsolated(_:)``.
    fileprivate func commitOptimistically(_ batch: [Job]) async throws -> [Result<any Sendable, any Error>] {
        try await database.write { db in
            var results: [Result<any Sendable, any Error>] = []
            results.reserveCapacity(batch.count)
            for job in batch {
                do {
                    results.append(.success(try job.work(db)))
                } catch {
                    throw BatchNeedsIsolation()
                }
            }
            return results
        }
    }

    /// Runs every write in its own savepoint: a failing write rolls back alone and fails alone.
    fileprivate func commitIsolated(_ batch: [Job]) async -> [Result<any Sendable, any Error>] {
        do {
            return try await database.write { db in
                batch.map { job in
                    var result: Result<any Sendable, any Error> = .failure(CancellationError())
                    do {
                        try db.inSavepoint {
                            do {
                                result = .success(try job.work(db))
                                return .commit
                            } catch {
                                result = .failure(error)
                                onRollback()  // before the next write of the batch runs
                                return .rollback
                            }
                        }
                    } catch {
                        result = .failure(error)
                    }
                    return result
                }
            }
        } catch {
            return Array(repeating: .failure(error), count: batch.count)
        }
    }
}

/// Thrown inside an optimistic batch to roll it back when one of its writes failed.
private struct BatchNeedsIsolation: Error {}

/// One queued write and the way its caller learns what happened.
private final class Job: Sendable {
    enum Outcome {
        case done(Result<any Sendable, any Error>)
        /// The caller must run the next batch (its own job is in it).
        case lead
    }

    private struct State {
        var result: Result<any Sendable, any Error>?
        var lead = false
        var waiter: CheckedContinuation<Outcome, Never>?
    }

    let work: @Sendable (Database) throws -> any Sendable
    private let state = Mutex(State())

    init(work: @escaping @Sendable (Database) throws -> any Sendable) {
        self.work = work
    }

    func complete(_ result: Result<any Sendable, any Error>) {
        let waiter = state.withLock { state in
            state.result = result
            defer { state.waiter = nil }
            return state.waiter
        }
        waiter?.resume(returning: .done(result))
    }

    func makeLeader() {
        let waiter = state.withLock { state -> CheckedContinuation<Outcome, Never>? in
            guard let waiter = state.waiter else {
                state.lead = true  // picked up by the next `outcome()`
                return nil
            }
            state.waiter = nil
            return waiter
        }
        waiter?.resume(returning: .lead)
    }

    /// Waits until the job is done or its caller must lead.
    func outcome() async -> Outcome {
        await withCheckedContinuation { continuation in
            let immediate = state.withLock { state -> Outcome? in
                if let result = state.result { return .done(result) }
                if state.lead {
                    state.lead = false
                    return .lead
                }
                state.waiter = continuation
                return nil
            }
            if let immediate { continuation.resume(returning: immediate) }
        }
    }
}
