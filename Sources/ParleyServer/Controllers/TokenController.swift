import Foundation
import Hummingbird
import ParleyAPI
import ParleyCore

/// `GET /parley/v1/me`: who the bearer token belongs to. A Parley extension for checking a
/// token, authenticated exactly like every chat and calling route.
struct TokenController {
    func addRoutes(to group: RouterGroup<ParleyRequestContext>) {
        group.get("me", use: me)
    }

    @Sendable func me(_ request: Request, context: ParleyRequestContext) async throws -> Response {
        let caller = try context.requireUser()
        let body = TokenIntrospection(
            communicationUser: CommunicationIdentifierModel(CommunicationIdentifierKind(rawId: caller.user.rawId)),
            resourceId: caller.user.resourceId.uuidString.lowercased(),
            scopes: caller.scopes.sorted().map(\.rawValue),
            expiresOn: WireTimestamp.rfc3339(caller.expiresOn)
        )
        return try WireIO.json(body)
    }
}
