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
    public init(primaryConnectionString: String, secondaryConnectionString: String) {
        self.primaryConnectionString = primaryConnectionString
        self.secondaryConnectionString = secondaryConnectionString
    }
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
        public init(id: String, immutableResourceId: String, endpoint: String) {
            self.id = id
            self.immutableResourceId = immutableResourceId
            self.endpoint = endpoint
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
        environment: [String: String],
        demoOrganization: DemoOrganizationInfo? = nil,
        relay: Relay? = nil,
        webApp: WebApp? = nil
    ) {
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
