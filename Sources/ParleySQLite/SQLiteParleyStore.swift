import Foundation
import GRDB
import ParleyCore

/// The embedded store: one SQLite file in WAL mode (a GRDB `DatabasePool`: parallel readers,
/// one writer), or an in-memory database for throwaway runs and tests.
public final class SQLiteParleyStore: ParleyStore {
    let database: any DatabaseWriter
    let writer: GroupCommitWriter
    let users = UserCache()
    let audiences = AudienceCache()
    public let commits = CommitNotifier(bufferSize: 1)

    /// How hard a commit is pushed to disk before it is acknowledged.
    public enum Durability: String, Sendable, CaseIterable {
        /// fsync on every commit: an acknowledged write survives power loss (the default).
        case full
        /// fsync at checkpoints only: an acknowledged write survives the process being killed,
        /// but the last moments may be lost on power loss. Faster.
        case normal
    }

    /// Opens (creating if needed) the database file at `path` and migrates it.
    public init(path: String, durability: Durability = .full) throws {
        var configuration = Configuration()
        configuration.prepareDatabase { db in
            try db.execute(sql: "PRAGMA foreign_keys = ON")
            try db.execute(sql: durability == .full ? "PRAGMA synchronous = FULL" : "PRAGMA synchronous = NORMAL")
        }
        configuration.busyMode = .timeout(10)
        let pool = try DatabasePool(path: path, configuration: configuration)
        try SQLiteMigrations.migrator.migrate(pool)
        self.database = pool
        self.writer = GroupCommitWriter(database: pool, onCommit: commits.notify, onRollback: audiences.invalidateAll)
    }

    /// An in-memory database, gone when the store is.
    public init() throws {
        var configuration = Configuration()
        configuration.prepareDatabase { db in try db.execute(sql: "PRAGMA foreign_keys = ON") }
        let queue = try DatabaseQueue(configuration: configuration)
        try SQLiteMigrations.migrator.migrate(queue)
        self.database = queue
        self.writer = GroupCommitWriter(database: queue, onCommit: commits.notify, onRollback: audiences.invalidateAll)
    }

    /// The journal mode in force (`wal` for a file database).
    public func journalMode() async throws -> String {
        try await database.read { db in try db.fetchOne(String.self, cached: "PRAGMA journal_mode") ?? "" }
    }

    // MARK: Server secrets

    public func secret(named name: String, orInsert makeValue: @escaping @Sendable () -> String) async throws -> String {
        try await writer.write { db in
            if let value = try db.fetchOne(String.self, cached: "SELECT value FROM server_secrets WHERE name = ?", arguments: [name]) {
                return value
            }
            let value = makeValue()
            try db.execute(
                cached: "INSERT INTO server_secrets (name, value, created_at) VALUES (?, ?, ?)",
                arguments: [name, value, Self.millis(Date())]
            )
            return value
        }
    }

    // MARK: Communication resources

    public func insertResource(_ resource: CommunicationResource, event: DomainEvent) async throws {
        try await writer.write { db in
            if try db.fetchOne(Bool.self, cached: "SELECT 1 FROM resources WHERE name = ?", arguments: [resource.name]) == true {
                throw ParleyError(.conflict, "A resource named '\(resource.name)' already exists.", target: "name")
            }
            try db.execute(
                cached: """
                    INSERT INTO resources (name, immutable_id, primary_key, secondary_key, created_at)
                    VALUES (?, ?, ?, ?, ?)
                    """,
                arguments: [resource.name, resource.immutableIdString, resource.primaryKey, resource.secondaryKey, Self.millis(resource.createdAt)]
            )
            try Self.append(event, to: db)
        }
    }

    public func resources() async throws -> [CommunicationResource] {
        try await database.read { db in
            try db.fetchAllRows(cached: "SELECT * FROM resources ORDER BY created_at, name").map(Self.resource(from:))
        }
    }

    public func resource(named name: String) async throws -> CommunicationResource? {
        try await database.read { db in
            try db.fetchOneRow(cached: "SELECT * FROM resources WHERE name = ?", arguments: [name]).map(Self.resource(from:))
        }
    }

