import Foundation
import ParleyAPI
import ParleyCore
import Testing

/// The interop gate and the calling rules K1–K5 under both profiles, and the privacy signal (P1).
@Suite struct CallInteropTests {
    @Test func anAppUserCallsATeamsUserAsItCallsAnAppUser() async throws {
        let harness = try await CallHarness()
        let (_, adele) = try await harness.contoso()
        let alice = try await harness.appUser("Alice")
        let teams = try await harness.person(adele)
        let callId = try await alice.call(teams)
        #expect(teams.incomingCalls.first?.callerInfo.identifier.rawId == alice.rawId)
        try await teams.accept(callId)
        #expect(alice.view(callId)?.state == .connected)
        #expect(alice.view(callId)?.isInterop == true)
        #expect(alice.remote(teams, in: callId)?.displayName == "Adele Vance")
    }

    @Test(arguments: [
        (CoexistenceMode.islands, true, 403, 47006),
        (CoexistenceMode.sfbOnly, true, 403, 47005),
        (CoexistenceMode.teamsOnly, false, 412, 41056),
    ])
    func theGateRefusesTeamsUsersThatCannotTakeCalls(mode: CoexistenceMode, enterpriseVoice: Bool, status: Int, subCode: Int) async throws {
        let harness = try await CallHarness()
        let (tenant, adele) = try await harness.contoso()
        _ = try await harness.fixture.directory.updateUser(adele.id, in: tenant.id, coexistenceMode: mode, enterpriseVoiceEnabled: enterpriseVoice)
        let alice = try await harness.appUser("Alice")
        let teams = try await harness.person(adele)
        let reply = await alice.request(.startCall(StartCallRequest(targets: [teams.identifier])))
        #expect(reply.error?.status == status)
        #expect(reply.error?.subCode == subCode)
        #expect(teams.incomingCalls.isEmpty)
    }

    @Test func theGateRefusesResourcesTheTenantDoesNotAllow() async throws {
        let harness = try await CallHarness()
        let (tenant, adele) = try await harness.contoso()
        _ = try await harness.fixture.directory.setFederation(
            AcsFederationConfiguration(enableAcsUsers: true, allowedAcsResources: []),
            of: tenant.id
        )
        let alice = try await harness.appUser("Alice")
        let reply = await alice.request(.startCall(StartCallRequest(targets: [CommunicationIdentifierModel(rawId: adele.rawId)])))
        #expect(reply.error?.code == "AcsResourceNotAllowed")
        #expect(reply.error?.subCode == 47002)
    }

    @Test(arguments: InteropProfile.allCases)
    func k1InteropCallsAreOneToOneAndOnlyExtendedLetsTeamsUsersCallAppUsers(profile: InteropProfile) async throws {
        let harness = try await CallHarness(profile: profile)
        let (_, adele) = try await harness.contoso()
        let alice = try await harness.appUser("Alice")
        let bob = try await harness.appUser("Bob")
        let teams = try await harness.person(adele)

        let group = await alice.request(.startCall(StartCallRequest(targets: [teams.identifier, bob.identifier])))
        #expect(group.error?.subCode == (profile == .faithful ? 47101 : nil))

        let fromTeams = await teams.request(.startCall(StartCallRequest(targets: [alice.identifier])))
        if profile == .faithful {
            #expect(fromTeams.error?.code == "OrgUserCannotCallAppUser")
            #expect(fromTeams.error?.subCode == 47102)
        } else {
            #expect(fromTeams.error == nil)
            #expect(alice.incomingCalls.last?.callerInfo.identifier.rawId == adele.rawId)
        }
    }

