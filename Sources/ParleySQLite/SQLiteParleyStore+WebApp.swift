import Foundation
import GRDB
import ParleyCore

extension SQLiteParleyStore {
    public func setWebAppEnabled(_ enabled: Bool, of name: String, event: DomainEvent) async throws -> CommunicationResource? {
        try await writer.write { db in
            try db.execute(cached: "UPDATE resources SET web_app_enabled = ? WHERE name = ?", arguments: [enabled, name])
            guard db.changesCount == 1 else { return nil }
            try Self.append(event, to: db)
            return try db.fetchOneRow(cached: "SELECT * FROM resources WHERE name = ?", arguments: [name]).map(Self.resource(from:))
        }
    }

    public func insertWebVisitor(_ visitor: WebVisitor, user: AcsUser, sessionHash: String, events: [DomainEvent]) async throws {
        try await writer.write { db in
            try db.execute(
                cached: "INSERT INTO acs_users (raw_id, resource_id, token_generation, created_at) VALUES (?, ?, ?, ?)",
                arguments: [user.rawId, user.resourceId.uuidString.lowercased(), user.tokenGeneration, Self.millis(user.createdAt)]
            )
            try db.execute(
                cached: "INSERT INTO web_visitors (session_hash, raw_id, resource_id, display_name, joined_at) VALUES (?, ?, ?, ?, ?)",
                arguments: [
                    sessionHash, visitor.rawId, visitor.resourceId.uuidString.lowercased(), visitor.displayName, Self.millis(visitor.joinedAt),
                ]
            )
            for event in events { try Self.append(event, to: db) }
        }
    }

    public func webVisitor(sessionHash: String) async throws -> WebVisitor? {
        try await database.read { db in
            try db.fetchOneRow(cached: "SELECT * FROM web_visitors WHERE session_hash = ?", arguments: [sessionHash]).flatMap { row in
                UUID(uuidString: row["resource_id"]).map {
                    WebVisitor(rawId: row["raw_id"], resourceId: $0, displayName: row["display_name"], joinedAt: Self.date(row["joined_at"]))
                }
            }
        }
    }

    public func endWebVisitorSession(hash: String, event: DomainEvent) async throws -> Bool {
        try await writer.write { db in
            try db.execute(cached: "DELETE FROM web_visitors WHERE session_hash = ?", arguments: [hash])
            guard db.changesCount == 1 else { return false }
            try Self.append(event, to: db)
            return true
        }
    }
}
