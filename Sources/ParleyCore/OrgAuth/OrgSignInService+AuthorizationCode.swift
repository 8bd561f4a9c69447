import Crypto
import Foundation

/// The OAuth 2.0 authorization code flow with PKCE (RFC 6749 §4.1, RFC 7636), as Entra ID runs it
/// for single-page and native apps: `/authorize` signs the person in and hands out a short-lived,
/// single-use code bound to the client, the redirect URI and the PKCE challenge; the token
/// endpoint exchanges it for tokens and a refresh token that rotates on every use.
extension OrgSignInService {
    /// How long a code may wait to be exchanged.
    public static let authorizationCodeLifetime: TimeInterval = 120
    /// How long a sign-in session lasts, however often its refresh token is used (Entra gives
    /// single-page apps 24 hours).
    public static let sessionLifetime: TimeInterval = 86_400

    // MARK: /authorize

    /// Checks an authorization request. Errors about the client or the redirect URI are
    /// ``AuthorizationRequestError/cannotRedirect(_:)``: the browser must not be sent to an
    /// unverified address (RFC 6749 §4.1.2.1). Every other error goes back to the client.
    public func authorizationRequest(tenant: Tenant, parameters: [String: String]) async throws(AuthorizationRequestError) -> AuthorizationRequest {
        guard let clientId = parameters["client_id"], !clientId.isEmpty else {
            throw .cannotRedirect("The request has no client_id: the app that sent you here is not set up correctly.")
        }
        guard let id = UUID(uuidString: clientId), let (app, _) = try? await store.app(id: id), app.tenantId == tenant.id else {
            throw .cannotRedirect("The app that sent you here (client id \(clientId)) is not registered in \(tenant.displayName).")
        }
        guard let redirectUri = parameters["redirect_uri"], !redirectUri.isEmpty else {
            throw .cannotRedirect("The request has no redirect_uri: \(app.displayName) did not say where to return to.")
        }
        guard RedirectURI.matches(redirectUri, anyOf: app.redirectUris) else {
            throw .cannotRedirect(
                "The address \(app.displayName) asked to return to (\(redirectUri)) is not one of its registered redirect URIs. "
                    + "An administrator of \(tenant.displayName) can register it on the app."
            )
        }
        let state = parameters["state"]
        let mode: AuthorizationRequest.ResponseMode
        switch parameters["response_mode"] ?? "query" {
        case "query": mode = .query
        case "fragment": mode = .fragment
        case "form_post": mode = .formPost
        case let other:
            throw .redirect(
                OAuthError.invalidRequest("AADSTS900144: response_mode '\(other)' is not supported: use query, fragment or form_post."),
                AuthorizationResponse(redirectUri: redirectUri, mode: .query, state: state)
            )
        }
        let back = AuthorizationResponse(redirectUri: redirectUri, mode: mode, state: state)
        guard parameters["response_type"] == "code" else {
            throw .redirect(
                OAuthError(
                    error: "unsupported_response_type",
                    description: "AADSTS70005: response_type '\(parameters["response_type"] ?? "")' is not enabled for the client: use 'code'.",
                    status: 400
                ),
                back
            )
        }
        guard parameters["code_challenge_method"] == "S256", let challenge = parameters["code_challenge"], Self.isPKCEValue(challenge)
        else {
            throw .redirect(
                OAuthError.invalidRequest(
                    "AADSTS9002325: Proof Key for Code Exchange is required: send code_challenge (base64url SHA-256 of the verifier) with code_challenge_method S256."
                ),
                back
            )
        }
        let scopes = (parameters["scope"] ?? "").split(separator: " ").map(String.init)
        guard !scopes.isEmpty else {
            throw .redirect(OAuthError.invalidRequest("AADSTS900144: The request must contain the 'scope' parameter."), back)
        }
        // The same scope rules as the token endpoint's, told now rather than at redemption.
        do {
            _ = try OrgTokenRequestScope.parse(scopes.joined(separator: " "), grant: .delegated, tenant: tenant)
        } catch {
            throw .redirect(error, back)
        }
        if parameters["prompt"] == "none" {
            // Parley keeps no single sign-on session in the browser: every sign-in asks.
            throw .redirect(
                OAuthError(
                    error: "login_required",
                    description: "AADSTS50058: A silent sign-in request was sent but no user is signed in.",
                    status: 400
                ),
                back
            )
        }
        return AuthorizationRequest(
            tenant: tenant,
            app: app,
            response: back,
            scopes: scopes,
            nonce: parameters["nonce"],
            codeChallenge: challenge,
            loginHint: parameters["login_hint"]
        )
    }

