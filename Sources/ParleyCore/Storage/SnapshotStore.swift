import Foundation

/// A store whose whole state can be copied into a file, and replaced by such a copy while the
/// server runs: development mode's snapshots. The embedded SQLite store is one; a store shared
/// by several nodes is not (replacing it under the other nodes is not something one node can do).
public protocol SnapshotStore: Sendable {
    /// Writes a consistent copy of the whole store to a new file at `path`.
    func writeSnapshot(to path: String) async throws

    /// What decides whether a snapshot fits this store: the migrations applied, and the secrets
    /// kept (signing keys, admin key), of the store itself or of the snapshot at `path`.
    func snapshotFingerprint(ofSnapshotAt path: String?) async throws -> SnapshotFingerprint

    /// Replaces the whole store with the snapshot at `path`, then appends `marker` to the event
    /// log at a position above every position this store has handed out, and returns it: clients
    /// that resume from an earlier position are told to reload (``RealtimeGateway``).
    func restoreSnapshot(from path: String, marker: DomainEvent) async throws -> Int64

    /// The position of the last ``DomainEvent/Kind/stateRestored`` marker still in the log.
    func lastRestorePosition() async throws -> Int64?
}

/// What a snapshot must share with the running store to replace it.
public struct SnapshotFingerprint: Sendable, Equatable {
    /// The schema migrations applied, in order.
    public var migrations: [String]
    /// The server secrets, by name.
    public var secrets: [String: String]

    public init(migrations: [String], secrets: [String: String]) {
        self.migrations = migrations
        self.secrets = secrets
    }
}