    public func resource(immutableId: UUID) async throws -> CommunicationResource? {
        try await database.read { db in
            try db.fetchOneRow(cached: "SELECT * FROM resources WHERE immutable_id = ?", arguments: [immutableId.uuidString.lowercased()])
                .map(Self.resource(from:))
        }
    }

    public func replaceKey(_ kind: AccessKeyKind, of name: String, with key: String, event: DomainEvent) async throws -> CommunicationResource? {
        try await writer.write { db in
            let column = kind == .primary ? "primary_key" : "secondary_key"
            try db.execute(cached: "UPDATE resources SET \(column) = ? WHERE name = ?", arguments: [key, name])
            guard db.changesCount == 1 else { return nil }
            try Self.append(event, to: db)
            return try db.fetchOneRow(cached: "SELECT * FROM resources WHERE name = ?", arguments: [name]).map(Self.resource(from:))
        }
    }

    // MARK: App users

    public func insertUser(_ user: AcsUser, event: DomainEvent) async throws {
        try await writer.write { db in
            try db.execute(
                cached: "INSERT INTO acs_users (raw_id, resource_id, token_generation, created_at) VALUES (?, ?, ?, ?)",
                arguments: [user.rawId, user.resourceId.uuidString.lowercased(), user.tokenGeneration, Self.millis(user.createdAt)]
            )
            try Self.append(event, to: db)
        }
    }

    public func user(rawId: String) async throws -> AcsUser? {
        let (cached, epoch) = users.lookup(rawId)
        if let cached { return cached }
        let user = try await database.read { db in
            try db.fetchOneRow(cached: "SELECT * FROM acs_users WHERE raw_id = ?", arguments: [rawId]).map(Self.user(from:))
        }
        if let user { users.fill(user, epoch: epoch) }
        return user
    }

    public func revokeTokens(of rawId: String, event: DomainEvent) async throws -> AcsUser? {
        users.invalidate(rawId)
        defer { users.invalidate(rawId) }
        return try await writer.write { db in
            try db.execute(cached: "UPDATE acs_users SET token_generation = token_generation + 1 WHERE raw_id = ?", arguments: [rawId])
            guard db.changesCount == 1 else { return nil }
            try Self.append(event, to: db)
            return try db.fetchOneRow(cached: "SELECT * FROM acs_users WHERE raw_id = ?", arguments: [rawId]).map(Self.user(from:))
        }
    }

    public func deleteUser(_ rawId: String, event: DomainEvent) async throws -> Bool {
        users.invalidate(rawId)
        defer { users.invalidate(rawId) }
        return try await writer.write { db in
            try db.execute(cached: "DELETE FROM acs_users WHERE raw_id = ?", arguments: [rawId])
            guard db.changesCount == 1 else { return false }
            try Self.append(event, to: db)
            return true
        }
    }

    // MARK: Events

    public func events(after position: Int64, limit: Int) async throws -> [RecordedEvent] {
        try await database.read { db in
            try db.fetchAllRows(
                cached: """
                    SELECT e.*, a.members AS audience_members FROM domain_events e
                    LEFT JOIN event_audiences a ON a.id = e.audience_id
                    WHERE e.position > ? ORDER BY e.position LIMIT ?
                    """,
                arguments: [position, limit]
            ).map(Self.recordedEvent(from:))
        }
    }

    public func eventLogBounds() async throws -> EventLogBounds? {
        try await database.read { db in
            guard let row = try db.fetchOneRow(cached: "SELECT min(position) AS first, max(position) AS last FROM domain_events"),
                let first = row["first"] as Int64?, let last = row["last"] as Int64?
            else { return nil }
            return EventLogBounds(first: first, last: last)
        }
    }