    /// Signs the person in with their password for `request` and returns the code to hand to
    /// the client. A wrong user name or password is `invalid_grant`, and nothing is stored.
    public func issueAuthorizationCode(for request: AuthorizationRequest, username: String, password: String) async throws -> String {
        let user = try await person(username, password: password, in: request.tenant)
        let code = Self.randomToken()
        let now = clock.now()
        let record = AuthorizationCode(
            codeHash: Self.tokenHash(code),
            tenantId: request.tenant.id,
            clientId: request.app.appId,
            userId: user.id,
            redirectUri: request.response.redirectUri,
            scopes: request.scopes,
            nonce: request.nonce,
            codeChallenge: request.codeChallenge,
            sessionId: Self.randomToken(byteCount: 16),
            issuedAt: now,
            expiresAt: now.addingTimeInterval(Self.authorizationCodeLifetime)
        )
        try await store.insertAuthorizationCode(
            record,
            event: DomainEvent(
                kind: .authorizationCodeIssued,
                resourceId: request.tenant.id.uuidString.lowercased(),
                subject: user.rawId,
                occurredAt: now,
                data: ["clientId": request.app.appId.uuidString.lowercased()]
            )
        )
        return code
    }

    // MARK: Token endpoint

    /// The `authorization_code` grant: the code must be unexpired and unused, issued to
    /// `clientId` for `redirectUri`, and `codeVerifier` must hash to its challenge. A code
    /// presented a second time is refused and ends the session its first exchange started.
    public func redeemAuthorizationCode(
        tenant: Tenant,
        clientId: String,
        clientSecret: String?,
        code: String,
        redirectUri: String?,
        codeVerifier: String?,
        issuer: String
    ) async throws -> OrgTokens {
        let app = try await client(clientId, secret: clientSecret, in: tenant)
        let hash = Self.tokenHash(code)
        guard let record = try await store.authorizationCode(hash: hash), record.tenantId == tenant.id else {
            throw OAuthError.invalidGrant("AADSTS70000: The provided value for the 'code' parameter is not valid.")
        }
        let now = clock.now()
        guard record.redeemedAt == nil else {
            _ = try await store.revokeSignInSession(
                id: record.sessionId,
                at: now,
                event: sessionEnded(record.sessionId, tenant, "code-replayed", now)
            )
            throw OAuthError.invalidGrant(
                "AADSTS54005: OAuth2 Authorization code was already redeemed, please retry with a new valid code or use an existing refresh token."
            )
        }
        guard record.clientId == app.appId else {
            throw OAuthError.invalidGrant("AADSTS70000: The provided authorization code was issued to a different client.")
        }
        guard let redirectUri, redirectUri == record.redirectUri else {
            throw OAuthError.invalidGrant(
                "AADSTS500112: The reply address '\(redirectUri ?? "")' does not match the reply address provided when requesting the authorization code."
            )
        }
        guard let codeVerifier else {
            throw OAuthError.invalidRequest("AADSTS900144: The request body must contain the following parameter: 'code_verifier'.")
        }
        guard Self.isPKCEValue(codeVerifier), SecretGenerator.constantTimeEquals(Self.challenge(of: codeVerifier), record.codeChallenge) else {
            throw OAuthError.invalidGrant("AADSTS501481: The Code_Verifier does not match the code_challenge supplied in the authorization request.")
        }
        guard now < record.expiresAt else {
            throw OAuthError.invalidGrant("AADSTS70008: The provided authorization code has expired. Sign in again.")
        }
        guard let user = try await store.orgUser(id: record.userId), user.tenantId == tenant.id else {
            throw OAuthError.invalidGrant("AADSTS50034: The user account does not exist in the directory.")
        }
        let session = SignInSession(
            id: record.sessionId,
            tenantId: tenant.id,
            clientId: app.appId,
            userId: user.id,
            scopes: record.scopes,
            startedAt: now,
            expiresAt: now.addingTimeInterval(Self.sessionLifetime)
        )
        let refreshToken = Self.randomToken()
        let started = try await store.redeemAuthorizationCode(
            hash: hash,
            at: now,
            session: session,
            refreshToken: RefreshTokenRecord(tokenHash: Self.tokenHash(refreshToken), sessionId: session.id, issuedAt: now),
            event: DomainEvent(
                kind: .signInSessionStarted,
                resourceId: tenant.id.uuidString.lowercased(),
                subject: user.rawId,
                occurredAt: now,
                data: ["clientId": app.appId.uuidString.lowercased()]
            )
        )
        guard started else {
            throw OAuthError.invalidGrant(
                "AADSTS54005: OAuth2 Authorization code was already redeemed, please retry with a new valid code or use an existing refresh token."
            )
        }
        let requested = try OrgTokenRequestScope.parse(record.scopes.joined(separator: " "), grant: .delegated, tenant: tenant)
        var tokens = try await userTokens(
            for: user,
            app: app,
            tenant: tenant,
            issuer: issuer,
            requested: requested,
            nonce: record.nonce,
            sessionId: session.id
        )
        if record.scopes.contains("offline_access") { tokens.refreshToken = refreshToken }
        return tokens
    }

