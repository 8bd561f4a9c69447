import Foundation
import ParleyCore
import Testing

@Suite struct InteropGateTests {
    static let resource = UUID()
    static let otherResource = UUID()

    struct Case: Sendable, CustomTestStringConvertible {
        var enableAcsUsers = true
        var allowed = [resource]
        var blocked: [UUID] = []
        var globalPolicy: Bool? = true
        var customPolicy: Bool? = nil
        var assignedCustom = false
        var mode = CoexistenceMode.teamsOnly
        var enterpriseVoice = true
        var chat: InteropGate.Denial?
        var call: InteropGate.Denial?
        var testDescription: String {
            "acs=\(enableAcsUsers) allowed=\(allowed.count) blocked=\(blocked.count) global=\(String(describing: globalPolicy)) custom=\(String(describing: customPolicy)) assigned=\(assignedCustom ? "custom" : "Global") \(mode.rawValue) ev=\(enterpriseVoice)"
        }
    }

    /// The tenant-configuration × policy table of the Teams documentation, then the resource
    /// lists, coexistence modes and Enterprise Voice.
    static let table: [Case] = [
        // Tenant configuration × Global policy × custom policy × assignment.
        Case(enableAcsUsers: false, globalPolicy: true, chat: .acsUsersDisabled, call: .acsUsersDisabled),
        Case(enableAcsUsers: false, globalPolicy: true, customPolicy: true, assignedCustom: true, chat: .acsUsersDisabled, call: .acsUsersDisabled),
        Case(globalPolicy: true),
        Case(globalPolicy: false, chat: .federationAccessDisabled, call: .federationAccessDisabled),
        Case(globalPolicy: true, customPolicy: false, assignedCustom: false),
        Case(globalPolicy: true, customPolicy: false, assignedCustom: true, chat: .federationAccessDisabled, call: .federationAccessDisabled),
        Case(globalPolicy: false, customPolicy: true, assignedCustom: true),
        Case(globalPolicy: false, customPolicy: true, assignedCustom: false, chat: .federationAccessDisabled, call: .federationAccessDisabled),
        Case(globalPolicy: true, customPolicy: true, assignedCustom: true),
        Case(globalPolicy: nil, chat: .federationAccessDisabled, call: .federationAccessDisabled),
        Case(globalPolicy: true, customPolicy: nil, assignedCustom: true, chat: .federationAccessDisabled, call: .federationAccessDisabled),
        // Allow and block lists.
        Case(allowed: [], chat: .resourceNotAllowed, call: .resourceNotAllowed),
        Case(allowed: [otherResource], chat: .resourceNotAllowed, call: .resourceNotAllowed),
        Case(allowed: [resource, otherResource]),
        Case(blocked: [resource], chat: .resourceBlocked, call: .resourceBlocked),
        Case(blocked: [otherResource]),
        // Coexistence modes and Enterprise Voice (calls only need TeamsOnly and voice).
        Case(mode: .islands, call: .notTeamsOnly),
        Case(mode: .sfbOnly, chat: .noTeamsChat, call: .noTeamsChat),
        Case(mode: .sfbWithTeamsCollab, chat: .noTeamsChat, call: .noTeamsChat),
        Case(mode: .sfbWithTeamsCollabAndMeetings, chat: .noTeamsChat, call: .noTeamsChat),
        Case(enterpriseVoice: false, call: .enterpriseVoiceDisabled),
        Case(mode: .islands, enterpriseVoice: false, call: .notTeamsOnly),
    ]

    @Test(arguments: table)
    func gate(_ row: Case) {
        var policies: [String: ExternalAccessPolicy] = [:]
        if let global = row.globalPolicy { policies["Global"] = ExternalAccessPolicy(identity: "Global", enableAcsFederationAccess: global) }
        if let custom = row.customPolicy {
            policies["Contractors"] = ExternalAccessPolicy(identity: "Contractors", enableAcsFederationAccess: custom)
        }
        let tenant = Tenant(
            id: UUID(),
            displayName: "Contoso",
            domain: "contoso.com",
            federation: AcsFederationConfiguration(
                enableAcsUsers: row.enableAcsUsers,
                allowedAcsResources: row.allowed,
                blockedAcsResources: row.blocked
            ),
            createdAt: Date()
        )
        let user = OrgUser(
            id: UUID(),
            tenantId: tenant.id,
            displayName: "Adele",
            userPrincipalName: "adele@contoso.com",
            coexistenceMode: row.mode,
            enterpriseVoiceEnabled: row.enterpriseVoice,
            externalAccessPolicy: row.assignedCustom ? "Contractors" : nil,
            createdAt: Date()
        )
        #expect(InteropGate.check(resource: Self.resource, user: user, tenant: tenant, policies: policies, purpose: .chat) == row.chat)
        #expect(InteropGate.check(resource: Self.resource, user: user, tenant: tenant, policies: policies, purpose: .call) == row.call)
    }

    @Test func enterpriseVoiceIsA412AndEverythingElseA403() {
        let user = OrgUser(id: UUID(), tenantId: UUID(), displayName: "A", userPrincipalName: "a@contoso.com", createdAt: Date())
        for denial in InteropGate.Denial.allCases {
            let error = InteropGate.error(for: denial, user: user)
            #expect(error.code == (denial == .enterpriseVoiceDisabled ? .preconditionFailed : .forbidden))
            #expect(error.wireCode == denial.rawValue)
        }
    }
}
