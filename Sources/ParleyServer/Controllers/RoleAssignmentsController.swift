import Foundation
import Hummingbird
import ParleyAPI
import ParleyCore

/// The operator API for role assignments on resources (`/admin/resources/{name}/role-assignments`),
/// authenticated by the admin key: which app registrations may call a resource's APIs with a
/// Microsoft Entra ID token.
struct RoleAssignmentsController {
    let assignments: RoleAssignmentService
    let resources: ResourceService
    let endpoint: ServerEndpoint
    let maxBodyBytes: Int

    func addRoutes(to group: RouterGroup<ParleyRequestContext>) {
        group.get("resources/{name}/role-assignments", use: list)
        group.post("resources/{name}/role-assignments", use: grant)
        group.delete("resources/{name}/role-assignments/{assignmentId}", use: revoke)
    }

    @Sendable func list(_ request: Request, context: ParleyRequestContext) async throws -> Response {
        let resource = try await resources.resource(named: try WireIO.pathParameter("name", in: context))
        let list = try await assignments.assignments(on: resource.immutableIdString)
        return try WireIO.json(RoleAssignmentList(value: list.map { model($0, resource) }))
    }

    /// 201 with the new assignment, or 200 with the existing one (granting twice changes nothing).
    @Sendable func grant(_ request: Request, context: ParleyRequestContext) async throws -> Response {
        var request = request
        let body = try await WireIO.required(
            WireIO.decodeStrict(RoleAssignmentCreateRequest.self, allowedFields: ["tenant", "appId", "role"], from: &request, limit: maxBodyBytes)
        )
        let resource = try await resources.resource(named: try WireIO.pathParameter("name", in: context))
        let (assignment, created) = try await assignments.grant(
            on: resource.immutableIdString,
            tenant: try Self.field(body.tenant, "tenant", "the app's tenant id or domain"),
            appId: try Self.field(body.appId, "appId", "the app's client id"),
            role: try Self.field(body.role, "role", ResourceRole.allCases.map(\.rawValue).joined(separator: ", "))
        )
        return try WireIO.json(model(assignment, resource), status: created ? .created : .ok)
    }

    @Sendable func revoke(_ request: Request, context: ParleyRequestContext) async throws -> Response {
        try await assignments.revoke(try WireIO.pathParameter("assignmentId", in: context), on: try WireIO.pathParameter("name", in: context))
        return WireIO.empty(.noContent)
    }

    private static func field(_ value: String?, _ name: String, _ what: String) throws -> String {
        guard let value, !value.isEmpty else { throw ParleyError(.badRequest, "The body needs '\(name)' (\(what)).", target: name) }
        return value
    }

    private func model(_ assignment: RoleAssignment, _ resource: CommunicationResource) -> RoleAssignmentModel {
        RoleAssignmentModel(
            id: assignment.id.uuidString.lowercased(),
            resource: resource.name,
            immutableResourceId: resource.immutableIdString,
            tenantId: assignment.tenantId.uuidString.lowercased(),
            appId: assignment.appId.uuidString.lowercased(),
            role: assignment.role.rawValue,
            roleDefinitionId: assignment.role.definitionId,
            resourceEndpoint: ResourceEndpoints.url(of: resource, server: endpoint.url),
            createdOn: WireTimestamp.rfc3339(assignment.createdAt)
        )
    }
}