    /// The `refresh_token` grant: a refresh token works once, for the client it was issued to,
    /// while its session lasts; the answer carries the next one. Presenting a used one again
    /// (a sign that it was stolen) ends the session.
    public func refresh(tenant: Tenant, clientId: String, clientSecret: String?, refreshToken: String, issuer: String) async throws -> OrgTokens {
        let app = try await client(clientId, secret: clientSecret, in: tenant)
        let hash = Self.tokenHash(refreshToken)
        let invalid = OAuthError.invalidGrant("AADSTS9002313: Invalid request. The refresh token is malformed or not valid.")
        guard let record = try await store.refreshToken(hash: hash), let session = try await store.signInSession(id: record.sessionId),
            session.tenantId == tenant.id
        else { throw invalid }
        let now = clock.now()
        guard record.usedAt == nil else {
            _ = try await store.revokeSignInSession(id: session.id, at: now, event: sessionEnded(session.id, tenant, "refresh-token-replayed", now))
            throw OAuthError.invalidGrant("AADSTS70000: The refresh token was already used; the sign-in session has ended. Sign in again.")
        }
        guard session.clientId == app.appId else {
            throw OAuthError.invalidGrant("AADSTS70000: The refresh token was issued to a different client.")
        }
        guard session.revokedAt == nil else {
            throw OAuthError.invalidGrant("AADSTS50173: The sign-in session has ended (signed out). Sign in again.")
        }
        guard now < session.expiresAt else {
            throw OAuthError.invalidGrant("AADSTS700084: The refresh token has expired: the sign-in session lasts 24 hours. Sign in again.")
        }
        guard let user = try await store.orgUser(id: session.userId), user.tenantId == tenant.id else {
            throw OAuthError.invalidGrant("AADSTS50034: The user account does not exist in the directory.")
        }
        let next = Self.randomToken()
        let rotated = try await store.rotateRefreshToken(
            hash: hash,
            replacement: RefreshTokenRecord(tokenHash: Self.tokenHash(next), sessionId: session.id, issuedAt: now),
            at: now,
            event: DomainEvent(
                kind: .signInSessionRefreshed,
                resourceId: tenant.id.uuidString.lowercased(),
                subject: user.rawId,
                occurredAt: now,
                data: ["clientId": app.appId.uuidString.lowercased()]
            )
        )
        guard rotated else {
            // Another request used it first (or the session just ended): treat as a replay.
            _ = try await store.revokeSignInSession(id: session.id, at: now, event: sessionEnded(session.id, tenant, "refresh-token-replayed", now))
            throw OAuthError.invalidGrant("AADSTS70000: The refresh token was already used; the sign-in session has ended. Sign in again.")
        }
        // A refreshed token is for what the sign-in was granted.
        let requested = try OrgTokenRequestScope.parse(session.scopes.joined(separator: " "), grant: .delegated, tenant: tenant)
        var tokens = try await userTokens(
            for: user,
            app: app,
            tenant: tenant,
            issuer: issuer,
            requested: requested,
            nonce: nil,
            sessionId: session.id
        )
        tokens.refreshToken = next
        return tokens
    }

    // MARK: /logout

    /// Ends the session named by an id token of this tenant (`sid`), expired or not, and returns
    /// the app the token was issued to (whose redirect URIs a post-logout redirect must be among).
    /// Nil when the hint is absent, not Parley's, or of another tenant.
    public func endSession(tenant: Tenant, idTokenHint: String?) async throws -> TenantApp? {
        guard let idTokenHint, let claims = await tokens.verifiedIdClaims(of: idTokenHint), claims.tid == tenant.id.uuidString.lowercased(),
            let appId = UUID(uuidString: claims.aud), let (app, _) = try await store.app(id: appId), app.tenantId == tenant.id
        else { return nil }
        if let sid = claims.sid, let session = try await store.signInSession(id: sid), session.tenantId == tenant.id {
            let now = clock.now()
            _ = try await store.revokeSignInSession(id: sid, at: now, event: sessionEnded(sid, tenant, "signed-out", now))
        }
        return app
    }

