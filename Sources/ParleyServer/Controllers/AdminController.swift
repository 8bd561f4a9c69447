import Hummingbird
import ParleyAPI
import ParleyCore

/// The operator API (`/admin`), authenticated by the admin key.
struct AdminController {
    let resources: ResourceService
    let webApp: WebAppService
    let endpoint: ServerEndpoint
    let maxBodyBytes: Int

    func addRoutes(to group: RouterGroup<ParleyRequestContext>) {
        group.get("resources", use: list)
        group.post("resources", use: create)
        group.get("resources/{name}", use: show)
        group.get("resources/{name}/connection-string", use: connectionString)
        group.post("resources/{name}/keys/{kind}/regenerate", use: regenerateKey)
        group.put("resources/{name}/web-app", use: setWebApp)
    }

    /// Turns the resource's web app backend on or off (docs/webapp.md).
    @Sendable func setWebApp(_ request: Request, context: ParleyRequestContext) async throws -> Response {
        var request = request
        let body = try await WireIO.required(
            WireIO.decodeStrict(WebAppSettingsModel.self, allowedFields: ["enabled"], from: &request, limit: maxBodyBytes)
        )
        return try WireIO.json(model(try await webApp.setEnabled(body.enabled, of: try WireIO.pathParameter("name", in: context))))
    }

    @Sendable func list(_ request: Request, context: ParleyRequestContext) async throws -> Response {
        try WireIO.json(ResourceList(value: try await resources.list().map(model)))
    }

    @Sendable func create(_ request: Request, context: ParleyRequestContext) async throws -> Response {
        var request = request
        guard let body = try await WireIO.decodeStrict(ResourceCreateRequest.self, allowedFields: ["name"], from: &request, limit: maxBodyBytes)
        else {
            throw ParleyError(.validation, "The body must be {\"name\": \"<resource name>\"}.", target: "name")
        }
        return try WireIO.json(model(try await resources.create(name: body.name)), status: .created)
    }

    @Sendable func show(_ request: Request, context: ParleyRequestContext) async throws -> Response {
        try WireIO.json(model(try await resources.resource(named: try WireIO.pathParameter("name", in: context))))
    }

    @Sendable func connectionString(_ request: Request, context: ParleyRequestContext) async throws -> Response {
        let resource = try await resources.resource(named: try WireIO.pathParameter("name", in: context))
        let url = endpoint.url
        return try WireIO.json(
            ConnectionStringModel(
                primaryConnectionString: resource.connectionString(endpoint: url, key: .primary),
                secondaryConnectionString: resource.connectionString(endpoint: url, key: .secondary),
                resourceEndpoint: ResourceEndpoints.url(of: resource, server: url)
            )
        )
    }

    @Sendable func regenerateKey(_ request: Request, context: ParleyRequestContext) async throws -> Response {
        let kindName = try WireIO.pathParameter("kind", in: context)
        guard let kind = AccessKeyKind(rawValue: kindName) else {
            throw ParleyError(.validation, "Key '\(kindName)' is neither 'primary' nor 'secondary'.", target: "kind")
        }
        let resource = try await resources.regenerateKey(kind, of: try WireIO.pathParameter("name", in: context))
        return try WireIO.json(model(resource))
    }

    private func model(_ resource: CommunicationResource) -> ResourceModel {
        let url = endpoint.url
        return ResourceModel(
            id: resource.name,
            name: resource.name,
            immutableResourceId: resource.immutableIdString,
            endpoint: url,
            primaryKey: resource.primaryKey,
            secondaryKey: resource.secondaryKey,
            connectionString: resource.connectionString(endpoint: url),
            resourceEndpoint: ResourceEndpoints.url(of: resource, server: url),
            createdOn: WireTimestamp.rfc3339(resource.createdAt),
            webApp: WebAppSettingsModel(enabled: resource.webAppEnabled)
        )
    }
}
