/// A participant in communication, as the ACS SDKs model it, with the raw-id codec.
///
/// Raw ids are the canonical, stable string form: `8:acs:<resource>_<id>` for app users,
/// `8:orgid:<Entra object id>` for Teams users, `28:orgid:<app id>` for Teams apps, `4:+<E.164>`
/// for phone numbers. Anything else is ``unknown(rawId:)``.
public enum CommunicationIdentifierKind: Hashable, Sendable {
    /// An application (ACS) user; `id` is the whole raw id, as the SDKs define it.
    case communicationUser(id: String)
    /// A phone number in E.164 form (`+14255550123`).
    case phoneNumber(value: String)
    /// A Teams user, identified by Microsoft Entra object id.
    case microsoftTeamsUser(userId: String, isAnonymous: Bool, cloud: CommunicationCloud)
    /// A Teams app or bot (for example a Teams voice app resource account).
    case microsoftTeamsApp(appId: String, cloud: CommunicationCloud)
    /// Any raw id Parley does not recognise.
    case unknown(rawId: String)

    /// Parses a raw id, following the official SDKs' `identifier_from_raw_id`.
    public init(rawId: String) {
        if rawId.hasPrefix(RawIdPrefix.phoneNumber) {
            self = .phoneNumber(value: String(rawId.dropFirst(RawIdPrefix.phoneNumber.count)))
            return
        }
        let parts = rawId.split(separator: ":", maxSplits: 2, omittingEmptySubsequences: false)
        guard parts.count == 3 else {
            self = .unknown(rawId: rawId)
            return
        }
        let prefix = "\(parts[0]):\(parts[1]):"
        let suffix = String(parts[2])
        switch prefix {
        case RawIdPrefix.teamsAnonymous: self = .microsoftTeamsUser(userId: suffix, isAnonymous: true, cloud: .public)
        case RawIdPrefix.teamsPublic: self = .microsoftTeamsUser(userId: suffix, isAnonymous: false, cloud: .public)
        case RawIdPrefix.teamsDod: self = .microsoftTeamsUser(userId: suffix, isAnonymous: false, cloud: .dod)
        case RawIdPrefix.teamsGcch: self = .microsoftTeamsUser(userId: suffix, isAnonymous: false, cloud: .gcch)
        case RawIdPrefix.acs, RawIdPrefix.acsDod, RawIdPrefix.acsGcch, RawIdPrefix.spool:
            self = .communicationUser(id: rawId)
        case RawIdPrefix.teamsAppPublic: self = .microsoftTeamsApp(appId: suffix, cloud: .public)
        case RawIdPrefix.teamsAppDod: self = .microsoftTeamsApp(appId: suffix, cloud: .dod)
        case RawIdPrefix.teamsAppGcch: self = .microsoftTeamsApp(appId: suffix, cloud: .gcch)
        default: self = .unknown(rawId: rawId)
        }
    }

    /// The canonical raw id.
    public var rawId: String {
        switch self {
        case .communicationUser(let id): id
        case .phoneNumber(let value): RawIdPrefix.phoneNumber + value
        case .microsoftTeamsUser(let userId, let isAnonymous, let cloud):
            if isAnonymous {
                RawIdPrefix.teamsAnonymous + userId
            } else {
                switch cloud {
                case .public: RawIdPrefix.teamsPublic + userId
                case .dod: RawIdPrefix.teamsDod + userId
                case .gcch: RawIdPrefix.teamsGcch + userId
                }
            }
        case .microsoftTeamsApp(let appId, let cloud):
            switch cloud {
            case .public: RawIdPrefix.teamsAppPublic + appId
            case .dod: RawIdPrefix.teamsAppDod + appId
            case .gcch: RawIdPrefix.teamsAppGcch + appId
            }
        case .unknown(let rawId): rawId
        }
    }
}

/// The national cloud an identifier lives in. The Python SDK sends these upper-case; Parley parses
/// them without regard to case and writes them lower-case, as the REST spec says.
public enum CommunicationCloud: String, Hashable, Sendable, Codable {
    case `public`
    case dod
    case gcch

    public init(from decoder: any Decoder) throws {
        let value = try decoder.singleValueContainer().decode(String.self)
        guard let cloud = CommunicationCloud(rawValue: value.lowercased()) else {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "unknown cloud '\(value)'"))
        }
        self = cloud
    }
}

/// The raw-id prefixes of the ACS SDKs (`_shared/models.py`).
public enum RawIdPrefix {
    public static let acs = "8:acs:"
    public static let acsDod = "8:dod-acs:"
    public static let acsGcch = "8:gcch-acs:"
    public static let spool = "8:spool:"
    public static let teamsPublic = "8:orgid:"
    public static let teamsDod = "8:dod:"
    public static let teamsGcch = "8:gcch:"
    public static let teamsAnonymous = "8:teamsvisitor:"
    public static let teamsAppPublic = "28:orgid:"
    public static let teamsAppDod = "28:dod:"
    public static let teamsAppGcch = "28:gcch:"
    public static let phoneNumber = "4:"
}
