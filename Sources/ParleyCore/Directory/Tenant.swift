import Foundation

/// An organization (a Microsoft Entra tenant, as Teams sees it): its people, its apps, and
/// whether and with which communication resources it interoperates.
public struct Tenant: Sendable, Equatable {
    /// The tenant id (a GUID), the `tid` of its tokens.
    public var id: UUID
    public var displayName: String
    /// The verified domain of its user principal names (`contoso.com`).
    public var domain: String
    public var federation: AcsFederationConfiguration
    public var createdAt: Date

    public init(id: UUID, displayName: String, domain: String, federation: AcsFederationConfiguration = .init(), createdAt: Date) {
        self.id = id
        self.displayName = displayName
        self.domain = domain
        self.federation = federation
        self.createdAt = createdAt
    }

    /// Whether `domain` is a plausible DNS domain (`contoso.com`).
    public static func isValidDomain(_ domain: String) -> Bool {
        let labels = domain.split(separator: ".", omittingEmptySubsequences: false)
        let allowed = CharacterSet(charactersIn: "abcdefghijklmnopqrstuvwxyz0123456789-")
        return labels.count >= 2 && domain.count <= 253
            && labels.allSatisfy { label in
                (1...63).contains(label.count) && label.unicodeScalars.allSatisfy { allowed.contains($0) } && !label.hasPrefix("-")
            }
    }
}

/// The tenant's ACS federation configuration (`Set-CsTeamsAcsFederationConfiguration`).
public struct AcsFederationConfiguration: Sendable, Equatable, Codable {
    /// When false, no app user of any resource reaches the tenant's people.
    public var enableAcsUsers: Bool
    /// Immutable ids of the communication resources allowed in.
    public var allowedAcsResources: [UUID]
    /// Immutable ids of resources refused even if allowed.
    public var blockedAcsResources: [UUID]

    public init(enableAcsUsers: Bool = false, allowedAcsResources: [UUID] = [], blockedAcsResources: [UUID] = []) {
        self.enableAcsUsers = enableAcsUsers
        self.allowedAcsResources = allowedAcsResources
        self.blockedAcsResources = blockedAcsResources
    }
}

/// An external access policy (`Set-CsExternalAccessPolicy`): `Global`, or a named custom one
/// assigned to some users.
public struct ExternalAccessPolicy: Sendable, Equatable {
    public static let globalIdentity = "Global"

    /// `Global` or the custom policy's name.
    public var identity: String
    /// Whether users under this policy may communicate with app users of allowed resources.
    public var enableAcsFederationAccess: Bool

    public init(identity: String, enableAcsFederationAccess: Bool) {
        self.identity = identity
        self.enableAcsFederationAccess = enableAcsFederationAccess
    }
}
