import Hummingbird
import ParleyAPI
import ParleyCore

/// The ACS Network Traversal API (`/networkTraversal/:issueRelayConfiguration`),
/// HMAC- or Entra-authenticated: STUN/TURN servers with short-lived TURN credentials (docs/relay.md).
struct NetworkTraversalController {
    static let apiVersions = ["2022-02-01", "2022-03-01-preview"]

    let relay: RelayService
    let maxBodyBytes: Int

    func addRoutes(to group: RouterGroup<ParleyRequestContext>) {
        // The preview specification spells the segment `networkTraversal`, the stable one
        // `networktraversal`; the service answers both.
        group.post("networkTraversal/{action}", use: issue)
        group.post("networktraversal/{action}", use: issue)
    }

    /// `POST /networkTraversal/:issueRelayConfiguration` (optional body `{id?, routeType?, ttl?}`)
    /// → 200 `{expiresOn, iceServers: [{urls, username, credential, routeType}]}`.
    @Sendable func issue(_ request: Request, context: ParleyRequestContext) async throws -> Response {
        guard try WireIO.pathParameter("action", in: context) == ":issueRelayConfiguration" else {
            throw ParleyError(.notFound, "No such network traversal operation.")
        }
        var request = request
        let body = try await WireIO.decode(CommunicationRelayConfigurationRequest.self, from: &request, limit: maxBodyBytes)
        let configuration = try await relay.issueRelayConfiguration(
            in: try context.requireResourceCaller().authorize(.issueRelayConfiguration),
            forUser: body?.id,
            routeType: body?.routeType,
            ttlSeconds: body?.ttl
        )
        return try WireIO.json(Self.wire(configuration))
    }

    static func wire(_ configuration: RelayConfiguration) -> CommunicationRelayConfiguration {
        CommunicationRelayConfiguration(
            expiresOn: WireTimestamp.identityExpiry(configuration.expiresOn),
            iceServers: configuration.iceServers.map {
                CommunicationIceServer(urls: $0.urls, username: $0.username, credential: $0.credential, routeType: $0.routeType.rawValue)
            }
        )
    }
}
