/// Wire bodies of Parley's operator (admin) API, `/admin/...`, authenticated by the admin key.

/// `POST /admin/resources`
public struct ResourceCreateRequest: Codable, Sendable {
    public var name: String
    public init(name: String) { self.name = name }
}

/// A communication resource as the operator sees it, keys included.
public struct ResourceModel: Codable, Sendable, Equatable {
    public var id: String
    public var name: String
    public var immutableResourceId: String
    public var endpoint: String
    public var primaryKey: String
    public var secondaryKey: String
    public var connectionString: String
    /// The resource's own endpoint (`https://host:port/resources/<name>/`): it names the
    /// resource, which a Microsoft Entra ID token (`TokenCredential`) does not; HMAC works there too.
    public var resourceEndpoint: String
    public var createdOn: String
    /// Parley's web app backend for this resource (docs/webapp.md).
    public var webApp: WebAppSettingsModel?
    public init(
        id: String,
        name: String,
        immutableResourceId: String,
        endpoint: String,
        primaryKey: String,
        secondaryKey: String,
        connectionString: String,
        resourceEndpoint: String,
        createdOn: String,
        webApp: WebAppSettingsModel? = nil
    ) {
        self.id = id
        self.name = name
        self.immutableResourceId = immutableResourceId
        self.endpoint = endpoint
        self.primaryKey = primaryKey
        self.secondaryKey = secondaryKey
        self.connectionString = connectionString
        self.resourceEndpoint = resourceEndpoint
        self.createdOn = createdOn
        self.webApp = webApp
    }
}

/// `PUT /admin/resources/{name}/web-app`, and a resource's `webApp`: whether Parley's web app
/// backend serves the resource's visitors.
public struct WebAppSettingsModel: Codable, Sendable, Equatable {
    public var enabled: Bool
    public init(enabled: Bool) { self.enabled = enabled }
}

/// `GET /admin/resources`
public struct ResourceList: Codable, Sendable, Equatable {
    public var value: [ResourceModel]
    public init(value: [ResourceModel]) { self.value = value }
}

/// `GET /admin/resources/{id}/connection-string`
public struct ConnectionStringModel: Codable, Sendable, Equatable {
    public var primaryConnectionString: String
    public var secondaryConnectionString: String
    /// The endpoint for clients with a Microsoft Entra ID token credential (see ``ResourceModel``).
    public var resourceEndpoint: String
    public init(primaryConnectionString: String, secondaryConnectionString: String, resourceEndpoint: String) {
        self.primaryConnectionString = primaryConnectionString
        self.secondaryConnectionString = secondaryConnectionString
        self.resourceEndpoint = resourceEndpoint
    }
}

/// `POST /admin/resources/{name}/role-assignments`: give an app registration a role on the
/// resource (`az role assignment create --assignee <app> --role <role> --scope <resource>`).
/// Every field is required; they are optional here so that a missing one is named in the 400.
public struct RoleAssignmentCreateRequest: Codable, Sendable {
    /// The app's tenant: id or domain.
    public var tenant: String?
    /// The app's client id.
    public var appId: String?
    /// `Owner`, `Contributor` or `Communication and Email Service Owner` (or a definition id).
    public var role: String?
    public init(tenant: String?, appId: String?, role: String?) {
        self.tenant = tenant
        self.appId = appId
        self.role = role
    }
}

/// A role assignment on a resource.
public struct RoleAssignmentModel: Codable, Sendable, Equatable {
    public var id: String
    /// The resource's name.
    public var resource: String
    public var immutableResourceId: String
    public var tenantId: String
    public var appId: String
    public var role: String
    /// The Azure built-in role definition's id.
    public var roleDefinitionId: String
    /// Where the app's token credential clients reach the resource.
    public var resourceEndpoint: String
    public var createdOn: String
    public init(
        id: String,
        resource: String,
        immutableResourceId: String,
        tenantId: String,
        appId: String,
        role: String,
        roleDefinitionId: String,
        resourceEndpoint: String,
        createdOn: String
    ) {
        self.id = id
        self.resource = resource
        self.immutableResourceId = immutableResourceId
        self.tenantId = tenantId
        self.appId = appId
        self.role = role
        self.roleDefinitionId = roleDefinitionId
        self.resourceEndpoint = resourceEndpoint
        self.createdOn = createdOn
    }
}

/// `GET /admin/resources/{name}/role-assignments`
public struct RoleAssignmentList: Codable, Sendable, Equatable {
    public var value: [RoleAssignmentModel]
    public init(value: [RoleAssignmentModel]) { self.value = value }
}

/// The facts a newcomer, a script or a test needs once the server listens. Printed at start and
/// written as JSON to the ready file.
public struct ServerReadyInfo: Codable, Sendable, Equatable {
    public var url: String
    public var port: Int
    public var caCertificatePath: String?
    public var connectionString: String
    public var resource: ReadyResource
    public var adminKey: String
    public var dataDirectory: String
    /// True when the server is in development mode (faults, clock, snapshots at `/admin/dev`);
    /// absent otherwise.
    public var developmentMode: Bool?
    public var environment: [String: String]
    /// Present when the demo organization was seeded (`--demo`).
    public var demoOrganization: DemoOrganizationInfo?
    /// What a TURN server needs to accept the relay credentials this server issues.
    public var relay: Relay?
    /// Parley's web app: where it is, and which resources let visitors join (docs/webapp.md).
    public var webApp: WebApp?

    public struct WebApp: Codable, Sendable, Equatable {
        public var url: String
        /// Names of the resources whose web app backend is on.
        public var visitorResources: [String]
        public init(url: String, visitorResources: [String]) {
            self.url = url
            self.visitorResources = visitorResources
        }
    }

    public struct DemoOrganizationInfo: Codable, Sendable, Equatable {
        public var tenantId: String
        public var domain: String
        public var users: [OrgUserModel]
        /// The demo client app's id, for the password grant (MSAL's `client_id`).
        public var clientId: String
        /// The password of every demo person.
        public var password: String
        public init(tenantId: String, domain: String, users: [OrgUserModel], clientId: String, password: String) {
            self.tenantId = tenantId
            self.domain = domain
            self.users = users
            self.clientId = clientId
            self.password = password
        }
    }

    public struct ReadyResource: Codable, Sendable, Equatable {
        public var id: String
        public var immutableResourceId: String
        public var endpoint: String
        /// The resource's own endpoint, for Microsoft Entra ID token credentials (see ``ResourceModel``).
        public var resourceEndpoint: String?
        public init(id: String, immutableResourceId: String, endpoint: String, resourceEndpoint: String? = nil) {
            self.id = id
            self.immutableResourceId = immutableResourceId
            self.endpoint = endpoint
            self.resourceEndpoint = resourceEndpoint
        }
    }

    public init(
        url: String,
        port: Int,
        caCertificatePath: String?,
        connectionString: String,
        resource: ReadyResource,
        adminKey: String,
        dataDirectory: String,
        developmentMode: Bool? = nil,
        environment: [String: String],
        demoOrganization: DemoOrganizationInfo? = nil,
        relay: Relay? = nil,
        webApp: WebApp? = nil
    ) {
        self.developmentMode = developmentMode
        self.url = url
        self.port = port
        self.caCertificatePath = caCertificatePath
        self.connectionString = connectionString
        self.resource = resource
        self.adminKey = adminKey
        self.dataDirectory = dataDirectory
        self.environment = environment
        self.demoOrganization = demoOrganization
        self.relay = relay
        self.webApp = webApp
    }
}
