import Foundation
import GRDB
import ParleyCore

/// Snapshots through SQLite's online backup API: a consistent copy taken while writes go on,
/// and a restore that copies the snapshot's pages into the live database under the writer, so
/// every connection of the pool sees the restored state at once.
extension SQLiteParleyStore: SnapshotStore {
    public func writeSnapshot(to path: String) async throws {
        let destination = try DatabaseQueue(path: path)
        // A read of the source: writes go on while it is copied, and the copy is of one moment.
        try database.backup(to: destination)
        try destination.close()
    }

    public func snapshotFingerprint(ofSnapshotAt path: String?) async throws -> SnapshotFingerprint {
        guard let path else { return try await database.read(Self.fingerprint) }
        let snapshot = try Self.openSnapshot(path)
        defer { try? snapshot.close() }
        return try await snapshot.read(Self.fingerprint)
    }

    public func restoreSnapshot(from path: String, marker: DomainEvent) async throws -> Int64 {
        let snapshot = try Self.openSnapshot(path)
        defer { try? snapshot.close() }
        let position = try await database.writeWithoutTransaction { db -> Int64 in
            let before = try Int64.fetchOne(db, sql: "SELECT max(position) FROM domain_events") ?? 0
            try snapshot.read { source in try source.backup(to: db) }
            let restored = try Int64.fetchOne(db, sql: "SELECT max(position) FROM domain_events") ?? 0
            // Positions never go back: the marker is above every position handed out before.
            let position = max(before, restored) + 1
            try db.inTransaction {
                try db.execute(
                    sql: """
                        INSERT INTO domain_events (position, kind, resource_id, subject, data, occurred_at)
                        VALUES (?, ?, ?, ?, ?, ?)
                        """,
                    arguments: [
                        position, marker.kind.rawValue, marker.resourceId, marker.subject, JSONText.object(marker.data),
                        Self.millis(marker.occurredAt),
                    ]
                )
                return .commit
            }
            return position
        }
        users.invalidateAll()
        audiences.invalidateAll()
        commits.notify()
        return position
    }

    public func lastRestorePosition() async throws -> Int64? {
        try await database.read { db in
            try Int64.fetchOne(
                db,
                sql: "SELECT max(position) FROM domain_events WHERE kind = ?",
                arguments: [DomainEvent.Kind.stateRestored.rawValue]
            )
        }
    }

    private static func openSnapshot(_ path: String) throws -> DatabaseQueue {
        guard FileManager.default.fileExists(atPath: path) else {
            throw ParleyError(.notFound, wireCode: "SnapshotNotFound", "The snapshot has no database file.")
        }
        return try DatabaseQueue(path: path)
    }

    private static func fingerprint(_ db: Database) throws -> SnapshotFingerprint {
        let migrations = try String.fetchAll(db, sql: "SELECT identifier FROM grdb_migrations ORDER BY rowid")
        let rows = try Row.fetchAll(db, sql: "SELECT name, value FROM server_secrets")
        return SnapshotFingerprint(
            migrations: migrations,
            secrets: Dictionary(rows.map { ($0["name"] as String, $0["value"] as String) }, uniquingKeysWith: { first, _ in first })
        )
    }
}
