/// A participant in communication, as the ACS SDKs (`AzureCommunicationCommon`) model it: one
/// struct per kind behind a protocol, so SDK code reads as it does against Azure.
///
/// The structs are a typed face over ``CommunicationIdentifierKind``, which holds the one raw-id
/// codec; they never parse or print raw ids themselves.
public protocol CommunicationIdentifier: Sendable {
    /// The canonical, stable string form (`8:acs:…`, `8:orgid:…`, `4:+…`).
    var rawId: String { get }
    /// The same identifier as the raw-id codec's enum.
    var kind: CommunicationIdentifierKind { get }
}

/// An application (ACS) user; ``identifier`` is the whole raw id (`8:acs:<resource>_<id>`).
public struct CommunicationUserIdentifier: CommunicationIdentifier, Hashable {
    public let identifier: String

    public init(_ identifier: String) {
        self.identifier = identifier
    }

    public var rawId: String { identifier }
    public var kind: CommunicationIdentifierKind { .communicationUser(id: identifier) }
}

/// A Teams user, identified by Microsoft Entra object id.
public struct MicrosoftTeamsUserIdentifier: CommunicationIdentifier, Hashable {
    public let userId: String
    public let isAnonymous: Bool
    public let cloudEnvironment: CommunicationCloud
    public let rawId: String

    /// - Parameter rawId: the raw id when it is known; derived from the other fields otherwise.
    public init(userId: String, isAnonymous: Bool = false, rawId: String? = nil, cloudEnvironment: CommunicationCloud = .public) {
        self.userId = userId
        self.isAnonymous = isAnonymous
        self.cloudEnvironment = cloudEnvironment
        self.rawId = rawId ?? CommunicationIdentifierKind.microsoftTeamsUser(userId: userId, isAnonymous: isAnonymous, cloud: cloudEnvironment).rawId
    }

    public var kind: CommunicationIdentifierKind {
        .microsoftTeamsUser(userId: userId, isAnonymous: isAnonymous, cloud: cloudEnvironment)
    }
}

/// A Teams app or bot (for example a Teams voice app resource account).
public struct MicrosoftTeamsAppIdentifier: CommunicationIdentifier, Hashable {
    public let appId: String
    public let cloudEnvironment: CommunicationCloud

    public init(appId: String, cloudEnvironment: CommunicationCloud = .public) {
        self.appId = appId
        self.cloudEnvironment = cloudEnvironment
    }

    public var rawId: String { kind.rawId }
    public var kind: CommunicationIdentifierKind { .microsoftTeamsApp(appId: appId, cloud: cloudEnvironment) }
}

/// A phone number in E.164 form (`+14255550123`).
public struct PhoneNumberIdentifier: CommunicationIdentifier, Hashable {
    public let phoneNumber: String
    public let rawId: String

    /// - Parameter rawId: the raw id when it is known; `4:<phoneNumber>` otherwise.
    public init(phoneNumber: String, rawId: String? = nil) {
        self.phoneNumber = phoneNumber
        self.rawId = rawId ?? CommunicationIdentifierKind.phoneNumber(value: phoneNumber).rawId
    }

    public var kind: CommunicationIdentifierKind { .phoneNumber(value: phoneNumber) }
}

/// A raw id of no known kind, kept as it came so it round-trips.
public struct UnknownIdentifier: CommunicationIdentifier, Hashable {
    public let identifier: String

    public init(_ identifier: String) {
        self.identifier = identifier
    }

    public var rawId: String { identifier }
    public var kind: CommunicationIdentifierKind { .unknown(rawId: identifier) }
}

/// The typed identifier a raw id denotes (the SDKs' `createCommunicationIdentifier(fromRawId:)`).
public func createCommunicationIdentifier(fromRawId rawId: String) -> any CommunicationIdentifier {
    CommunicationIdentifierKind(rawId: rawId).communicationIdentifier
}

extension CommunicationIdentifierKind {
    /// This identifier as its typed struct.
    public var communicationIdentifier: any CommunicationIdentifier {
        switch self {
        case .communicationUser(let id):
            CommunicationUserIdentifier(id)
        case .phoneNumber(let value):
            PhoneNumberIdentifier(phoneNumber: value)
        case .microsoftTeamsUser(let userId, let isAnonymous, let cloud):
            MicrosoftTeamsUserIdentifier(userId: userId, isAnonymous: isAnonymous, cloudEnvironment: cloud)
        case .microsoftTeamsApp(let appId, let cloud):
            MicrosoftTeamsAppIdentifier(appId: appId, cloudEnvironment: cloud)
        case .unknown(let rawId):
            UnknownIdentifier(rawId)
        }
    }
}

extension CommunicationIdentifierModel {
    /// The wire form of a typed identifier; keeps its `rawId` as given.
    public init(_ identifier: any CommunicationIdentifier) {
        self.init(identifier.kind)
        self.rawId = identifier.rawId
    }

    /// The typed identifier this model denotes, or nil when it names none.
    public var communicationIdentifier: (any CommunicationIdentifier)? {
        identifier?.communicationIdentifier
    }
}
