import Foundation
import NIOCore
import NIOHTTP1
import ParleyAPI

/// A client of Parley's operator API (`/admin`), authenticated by the admin key.
public struct AdminClient: Sendable {
    public let baseURL: String
    private let adminKey: String
    private let transport: HTTPTransport

    /// - Parameters:
    ///   - baseURL: the server, e.g. `https://127.0.0.1:8443`.
    ///   - adminKey: the key the server prints at start.
    ///   - caCertificatePath: a PEM CA to trust (Parley's local CA); the system's roots otherwise.
    public init(baseURL: String, adminKey: String, caCertificatePath: String? = nil) throws {
        self.transport = try HTTPTransport(caCertificatePath: caCertificatePath, httpClient: nil, timeout: .seconds(30))
        self.baseURL = baseURL.hasSuffix("/") ? String(baseURL.dropLast()) : baseURL
        self.adminKey = adminKey
    }

    /// Closes the connection pool; call once done.
    public func shutdown() async throws {
        try await transport.shutdown()
    }

    public func listResources() async throws -> [ResourceModel] {
        try await send(.GET, "/admin/resources", as: ResourceList.self).value
    }

    public func createResource(name: String) async throws -> ResourceModel {
        try await send(.POST, "/admin/resources", body: ResourceCreateRequest(name: name), as: ResourceModel.self)
    }

    public func resource(_ name: String) async throws -> ResourceModel {
        try await send(.GET, "/admin/resources/\(Self.escape(name))", as: ResourceModel.self)
    }

    public func connectionStrings(of name: String) async throws -> ConnectionStringModel {
        try await send(.GET, "/admin/resources/\(Self.escape(name))/connection-string", as: ConnectionStringModel.self)
    }

    /// Replaces a key (`primary` or `secondary`); returns the resource with its new key.
    public func regenerateKey(_ kind: String, of name: String) async throws -> ResourceModel {
        try await send(.POST, "/admin/resources/\(Self.escape(name))/keys/\(Self.escape(kind))/regenerate", as: ResourceModel.self)
    }

    public func roleAssignments(of resource: String) async throws -> [RoleAssignmentModel] {
        try await send(.GET, "/admin/resources/\(Self.escape(resource))/role-assignments", as: RoleAssignmentList.self).value
    }

    /// Gives app `appId` of `tenant` (id or domain) `role` on the resource; granting it again
    /// returns the existing assignment.
    public func grant(_ role: String, on resource: String, tenant: String, appId: String) async throws -> RoleAssignmentModel {
        try await send(
            .POST,
            "/admin/resources/\(Self.escape(resource))/role-assignments",
            body: RoleAssignmentCreateRequest(tenant: tenant, appId: appId, role: role),
            as: RoleAssignmentModel.self
        )
    }

    public func revokeRoleAssignment(_ id: String, of resource: String) async throws {
        var request = TransportRequest(
            method: .DELETE,
            url: baseURL + "/admin/resources/\(Self.escape(resource))/role-assignments/\(Self.escape(id))"
        )
        request.headers.add(name: "Authorization", value: "Bearer \(adminKey)")
        _ = try await transport.send(request)
    }

    /// Turns Parley's web app backend for the resource on or off.
    public func setWebApp(enabled: Bool, of name: String) async throws -> ResourceModel {
        try await send(.PUT, "/admin/resources/\(Self.escape(name))/web-app", body: WebAppSettingsModel(enabled: enabled), as: ResourceModel.self)
    }

    func send<Result: Decodable>(
        _ method: HTTPMethod,
        _ path: String,
        body: (some Encodable)? = String?.none,
        as type: Result.Type
    ) async throws -> Result {
        var request = try TransportRequest.json(method, baseURL + path, body: body)
        request.headers.add(name: "Authorization", value: "Bearer \(adminKey)")
        return try await transport.send(request).decode(Result.self)
    }

    /// Sends a request whose answer has no body to read (204).
    func send(_ method: HTTPMethod, _ path: String, body: (some Encodable)? = String?.none) async throws {
        var request = try TransportRequest.json(method, baseURL + path, body: body)
        request.headers.add(name: "Authorization", value: "Bearer \(adminKey)")
        _ = try await transport.send(request)
    }

    static func escape(_ segment: String) -> String {
        URLEscaping.escape(segment)
    }
}
