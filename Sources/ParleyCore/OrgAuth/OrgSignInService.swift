import Crypto
import Foundation

/// Signs organization users and apps in (the OAuth 2.0 password and client-credentials grants
/// of an Entra-shaped token endpoint) and authenticates the tokens it issued.
public struct OrgSignInService: Sendable {
    /// Delegated permissions every user token carries.
    public static let userScopes = ["Chat.ReadWrite", "ChatMessage.Send", "User.Read", "User.ReadBasic.All"]
    /// Application permissions every app token carries.
    public static let appRoles = ["Chat.ReadWrite.All", "User.Read.All"]
    public static let tokenLifetime: TimeInterval = 3600

    let store: any ParleyStore
    let tokens: OrgTokenAuthority
    let clock: any WallClock
    let ids: any IdentifierGenerator

    public init(store: any ParleyStore, tokens: OrgTokenAuthority, clock: any WallClock, ids: any IdentifierGenerator = RandomIdentifierGenerator()) {
        self.store = store
        self.tokens = tokens
        self.clock = clock
        self.ids = ids
    }

    public var authority: OrgTokenAuthority { tokens }

    /// The tenant named by id or domain, as an authority path segment does.
    public func tenant(named name: String) async throws -> Tenant {
        if let tenant = try await store.tenant(named: name) { return tenant }
        throw OAuthError.invalidRequest("AADSTS90002: Tenant '\(name)' not found.")
    }

    /// The password grant (resource owner password credentials): people get tokens for
    /// Microsoft Graph (the default) or, to exchange them for ACS tokens, for Azure
    /// Communication Services' Teams API (`https://auth.msft.communication.azure.com/Teams.ManageCalls`).
    public func signIn(
        tenant: Tenant,
        clientId: String,
        username: String,
        password: String,
        scope: String?,
        issuer: String
    ) async throws -> OrgTokens {
        let (app, _) = try await registeredApp(clientId, in: tenant)
        let requested = try OrgTokenRequestScope.parse(scope, grant: .delegated, tenant: tenant)
        let user = try await person(username, password: password, in: tenant)
        return try await userTokens(for: user, app: app, tenant: tenant, issuer: issuer, requested: requested, nonce: nil, sessionId: nil)
    }

    /// The person of `tenant` with this user principal name and password, or `invalid_grant`
    /// (the same for an unknown person, a wrong password and a person with no password).
    func person(_ username: String, password: String, in tenant: Tenant) async throws -> OrgUser {
        let invalid = OAuthError.invalidGrant("AADSTS50126: Error validating credentials due to invalid username or password.")
        guard let user = try await store.orgUser(userPrincipalName: username.lowercased()), user.tenantId == tenant.id,
            let hash = try await store.passwordHash(of: user.id), PasswordHasher.verify(password, against: hash)
        else { throw invalid }
        return user
    }

    /// An access token for the API `requested` names and an id token for a signed-in person; the
    /// id token carries `nonce` and the session's id (`sid`) when there are.
    func userTokens(
        for user: OrgUser,
        app: TenantApp,
        tenant: Tenant,
        issuer: String,
        requested: OrgTokenRequestScope,
        nonce: String?,
        sessionId: String?
    ) async throws -> OrgTokens {
        let now = clock.now()
        let iat = Int(now.timeIntervalSince1970)
        let exp = iat + Int(Self.tokenLifetime)
        let tid = tenant.id.uuidString.lowercased()
        let oid = user.id.uuidString.lowercased()
        let access = OrgAccessTokenClaims(
            aud: requested.audience.identifier,
            iss: issuer,
            iat: iat,
            nbf: iat,
            exp: exp,
            tid: tid,
            oid: oid,
            sub: oid,
            appid: app.appId.uuidString.lowercased(),
            azp: app.appId.uuidString.lowercased(),
            idtyp: "user",
            ver: "2.0",
            uti: ids.uuid().uuidString.lowercased(),
            scp: requested.delegatedScopes.joined(separator: " "),
            roles: nil,
            upn: user.userPrincipalName,
            preferred_username: user.userPrincipalName,
            name: user.displayName
        )
        let idToken = OrgIdTokenClaims(
            aud: app.appId.uuidString.lowercased(),
            iss: issuer,
            iat: iat,
            nbf: iat,
            exp: exp,
            tid: tid,
            oid: oid,
            sub: oid,
            preferred_username: user.userPrincipalName,
            name: user.displayName,
            ver: "2.0",
            nonce: nonce,
            sid: sessionId
        )
        return OrgTokens(
            accessToken: try await tokens.sign(access),
            idToken: try await tokens.sign(idToken),
            scope: requested.delegatedScopes.joined(separator: " "),
            expiresIn: Int(Self.tokenLifetime),
            subject: oid,
            tenantId: tid
        )
    }

