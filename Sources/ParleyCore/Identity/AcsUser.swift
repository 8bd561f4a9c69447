import Foundation

/// An application user: an ACS identity of one communication resource.
public struct AcsUser: Sendable, Equatable {
    /// `8:acs:<resource immutable id>_<id>`
    public var rawId: String
    public var resourceId: UUID
    /// Bumped by every revocation; tokens carry the value they were minted with, so a revocation
    /// invalidates exactly the tokens issued before it.
    public var tokenGeneration: Int
    public var createdAt: Date

    public init(rawId: String, resourceId: UUID, tokenGeneration: Int = 0, createdAt: Date) {
        self.rawId = rawId
        self.resourceId = resourceId
        self.tokenGeneration = tokenGeneration
        self.createdAt = createdAt
    }
}

/// Builds and checks raw ids of app users.
public enum AcsUserId {
    /// `8:acs:<resource>_<uuid>`, the shape real ACS ids have.
    public static func make(resource: UUID, id: UUID) -> String {
        "8:acs:\(resource.uuidString.lowercased())_\(id.uuidString.lowercased())"
    }

    /// The resource an app user's raw id belongs to, or a 400 if the id is not one Parley could
    /// have issued.
    public static func resource(of rawId: String) throws(ParleyError) -> UUID {
        let prefix = "8:acs:"
        let invalid = ParleyError(.badRequest, wireCode: "InvalidIdentifier", "Identifier format is invalid (\(rawId)).", target: "id")
        guard rawId.hasPrefix(prefix) else { throw invalid }
        let rest = rawId.dropFirst(prefix.count)
        let parts = rest.split(separator: "_", omittingEmptySubsequences: false)
        guard parts.count == 2, let resource = UUID(uuidString: String(parts[0])), UUID(uuidString: String(parts[1])) != nil
        else { throw invalid }
        return resource
    }
}
