import Foundation
import GRDB
import ParleyAPI
import ParleyCore

extension SQLiteParleyStore {
    // MARK: Calls

    public func saveCalls(_ records: [CallRecord], events: [DomainEvent]) async throws {
        guard !records.isEmpty || !events.isEmpty else { return }
        try await writer.write { db in
            for record in records { try Self.save(record, db) }
            for event in events { try Self.append(event, to: db) }
        }
    }

    public func call(id: String) async throws -> CallRecord? {
        try await database.read { db in try Self.call(id: id, db) }
    }

    public func endUnfinishedCalls(
        at date: Date,
        reason: CallEndReason,
        events: @escaping @Sendable (CallRecord) -> [DomainEvent]
    ) async throws -> Int {
        try await writer.write { db in
            let ids = try String.fetchAll(db, sql: "SELECT id FROM calls WHERE ended_at IS NULL")
            for id in ids {
                guard var record = try Self.call(id: id, db) else { continue }
                record.endedAt = date
                record.endReason = reason
                for index in record.parties.indices where record.parties[index].leftAt == nil {
                    record.parties[index].leftAt = date
                    record.parties[index].endReason = reason
                }
                try Self.save(record, db)
                for event in events(record) { try Self.append(event, to: db) }
            }
            return ids.count
        }
    }

    private static func save(_ record: CallRecord, _ db: Database) throws {
        try db.execute(
            cached: """
                INSERT OR REPLACE INTO calls
                    (id, resource_id, started_by, is_group, is_interop, started_at, connected_at, ended_at, end_code, end_sub_code)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """,
            arguments: [
                record.id, record.resourceId?.uuidString.lowercased(), record.startedBy, record.isGroupCall, record.isInterop,
                millis(record.startedAt),
                record.connectedAt.map(millis), record.endedAt.map(millis), record.endReason?.code, record.endReason?.subCode,
            ]
        )
        try db.execute(cached: "DELETE FROM call_parties WHERE call_id = ?", arguments: [record.id])
        for (seq, party) in record.parties.enumerated() {
            try db.execute(
                cached: """
                    INSERT INTO call_parties
                        (call_id, seq, raw_id, display_name, role, invited_at, joined_at, left_at, end_code, end_sub_code)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """,
                arguments: [
                    record.id, seq, party.rawId, party.displayName, party.role.rawValue, millis(party.invitedAt),
                    party.joinedAt.map(millis), party.leftAt.map(millis), party.endReason?.code, party.endReason?.subCode,
                ]
            )
        }
    }

    private static func call(id: String, _ db: Database) throws -> CallRecord? {
        guard let row = try db.fetchOneRow(cached: "SELECT * FROM calls WHERE id = ?", arguments: [id]) else { return nil }
        let parties = try db.fetchAllRows(cached: "SELECT * FROM call_parties WHERE call_id = ? ORDER BY seq", arguments: [id]).map { party in
            CallRecord.Party(
                rawId: party["raw_id"],
                displayName: party["display_name"],
                role: CallRecord.Party.Role(rawValue: party["role"]) ?? .callee,
                invitedAt: date(party["invited_at"]),
                joinedAt: (party["joined_at"] as Int64?).map(date),
                leftAt: (party["left_at"] as Int64?).map(date),
                endReason: endReason(party)
            )
        }
        return CallRecord(
            id: row["id"],
            resourceId: (row["resource_id"] as String?).flatMap(UUID.init(uuidString:)),
            startedBy: row["started_by"],
            isGroupCall: row["is_group"],
            isInterop: row["is_interop"],
            startedAt: date(row["started_at"]),
            connectedAt: (row["connected_at"] as Int64?).map(date),
            endedAt: (row["ended_at"] as Int64?).map(date),
            endReason: endReason(row),
            parties: parties
        )
    }

    private static func endReason(_ row: Row) -> CallEndReason? {
        guard let code = row["end_code"] as Int?, let subCode = row["end_sub_code"] as Int? else { return nil }
        return CallEndReason(code: code, subCode: subCode)
    }
}