    /// The client-credentials grant: an app token for the one API `scope` names
    /// (`<API>/.default`): Microsoft Graph (with the app's Graph roles) or Azure Communication
    /// Services (whose access is decided by role assignments on each resource, not by the token).
    public func signIn(tenant: Tenant, clientId: String, clientSecret: String, scope: String?, issuer: String) async throws -> OrgTokens {
        let (app, secretHash) = try await registeredApp(clientId, in: tenant)
        guard Self.secretHash(clientSecret) == secretHash else {
            throw OAuthError.invalidClient("AADSTS7000215: Invalid client secret provided.")
        }
        let requested = try OrgTokenRequestScope.parse(scope, grant: .clientCredentials, tenant: tenant)
        let iat = Int(clock.now().timeIntervalSince1970)
        let appId = app.appId.uuidString.lowercased()
        let access = OrgAccessTokenClaims(
            aud: requested.audience.identifier,
            iss: issuer,
            iat: iat,
            nbf: iat,
            exp: iat + Int(Self.tokenLifetime),
            tid: tenant.id.uuidString.lowercased(),
            oid: appId,
            sub: appId,
            appid: appId,
            azp: appId,
            idtyp: "app",
            ver: "2.0",
            uti: ids.uuid().uuidString.lowercased(),
            scp: nil,
            roles: requested.audience == .graph ? Self.appRoles : nil,
            upn: nil,
            preferred_username: nil,
            name: app.displayName
        )
        return OrgTokens(
            accessToken: try await tokens.sign(access),
            idToken: nil,
            scope: requested.requested,
            expiresIn: Int(Self.tokenLifetime),
            subject: appId,
            tenantId: tenant.id.uuidString.lowercased()
        )
    }

    /// Who an organization access token belongs to; checks signature, audience (one of
    /// `audiences`), expiry, and that the person or app still exists in the tenant. Every
    /// failure is the same 401.
    public func authenticate(accessToken: String, for audiences: [OrgTokenAudience] = [.graph]) async throws -> OrgPrincipal {
        let claims = try await tokens.verifiedAccessClaims(of: accessToken)
        let invalid = ParleyError(.unauthenticated, wireCode: "InvalidAuthenticationToken", "Access token is invalid or has expired.")
        guard let audience = audiences.first(where: { $0.matches(claims.aud) }), TimeInterval(claims.exp) > clock.now().timeIntervalSince1970,
            let tenantId = UUID(uuidString: claims.tid), let oid = UUID(uuidString: claims.oid)
        else { throw invalid }
        switch claims.idtyp {
        case "user":
            guard let user = try await store.orgUser(id: oid), user.tenantId == tenantId else { throw invalid }
            return OrgPrincipal(
                tenantId: tenantId,
                audience: audience,
                kind: .user(user),
                permissions: Set((claims.scp ?? "").split(separator: " ").map(String.init)),
                clientAppId: claims.appid,
                expiresOn: Date(timeIntervalSince1970: TimeInterval(claims.exp))
            )
        case "app":
            guard let (app, _) = try await store.app(id: oid), app.tenantId == tenantId else { throw invalid }
            return OrgPrincipal(
                tenantId: tenantId,
                audience: audience,
                kind: .app(app),
                permissions: Set(claims.roles ?? []),
                clientAppId: claims.appid,
                expiresOn: Date(timeIntervalSince1970: TimeInterval(claims.exp))
            )
        default:
            throw invalid
        }
    }

    // MARK: Apps

    /// Registers an app in the tenant; returns it with its client secret (shown only now).
    public func registerApp(in tenantId: UUID, displayName: String, redirectUris: [String] = []) async throws -> (TenantApp, secret: String) {
        guard try await store.tenant(id: tenantId) != nil else {
            throw ParleyError(.notFound, "Tenant '\(tenantId.uuidString.lowercased())' was not found.", target: "tenantId")
        }
        guard !displayName.isEmpty, displayName.count <= 256 else {
            throw ParleyError(.validation, "An app needs a display name of 1-256 characters.", target: "displayName")
        }
        let app = TenantApp(
            appId: ids.uuid(),
            tenantId: tenantId,
            displayName: displayName,
            redirectUris: try RedirectURI.validate(list: redirectUris),
            createdAt: clock.now()
        )
        let secret = SecretGenerator.base64Secret(byteCount: 30)
        try await store.insertApp(
            app,
            secretHash: Self.secretHash(secret),
            event: DomainEvent(
                kind: .tenantAppRegistered,
                resourceId: tenantId.uuidString.lowercased(),
                subject: app.appId.uuidString.lowercased(),
                occurredAt: clock.now()
            )
        )
        return (app, secret)
    }

