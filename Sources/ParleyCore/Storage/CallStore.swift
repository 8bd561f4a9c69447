import Foundation
import ParleyAPI

/// The calls part of the store. Calls live in memory while they run; the store keeps their
/// record, written as they change.
public protocol CallStore: Sendable {
    /// Creates or replaces each call's record and appends `events` in order, all in one
    /// transaction.
    func saveCalls(_ records: [CallRecord], events: [DomainEvent]) async throws
    func call(id: String) async throws -> CallRecord?
    /// Ends every call the store still has as running (the server stopped during them) with
    /// `reason` at `date`, committing `events(record)` for each; returns how many.
    func endUnfinishedCalls(at date: Date, reason: CallEndReason, events: @escaping @Sendable (CallRecord) -> [DomainEvent]) async throws -> Int
}
