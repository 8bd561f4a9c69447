/// Wire bodies of the ACS Network Traversal API (`NetworkTraversal/stable/2022-02-01`,
/// `preview/2022-03-01-preview`): `POST /networkTraversal/:issueRelayConfiguration`.

/// The request body; every field is optional, and so is the body.
public struct CommunicationRelayConfigurationRequest: Codable, Sendable, Equatable {
    /// An existing ACS user of the resource (`8:acs:…`), associated with the credentials.
    public var id: String?
    /// `any` or `nearest`; absent: one ICE server per route type.
    public var routeType: String?
    /// Credential lifetime in seconds, 0 … 172800 (default 172800; larger values get the default).
    public var ttl: Int?

    public init(id: String? = nil, routeType: String? = nil, ttl: Int? = nil) {
        self.id = id
        self.routeType = routeType
        self.ttl = ttl
    }
}

/// One STUN/TURN server set with its credentials.
public struct CommunicationIceServer: Codable, Sendable, Equatable {
    public var urls: [String]
    public var username: String
    public var credential: String
    public var routeType: String

    public init(urls: [String], username: String, credential: String, routeType: String) {
        self.urls = urls
        self.username = username
        self.credential = credential
        self.routeType = routeType
    }
}

/// The response: `expiresOn` is ISO 8601 with seven fractional digits and an offset, as the real
/// service writes it.
public struct CommunicationRelayConfiguration: Codable, Sendable, Equatable {
    public var expiresOn: String
    public var iceServers: [CommunicationIceServer]

    public init(expiresOn: String, iceServers: [CommunicationIceServer]) {
        self.expiresOn = expiresOn
        self.iceServers = iceServers
    }
}