    /// The tenant's app registration with this id; its secret must match when one is given (a
    /// confidential client), and may be absent (a public client: PKCE protects the code).
    public func client(_ clientId: String, secret: String?, in tenant: Tenant) async throws -> TenantApp {
        let (app, secretHash) = try await registeredApp(clientId, in: tenant)
        if let secret, Self.secretHash(secret) != secretHash {
            throw OAuthError.invalidClient("AADSTS7000215: Invalid client secret provided.")
        }
        return app
    }

    /// Sets the redirect URIs of an app registration (replacing the old list).
    public func setRedirectURIs(_ uris: [String], of appId: UUID, in tenantId: UUID) async throws -> TenantApp {
        let list = try RedirectURI.validate(list: uris)
        let event = DomainEvent(
            kind: .tenantAppRedirectURIsSet,
            resourceId: tenantId.uuidString.lowercased(),
            subject: appId.uuidString.lowercased(),
            occurredAt: clock.now(),
            data: ["count": String(list.count)]
        )
        guard let app = try await store.setRedirectURIs(list, of: appId, in: tenantId, event: event) else {
            throw ParleyError(.notFound, "App '\(appId.uuidString.lowercased())' was not found in the tenant.", target: "appId")
        }
        return app
    }

    // MARK: Helpers

    private func sessionEnded(_ id: String, _ tenant: Tenant, _ reason: String, _ now: Date) -> DomainEvent {
        DomainEvent(kind: .signInSessionEnded, resourceId: tenant.id.uuidString.lowercased(), subject: id, occurredAt: now, data: ["reason": reason])
    }

    /// A PKCE verifier or challenge: 43-128 characters of `A-Z a-z 0-9 - . _ ~` (RFC 7636 §4.1).
    static func isPKCEValue(_ text: String) -> Bool {
        (43...128).contains(text.utf8.count)
            && text.utf8.allSatisfy { byte in
                switch byte {
                case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"): true
                case UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "~"): true
                default: false
                }
            }
    }

    /// The S256 challenge of a verifier: base64url (no padding) of its SHA-256.
    static func challenge(of verifier: String) -> String {
        base64URL(Data(SHA256.hash(data: Data(verifier.utf8))))
    }

    /// A random, URL-safe token (codes, refresh tokens, session ids).
    static func randomToken(byteCount: Int = 32) -> String {
        base64URL(SymmetricKey(size: .init(bitCount: byteCount * 8)).withUnsafeBytes { Data($0) })
    }

    /// How codes and refresh tokens are stored: base64 SHA-256.
    static func tokenHash(_ token: String) -> String {
        Data(SHA256.hash(data: Data(token.utf8))).base64EncodedString()
    }

    private static func base64URL(_ data: Data) -> String {
        data.base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }
}

/// A checked `/authorize` request.
public struct AuthorizationRequest: Sendable {
    public enum ResponseMode: String, Sendable {
        case query
        case fragment
        case formPost = "form_post"
    }

    public var tenant: Tenant
    public var app: TenantApp
    /// Where and how the answer goes.
    public var response: AuthorizationResponse
    public var scopes: [String]
    public var nonce: String?
    public var codeChallenge: String
    /// The user name to suggest on the sign-in page.
    public var loginHint: String?
}

/// Where an authorization response goes (a verified redirect URI), how, and the `state` to echo.
public struct AuthorizationResponse: Sendable, Equatable {
    public var redirectUri: String
    public var mode: AuthorizationRequest.ResponseMode
    public var state: String?

    public init(redirectUri: String, mode: AuthorizationRequest.ResponseMode, state: String?) {
        self.redirectUri = redirectUri
        self.mode = mode
        self.state = state
    }
}

/// Why `/authorize` refused a request, and whether the client may be told.
public enum AuthorizationRequestError: Error, Sendable {
    /// The client or its redirect URI could not be verified: show the message, do not redirect.
    case cannotRedirect(String)
    /// Send the error back to the verified redirect URI.
    case redirect(OAuthError, AuthorizationResponse)
}
