import JWTKit

/// The claims of an organization access token, shaped like an Entra ID v2.0 token for Microsoft
/// Graph, so that standard OAuth and Graph tooling read them.
struct OrgAccessTokenClaims: JWTPayload, Equatable {
    var aud: String
    var iss: String
    var iat: Int
    var nbf: Int
    var exp: Int
    /// Tenant id.
    var tid: String
    /// The person's (or the app's) object id.
    var oid: String
    var sub: String
    /// The client app the token was issued to.
    var appid: String
    var azp: String
    /// `user` or `app`.
    var idtyp: String
    var ver: String
    /// A unique token id.
    var uti: String
    /// Delegated scopes (user tokens), space-separated.
    var scp: String?
    /// Application permissions (app tokens).
    var roles: [String]?
    var upn: String?
    var preferred_username: String?
    var name: String?

    func verify(using algorithm: some JWTAlgorithm) async throws {}
}

/// The claims of an OpenID Connect id token for a signed-in person.
struct OrgIdTokenClaims: JWTPayload, Equatable {
    var aud: String
    var iss: String
    var iat: Int
    var nbf: Int
    var exp: Int
    var tid: String
    var oid: String
    var sub: String
    var preferred_username: String
    var name: String
    var ver: String
    /// The OpenID Connect nonce of the authorization request (code flow only).
    var nonce: String?
    /// The sign-in session (code flow only); `/logout` with this token as `id_token_hint` ends it.
    var sid: String?

    func verify(using algorithm: some JWTAlgorithm) async throws {}
}
