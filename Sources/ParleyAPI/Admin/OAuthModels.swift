/// Wire bodies of the organization sign-in endpoints (OAuth 2.0 / OpenID Connect, Entra-shaped).

public struct OpenIDConfiguration: Codable, Sendable, Equatable {
    public var issuer: String
    public var authorizationEndpoint: String
    public var tokenEndpoint: String
    public var jwksUri: String
    public var responseTypesSupported: [String]
    public var subjectTypesSupported: [String]
    public var idTokenSigningAlgValuesSupported: [String]
    public var scopesSupported: [String]
    public var tokenEndpointAuthMethodsSupported: [String]
    public var grantTypesSupported: [String]
    public var claimsSupported: [String]
    public var tenantRegionScope: String?
    public var endSessionEndpoint: String?
    public var codeChallengeMethodsSupported: [String]?
    public var responseModesSupported: [String]?

    enum CodingKeys: String, CodingKey {
        case issuer
        case authorizationEndpoint = "authorization_endpoint"
        case tokenEndpoint = "token_endpoint"
        case jwksUri = "jwks_uri"
        case responseTypesSupported = "response_types_supported"
        case subjectTypesSupported = "subject_types_supported"
        case idTokenSigningAlgValuesSupported = "id_token_signing_alg_values_supported"
        case scopesSupported = "scopes_supported"
        case tokenEndpointAuthMethodsSupported = "token_endpoint_auth_methods_supported"
        case grantTypesSupported = "grant_types_supported"
        case claimsSupported = "claims_supported"
        case tenantRegionScope = "tenant_region_scope"
        case endSessionEndpoint = "end_session_endpoint"
        case codeChallengeMethodsSupported = "code_challenge_methods_supported"
        case responseModesSupported = "response_modes_supported"
    }

    public init(
        issuer: String,
        authorizationEndpoint: String,
        tokenEndpoint: String,
        jwksUri: String,
        responseTypesSupported: [String],
        subjectTypesSupported: [String],
        idTokenSigningAlgValuesSupported: [String],
        scopesSupported: [String],
        tokenEndpointAuthMethodsSupported: [String],
        grantTypesSupported: [String],
        claimsSupported: [String],
        tenantRegionScope: String?,
        endSessionEndpoint: String? = nil,
        codeChallengeMethodsSupported: [String]? = nil,
        responseModesSupported: [String]? = nil
    ) {
        self.issuer = issuer
        self.authorizationEndpoint = authorizationEndpoint
        self.tokenEndpoint = tokenEndpoint
        self.jwksUri = jwksUri
        self.responseTypesSupported = responseTypesSupported
        self.subjectTypesSupported = subjectTypesSupported
        self.idTokenSigningAlgValuesSupported = idTokenSigningAlgValuesSupported
        self.scopesSupported = scopesSupported
        self.tokenEndpointAuthMethodsSupported = tokenEndpointAuthMethodsSupported
        self.grantTypesSupported = grantTypesSupported
        self.claimsSupported = claimsSupported
        self.tenantRegionScope = tenantRegionScope
        self.endSessionEndpoint = endSessionEndpoint
        self.codeChallengeMethodsSupported = codeChallengeMethodsSupported
        self.responseModesSupported = responseModesSupported
    }
}

public struct JSONWebKey: Codable, Sendable, Equatable {
    public var kty: String
    public var crv: String
    public var x: String
    public var y: String
    public var kid: String
    public var use: String
    public var alg: String
    public init(kty: String, crv: String, x: String, y: String, kid: String, use: String, alg: String) {
        self.kty = kty
        self.crv = crv
        self.x = x
        self.y = y
        self.kid = kid
        self.use = use
        self.alg = alg
    }
}

public struct JSONWebKeySet: Codable, Sendable, Equatable {
    public var keys: [JSONWebKey]
    public init(keys: [JSONWebKey]) { self.keys = keys }
}

public struct TokenResponse: Codable, Sendable, Equatable {
    public var tokenType: String
    public var scope: String
    public var expiresIn: Int
    public var extExpiresIn: Int
    public var accessToken: String
    public var idToken: String?
    public var clientInfo: String?
    /// Authorization code and refresh token grants with `offline_access`: single use.
    public var refreshToken: String?
    /// Seconds the refresh token's session has left (Entra's `refresh_token_expires_in`).
    public var refreshTokenExpiresIn: Int?

    enum CodingKeys: String, CodingKey {
        case tokenType = "token_type"
        case scope
        case expiresIn = "expires_in"
        case extExpiresIn = "ext_expires_in"
        case accessToken = "access_token"
        case idToken = "id_token"
        case clientInfo = "client_info"
        case refreshToken = "refresh_token"
        case refreshTokenExpiresIn = "refresh_token_expires_in"
    }

    public init(
        tokenType: String,
        scope: String,
        expiresIn: Int,
        extExpiresIn: Int,
        accessToken: String,
        idToken: String?,
        clientInfo: String? = nil,
        refreshToken: String? = nil,
        refreshTokenExpiresIn: Int? = nil
    ) {
        self.tokenType = tokenType
        self.scope = scope
        self.expiresIn = expiresIn
        self.extExpiresIn = extExpiresIn
        self.accessToken = accessToken
        self.idToken = idToken
        self.clientInfo = clientInfo
        self.refreshToken = refreshToken
        self.refreshTokenExpiresIn = refreshTokenExpiresIn
    }
}

public struct OAuthErrorResponse: Codable, Sendable, Equatable {
    public var error: String
    public var errorDescription: String

    enum CodingKeys: String, CodingKey {
        case error
        case errorDescription = "error_description"
    }

    public init(error: String, errorDescription: String) {
        self.error = error
        self.errorDescription = errorDescription
    }
}

/// `POST /admin/tenants/{id}/apps`
public struct TenantAppCreateRequest: Codable, Sendable {
    public var displayName: String
    /// Where the authorization code flow may return (see docs/api.md, "Organization sign-in").
    public var redirectUris: [String]?
    public init(displayName: String, redirectUris: [String]? = nil) {
        self.displayName = displayName
        self.redirectUris = redirectUris
    }
}

/// `PUT /admin/tenants/{id}/apps/{appId}/redirect-uris`: the whole new list.
public struct RedirectURIsRequest: Codable, Sendable {
    public var redirectUris: [String]
    public init(redirectUris: [String]) { self.redirectUris = redirectUris }
}

public struct TenantAppModel: Codable, Sendable, Equatable {
    public var appId: String
    public var tenantId: String
    public var displayName: String
    public var redirectUris: [String]
    /// Returned once, when the app is registered.
    public var clientSecret: String?
    public init(appId: String, tenantId: String, displayName: String, redirectUris: [String] = [], clientSecret: String? = nil) {
        self.appId = appId
        self.tenantId = tenantId
        self.displayName = displayName
        self.redirectUris = redirectUris
        self.clientSecret = clientSecret
    }
}

/// `PUT /admin/tenants/{id}/users/{userId}/password`
public struct PasswordSetRequest: Codable, Sendable {
    public var password: String
    public init(password: String) { self.password = password }
}

/// `GET /common/userrealm/{user}` (what MSAL checks before a password grant).
public struct UserRealm: Codable, Sendable, Equatable {
    public var ver: String
    public var accountType: String
    public var domainName: String

    enum CodingKeys: String, CodingKey {
        case ver
        case accountType = "account_type"
        case domainName = "domain_name"
    }

    public init(ver: String, accountType: String, domainName: String) {
        self.ver = ver
        self.accountType = accountType
        self.domainName = domainName
    }
}
