import Foundation

/// An Azure built-in role that gives an app registration access to a communication resource's
/// data plane (Identity, Network Traversal, Call Automation), as a role assignment on the
/// resource does in Azure RBAC.
///
/// The real service documents these three for Microsoft Entra ID access to a Communication
/// Services resource: the quickstarts assign `Contributor`, `Owner` includes it, and
/// `Communication and Email Service Owner` is the service's own role. None of them is narrower
/// than another on the data plane, so each allows every ``ResourceOperation`` (docs/api.md).
public enum ResourceRole: String, Sendable, CaseIterable, Hashable {
    case owner = "Owner"
    case contributor = "Contributor"
    case communicationAndEmailServiceOwner = "Communication and Email Service Owner"

    /// The built-in role definition's id in Azure (`az role assignment create --role <id>`).
    public var definitionId: String {
        switch self {
        case .owner: "8e3af657-a8ff-443c-a75c-2fe8c4bcb635"
        case .contributor: "b24988ac-6180-42a0-ab88-20f7382dd24c"
        case .communicationAndEmailServiceOwner: "09976791-48a7-449e-bb21-39d1a415f350"
        }
    }

    /// The role a user named: its name in any case, or its definition id (as `az` accepts both).
    public init?(named text: String) {
        let wanted = text.trimmingCharacters(in: .whitespaces).lowercased()
        guard let role = Self.allCases.first(where: { $0.rawValue.lowercased() == wanted || $0.definitionId == wanted }) else { return nil }
        self = role
    }

    /// Whether a holder of this role may do `operation`.
    public func allows(_ operation: ResourceOperation) -> Bool {
        switch operation {
        case .manageIdentities, .issueRelayConfiguration, .manageCallRecording: true
        }
    }
}

/// What a caller does to a resource through its APIs; the unit that roles allow.
public enum ResourceOperation: String, Sendable, CaseIterable {
    /// Identity: create and delete users, issue and revoke their tokens, exchange Teams tokens.
    case manageIdentities
    /// Network Traversal: TURN credentials.
    case issueRelayConfiguration
    /// Call Automation: start, read and stop the recording of the resource's calls.
    case manageCallRecording
}