    @Test(arguments: InteropProfile.allCases)
    func k2AnInteropCallDoesNotGrowUnderFaithful(profile: InteropProfile) async throws {
        let harness = try await CallHarness(profile: profile)
        let (_, adele) = try await harness.contoso()
        let alice = try await harness.appUser("Alice")
        let bob = try await harness.appUser("Bob")
        let teams = try await harness.person(adele)
        let callId = try await alice.call(teams)
        try await teams.accept(callId)
        let capabilities = try #require(alice.view(callId)?.capabilities)
        #expect(capabilities[CallCapabilityName.addTeamsUser]?.isPresent == (profile == .extended))
        #expect(capabilities[CallCapabilityName.addCommunicationUser]?.isPresent == (profile == .extended))

        let add = await alice.request(.addParticipant(CallTargetRequest(callId: callId, target: bob.identifier)))
        if profile == .faithful {
            #expect(add.error?.subCode == 47103)
            #expect(bob.incomingCalls.isEmpty)
        } else {
            #expect(add.error == nil)
            #expect(bob.incomingCalls.map(\.id) == [callId])
        }
    }

    @Test(arguments: InteropProfile.allCases)
    func k4AnUnansweredInteropCallEndsWith487Slash10004(profile: InteropProfile) async throws {
        let harness = try await CallHarness(profile: profile)
        let (_, adele) = try await harness.contoso()
        let alice = try await harness.appUser("Alice")
        let teams = try await harness.person(adele)
        let callId = try await alice.call(teams)
        harness.fixture.clock.advance(by: 85)
        harness.calls.sweep()
        #expect(alice.view(callId)?.callEndReason == .noAnswer)
        #expect(teams.incomingEnded(callId) == .noAnswer)
    }

    @Test(arguments: InteropProfile.allCases)
    func k5ATeamsUserTransfersToAnAppUserOnlyUnderExtended(profile: InteropProfile) async throws {
        let harness = try await CallHarness(profile: profile)
        let (tenant, adele) = try await harness.contoso()
        let megan = try await harness.fixture.directory.addUser(to: tenant.id, displayName: "Megan Bowen", userPrincipalName: "megan@contoso.com")
        let alice = try await harness.appUser("Alice")
        let bob = try await harness.appUser("Bob")
        let teams = try await harness.person(adele)
        let colleague = try await harness.person(megan)
        let callId = try await alice.call(teams)
        try await teams.accept(callId)

        let toAppUser = await teams.request(.transfer(CallTargetRequest(callId: callId, target: bob.identifier)))
        #expect(toAppUser.error?.subCode == (profile == .faithful ? 47105 : nil))
        if profile == .extended { try await bob.reject(callId) }

        // To a colleague: allowed under both; the colleague replaces the transferor.
        #expect(await teams.request(.transfer(CallTargetRequest(callId: callId, target: colleague.identifier))).error == nil)
        let incoming = try #require(colleague.incomingCalls.first)
        #expect(incoming.transferredBy?.rawId == adele.rawId)
        #expect(incoming.callerInfo.identifier.rawId == alice.rawId)
        #expect(alice.remote(colleague, in: callId) == nil)
        try await colleague.accept(callId)
        #expect(teams.view(callId)?.callEndReason == .transferred)
        #expect(alice.view(callId)?.state == .connected)
        #expect(alice.remote(colleague, in: callId)?.state == .connected)
        #expect(alice.remote(teams, in: callId)?.state == .disconnected)
    }

    @Test func p1EveryAppParticipantLearnsOfRecordingAndTranscriptionAtOnceAndOnJoining() async throws {
        let harness = try await CallHarness(profile: .extended)
        let (_, adele) = try await harness.contoso()
        let alice = try await harness.appUser("Alice")
        let bob = try await harness.appUser("Bob")
        let teams = try await harness.person(adele)
        let callId = try await alice.call(teams)
        try await teams.accept(callId)

        #expect(await alice.request(.setRecording(CallActivityRequest(callId: callId, active: true))).error?.code == "OnlyTeamsUsersManageRecording")
        #expect(await teams.request(.setRecording(CallActivityRequest(callId: callId, active: true))).error == nil)
        #expect(alice.view(callId)?.isRecordingActive == true)
        #expect(await teams.request(.setTranscription(CallActivityRequest(callId: callId, active: true))).error == nil)
        #expect(alice.view(callId)?.isTranscriptionActive == true)

        // A late joiner learns the state in the first view it gets.
        #expect(await teams.request(.addParticipant(CallTargetRequest(callId: callId, target: bob.identifier))).error == nil)
        try await bob.accept(callId)
        let first = bob.frames.lazy.compactMap { frame -> CallSnapshot? in
            if case .reply(let reply) = frame { return reply.call }
            return nil
        }.first
        #expect(first?.isRecordingActive == true)
        #expect(first?.isTranscriptionActive == true)

        #expect(await teams.request(.setRecording(CallActivityRequest(callId: callId, active: false))).error == nil)
        #expect(alice.view(callId)?.isRecordingActive == false)
        #expect(bob.view(callId)?.isRecordingActive == false)
        #expect(bob.view(callId)?.isTranscriptionActive == true)
    }

