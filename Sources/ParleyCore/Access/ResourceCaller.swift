import Foundation

/// Who acts on a communication resource's APIs, however they proved it: the holder of one of
/// the resource's access keys (HMAC), or an app registration with a role assignment on the
/// resource (a Microsoft Entra ID bearer token). Adapters produce it; the domain asks it whether
/// an operation is allowed, so no route needs to know which credential came.
public struct ResourceCaller: Sendable, Equatable {
    /// How the caller proved who it is.
    public enum Credential: Sendable, Equatable {
        /// One of the resource's access keys: full access, as with the real service.
        case accessKey
        /// An app token of `appId` in `tenantId`, allowed by `roles` on the resource.
        case app(tenantId: UUID, appId: UUID, roles: Set<ResourceRole>)
    }

    public var resource: CommunicationResource
    public var credential: Credential

    public init(resource: CommunicationResource, credential: Credential) {
        self.resource = resource
        self.credential = credential
    }

    /// The resource to act on, if the caller may do `operation` there; else a 403.
    public func authorize(_ operation: ResourceOperation) throws(ParleyError) -> CommunicationResource {
        switch credential {
        case .accessKey:
            return resource
        case .app(let tenantId, let appId, let roles):
            guard roles.contains(where: { $0.allows(operation) }) else {
                throw ResourceAccess.authorizationFailed(
                    "The application '\(appId.uuidString.lowercased())' of tenant '\(tenantId.uuidString.lowercased())' "
                        + "has no role on resource '\(resource.name)' that allows \(operation.rawValue)."
                )
            }
            return resource
        }
    }
}
