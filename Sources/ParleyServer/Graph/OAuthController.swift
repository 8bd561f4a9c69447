import Foundation
import Hummingbird
import NIOCore
import ParleyAPI
import ParleyCore

/// An Entra-shaped OAuth 2.0 / OpenID Connect endpoint per tenant, so standard libraries (MSAL)
/// sign organization users and apps in with `authority = https://<parley>/<tenant id or domain>`.
struct OAuthController {
    let signIn: OrgSignInService
    let configuration: ParleyConfiguration
    let maxBodyBytes: Int

    func addRoutes(to router: RouterGroup<ParleyRequestContext>) {
        router.get("{tenant}/v2.0/.well-known/openid-configuration", use: discovery)
        router.get("{tenant}/discovery/v2.0/keys", use: keys)
        router.post("{tenant}/oauth2/v2.0/token", use: token)
        router.get("common/userrealm/{user}", use: userRealm)
    }

    /// MSAL asks whether a user's domain is federated before the password grant; Parley's
    /// organizations are all managed (their passwords live here).
    @Sendable func userRealm(_ request: Request, context: ParleyRequestContext) async throws -> Response {
        let user = try WireIO.pathParameter("user", in: context)
        let domain = user.split(separator: "@").last.map(String.init) ?? user
        return try WireIO.json(UserRealm(ver: "1.0", accountType: "Managed", domainName: domain))
    }

    @Sendable func discovery(_ request: Request, context: ParleyRequestContext) async throws -> Response {
        let tenant = try await signIn.tenant(named: try WireIO.pathParameter("tenant", in: context))
        let base = baseURL(request) + tenant.id.uuidString.lowercased()
        let document = OpenIDConfiguration(
            issuer: base + "/v2.0",
            authorizationEndpoint: base + "/oauth2/v2.0/authorize",
            tokenEndpoint: base + "/oauth2/v2.0/token",
            jwksUri: base + "/discovery/v2.0/keys",
            responseTypesSupported: ["code"],
            subjectTypesSupported: ["pairwise"],
            idTokenSigningAlgValuesSupported: ["ES256"],
            scopesSupported: ["openid", "profile", "email", "offline_access"],
            tokenEndpointAuthMethodsSupported: ["client_secret_post", "client_secret_basic"],
            grantTypesSupported: ["authorization_code", "refresh_token", "password", "client_credentials"],
            claimsSupported: ["sub", "iss", "aud", "exp", "iat", "nbf", "name", "oid", "tid", "preferred_username", "ver", "nonce", "sid"],
            tenantRegionScope: nil,
            endSessionEndpoint: base + "/oauth2/v2.0/logout",
            codeChallengeMethodsSupported: ["S256"],
            responseModesSupported: ["query", "fragment", "form_post"]
        )
        return try WireIO.json(document)
    }

    @Sendable func keys(_ request: Request, context: ParleyRequestContext) async throws -> Response {
        _ = try await signIn.tenant(named: try WireIO.pathParameter("tenant", in: context))
        let authority = signIn.authority
        let key = JSONWebKey(
            kty: "EC",
            crv: "P-256",
            x: authority.publicKeyX,
            y: authority.publicKeyY,
            kid: authority.keyId,
            use: "sig",
            alg: "ES256"
        )
        return try WireIO.json(JSONWebKeySet(keys: [key]))
    }

    /// `POST …/oauth2/v2.0/token`: the password, client-credentials, authorization code and
    /// refresh token grants (the last two in `OAuthController+AuthorizationCode.swift`). Errors
    /// (``OAuthError``) render as OAuth's `{"error", "error_description"}`.
    @Sendable func token(_ request: Request, context: ParleyRequestContext) async throws -> Response {
        var request = request
        let form = FormBody.parse(try await WireIO.body(of: &request, limit: maxBodyBytes))
        let tenant = try await signIn.tenant(named: try WireIO.pathParameter("tenant", in: context))
        let issuer = baseURL(request) + tenant.id.uuidString.lowercased() + "/v2.0"
        let basic = Self.basicCredentials(request)
        guard let clientId = form["client_id"] ?? basic?.id else {
            throw OAuthError.invalidRequest("AADSTS900144: The request body must contain the following parameter: 'client_id'.")
        }
        let tokens: OrgTokens
        switch form["grant_type"] {
        case "password":
            guard let username = form["username"], let password = form["password"] else {
                throw OAuthError.invalidRequest("AADSTS900144: The request body must contain 'username' and 'password'.")
            }
            tokens = try await signIn.signIn(
                tenant: tenant,
                clientId: clientId,
                username: username,
                password: password,
                scope: form["scope"],
                issuer: issuer
            )
        case "client_credentials":
            guard let secret = form["client_secret"] ?? basic?.secret else {
                throw OAuthError.invalidClient("AADSTS7000218: The request body must contain 'client_assertion' or 'client_secret'.")
            }
            tokens = try await signIn.signIn(tenant: tenant, clientId: clientId, clientSecret: secret, scope: form["scope"], issuer: issuer)
        case "authorization_code":
            tokens = try await authorizationCodeGrant(form, tenant: tenant, clientId: clientId, secret: basic?.secret, issuer: issuer)
        case "refresh_token":
            tokens = try await refreshTokenGrant(form, tenant: tenant, clientId: clientId, secret: basic?.secret, issuer: issuer)
        case let other:
            throw OAuthError.unsupportedGrantType("AADSTS70003: The app requested an unsupported grant type '\(other ?? "")'.")
        }
        var body = TokenResponse(
            tokenType: "Bearer",
            scope: tokens.scope,
            expiresIn: tokens.expiresIn,
            extExpiresIn: tokens.expiresIn,
            accessToken: tokens.accessToken,
            idToken: tokens.idToken,
            refreshToken: tokens.refreshToken
        )
        if form["client_info"] == "1", tokens.idToken != nil {
            let info = try ParleyJSON.encoder().encode(["uid": tokens.subject, "utid": tokens.tenantId])
            body.clientInfo = Base64URL.encode(info)
        }
        var response = try WireIO.json(body)
        response.headers[.cacheControl] = "no-store"
        return response
    }

    /// `scheme://host:port/` as this request reached the server, so issuer and endpoints match
    /// the authority the client configured (unless a public endpoint is configured).
    private func baseURL(_ request: Request) -> String {
        if let publicEndpoint = configuration.publicEndpoint { return publicEndpoint.hasSuffix("/") ? publicEndpoint : publicEndpoint + "/" }
        return "\(configuration.scheme)://\(request.head.authority ?? "\(configuration.host):\(configuration.port)")/"
    }

    private static func basicCredentials(_ request: Request) -> (id: String, secret: String)? {
        guard let header = request.headers[.authorization], header.lowercased().hasPrefix("basic "),
            let data = Data(base64Encoded: String(header.dropFirst(6))), let text = String(data: data, encoding: .utf8),
            let colon = text.firstIndex(of: ":")
        else { return nil }
        return (FormBody.decode(String(text[..<colon])), FormBody.decode(String(text[text.index(after: colon)...])))
    }

}

/// An `application/x-www-form-urlencoded` body.
enum FormBody {
    static func parse(_ data: Data) -> [String: String] {
        var fields: [String: String] = [:]
        for pair in String(decoding: data, as: UTF8.self).split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let name = decode(String(parts[0]))
            if fields[name] == nil { fields[name] = parts.count > 1 ? decode(String(parts[1])) : "" }
        }
        return fields
    }

    static func decode(_ text: String) -> String {
        PercentEncoding.decode(text.replacingOccurrences(of: "+", with: " "))
    }
}