    public func pruneEvents(before cutoff: Date, limit: Int) async throws -> Int {
        try await writer.write { db in
            // Positions follow time, so the oldest rows go first: a range on the rowid, and a
            // scan that stops at the first event to keep.
            guard
                var end = try db.fetchOne(
                    Int64.self,
                    cached: """
                        SELECT position FROM domain_events
                        WHERE occurred_at >= ? OR position = (SELECT max(position) FROM domain_events)
                        ORDER BY position LIMIT 1
                        """,
                    arguments: [Self.millis(cutoff)]
                )
            else { return 0 }
            // Events an active event subscription has not passed stay, however old.
            if let cursor = try db.fetchOne(Int64.self, cached: "SELECT min(cursor) FROM event_subscriptions WHERE state = 'Succeeded'") {
                end = min(end, cursor + 1)
            }
            try db.execute(
                cached: """
                    DELETE FROM domain_events WHERE position IN
                        (SELECT position FROM domain_events WHERE position < ? ORDER BY position LIMIT ?)
                    """,
                arguments: [end, limit]
            )
            return db.changesCount
        }
    }

    // MARK: Rows

    /// - Parameter audienceId: for chat events, the `event_audiences` row of `event.chat.audience`.
    static func append(_ event: DomainEvent, to db: Database, audienceId: Int64? = nil) throws {
        let data = JSONText.object(event.data)
        let participants = try event.chat?.participants.map { String(decoding: try JSONEncoder().encode($0), as: UTF8.self) }
        try db.execute(
            cached: """
                INSERT INTO domain_events (kind, resource_id, subject, data, occurred_at, audience_id, participants)
                VALUES (?, ?, ?, ?, ?, ?, ?)
                """,
            arguments: [event.kind.rawValue, event.resourceId, event.subject, data, millis(event.occurredAt), audienceId, participants]
        )
    }

    /// The id of the `event_audiences` row holding `members` (sorted), inserting it if needed.
    static func audienceId(of members: [String], _ db: Database) throws -> Int64 {
        let text = members.sorted().joined(separator: "\n")
        if let id = try db.fetchOne(Int64.self, cached: "SELECT id FROM event_audiences WHERE members = ?", arguments: [text]) { return id }
        try db.execute(cached: "INSERT INTO event_audiences (members) VALUES (?)", arguments: [text])
        return db.lastInsertedRowID
    }

    private static func recordedEvent(from row: Row) throws -> RecordedEvent {
        let data = (row["data"] as String).data(using: .utf8) ?? Data()
        var chat: ChatEventDetail?
        if let audience = row["audience_members"] as String? {
            let participants = try (row["participants"] as String?).map {
                try JSONDecoder().decode([ChatParticipant].self, from: Data($0.utf8))
            }
            chat = ChatEventDetail(audience: audience.isEmpty ? [] : audience.components(separatedBy: "\n"), participants: participants)
        }
        return RecordedEvent(
            position: row["position"],
            event: DomainEvent(
                kind: .init(rawValue: row["kind"]),
                resourceId: row["resource_id"],
                subject: row["subject"],
                occurredAt: date(row["occurred_at"]),
                data: ((try? JSONSerialization.jsonObject(with: data)) as? [String: String]) ?? [:],
                chat: chat
            )
        )
    }

    static func resource(from row: Row) throws -> CommunicationResource {
        guard let immutableId = UUID(uuidString: row["immutable_id"]) else {
            throw ParleyError(.internal, "Stored resource has a malformed immutable id.")
        }
        return CommunicationResource(
            name: row["name"],
            immutableId: immutableId,
            primaryKey: row["primary_key"],
            secondaryKey: row["secondary_key"],
            createdAt: date(row["created_at"]),
            webAppEnabled: row["web_app_enabled"]
        )
    }

    private static func user(from row: Row) throws -> AcsUser {
        guard let resourceId = UUID(uuidString: row["resource_id"]) else {
            throw ParleyError(.internal, "Stored user has a malformed resource id.")
        }
        return AcsUser(rawId: row["raw_id"], resourceId: resourceId, tokenGeneration: row["token_generation"], createdAt: date(row["created_at"]))
    }

    static func millis(_ date: Date) -> Int64 { Int64((date.timeIntervalSince1970 * 1000).rounded()) }
    static func date(_ millis: Int64) -> Date { Date(timeIntervalSince1970: TimeInterval(millis) / 1000) }
}
