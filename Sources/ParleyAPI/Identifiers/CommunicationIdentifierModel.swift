/// The JSON form of an identifier (`CommunicationIdentifierModel` of the ACS common spec).
///
/// Responses always carry `rawId` and the matching typed sub-object: the SDKs pick the type from
/// the sub-object. Requests may omit `rawId` (then it is derived) and send `cloud` in any case.
public struct CommunicationIdentifierModel: Codable, Hashable, Sendable {
    public var rawId: String?
    public var kind: String?
    public var communicationUser: CommunicationUserModel?
    public var phoneNumber: PhoneNumberModel?
    public var microsoftTeamsUser: MicrosoftTeamsUserModel?
    public var microsoftTeamsApp: MicrosoftTeamsAppModel?

    public init(
        rawId: String? = nil,
        kind: String? = nil,
        communicationUser: CommunicationUserModel? = nil,
        phoneNumber: PhoneNumberModel? = nil,
        microsoftTeamsUser: MicrosoftTeamsUserModel? = nil,
        microsoftTeamsApp: MicrosoftTeamsAppModel? = nil
    ) {
        self.rawId = rawId
        self.kind = kind
        self.communicationUser = communicationUser
        self.phoneNumber = phoneNumber
        self.microsoftTeamsUser = microsoftTeamsUser
        self.microsoftTeamsApp = microsoftTeamsApp
    }

    /// The wire form of an identifier, as responses carry it.
    public init(_ identifier: CommunicationIdentifierKind) {
        self.init(rawId: identifier.rawId)
        switch identifier {
        case .communicationUser(let id):
            self.kind = "communicationUser"
            self.communicationUser = .init(id: id)
        case .phoneNumber(let value):
            self.kind = "phoneNumber"
            self.phoneNumber = .init(value: value)
        case .microsoftTeamsUser(let userId, let isAnonymous, let cloud):
            self.kind = "microsoftTeamsUser"
            self.microsoftTeamsUser = .init(userId: userId, isAnonymous: isAnonymous, cloud: cloud)
        case .microsoftTeamsApp(let appId, let cloud):
            self.kind = "microsoftTeamsApp"
            self.microsoftTeamsApp = .init(appId: appId, cloud: cloud)
        case .unknown:
            self.kind = "unknown"
        }
    }

    /// The identifier this model denotes: `rawId` when present, otherwise the sub-object.
    public var identifier: CommunicationIdentifierKind? {
        if let rawId, !rawId.isEmpty { return CommunicationIdentifierKind(rawId: rawId) }
        if let communicationUser { return .communicationUser(id: communicationUser.id) }
        if let phoneNumber { return .phoneNumber(value: phoneNumber.value) }
        if let user = microsoftTeamsUser {
            return .microsoftTeamsUser(userId: user.userId, isAnonymous: user.isAnonymous ?? false, cloud: user.cloud ?? .public)
        }
        if let app = microsoftTeamsApp { return .microsoftTeamsApp(appId: app.appId, cloud: app.cloud ?? .public) }
        return nil
    }
}

public struct CommunicationUserModel: Codable, Hashable, Sendable {
    public var id: String
    public init(id: String) { self.id = id }
}

public struct PhoneNumberModel: Codable, Hashable, Sendable {
    public var value: String
    public init(value: String) { self.value = value }
}

public struct MicrosoftTeamsUserModel: Codable, Hashable, Sendable {
    public var userId: String
    public var isAnonymous: Bool?
    public var cloud: CommunicationCloud?
    public init(userId: String, isAnonymous: Bool? = nil, cloud: CommunicationCloud? = nil) {
        self.userId = userId
        self.isAnonymous = isAnonymous
        self.cloud = cloud
    }
}

public struct MicrosoftTeamsAppModel: Codable, Hashable, Sendable {
    public var appId: String
    public var cloud: CommunicationCloud?
    public init(appId: String, cloud: CommunicationCloud? = nil) {
        self.appId = appId
        self.cloud = cloud
    }
}
