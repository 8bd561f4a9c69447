import Foundation

/// Whether an app user of a communication resource may reach a person of an organization: the
/// one rule every chat and calling path applies (DESIGN.md, "Interop, as policy").
///
/// ```
/// allowed = tenant.enableAcsUsers
///        && resource ∈ allowedAcsResources && resource ∉ blockedAcsResources
///        && (policy assigned to the user, else Global).enableAcsFederationAccess
///        && the user has Teams chat (not a Skype for Business mode)
///    (calls) && coexistence mode is TeamsOnly && Enterprise Voice is enabled
/// ```
public enum InteropGate {
    public enum Purpose: Sendable {
        case chat
        case call
    }

    /// Why a request was refused, in the order the gate checks.
    public enum Denial: String, Sendable, CaseIterable {
        case acsUsersDisabled = "AcsUsersNotEnabled"
        case resourceNotAllowed = "AcsResourceNotAllowed"
        case resourceBlocked = "AcsResourceBlocked"
        case federationAccessDisabled = "AcsFederationAccessDisabled"
        case noTeamsChat = "TeamsChatNotAvailable"
        case notTeamsOnly = "TeamsUserNotTeamsOnly"
        case enterpriseVoiceDisabled = "EnterpriseVoiceNotEnabled"
    }

    /// Nil when allowed, otherwise the first rule that refuses.
    /// - Parameters:
    ///   - policies: the tenant's external access policies by identity; a missing Global policy
    ///     counts as disabled, as does an assigned policy that no longer exists.
    public static func check(
        resource: UUID,
        user: OrgUser,
        tenant: Tenant,
        policies: [String: ExternalAccessPolicy],
        purpose: Purpose
    ) -> Denial? {
        if let denial = checkTenant(resource: resource, tenant: tenant) { return denial }
        let policy = policies[user.externalAccessPolicy ?? ExternalAccessPolicy.globalIdentity]
        guard policy?.enableAcsFederationAccess == true else { return .federationAccessDisabled }
        guard user.coexistenceMode.hasTeamsChat else { return .noTeamsChat }
        if purpose == .call {
            guard user.coexistenceMode == .teamsOnly else { return .notTeamsOnly }
            guard user.enterpriseVoiceEnabled else { return .enterpriseVoiceDisabled }
        }
        return nil
    }

    /// The tenant's half of the gate: whether the organization admits this resource at all. Teams
    /// voice apps have no policies of their own, so this is their whole gate.
    public static func checkTenant(resource: UUID, tenant: Tenant) -> Denial? {
        let federation = tenant.federation
        guard federation.enableAcsUsers else { return .acsUsersDisabled }
        guard federation.allowedAcsResources.contains(resource) else { return .resourceNotAllowed }
        guard !federation.blockedAcsResources.contains(resource) else { return .resourceBlocked }
        return nil
    }

    /// The error every adapter renders for a denial: 403, or 412 (ACS 41056) for Enterprise Voice.
    public static func error(for denial: Denial, user: OrgUser) -> ParleyError {
        let message =
            switch denial {
            case .acsUsersDisabled: "The organization of \(user.rawId) has not enabled interoperability with app users (EnableAcsUsers is false)."
            case .resourceNotAllowed: "This communication resource is not in the organization's AllowedAcsResources."
            case .resourceBlocked: "This communication resource is in the organization's BlockedAcsResources."
            case .federationAccessDisabled:
                "The external access policy of \(user.rawId) does not allow communication with app users (EnableAcsFederationAccess is false)."
            case .noTeamsChat: "\(user.rawId) is in the \(user.coexistenceMode.rawValue) coexistence mode, which has no Teams chat or calling."
            case .notTeamsOnly: "\(user.rawId) is not in TeamsOnly mode; only TeamsOnly users receive calls from app users."
            case .enterpriseVoiceDisabled: "Teams Enterprise voice policy isn't enabled for \(user.rawId)."
            }
        return error(for: denial, message: message)
    }

    static func error(for denial: Denial, message: String) -> ParleyError {
        ParleyError(
            denial == .enterpriseVoiceDisabled ? .preconditionFailed : .forbidden,
            wireCode: denial.rawValue,
            message,
            subCode: denial.callSubCode
        )
    }
}

extension InteropGate.Denial {
    /// The sub-code a refused call carries: ACS's 41056 for Enterprise Voice, Parley's own 470xx
    /// otherwise (docs/errors.md).
    public var callSubCode: Int {
        switch self {
        case .acsUsersDisabled: 47001
        case .resourceNotAllowed: 47002
        case .resourceBlocked: 47003
        case .federationAccessDisabled: 47004
        case .noTeamsChat: 47005
        case .notTeamsOnly: 47006
        case .enterpriseVoiceDisabled: 41056
        }
    }
}
