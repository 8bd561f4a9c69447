import Foundation

/// Someone who joined a resource's web app by name (Parley's stand-in for an application's own
/// sign-in): an app user of the resource, the name they picked, and a session that lets their
/// browser fetch fresh access tokens. Only the hash of the session key is stored.
public struct WebVisitor: Sendable, Equatable {
    /// The app user's raw id (`8:acs:…`).
    public var rawId: String
    public var resourceId: UUID
    public var displayName: String
    public var joinedAt: Date

    public init(rawId: String, resourceId: UUID, displayName: String, joinedAt: Date) {
        self.rawId = rawId
        self.resourceId = resourceId
        self.displayName = displayName
        self.joinedAt = joinedAt
    }
}

/// A person of an organization that an app user of a resource may reach, as the web app's
/// people search returns them.
public struct ReachablePerson: Sendable, Equatable {
    public var user: OrgUser
    public var organization: String

    public init(user: OrgUser, organization: String) {
        self.user = user
        self.organization = organization
    }
}
