import Foundation
import GRDB
import ParleyCore

extension SQLiteParleyStore {
    public func insertRoleAssignment(_ assignment: RoleAssignment, event: DomainEvent) async throws -> (assignment: RoleAssignment, created: Bool) {
        try await writer.write { db in
            if let row = try db.fetchOneRow(
                cached: "SELECT * FROM role_assignments WHERE resource_id = ? AND app_id = ? AND role = ?",
                arguments: [Self.key(assignment.resourceId), Self.key(assignment.appId), assignment.role.rawValue]
            ) {
                return (try Self.roleAssignment(from: row), false)
            }
            try db.execute(
                cached: """
                    INSERT INTO role_assignments (id, resource_id, tenant_id, app_id, role, created_at)
                    VALUES (?, ?, ?, ?, ?, ?)
                    """,
                arguments: [
                    Self.key(assignment.id), Self.key(assignment.resourceId), Self.key(assignment.tenantId), Self.key(assignment.appId),
                    assignment.role.rawValue, Self.millis(assignment.createdAt),
                ]
            )
            try Self.append(event, to: db)
            return (assignment, true)
        }
    }

    public func roleAssignments(onResource resourceId: UUID) async throws -> [RoleAssignment] {
        try await database.read { db in
            try db.fetchAllRows(
                cached: "SELECT * FROM role_assignments WHERE resource_id = ? ORDER BY created_at, rowid",
                arguments: [Self.key(resourceId)]
            ).map(Self.roleAssignment(from:))
        }
    }

    public func roleAssignments(ofApp appId: UUID) async throws -> [RoleAssignment] {
        try await database.read { db in
            try db.fetchAllRows(cached: "SELECT * FROM role_assignments WHERE app_id = ? ORDER BY created_at, rowid", arguments: [Self.key(appId)])
                .map(Self.roleAssignment(from:))
        }
    }

    public func deleteRoleAssignment(_ id: UUID, onResource resourceId: UUID, event: DomainEvent) async throws -> Bool {
        try await writer.write { db in
            try db.execute(cached: "DELETE FROM role_assignments WHERE id = ? AND resource_id = ?", arguments: [Self.key(id), Self.key(resourceId)])
            guard db.changesCount == 1 else { return false }
            try Self.append(event, to: db)
            return true
        }
    }

    private static func roleAssignment(from row: Row) throws -> RoleAssignment {
        guard let id = UUID(uuidString: row["id"]), let resourceId = UUID(uuidString: row["resource_id"]),
            let tenantId = UUID(uuidString: row["tenant_id"]), let appId = UUID(uuidString: row["app_id"]),
            let role = ResourceRole(rawValue: row["role"])
        else { throw ParleyError(.internal, "Stored role assignment is malformed.") }
        return RoleAssignment(id: id, resourceId: resourceId, tenantId: tenantId, appId: appId, role: role, createdAt: date(row["created_at"]))
    }
}