    public func apps(in tenantId: UUID) async throws -> [TenantApp] {
        try await store.apps(in: tenantId)
    }

    /// Sets a person's password (stored as a PBKDF2 hash).
    public func setPassword(_ password: String, of userId: UUID, in tenantId: UUID) async throws {
        try PasswordHasher.validate(password)
        guard let user = try await store.orgUser(id: userId), user.tenantId == tenantId else {
            throw ParleyError(.notFound, "User '\(userId.uuidString.lowercased())' was not found.", target: "userId")
        }
        let event = DomainEvent(kind: .orgUserPasswordSet, resourceId: tenantId.uuidString.lowercased(), subject: user.rawId, occurredAt: clock.now())
        guard try await store.setPasswordHash(try PasswordHasher.hash(password), of: userId, event: event) else {
            throw ParleyError(.notFound, "User '\(userId.uuidString.lowercased())' was not found.", target: "userId")
        }
    }

    /// The tenant's app `clientId` and the hash of its secret, or `unauthorized_client`.
    func registeredApp(_ clientId: String, in tenant: Tenant) async throws -> (TenantApp, secretHash: String) {
        guard let id = UUID(uuidString: clientId), let (app, secretHash) = try await store.app(id: id), app.tenantId == tenant.id else {
            throw OAuthError.unauthorizedClient(
                "AADSTS700016: Application with identifier '\(clientId)' was not found in the directory '\(tenant.domain)'."
            )
        }
        return (app, secretHash)
    }

    static func secretHash(_ secret: String) -> String {
        Data(SHA256.hash(data: Data(secret.utf8))).base64EncodedString()
    }
}

/// What a successful grant returns.
public struct OrgTokens: Sendable {
    public var accessToken: String
    public var idToken: String?
    public var scope: String
    public var expiresIn: Int
    /// For the authorization code and refresh token grants, when `offline_access` was asked for:
    /// the session's next refresh token (single use).
    public var refreshToken: String?
    /// The signed-in object id and tenant, for MSAL's `client_info`.
    public var subject: String
    public var tenantId: String
}

/// A signed-in person or app of a tenant.
public struct OrgPrincipal: Sendable {
    public enum Kind: Sendable {
        case user(OrgUser)
        case app(TenantApp)
    }

    public var tenantId: UUID
    /// The API the token is for.
    public var audience: OrgTokenAudience
    public var kind: Kind
    /// Delegated scopes or application roles.
    public var permissions: Set<String>
    /// The app the token was issued to (`appid`).
    public var clientAppId: String
    public var expiresOn: Date

    public var user: OrgUser? {
        if case .user(let user) = kind { return user }
        return nil
    }
}

/// An OAuth 2.0 error (RFC 6749 §5.2), rendered by the token endpoint as `{"error", "error_description"}`.
public struct OAuthError: Error, Sendable, Equatable {
    public var error: String
    public var description: String
    /// 400, or 401 for a client that failed to authenticate.
    public var status: Int

    public static func invalidRequest(_ description: String) -> OAuthError { .init(error: "invalid_request", description: description, status: 400) }
    public static func invalidGrant(_ description: String) -> OAuthError { .init(error: "invalid_grant", description: description, status: 400) }
    public static func invalidClient(_ description: String) -> OAuthError { .init(error: "invalid_client", description: description, status: 401) }
    public static func unauthorizedClient(_ description: String) -> OAuthError {
        .init(error: "unauthorized_client", description: description, status: 400)
    }
    public static func invalidScope(_ description: String) -> OAuthError { .init(error: "invalid_scope", description: description, status: 400) }
    public static func invalidResource(_ description: String) -> OAuthError {
        .init(error: "invalid_resource", description: description, status: 400)
    }
    public static func unsupportedGrantType(_ description: String) -> OAuthError {
        .init(error: "unsupported_grant_type", description: description, status: 400)
    }
}
