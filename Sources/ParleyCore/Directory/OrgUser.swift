import Foundation

/// A person of an organization (a Teams user), identified by their Entra object id.
public struct OrgUser: Sendable, Equatable {
    /// The Entra object id: the `oid` of their tokens, the `<id>` of `8:orgid:<id>`.
    public var id: UUID
    public var tenantId: UUID
    public var displayName: String
    public var userPrincipalName: String
    public var mail: String?
    public var coexistenceMode: CoexistenceMode
    public var enterpriseVoiceEnabled: Bool
    /// The custom external access policy assigned to the user; nil means `Global`.
    public var externalAccessPolicy: String?
    public var createdAt: Date

    public init(
        id: UUID,
        tenantId: UUID,
        displayName: String,
        userPrincipalName: String,
        mail: String? = nil,
        coexistenceMode: CoexistenceMode = .teamsOnly,
        enterpriseVoiceEnabled: Bool = true,
        externalAccessPolicy: String? = nil,
        createdAt: Date
    ) {
        self.id = id
        self.tenantId = tenantId
        self.displayName = displayName
        self.userPrincipalName = userPrincipalName
        self.mail = mail
        self.coexistenceMode = coexistenceMode
        self.enterpriseVoiceEnabled = enterpriseVoiceEnabled
        self.externalAccessPolicy = externalAccessPolicy
        self.createdAt = createdAt
    }

    /// `8:orgid:<object id>`
    public var rawId: String { "8:orgid:\(id.uuidString.lowercased())" }
}

/// Teams coexistence (upgrade) modes (`Grant-CsTeamsUpgradePolicy`).
public enum CoexistenceMode: String, Sendable, CaseIterable, Codable {
    case teamsOnly = "TeamsOnly"
    case islands = "Islands"
    case sfbOnly = "SfBOnly"
    case sfbWithTeamsCollab = "SfBWithTeamsCollab"
    case sfbWithTeamsCollabAndMeetings = "SfBWithTeamsCollabAndMeetings"

    /// In every Skype for Business mode, Teams chat and calling are off.
    public var hasTeamsChat: Bool { self == .teamsOnly || self == .islands }
}
