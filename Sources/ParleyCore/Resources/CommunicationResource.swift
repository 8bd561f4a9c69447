import Foundation

/// A communication resource: the tenant boundary of the ACS side. Its app users, threads and
/// calls are invisible to every other resource.
public struct CommunicationResource: Sendable, Equatable {
    /// The operator's name for it, unique on the server (`default`, `contoso-app`).
    public var name: String
    /// The immutable resource id (a GUID): the `<resource>` in `8:acs:<resource>_<id>` and what
    /// an organization puts on its allow list.
    public var immutableId: UUID
    /// Base64 access keys; either one signs HMAC requests.
    public var primaryKey: String
    public var secondaryKey: String
    public var createdAt: Date
    /// Whether Parley's web app backend serves this resource's visitors (off until the operator
    /// turns it on: `parley resources web-app enable`).
    public var webAppEnabled: Bool

    public init(name: String, immutableId: UUID, primaryKey: String, secondaryKey: String, createdAt: Date, webAppEnabled: Bool = false) {
        self.name = name
        self.immutableId = immutableId
        self.primaryKey = primaryKey
        self.secondaryKey = secondaryKey
        self.createdAt = createdAt
        self.webAppEnabled = webAppEnabled
    }

    /// The lower-case immutable id, as it appears in raw ids and tokens.
    public var immutableIdString: String { immutableId.uuidString.lowercased() }

    /// The decoded bytes of both keys, for signature checks.
    public var keyBytes: [Data] {
        [primaryKey, secondaryKey].compactMap { Data(base64Encoded: $0) }
    }

    /// An ACS connection string for this resource at `endpoint`.
    public func connectionString(endpoint: String, key: AccessKeyKind = .primary) -> String {
        "endpoint=\(endpoint);accesskey=\(key == .primary ? primaryKey : secondaryKey)"
    }

    /// Whether `name` is an acceptable resource name: 1–63 characters of `a-z`, `0-9` and `-`,
    /// starting with a letter or digit.
    public static func isValidName(_ name: String) -> Bool {
        guard (1...63).contains(name.count), let first = name.unicodeScalars.first else { return false }
        let allowed = CharacterSet(charactersIn: "abcdefghijklmnopqrstuvwxyz0123456789-")
        return name.unicodeScalars.allSatisfy { allowed.contains($0) } && first != "-"
    }
}

/// Which of a resource's two keys.
public enum AccessKeyKind: String, Sendable, CaseIterable {
    case primary
    case secondary
}