    @Test func aVoiceAppIsAnsweredByItsTenantsApplication() async throws {
        let harness = try await CallHarness()
        let (tenant, _) = try await harness.contoso()
        let voiceApp = try await harness.fixture.directory.addVoiceApp(to: tenant.id, displayName: "Contoso Help Desk")
        let alice = try await harness.appUser("Alice")
        let bot = CallAgentIdentity(
            party: CallParty(rawId: "28:orgid:\(UUID().uuidString.lowercased())", home: .voiceApp(tenant: tenant.id)),
            mayStartCalls: true
        )
        let desk = try await harness.endpoint(bot, displayName: nil, voiceAppId: voiceApp.appId.uuidString.lowercased())
        let callId = try await alice.call([CommunicationIdentifierModel(rawId: voiceApp.rawId)])
        #expect(desk.incomingCalls.map(\.id) == [callId])
        try await desk.accept(callId)
        #expect(alice.view(callId)?.remoteParticipants.first?.displayName == "Contoso Help Desk")
        #expect(alice.view(callId)?.state == .connected)

        let otherTenant = try await harness.fixture.directory.createTenant(displayName: "Fabrikam", domain: "fabrikam.com")
        let stranger = CallAgentIdentity(
            party: CallParty(rawId: "28:orgid:\(UUID().uuidString.lowercased())", home: .voiceApp(tenant: otherTenant.id)),
            mayStartCalls: true
        )
        await #expect(throws: RealtimeRequestError.self) {
            try await harness.endpoint(stranger, displayName: nil, voiceAppId: voiceApp.appId.uuidString.lowercased())
        }
    }

    @Test(arguments: InteropProfile.allCases)
    func k3TheResourceRecordsAOneToOneInteropCallOnlyUnderExtended(profile: InteropProfile) async throws {
        let harness = try await CallHarness(profile: profile)
        let (_, adele) = try await harness.contoso()
        let resource = harness.fixture.resource.immutableId
        let alice = try await harness.appUser("Alice")
        let bob = try await harness.appUser("Bob")
        let teams = try await harness.person(adele)

        let interop = try await alice.call(teams)
        try await teams.accept(interop)
        if profile == .faithful {
            #expect(throws: ParleyError.self) { try harness.calls.startResourceRecording(of: interop, resource: resource) }
            #expect(alice.view(interop)?.isRecordingActive == false)
        } else {
            let recordingId = try harness.calls.startResourceRecording(of: interop, resource: resource)
            #expect(alice.view(interop)?.isRecordingActive == true)
            #expect(teams.view(interop)?.isRecordingActive == true)
            try harness.calls.stopResourceRecording(recordingId, resource: resource)
            #expect(alice.view(interop)?.isRecordingActive == false)
        }

        // Calls among app users are recorded under both profiles; another resource sees nothing.
        let appCall = try await alice.call(bob)
        try await bob.accept(appCall)
        #expect(throws: ParleyError.self) { try harness.calls.startResourceRecording(of: appCall, resource: UUID()) }
        let recordingId = try harness.calls.startResourceRecording(of: appCall, resource: resource)
        #expect(bob.view(appCall)?.isRecordingActive == true)
        #expect(throws: Never.self) { try harness.calls.checkResourceRecording(recordingId, resource: resource) }
    }
}
