import Hummingbird
import ParleyAPI
import ParleyCore

/// The ACS Identity API (`/identities`), HMAC- or Entra-authenticated (``ResourceAuthenticationMiddleware``),
/// api-version 2021-03-07 … 2023-10-01.
struct IdentityController {
    static let apiVersions = ["2021-03-07", "2022-06-01", "2022-10-01", "2023-10-01"]

    let identities: IdentityService
    let exchange: TeamsTokenExchange
    let maxBodyBytes: Int

    func addRoutes(to group: RouterGroup<ParleyRequestContext>) {
        group.post("identities", use: create)
        group.post("identities/{id}/{action}", use: action)
        group.delete("identities/{id}", use: delete)
        group.post("teamsUser/{action}", use: exchangeToken)
    }

    /// `POST /teamsUser/:exchangeAccessToken` → 200 `{token, expiresOn}`.
    @Sendable func exchangeToken(_ request: Request, context: ParleyRequestContext) async throws -> Response {
        guard try WireIO.pathParameter("action", in: context) == ":exchangeAccessToken" else {
            throw ParleyError(.notFound, "No such operation.")
        }
        var request = request
        guard let body = try await WireIO.decode(TeamsUserExchangeTokenRequest.self, from: &request, limit: maxBodyBytes) else {
            throw ParleyError(.validation, "The body needs token, appId and userId.", target: "token")
        }
        let token = try await exchange.exchange(
            in: try context.requireResourceCaller().authorize(.manageIdentities),
            orgToken: body.token,
            appId: body.appId,
            userId: body.userId
        )
        return try WireIO.json(Self.wire(token))
    }

    /// `POST /identities` → 201 `{identity, accessToken?}`
    @Sendable func create(_ request: Request, context: ParleyRequestContext) async throws -> Response {
        var request = request
        let body = try await WireIO.decode(CommunicationIdentityCreateRequest.self, from: &request, limit: maxBodyBytes)
        let (user, token) = try await identities.createUser(
            in: try context.requireResourceCaller().authorize(.manageIdentities),
            tokenScopes: body?.createTokenWithScopes,
            expiresInMinutes: body?.expiresInMinutes
        )
        let result = CommunicationIdentityAccessTokenResult(identity: .init(id: user.rawId), accessToken: token.map(Self.wire))
        return try WireIO.json(result, status: .created)
    }

    /// `POST /identities/{id}/:issueAccessToken` → 200, `…/:revokeAccessTokens` → 204.
    @Sendable func action(_ request: Request, context: ParleyRequestContext) async throws -> Response {
        let id = try WireIO.pathParameter("id", in: context)
        let resource = try context.requireResourceCaller().authorize(.manageIdentities)
        switch try WireIO.pathParameter("action", in: context) {
        case ":issueAccessToken":
            var request = request
            let body = try await WireIO.decode(CommunicationIdentityAccessTokenRequest.self, from: &request, limit: maxBodyBytes)
            let token = try await identities.issueToken(for: id, in: resource, scopes: body?.scopes, expiresInMinutes: body?.expiresInMinutes)
            return try WireIO.json(Self.wire(token))
        case ":revokeAccessTokens":
            try await identities.revokeTokens(of: id, in: resource)
            return WireIO.empty(.noContent)
        case let other:
            throw ParleyError(.notFound, "No such identity operation '\(other)'.")
        }
    }

    /// `DELETE /identities/{id}` → 204
    @Sendable func delete(_ request: Request, context: ParleyRequestContext) async throws -> Response {
        try await identities.deleteUser(
            try WireIO.pathParameter("id", in: context),
            in: try context.requireResourceCaller().authorize(.manageIdentities)
        )
        return WireIO.empty(.noContent)
    }

    static func wire(_ token: IssuedAccessToken) -> CommunicationIdentityAccessToken {
        CommunicationIdentityAccessToken(token: token.token, expiresOn: WireTimestamp.identityExpiry(token.expiresOn))
    }
}
