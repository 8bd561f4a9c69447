import Foundation

/// The operator's use cases for role assignments: grant an app registration of a tenant a role
/// on a communication resource, list them, revoke them. Each change is a domain event.
public struct RoleAssignmentService: Sendable {
    private let store: any ParleyStore
    private let resources: ResourceService
    private let clock: any WallClock
    private let ids: any IdentifierGenerator

    public init(store: any ParleyStore, resources: ResourceService, clock: any WallClock, ids: any IdentifierGenerator = RandomIdentifierGenerator())
    {
        self.store = store
        self.resources = resources
        self.clock = clock
        self.ids = ids
    }

    /// Gives app `appId` of `tenant` (id or domain) `role` (name or definition id) on the
    /// resource `resourceName`. Idempotent: the same grant again returns the stored assignment,
    /// changes nothing and commits no event.
    public func grant(
        on resourceName: String,
        tenant: String,
        appId: String,
        role: String
    ) async throws -> (
        assignment: RoleAssignment, created: Bool
    ) {
        guard let role = ResourceRole(named: role) else {
            throw ParleyError(
                .validation,
                "Role '\(role)' is not one of \(ResourceRole.allCases.map { "'\($0.rawValue)'" }.joined(separator: ", ")).",
                target: "role"
            )
        }
        guard let appUUID = UUID(uuidString: appId) else {
            throw ParleyError(.badRequest, "'\(appId)' is not a client (app) id: a GUID.", target: "appId")
        }
        let resource = try await resources.resource(named: resourceName)
        guard let tenant = try await store.tenant(named: tenant) else {
            throw ParleyError(.notFound, "Tenant '\(tenant)' was not found.", target: "tenant")
        }
        guard let (app, _) = try await store.app(id: appUUID), app.tenantId == tenant.id else {
            throw ParleyError(.notFound, "No app '\(appId)' is registered in tenant '\(tenant.domain)'.", target: "appId")
        }
        let assignment = RoleAssignment(
            id: ids.uuid(),
            resourceId: resource.immutableId,
            tenantId: tenant.id,
            appId: app.appId,
            role: role,
            createdAt: clock.now()
        )
        return try await store.insertRoleAssignment(assignment, event: event(.roleAssignmentCreated, assignment, resource))
    }

    /// The role assignments on the resource, oldest first.
    public func assignments(on resourceName: String) async throws -> [RoleAssignment] {
        try await store.roleAssignments(onResource: try await resources.resource(named: resourceName).immutableId)
    }

    /// Removes an assignment from the resource; the app's tokens stop working there at once.
    public func revoke(_ assignmentId: String, on resourceName: String) async throws {
        let resource = try await resources.resource(named: resourceName)
        let notFound = ParleyError(.notFound, "Resource '\(resource.name)' has no role assignment '\(assignmentId)'.", target: "assignmentId")
        guard let id = UUID(uuidString: assignmentId),
            let assignment = try await store.roleAssignments(onResource: resource.immutableId).first(where: { $0.id == id })
        else { throw notFound }
        guard try await store.deleteRoleAssignment(id, onResource: resource.immutableId, event: event(.roleAssignmentDeleted, assignment, resource))
        else { throw notFound }
    }

    private func event(_ kind: DomainEvent.Kind, _ assignment: RoleAssignment, _ resource: CommunicationResource) -> DomainEvent {
        DomainEvent(
            kind: kind,
            resourceId: resource.immutableIdString,
            subject: assignment.id.uuidString.lowercased(),
            occurredAt: clock.now(),
            data: [
                "tenantId": assignment.tenantId.uuidString.lowercased(),
                "appId": assignment.appId.uuidString.lowercased(),
                "role": assignment.role.rawValue,
            ]
        )
    }
}
