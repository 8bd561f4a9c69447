/// Wire bodies of the backend Parley ships for its web app (`/webapp/v1/...`, docs/webapp.md).

/// `GET /webapp/v1/config`: what the web app needs to start, for anyone.
public struct WebAppConfigModel: Codable, Sendable, Equatable {
    /// Resources whose web app backend is on: a visitor joins one of them.
    public var resources: [WebAppResourceModel]
    /// `faithful` or `extended`: which interop rules apply (DESIGN.md C1–C4, K1–K5), so the web
    /// app can show what a person may not do before they try.
    public var interopProfile: String
    /// The address organizations register as a redirect URI for the web app's sign-in.
    public var redirectUri: String

    public init(resources: [WebAppResourceModel], interopProfile: String, redirectUri: String) {
        self.resources = resources
        self.interopProfile = interopProfile
        self.redirectUri = redirectUri
    }
}

public struct WebAppResourceModel: Codable, Sendable, Equatable {
    public var name: String
    public var immutableResourceId: String
    public init(name: String, immutableResourceId: String) {
        self.name = name
        self.immutableResourceId = immutableResourceId
    }
}

/// `GET /webapp/v1/organizations/{domain}`: how the web app signs an organization's people in.
public struct WebAppSignInModel: Codable, Sendable, Equatable {
    public var tenantId: String
    public var displayName: String
    public var domain: String
    /// The authority for the authorization code flow: `https://<parley>/<tenant id>`.
    public var authority: String
    /// The app registration whose redirect URIs include the web app's address.
    public var clientId: String

    public init(tenantId: String, displayName: String, domain: String, authority: String, clientId: String) {
        self.tenantId = tenantId
        self.displayName = displayName
        self.domain = domain
        self.authority = authority
        self.clientId = clientId
    }
}

/// `POST /webapp/v1/resources/{name}/visitors`
public struct WebVisitorJoinRequest: Codable, Sendable {
    public var displayName: String
    public init(displayName: String) { self.displayName = displayName }
}

/// A visitor and a fresh access token (join, and `POST /webapp/v1/visitor/token`).
public struct WebVisitorTokenModel: Codable, Sendable, Equatable {
    public var communicationUserId: String
    public var displayName: String
    public var resource: WebAppResourceModel
    public var token: String
    public var expiresOn: String

    public init(communicationUserId: String, displayName: String, resource: WebAppResourceModel, token: String, expiresOn: String) {
        self.communicationUserId = communicationUserId
        self.displayName = displayName
        self.resource = resource
        self.token = token
        self.expiresOn = expiresOn
    }
}

/// `GET /webapp/v1/resources/{name}/people?search=…`: someone an app user may start a chat with.
public struct ReachablePersonModel: Codable, Sendable, Equatable {
    /// The Entra object id.
    public var id: String
    /// `8:orgid:<id>`
    public var rawId: String
    public var displayName: String
    public var userPrincipalName: String
    /// The organization's display name.
    public var organization: String

    public init(id: String, rawId: String, displayName: String, userPrincipalName: String, organization: String) {
        self.id = id
        self.rawId = rawId
        self.displayName = displayName
        self.userPrincipalName = userPrincipalName
        self.organization = organization
    }
}
