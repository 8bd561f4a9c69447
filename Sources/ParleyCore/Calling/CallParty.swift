import Foundation
import ParleyAPI

/// Who takes part in calls: an app user of a resource, a person of an organization, or a Teams
/// voice app. Interop rules depend on which side each party is on.
public struct CallParty: Sendable, Hashable {
    public enum Home: Sendable, Hashable {
        /// An app user of this communication resource.
        case resource(UUID)
        /// A person of this tenant.
        case tenant(UUID)
        /// A Teams voice app of this tenant.
        case voiceApp(tenant: UUID)
    }

    public var rawId: String
    public var home: Home

    public init(rawId: String, home: Home) {
        self.rawId = rawId
        self.home = home
    }

    public var isAppUser: Bool {
        if case .resource = home { return true }
        return false
    }

    public var isOrgUser: Bool {
        if case .tenant = home { return true }
        return false
    }

    /// Org users and voice apps: the organization side of an interop call.
    public var isOrganization: Bool { !isAppUser }

    public var resourceId: UUID? {
        if case .resource(let id) = home { return id }
        return nil
    }

    public var tenantId: UUID? {
        switch home {
        case .resource: nil
        case .tenant(let id), .voiceApp(let id): id
        }
    }
}

/// What a connection's token lets it do in calls.
public struct CallAgentIdentity: Sendable, Hashable {
    public var party: CallParty
    /// Start calls and add participants (`voip`); without it an endpoint can only answer
    /// (`voip.join`).
    public var mayStartCalls: Bool
    /// The directory's name for the party, shown when the endpoint gives none.
    public var directoryName: String?

    public init(party: CallParty, mayStartCalls: Bool, directoryName: String? = nil) {
        self.party = party
        self.mayStartCalls = mayStartCalls
        self.directoryName = directoryName
    }
}

extension AuthenticatedUser {
    /// This app user as a caller: `voip` starts and answers calls, `voip.join` only answers;
    /// a token with neither does not call.
    public var callAgent: CallAgentIdentity? {
        guard has(.voip) || has(.voipJoin) else { return nil }
        return CallAgentIdentity(party: CallParty(rawId: user.rawId, home: .resource(user.resourceId)), mayStartCalls: has(.voip))
    }
}

extension OrgPrincipal {
    /// People call as themselves. An application calls as `28:orgid:<app id>` until it registers
    /// for one of its tenant's voice apps, which it then answers for.
    public var callAgent: CallAgentIdentity {
        switch kind {
        case .user(let person):
            CallAgentIdentity(
                party: CallParty(rawId: person.rawId, home: .tenant(person.tenantId)),
                mayStartCalls: true,
                directoryName: person.displayName
            )
        case .app(let app):
            CallAgentIdentity(
                party: CallParty(rawId: RawIdPrefix.teamsAppPublic + app.appId.uuidString.lowercased(), home: .voiceApp(tenant: app.tenantId)),
                mayStartCalls: true
            )
        }
    }
}
