/// Wire bodies of the ACS Identity API (`Identity/stable/2023-10-01`).

/// `POST /identities` body. Absent body, absent or empty scopes: identity only, no token.
public struct CommunicationIdentityCreateRequest: Codable, Sendable {
    public var createTokenWithScopes: [String]?
    public var expiresInMinutes: Int?
    public init(createTokenWithScopes: [String]? = nil, expiresInMinutes: Int? = nil) {
        self.createTokenWithScopes = createTokenWithScopes
        self.expiresInMinutes = expiresInMinutes
    }
}

/// `POST /identities/{id}/:issueAccessToken` body.
public struct CommunicationIdentityAccessTokenRequest: Codable, Sendable {
    public var scopes: [String]?
    public var expiresInMinutes: Int?
    public init(scopes: [String]? = nil, expiresInMinutes: Int? = nil) {
        self.scopes = scopes
        self.expiresInMinutes = expiresInMinutes
    }
}

/// `{"id": "8:acs:…"}`
public struct CommunicationIdentity: Codable, Sendable, Equatable {
    public var id: String
    public init(id: String) { self.id = id }
}

/// A user access token. `expiresOn` is ISO 8601 with seven fractional digits and an offset, as
/// the real service writes it; the Python SDK hands the string through unparsed.
public struct CommunicationIdentityAccessToken: Codable, Sendable, Equatable {
    public var token: String
    public var expiresOn: String
    public init(token: String, expiresOn: String) {
        self.token = token
        self.expiresOn = expiresOn
    }
}

/// `POST /identities` result.
public struct CommunicationIdentityAccessTokenResult: Codable, Sendable, Equatable {
    public var identity: CommunicationIdentity
    public var accessToken: CommunicationIdentityAccessToken?
    public init(identity: CommunicationIdentity, accessToken: CommunicationIdentityAccessToken? = nil) {
        self.identity = identity
        self.accessToken = accessToken
    }
}

/// `GET /parley/v1/me`: who a user access token belongs to (a Parley extension, for debugging
/// tokens and for clients that want to check one).
public struct TokenIntrospection: Codable, Sendable, Equatable {
    public var communicationUser: CommunicationIdentifierModel
    public var resourceId: String
    public var scopes: [String]
    public var expiresOn: String
    public init(communicationUser: CommunicationIdentifierModel, resourceId: String, scopes: [String], expiresOn: String) {
        self.communicationUser = communicationUser
        self.resourceId = resourceId
        self.scopes = scopes
        self.expiresOn = expiresOn
    }
}

/// `POST /teamsUser/:exchangeAccessToken` body.
public struct TeamsUserExchangeTokenRequest: Codable, Sendable {
    /// The Teams user's Entra (organization) access token.
    public var token: String
    /// The client id the token was issued to (its `appid` claim).
    public var appId: String
    /// The Teams user's object id (its `oid` claim).
    public var userId: String
    public init(token: String, appId: String, userId: String) {
        self.token = token
        self.appId = appId
        self.userId = userId
    }
}
