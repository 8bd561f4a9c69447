/// Wire bodies of the operator API for organizations (`/admin/tenants`), named after the Teams
/// admin cmdlets they mirror.

/// `POST /admin/tenants`
public struct TenantCreateRequest: Codable, Sendable {
    public var displayName: String
    public var domain: String
    /// Optional fixed tenant id (GUID); generated when absent.
    public var id: String?
    public init(displayName: String, domain: String, id: String? = nil) {
        self.displayName = displayName
        self.domain = domain
        self.id = id
    }
}

/// `Get-CsTeamsAcsFederationConfiguration` / `PUT /admin/tenants/{id}/acs-federation`
public struct AcsFederationModel: Codable, Sendable, Equatable {
    public var enableAcsUsers: Bool
    public var allowedAcsResources: [String]
    public var blockedAcsResources: [String]
    public init(enableAcsUsers: Bool, allowedAcsResources: [String], blockedAcsResources: [String]) {
        self.enableAcsUsers = enableAcsUsers
        self.allowedAcsResources = allowedAcsResources
        self.blockedAcsResources = blockedAcsResources
    }
}

public struct TenantModel: Codable, Sendable, Equatable {
    public var id: String
    public var displayName: String
    public var domain: String
    public var acsFederation: AcsFederationModel
    public var createdOn: String
    public init(id: String, displayName: String, domain: String, acsFederation: AcsFederationModel, createdOn: String) {
        self.id = id
        self.displayName = displayName
        self.domain = domain
        self.acsFederation = acsFederation
        self.createdOn = createdOn
    }
}

/// `Set-CsExternalAccessPolicy` / `PUT /admin/tenants/{id}/external-access-policies/{identity}`
public struct ExternalAccessPolicyModel: Codable, Sendable, Equatable {
    public var identity: String
    public var enableAcsFederationAccess: Bool
    public init(identity: String, enableAcsFederationAccess: Bool) {
        self.identity = identity
        self.enableAcsFederationAccess = enableAcsFederationAccess
    }
}

/// `PUT …/external-access-policies/{identity}` body.
public struct ExternalAccessPolicyUpdate: Codable, Sendable {
    public var enableAcsFederationAccess: Bool
    public init(enableAcsFederationAccess: Bool) { self.enableAcsFederationAccess = enableAcsFederationAccess }
}

/// `POST /admin/tenants/{id}/users`
public struct OrgUserCreateRequest: Codable, Sendable {
    public var displayName: String
    public var userPrincipalName: String
    public var mail: String?
    /// `TeamsOnly` (default), `Islands`, `SfBOnly`, `SfBWithTeamsCollab`, `SfBWithTeamsCollabAndMeetings`
    public var coexistenceMode: String?
    public var enterpriseVoiceEnabled: Bool?
    public var id: String?
    /// Lets the person sign in with the password grant (at least 8 characters).
    public var password: String?
    public init(
        displayName: String,
        userPrincipalName: String,
        mail: String? = nil,
        coexistenceMode: String? = nil,
        enterpriseVoiceEnabled: Bool? = nil,
        id: String? = nil,
        password: String? = nil
    ) {
        self.displayName = displayName
        self.userPrincipalName = userPrincipalName
        self.mail = mail
        self.coexistenceMode = coexistenceMode
        self.enterpriseVoiceEnabled = enterpriseVoiceEnabled
        self.id = id
        self.password = password
    }
}

/// `PATCH /admin/tenants/{id}/users/{userId}`
public struct OrgUserUpdateRequest: Codable, Sendable {
    public var coexistenceMode: String?
    public var enterpriseVoiceEnabled: Bool?
    /// `Global` or a custom policy's identity (`Grant-CsExternalAccessPolicy`).
    public var externalAccessPolicy: String?
    public init(coexistenceMode: String? = nil, enterpriseVoiceEnabled: Bool? = nil, externalAccessPolicy: String? = nil) {
        self.coexistenceMode = coexistenceMode
        self.enterpriseVoiceEnabled = enterpriseVoiceEnabled
        self.externalAccessPolicy = externalAccessPolicy
    }
}

public struct OrgUserModel: Codable, Sendable, Equatable {
    public var id: String
    public var rawId: String
    public var displayName: String
    public var userPrincipalName: String
    public var mail: String?
    public var coexistenceMode: String
    public var enterpriseVoiceEnabled: Bool
    public var externalAccessPolicy: String
    public init(
        id: String,
        rawId: String,
        displayName: String,
        userPrincipalName: String,
        mail: String?,
        coexistenceMode: String,
        enterpriseVoiceEnabled: Bool,
        externalAccessPolicy: String
    ) {
        self.id = id
        self.rawId = rawId
        self.displayName = displayName
        self.userPrincipalName = userPrincipalName
        self.mail = mail
        self.coexistenceMode = coexistenceMode
        self.enterpriseVoiceEnabled = enterpriseVoiceEnabled
        self.externalAccessPolicy = externalAccessPolicy
    }
}

/// `POST /admin/tenants/{id}/voice-apps`
public struct TeamsVoiceAppCreateRequest: Codable, Sendable {
    public var displayName: String
    public var id: String?
    public init(displayName: String, id: String? = nil) {
        self.displayName = displayName
        self.id = id
    }
}

public struct TeamsVoiceAppModel: Codable, Sendable, Equatable {
    public var appId: String
    /// `28:orgid:<app id>`
    public var rawId: String
    public var tenantId: String
    public var displayName: String
    public init(appId: String, rawId: String, tenantId: String, displayName: String) {
        self.appId = appId
        self.rawId = rawId
        self.tenantId = tenantId
        self.displayName = displayName
    }
}
