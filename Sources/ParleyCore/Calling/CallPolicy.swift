import Foundation
import ParleyAPI

/// Who may call whom: resolves call targets to parties and applies the interop gate and the
/// profile's calling rules (DESIGN.md K1–K5) on every path that reaches someone.
struct CallPolicy: Sendable {
    let store: any ParleyStore
    let profile: InteropProfile

    /// A target resolved to a party, with the name the directory knows it by.
    struct Target: Sendable {
        var party: CallParty
        var displayName: String?
    }

    /// The party `model` names, as `caller` may reach it, or the error that refuses it.
    func resolve(_ model: CommunicationIdentifierModel, for caller: CallParty) async throws -> Target {
        guard let identifier = model.identifier, !identifier.rawId.isEmpty else {
            throw ParleyError(.badRequest, wireCode: "InvalidIdentifier", "A call target has neither rawId nor a known kind.")
        }
        let rawId = identifier.rawId
        guard rawId != caller.rawId else {
            throw ParleyError(.badRequest, wireCode: "InvalidTarget", "A caller cannot call itself.")
        }
        switch identifier {
        case .communicationUser:
            guard let user = try await store.user(rawId: rawId) else { throw Self.notFound(rawId) }
            if let resource = caller.resourceId {
                // One resource learns nothing of another: another resource's user is unknown.
                guard user.resourceId == resource else { throw Self.notFound(rawId) }
            }
            let target = Target(party: CallParty(rawId: rawId, home: .resource(user.resourceId)), displayName: nil)
            try await checkOrganizationCaller(caller, reaching: target)
            return target
        case .microsoftTeamsUser(let userId, let isAnonymous, _):
            guard !isAnonymous, let id = UUID(uuidString: userId), let person = try await store.orgUser(id: id) else { throw Self.notFound(rawId) }
            let target = Target(party: CallParty(rawId: person.rawId, home: .tenant(person.tenantId)), displayName: person.displayName)
            if let resource = caller.resourceId {
                if let denial = try await InteropGate.denial(resource: resource, user: person, store: store, purpose: .call) {
                    throw InteropGate.error(for: denial, user: person)
                }
            } else if caller.tenantId != person.tenantId {
                throw Self.notFound(rawId)
            }
            return target
        case .microsoftTeamsApp(let appId, _):
            guard let app = try await voiceApp(appId) else { throw Self.notFound(rawId) }
            if let resource = caller.resourceId {
                guard let tenant = try await store.tenant(id: app.tenantId) else { throw Self.notFound(rawId) }
                if let denial = InteropGate.checkTenant(resource: resource, tenant: tenant) {
                    throw InteropGate.error(
                        for: denial,
                        message: "\(app.rawId) is a voice app of an organization that does not admit this resource (\(denial.rawValue))."
                    )
                }
            } else if caller.tenantId != app.tenantId {
                throw Self.notFound(rawId)
            }
            return Target(party: CallParty(rawId: app.rawId, home: .voiceApp(tenant: app.tenantId)), displayName: app.displayName)
        case .phoneNumber:
            throw ParleyError(.badRequest, wireCode: "PhoneNumbersNotSupported", "Parley has no telephone network: \(rawId) cannot be called.")
        case .unknown:
            throw ParleyError(.badRequest, wireCode: "InvalidIdentifier", "'\(rawId)' is not an identifier Parley can call.")
        }
    }

    /// K1: under `faithful`, the organization side cannot call (or bring in) app users; under
    /// `extended` it can, through the same gate as the other direction.
    private func checkOrganizationCaller(_ caller: CallParty, reaching target: Target) async throws {
        guard caller.isOrganization, let resource = target.party.resourceId else { return }
        guard profile == .extended else { throw CallRules.orgUserCannotCallAppUser() }
        switch caller.home {
        case .tenant(let tenantId):
            guard case .microsoftTeamsUser(let userId, _, _) = CommunicationIdentifierKind(rawId: caller.rawId),
                let objectId = UUID(uuidString: userId), let person = try await store.orgUser(id: objectId), person.tenantId == tenantId
            else { throw Self.notFound(caller.rawId) }
            if let denial = try await InteropGate.denial(resource: resource, user: person, store: store, purpose: .call) {
                throw InteropGate.error(for: denial, user: person)
            }
        case .voiceApp(let tenantId):
            guard let tenant = try await store.tenant(id: tenantId) else { throw Self.notFound(caller.rawId) }
            if let denial = InteropGate.checkTenant(resource: resource, tenant: tenant) {
                throw InteropGate.error(
                    for: denial,
                    message: "The organization of \(caller.rawId) does not admit this resource (\(denial.rawValue))."
                )
            }
        case .resource:
            break
        }
    }

    /// The voice app an application token's endpoint answers for: one of its own tenant's.
    func voiceAppParty(_ appId: String, servedBy agent: CallAgentIdentity) async throws -> CallParty {
        guard case .voiceApp(let tenantId) = agent.party.home else {
            throw ParleyError(.forbidden, wireCode: "Forbidden", "Only an application token of the voice app's organization answers for a voice app.")
        }
        guard let app = try await voiceApp(appId), app.tenantId == tenantId else { throw Self.notFound("\(RawIdPrefix.teamsAppPublic)\(appId)") }
        return CallParty(rawId: app.rawId, home: .voiceApp(tenant: app.tenantId))
    }

    private func voiceApp(_ appId: String) async throws -> TeamsVoiceApp? {
        guard let id = UUID(uuidString: appId) else { return nil }
        return try await store.voiceApp(appId: id)
    }

    static func notFound(_ rawId: String) -> ParleyError {
        ParleyError(.notFound, wireCode: "ParticipantNotFound", "There is no one to call at \(rawId).", subCode: 47404)
    }
}
