import ParleyCore

/// The token endpoint's grants of the authorization code flow (``AuthorizationController`` is
/// its browser half).
extension OAuthController {
    /// `grant_type=authorization_code`: `code`, `redirect_uri`, `code_verifier`, and the client
    /// secret if the client is confidential (form or HTTP Basic).
    func authorizationCodeGrant(_ form: [String: String], tenant: Tenant, clientId: String, secret: String?, issuer: String) async throws -> OrgTokens
    {
        guard let code = form["code"], !code.isEmpty else {
            throw OAuthError.invalidRequest("AADSTS900144: The request body must contain the following parameter: 'code'.")
        }
        return try await signIn.redeemAuthorizationCode(
            tenant: tenant,
            clientId: clientId,
            clientSecret: form["client_secret"] ?? secret,
            code: code,
            redirectUri: form["redirect_uri"],
            codeVerifier: form["code_verifier"],
            issuer: issuer
        )
    }

    /// `grant_type=refresh_token`: `refresh_token`, and the client secret if confidential.
    func refreshTokenGrant(_ form: [String: String], tenant: Tenant, clientId: String, secret: String?, issuer: String) async throws -> OrgTokens {
        guard let refreshToken = form["refresh_token"], !refreshToken.isEmpty else {
            throw OAuthError.invalidRequest("AADSTS900144: The request body must contain the following parameter: 'refresh_token'.")
        }
        return try await signIn.refresh(
            tenant: tenant,
            clientId: clientId,
            clientSecret: form["client_secret"] ?? secret,
            refreshToken: refreshToken,
            issuer: issuer
        )
    }
}
