import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import ParleyAPI
import ParleyCore

/// The Graph-shaped directory (`/v1.0/users`, `/v1.0/me`): how apps and people of a tenant find
/// each other's Entra object ids. Readable by the tenant's own users and apps only.
struct GraphUsersController {
    static let defaultProperties = [
        "businessPhones", "displayName", "givenName", "id", "jobTitle", "mail", "mobilePhone", "officeLocation", "preferredLanguage", "surname",
        "userPrincipalName",
    ]
    static let maxTop = 999

    let directory: DirectoryService
    let endpoint: ServerEndpoint

    func addRoutes(to group: RouterGroup<ParleyRequestContext>) {
        group.get("me", use: me)
        group.get("users", use: list)
        group.get("users/{user}", use: show)
    }

    @Sendable func me(_ request: Request, context: ParleyRequestContext) async throws -> Response {
        guard let user = try context.requireOrgPrincipal().user else {
            throw ParleyError(.badRequest, wireCode: "BadRequest", "/me request is only valid with delegated authentication flow.")
        }
        let select = try Self.select(request)
        return try Self.json(Self.object(user, select: select).merging(["@odata.context": odataContext("users/$entity")]) { first, _ in first })
    }

    @Sendable func list(_ request: Request, context: ParleyRequestContext) async throws -> Response {
        let principal = try context.requireOrgPrincipal()
        let query = GraphQuery(request)
        let filter = try query.get("$filter").map(GraphFilter.parse)
        let select = try Self.select(request)
        let wantsCount = query.get("$count")?.lowercased() == "true"
        let eventual = request.headers[HTTPField.Name("ConsistencyLevel")!]?.lowercased() == "eventual"
        if wantsCount && !eventual {
            throw GraphFilter.unsupported("$count requires the header 'ConsistencyLevel: eventual'.")
        }
        let top = try query.get("$top").map { text -> Int in
            guard let top = Int(text), (1...Self.maxTop).contains(top) else {
                throw ParleyError(.badRequest, wireCode: "Request_BadRequest", "Invalid value '\(text)' for $top: use 1-\(Self.maxTop).")
            }
            return top
        }
        let skip =
            try query.get("$skiptoken").map { text -> Int in
                guard let skip = Int(text), skip >= 0 else { throw ParleyError(.badRequest, wireCode: "Request_BadRequest", "Invalid $skiptoken.") }
                return skip
            } ?? 0

        let matching = try await directory.users(in: principal.tenantId).filter { filter?.matches($0) ?? true }
        let pageSize = top ?? 100
        let page = matching.dropFirst(skip).prefix(pageSize)
        var body: [String: Any] = [
            "@odata.context": odataContext("users" + (select.map { "(\($0.joined(separator: ",")))" } ?? "")),
            "value": page.map { Self.object($0, select: select) },
        ]
        if wantsCount { body["@odata.count"] = matching.count }
        if skip + page.count < matching.count {
            var parameters: [(String, String)] = [("$skiptoken", String(skip + page.count))]
            for name in ["$filter", "$select", "$top", "$count"] {
                if let value = query.get(name) { parameters.append((name, value)) }
            }
            body["@odata.nextLink"] =
                endpoint.url + "v1.0/users?" + parameters.map { "\($0.0)=\(PercentEncoding.encode($0.1))" }.joined(separator: "&")
        }
        return try Self.json(body)
    }

    /// `GET /v1.0/users/{id | userPrincipalName}`, and `GET /v1.0/users/$count`.
    @Sendable func show(_ request: Request, context: ParleyRequestContext) async throws -> Response {
        let principal = try context.requireOrgPrincipal()
        let key = try WireIO.pathParameter("user", in: context)
        if key == "$count" {
            guard request.headers[HTTPField.Name("ConsistencyLevel")!]?.lowercased() == "eventual" else {
                throw GraphFilter.unsupported("$count requires the header 'ConsistencyLevel: eventual'.")
            }
            let count = try await directory.users(in: principal.tenantId).count
            return Response(status: .ok, headers: [.contentType: "text/plain"], body: .init(byteBuffer: ByteBuffer(string: String(count))))
        }
        guard let user = try await directory.user(idOrPrincipalName: key, in: principal.tenantId) else {
            throw ParleyError(
                .notFound,
                wireCode: "Request_ResourceNotFound",
                "Resource '\(key)' does not exist or one of its queried reference-property objects are not present."
            )
        }
        return try Self.json(
            Self.object(user, select: try Self.select(request)).merging(["@odata.context": odataContext("users/$entity")]) { first, _ in first }
        )
    }

    // MARK: Wire

    private func odataContext(_ fragment: String) -> String {
        endpoint.url + "v1.0/$metadata#" + fragment
    }

    /// The `$select`ed property names, or nil for the default set.
    private static func select(_ request: Request) throws -> [String]? {
        guard let text = GraphQuery(request).get("$select") else { return nil }
        let names = text.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
        let known = defaultProperties + ["accountEnabled", "userType"]
        return try names.map { name in
            guard let property = known.first(where: { $0.lowercased() == name.lowercased() }) else {
                throw ParleyError(
                    .badRequest,
                    wireCode: "Request_BadRequest",
                    "Could not find a property named '\(name)' on type 'microsoft.graph.user'."
                )
            }
            return property
        }
    }

    /// A user as Graph writes it: every default property, null where Parley has no value.
    static func object(_ user: OrgUser, select: [String]?) -> [String: Any] {
        let all: [String: Any] = [
            "businessPhones": [String](),
            "displayName": user.displayName,
            "givenName": NSNull(),
            "id": user.id.uuidString.lowercased(),
            "jobTitle": NSNull(),
            "mail": user.mail ?? NSNull(),
            "mobilePhone": NSNull(),
            "officeLocation": NSNull(),
            "preferredLanguage": NSNull(),
            "surname": NSNull(),
            "userPrincipalName": user.userPrincipalName,
            "accountEnabled": true,
            "userType": "Member",
        ]
        let names = select ?? defaultProperties
        return all.filter { names.contains($0.key) }
    }

    private static func json(_ object: [String: Any]) throws -> Response {
        let data = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])
        return Response(status: .ok, headers: [.contentType: "application/json; charset=utf-8"], body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }
}
