import Foundation

/// Role assignments of app registrations on communication resources.
public protocol RoleAssignmentStore: Sendable {
    /// Inserts `assignment` unless the same app already has the same role on the same resource;
    /// returns the one that is stored and whether it is new (the event is committed only then).
    func insertRoleAssignment(_ assignment: RoleAssignment, event: DomainEvent) async throws -> (assignment: RoleAssignment, created: Bool)
    /// The assignments on a resource, oldest first.
    func roleAssignments(onResource resourceId: UUID) async throws -> [RoleAssignment]
    /// The assignments of an app, on every resource, oldest first.
    func roleAssignments(ofApp appId: UUID) async throws -> [RoleAssignment]
    /// Deletes an assignment of the resource; returns whether it existed.
    func deleteRoleAssignment(_ id: UUID, onResource resourceId: UUID, event: DomainEvent) async throws -> Bool
}
