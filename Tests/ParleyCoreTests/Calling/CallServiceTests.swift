import Foundation
import ParleyAPI
import ParleyCore
import ParleySQLite
import Testing

/// Call signalling as endpoints see it: states, end reasons, ringing, hold, group calls,
/// dropped connections and negotiation. Frames are checked as the endpoints received them.
@Suite struct CallServiceTests {
    @Test func aOneToOneCallGoesThroughTheACSStatesOnBothSides() async throws {
        let harness = try await CallHarness()
        let alice = try await harness.appUser("Alice")
        let bob = try await harness.appUser("Bob")

        let callId = try await alice.call(bob)
        #expect(alice.states(callId) == [.connecting, .ringing])
        #expect(alice.remote(bob, in: callId)?.state == .ringing)
        let incoming = try #require(bob.incomingCalls.first)
        #expect(incoming.id == callId)
        #expect(incoming.callerInfo.identifier.rawId == alice.rawId)
        #expect(incoming.callerInfo.displayName == "Alice")
        #expect(!incoming.isGroupCall)

        try await bob.accept(callId)
        #expect(bob.states(callId) == [.connecting, .connected])
        #expect(alice.states(callId) == [.connecting, .ringing, .connected])
        #expect(alice.remote(bob, in: callId)?.state == .connected)
        #expect(alice.remote(bob, in: callId)?.displayName == "Bob")
        #expect(bob.view(callId)?.direction == .incoming)
        #expect(alice.view(callId)?.direction == .outgoing)

        try await bob.hangUp(callId)
        #expect(alice.view(callId)?.state == .disconnected)
        #expect(alice.view(callId)?.callEndReason == .hungUp)
        #expect(bob.view(callId)?.callEndReason == .hungUp)
        #expect(alice.remote(bob, in: callId)?.state == .disconnected)

        await harness.calls.flushRecords()
        let record = try #require(try await harness.fixture.store.call(id: callId))
        #expect(record.parties.map(\.rawId) == [alice.rawId, bob.rawId])
        #expect(record.endReason == .hungUp)
        #expect(record.connectedAt != nil && record.endedAt != nil)
        let kinds = try await harness.fixture.store.events(after: 0, limit: 1000).filter { $0.event.subject == callId }.map(\.event.kind)
        // Bob is an app user: his resource also hears that the call rang him (IncomingCall).
        #expect(
            kinds == [
                .callStarted, .callParticipantAdded, .incomingCall, .callParticipantAdded, .callParticipantRemoved, .callParticipantRemoved,
                .callEnded,
            ]
        )
    }

    @Test func declineEndsTheCallerWith603() async throws {
        let harness = try await CallHarness()
        let alice = try await harness.appUser("Alice")
        let bob = try await harness.appUser("Bob")
        let callId = try await alice.call(bob)
        try await bob.reject(callId)
        #expect(alice.view(callId)?.state == .disconnected)
        #expect(alice.view(callId)?.callEndReason == .declined)
        #expect(alice.remote(bob, in: callId)?.callEndReason == .declined)
        // A second answer is refused: the call is no longer ringing there.
        let late = await bob.request(.acceptCall(CallReference(callId: callId)))
        #expect(late.error?.status == 404)
    }

    @Test func theCallerCancellingEndsTheRingingWith487() async throws {
        let harness = try await CallHarness()
        let alice = try await harness.appUser("Alice")
        let bob = try await harness.appUser("Bob")
        let callId = try await alice.call(bob)
        try await alice.hangUp(callId)
        #expect(bob.incomingEnded(callId) == .callerCancelled)
        #expect(alice.view(callId)?.callEndReason == .hungUp)
    }

    @Test func everyDeviceRingsAndTheFirstAnswerWins() async throws {
        let harness = try await CallHarness()
        let alice = try await harness.appUser("Alice")
        let phone = try await harness.appUser("Bob")
        let laptop = try await harness.device(of: phone)
        let callId = try await alice.call(phone)
        #expect(phone.incomingCalls.map(\.id) == [callId])
        #expect(laptop.incomingCalls.map(\.id) == [callId])

        try await laptop.accept(callId)
        #expect(phone.incomingEnded(callId) == .acceptedElsewhere)
        #expect(laptop.incomingEnded(callId) == nil)
        let second = await phone.request(.acceptCall(CallReference(callId: callId)))
        #expect(second.error?.status == 400)
        #expect(second.error?.subCode == 41006)
        #expect(alice.view(callId)?.state == .connected)
    }

    @Test func declineOnOneDeviceStopsTheOthers() async throws {
        let harness = try await CallHarness()
        let alice = try await harness.appUser("Alice")
        let phone = try await harness.appUser("Bob")
        let laptop = try await harness.device(of: phone)
        let callId = try await alice.call(phone)
        try await phone.reject(callId)
        #expect(laptop.incomingEnded(callId) == .declinedElsewhere)
        #expect(alice.view(callId)?.callEndReason == .declined)
    }

    @Test func nobodyAnsweringEndsWith487Slash10004AfterTheRingingTimeout() async throws {
        let harness = try await CallHarness(timeouts: CallTimeouts(ringingSeconds: 85))
        let alice = try await harness.appUser("Alice")
        let bob = try await harness.appUser("Bob")
        let callId = try await alice.call(bob)
        harness.fixture.clock.advance(by: 84.9)
        harness.calls.sweep()
        #expect(alice.view(callId)?.state == .ringing)
        #expect(bob.incomingEnded(callId) == nil)
        harness.fixture.clock.advance(by: 0.1)
        harness.calls.sweep()
        #expect(alice.view(callId)?.callEndReason == .noAnswer)
        #expect(bob.incomingEnded(callId) == .noAnswer)
    }

    @Test func anEndpointRegisteringWhileACallRingsRingsToo() async throws {
        let harness = try await CallHarness()
        let alice = try await harness.appUser("Alice")
        let bob = try await harness.appUser("Bob")
        let callId = try await alice.call(bob)
        let tablet = try await harness.device(of: bob)
        #expect(tablet.incomingCalls.map(\.id) == [callId])
        try await tablet.accept(callId)
        #expect(bob.incomingEnded(callId) == .acceptedElsewhere)
    }

    @Test func holdInAOneToOneCallIsLocalHoldForOneAndRemoteHoldForTheOther() async throws {
        let harness = try await CallHarness()
        let alice = try await harness.appUser("Alice")
        let bob = try await harness.appUser("Bob")
        let callId = try await alice.call(bob)
        try await bob.accept(callId)

        await alice.request(.hold(CallReference(callId: callId)))
        #expect(alice.view(callId)?.state == .localHold)
        #expect(bob.view(callId)?.state == .remoteHold)
        #expect(bob.remote(alice, in: callId)?.state == .hold)

        await bob.request(.hold(CallReference(callId: callId)))
        #expect(alice.view(callId)?.state == .localHold)
        #expect(bob.view(callId)?.state == .localHold)

        // Fully resumed only once everyone who held has resumed.
        await alice.request(.resume(CallReference(callId: callId)))
        #expect(alice.view(callId)?.state == .remoteHold)
        await bob.request(.resume(CallReference(callId: callId)))
        #expect(alice.view(callId)?.state == .connected)
        #expect(bob.view(callId)?.state == .connected)
    }

    @Test func muteIsShownToTheOthers() async throws {
        let harness = try await CallHarness()
        let alice = try await harness.appUser("Alice")
        let bob = try await harness.appUser("Bob")
        let callId = try await alice.call(bob)
        try await bob.accept(callId)
        await bob.request(.mute(MuteRequest(callId: callId, muted: true)))
        #expect(alice.remote(bob, in: callId)?.isMuted == true)
        #expect(bob.view(callId)?.isMuted == true)
        await bob.request(.mute(MuteRequest(callId: callId, muted: false)))
        #expect(alice.remote(bob, in: callId)?.isMuted == false)
    }

    @Test func aGroupCallGrowsKeepsGoingWhenOneLeavesAndEndsForEveryone() async throws {
        let harness = try await CallHarness()
        let alice = try await harness.appUser("Alice")
        let bob = try await harness.appUser("Bob")
        let carol = try await harness.appUser("Carol")
        let dave = try await harness.appUser("Dave")
        let callId = try await alice.call(bob, carol)
        #expect(bob.incomingCalls.first?.isGroupCall == true)
        try await bob.accept(callId)
        try await carol.accept(callId)
        #expect(alice.view(callId)?.remoteParticipants.map(\.state) == [.connected, .connected])

        // Hold is local in a group call.
        await bob.request(.hold(CallReference(callId: callId)))
        #expect(bob.view(callId)?.state == .localHold)
        #expect(alice.view(callId)?.state == .connected)
        #expect(alice.remote(bob, in: callId)?.state == .hold)
        await bob.request(.resume(CallReference(callId: callId)))

        let added = await carol.request(.addParticipant(CallTargetRequest(callId: callId, target: dave.identifier)))
        #expect(added.error == nil)
        #expect(alice.remote(dave, in: callId)?.state == .ringing)
        try await dave.reject(callId)
        #expect(alice.remote(dave, in: callId)?.state == .disconnected)
        #expect(alice.remote(dave, in: callId)?.callEndReason == .declined)

        try await carol.hangUp(callId)
        #expect(carol.view(callId)?.callEndReason == .hungUp)
        #expect(alice.view(callId)?.state == .connected)
        #expect(alice.remote(carol, in: callId)?.state == .disconnected)

        try await bob.hangUp(callId, forEveryone: true)
        #expect(alice.view(callId)?.callEndReason == .endedForEveryone)
        #expect(bob.view(callId)?.callEndReason == .hungUp)
    }

    @Test func aGroupCallEndsWhenOneParticipantIsLeft() async throws {
        let harness = try await CallHarness()
        let alice = try await harness.appUser("Alice")
        let bob = try await harness.appUser("Bob")
        let carol = try await harness.appUser("Carol")
        let callId = try await alice.call(bob, carol)
        try await bob.accept(callId)
        try await carol.accept(callId)
        await alice.request(.removeParticipant(CallTargetRequest(callId: callId, target: carol.identifier)))
        #expect(carol.view(callId)?.callEndReason == .removed)
        try await bob.hangUp(callId)
        #expect(alice.view(callId)?.state == .disconnected)
        #expect(alice.view(callId)?.callEndReason == .hungUp)
    }

    @Test func aDroppedEndpointCanComeBackWithinTheGracePeriod() async throws {
        let harness = try await CallHarness(timeouts: CallTimeouts(reconnectGraceSeconds: 120))
        let alice = try await harness.appUser("Alice")
        let bob = try await harness.appUser("Bob")
        let callId = try await alice.call(bob)
        try await bob.accept(callId)
        let endpointId = try #require(bob.session.endpointId)

        harness.calls.sessionEnded(bob.session)
        harness.fixture.clock.advance(by: 119)
        harness.calls.sweep()
        #expect(alice.view(callId)?.state == .connected)

        let back = TestEndpoint(calls: harness.calls, agent: bob.session.agent)
        let reply = await back.request(.registerCallAgent(RegisterCallAgentRequest(endpointId: endpointId)))
        #expect(reply.registration?.endpointId == endpointId)
        #expect(reply.registration?.calls.map(\.id) == [callId])
        #expect(reply.registration?.calls.first?.state == .connected)
        #expect(reply.registration?.iceServers.first?.username == "u-\(bob.rawId)")
        await back.request(.mute(MuteRequest(callId: callId, muted: true)))
        #expect(alice.remote(bob, in: callId)?.isMuted == true)

        // Gone for good this time.
        harness.calls.sessionEnded(back.session)
        harness.fixture.clock.advance(by: 120)
        harness.calls.sweep()
        #expect(alice.view(callId)?.callEndReason == .remoteDropped)
        await harness.calls.flushRecords()
        let record = try await harness.fixture.store.call(id: callId)
        #expect(record?.parties.last?.endReason == .connectionLost)
    }

    @Test func crossingOffersAreResolvedInFavourOfTheEarlierJoiner() async throws {
        let harness = try await CallHarness()
        let alice = try await harness.appUser("Alice")
        let bob = try await harness.appUser("Bob")
        let callId = try await alice.call(bob)
        try await bob.accept(callId)
        func offer(_ from: TestEndpoint, _ to: TestEndpoint) async -> RealtimeReply {
            await from.request(.signal(CallSignal(callId: callId, kind: .offer, to: to.rawId, sdp: "offer-from-\(from.rawId)")))
        }
        func answer(_ from: TestEndpoint, _ to: TestEndpoint) async -> RealtimeReply {
            await from.request(.signal(CallSignal(callId: callId, kind: .answer, to: to.rawId, sdp: "answer-from-\(from.rawId)")))
        }

        // Bob (joined later, polite) offers first; Alice's crossing offer wins.
        #expect(await offer(bob, alice).error == nil)
        #expect(alice.signals.last?.receiverIsPolite == false)
        #expect(await offer(alice, bob).error == nil)
        #expect(bob.signals.last?.sdp == "offer-from-\(alice.rawId)")
        #expect(bob.signals.last?.receiverIsPolite == true)
        #expect(await answer(alice, bob).error?.code == "OfferSuperseded")
        #expect(await answer(bob, alice).error == nil)
        #expect(alice.signals.last?.kind == .answer)

        // Alice offers first; Bob's crossing offer is refused.
        #expect(await offer(alice, bob).error == nil)
        #expect(await offer(bob, alice).error?.code == "Glare")
        #expect(await answer(bob, alice).error == nil)

        // Candidates flow either way.
        let candidate = CallSignal.Candidate(candidate: "candidate:1 1 udp 2122260223 127.0.0.1 50000 typ host", sdpMid: "0", sdpMLineIndex: 0)
        #expect(await bob.request(.signal(CallSignal(callId: callId, kind: .candidate, to: alice.rawId, candidate: candidate))).error == nil)
        #expect(alice.signals.last?.candidate == candidate)
        #expect(alice.signals.last?.from == bob.rawId)
    }

    @Test func requestsThatCannotBeServedChangeNothing() async throws {
        let harness = try await CallHarness()
        let alice = try await harness.appUser("Alice")
        let bob = try await harness.appUser("Bob")
        let answerOnly = try await harness.appUser("Joiner", scopes: ["voip.join"])

        let unregistered = TestEndpoint(calls: harness.calls, agent: alice.session.agent)
        #expect(await unregistered.request(.startCall(StartCallRequest(targets: [bob.identifier]))).error?.code == "CallAgentNotRegistered")
        #expect(await answerOnly.request(.startCall(StartCallRequest(targets: [bob.identifier]))).error?.status == 403)
        #expect(await alice.request(.startCall(StartCallRequest(targets: []))).error?.status == 400)
        #expect(await alice.request(.startCall(StartCallRequest(targets: [alice.identifier]))).error?.code == "InvalidTarget")
        let stranger = CommunicationIdentifierModel(rawId: "8:acs:\(harness.fixture.resource.immutableId.uuidString.lowercased())_nobody")
        #expect(await alice.request(.startCall(StartCallRequest(targets: [stranger]))).error?.status == 404)
        #expect(
            await alice.request(.startCall(StartCallRequest(targets: [CommunicationIdentifierModel(rawId: "4:+14255550123")]))).error?.status == 400
        )
        #expect(await alice.request(.hangUp(HangUpRequest(callId: "nope"))).error?.status == 404)
        #expect(await alice.request(.registerCallAgent(RegisterCallAgentRequest())).error?.subCode == 40228)
        #expect(bob.incomingCalls.isEmpty)
        await harness.calls.flushRecords()
        #expect(try await harness.fixture.store.events(after: 0, limit: 1000).allSatisfy { $0.event.kind != .callStarted })

        // A voip.join endpoint answers.
        let callId = try await alice.call(answerOnly)
        try await answerOnly.accept(callId)
        #expect(alice.view(callId)?.state == .connected)
    }

    @Test func callsARestartInterruptedAreEndedWith7000() async throws {
        let harness = try await CallHarness()
        let alice = try await harness.appUser("Alice")
        let bob = try await harness.appUser("Bob")
        let callId = try await alice.call(bob)
        try await bob.accept(callId)
        await harness.calls.flushRecords()
        let restarted = CallService(store: harness.fixture.store, clock: harness.fixture.clock, ids: RandomIdentifierGenerator(), profile: .faithful)
        #expect(try await restarted.endCallsOfPreviousRun() == 1)
        let record = try await harness.fixture.store.call(id: callId)
        #expect(record?.endReason == .endedByPlatform)
        #expect(record?.parties.allSatisfy { $0.endReason == .endedByPlatform } == true)
        let ended = try await harness.fixture.store.events(after: 0, limit: 1000).last { $0.event.kind == .callEnded && $0.event.subject == callId }
        #expect(ended?.event.data["subCode"] == "7000")
        #expect(ended?.event.data["startedBy"] == alice.rawId)
        #expect(try await restarted.endCallsOfPreviousRun() == 0)
    }

    @Test func aReconnectTakesItsEndpointOverBeforeTheServerNoticesTheOldConnectionIsDead() async throws {
        let harness = try await CallHarness()
        let alice = try await harness.appUser("Alice")
        let bob = try await harness.appUser("Bob")
        let callId = try await alice.call(bob)
        try await bob.accept(callId)
        let endpointId = try #require(bob.session.endpointId)
        let incoming = try await alice.call(try await harness.appUser("Carol"))
        _ = incoming

        // The old connection is still open as far as the server knows.
        let back = TestEndpoint(calls: harness.calls, agent: bob.session.agent)
        let reply = await back.request(.registerCallAgent(RegisterCallAgentRequest(endpointId: endpointId)))
        #expect(reply.registration?.endpointId == endpointId)
        #expect(reply.registration?.calls.map(\.id) == [callId])
        #expect(await bob.request(.mute(MuteRequest(callId: callId, muted: true))).error?.code == "EndpointTakenOver")
        harness.calls.sessionEnded(bob.session)
        harness.fixture.clock.advance(by: 600)
        harness.calls.sweep()
        #expect(alice.view(callId)?.state == .connected)
        #expect(await back.request(.mute(MuteRequest(callId: callId, muted: true))).error == nil)
        #expect(alice.remote(bob, in: callId)?.isMuted == true)
    }

    @Test func aRegistrationListsTheCallsRingingForTheUser() async throws {
        let harness = try await CallHarness()
        let alice = try await harness.appUser("Alice")
        let bob = try await harness.appUser("Bob")
        let callId = try await alice.call(bob)
        let tablet = TestEndpoint(calls: harness.calls, agent: bob.session.agent)
        let reply = await tablet.request(.registerCallAgent(RegisterCallAgentRequest()))
        #expect(reply.registration?.ringing.map(\.id) == [callId])
        #expect(reply.registration?.ringing.first?.callerInfo.displayName == "Alice")
    }

    @Test func aReplyComesAfterTheFramesThatShowItsEffect() async throws {
        let harness = try await CallHarness()
        let alice = try await harness.appUser("Alice")
        let bob = try await harness.appUser("Bob")
        let callId = try await alice.call(bob)
        try await bob.accept(callId)
        await bob.request(.hold(CallReference(callId: callId)))
        let lastTwo = bob.frames.suffix(2)
        guard case .call(let snapshot) = lastTwo.first, case .reply = lastTwo.last else {
            Issue.record("expected the call frame, then the reply; got \(lastTwo)")
            return
        }
        #expect(snapshot.state == .localHold)
        // Starting and accepting reply first: the reply is where the client's call begins.
        guard case .reply(let accepted) = bob.frames.first(where: { if case .reply(let reply) = $0 { reply.call != nil } else { false } }) else {
            Issue.record("no accept reply")
            return
        }
        #expect(accepted.call?.state == .connecting)
        #expect(alice.states(callId) == [.connecting, .ringing, .connected, .remoteHold])
    }

    @Test func theTransferTargetNeverSeesTheTransferor() async throws {
        let harness = try await CallHarness()
        let alice = try await harness.appUser("Alice")
        let bob = try await harness.appUser("Bob")
        let carol = try await harness.appUser("Carol")
        let callId = try await alice.call(bob)
        try await bob.accept(callId)
        #expect(await bob.request(.transfer(CallTargetRequest(callId: callId, target: carol.identifier))).error == nil)
        try await carol.accept(callId)
        let reply = carol.frames.lazy.compactMap { if case .reply(let reply) = $0 { reply.call } else { nil } }.first
        #expect(reply?.remoteParticipants.map(\.identifier.rawId) == [alice.rawId])
        #expect(carol.view(callId)?.remoteParticipants.map(\.identifier.rawId) == [alice.rawId])
        #expect(bob.view(callId)?.callEndReason == .transferred)
    }
}
