import ParleyAPI
import Testing

@testable import ParleyClient

/// 1:1 calls between app users through a live server: ringing, answering, declining,
/// cancelling, several devices, hold and mute, as each side sees them.
@Suite struct OneToOneCallTests {
    @Test func aCallFromStartToHangUpAsEachSideSeesIt() async throws {
        try await LiveServer.run { server in
            let (aliceId, alice) = try await server.callAgent(displayName: "Alice")
            let (bobId, bob) = try await server.callAgent(displayName: "Bob")
            #expect(!alice.endpointId.isEmpty)
            #expect(alice.connectionState == .connected)
            let ringing = Recording(bob.incomingCalls)
            let aliceCalls = Recording(alice.callsUpdated)

            let call = try await alice.startCall([CommunicationUserIdentifier(bobId)])
            let aliceStates = Recording(call.stateChanged)
            #expect([.connecting, .ringing].contains(call.state))
            #expect(call.direction == .outgoing)
            #expect(!call.isGroupCall)
            #expect(alice.calls.map(\.id) == [call.id])

            let incoming = try await nextIncoming(ringing, id: call.id)
            #expect(incoming.callerInfo.identifier.participantKey == aliceId)
            #expect(incoming.callerInfo.displayName == "Alice")
            #expect(!incoming.isGroupCall)
            #expect(incoming.transferredBy == nil)
            await eventually(call.stateChanged) { call.state == .ringing }
            #expect(call.remoteParticipants.map(\.identifier.rawId) == [bobId])
            #expect(call.remoteParticipants.first?.state == .ringing)

            let incomingEnded = Recording(incoming.ended)
            let bobCall = try await incoming.accept()
            let bobStates = Recording(bobCall.stateChanged)
            #expect(bobCall.id == call.id)
            #expect(bobCall.direction == .incoming)
            #expect(await incomingEnded.finished().isEmpty)
            #expect(incoming.callEndReason == nil)
            await eventually(bobCall.stateChanged) { bobCall.state == .connected }
            await eventually(call.stateChanged) { call.state == .connected }
            #expect(call.remoteParticipants.map(\.state) == [.connected])
            #expect(call.remoteParticipants.first?.displayName == "Bob")
            #expect(bobCall.remoteParticipants.map(\.identifier.rawId) == [aliceId])
            #expect(bobCall.remoteParticipants.first?.displayName == "Alice")
            #expect(bob.calls.map(\.id) == [call.id])

            // Hanging up a 1:1 call ends it for both (0/0 each).
            let bobParticipantsUpdated = Recording(bobCall.remoteParticipantsUpdated)
            try await call.hangUp()
            #expect(call.state == .disconnected)
            #expect(call.callEndReason == .hungUp)
            #expect(alice.calls.isEmpty)
            #expect(await bobStates.finished().last == .disconnected)
            #expect(bobCall.callEndReason == .hungUp)
            #expect(await bobParticipantsUpdated.finished().flatMap(\.removed).map(\.identifier.rawId) == [aliceId])
            #expect(await aliceStates.finished().isSuffix(of: [.ringing, .connected, .disconnected], atLeast: 2))
            #expect(await bobStates.finished().isSuffix(of: [.connected, .disconnected], atLeast: 1))

            let updates = await aliceCalls.collector.values
            #expect(updates.flatMap(\.added).map(\.id) == [call.id])
            #expect(updates.flatMap(\.removed).map(\.id) == [call.id])
            await alice.dispose()
            await bob.dispose()
        }
    }

    @Test func theCalleeDeclines() async throws {
        try await LiveServer.run { server in
            let (_, alice) = try await server.callAgent()
            let (bobId, bob) = try await server.callAgent()
            let (call, incoming) = try await ring(bob, bobId, from: alice)
            let ended = Recording(call.stateChanged)

            try await incoming.reject()
            #expect(incoming.callEndReason == .declined)
            #expect(await collectAll(incoming.ended) == [.declined])
            #expect(await ended.finished().last == .disconnected)
            #expect(call.callEndReason == .declined)
            #expect(bob.calls.isEmpty)
            await alice.dispose()
            await bob.dispose()
        }
    }

    @Test func theCallerCancelsWhileItRings() async throws {
        try await LiveServer.run { server in
            let (_, alice) = try await server.callAgent()
            let (bobId, bob) = try await server.callAgent()
            let (call, incoming) = try await ring(bob, bobId, from: alice)
            let incomingEnded = Recording(incoming.ended)

            try await call.hangUp()
            #expect(call.callEndReason == .hungUp)
            #expect(await incomingEnded.finished() == [.callerCancelled])
            #expect(incoming.callEndReason == .callerCancelled)
            #expect(bob.ringingCalls.isEmpty)
            await alice.dispose()
            await bob.dispose()
        }
    }

    @Test func everyDeviceRingsAndTheFirstToAnswerTakesTheCall() async throws {
        try await LiveServer.run { server in
            let (_, alice) = try await server.callAgent()
            let (bobId, bobToken) = try await server.appUser()
            let phone = try await server.callAgent(token: bobToken)
            let laptop = try await server.callAgent(token: bobToken)
            #expect(phone.endpointId != laptop.endpointId)
            let phoneRinging = Recording(phone.incomingCalls)
            let laptopRinging = Recording(laptop.incomingCalls)

            let call = try await alice.startCall([CommunicationUserIdentifier(bobId)])
            let onPhone = try await nextIncoming(phoneRinging, id: call.id)
            let onLaptop = try await nextIncoming(laptopRinging, id: call.id)
            let laptopEnded = Recording(onLaptop.ended)

            let answered = try await onPhone.accept()
            #expect(await laptopEnded.finished() == [.acceptedElsewhere])
            #expect(laptop.calls.isEmpty)
            let late = await #expect(throws: CallingError.self) { try await onLaptop.accept() }
            #expect(late?.status == 400)
            #expect(late?.subCode == 41006)

            await eventually(call.stateChanged) { call.state == .connected }
            try await answered.hangUp()
            await alice.dispose()
            await phone.dispose()
            await laptop.dispose()
        }
    }

    @Test func holdAndResumeInAOneToOneCall() async throws {
        try await LiveServer.run { server in
            let (aliceId, alice) = try await server.callAgent()
            let (bobId, bob) = try await server.callAgent()
            let (aliceCall, bobCall) = try await connect(alice, to: bob, bobId)
            let aliceSeenByBob = try #require(bobCall.remoteParticipants.first { $0.identifier.rawId == aliceId })

            // Alice holds: LocalHold for her, RemoteHold for Bob, who sees her as Hold.
            try await aliceCall.hold()
            #expect(aliceCall.state == .localHold)
            await eventually(bobCall.stateChanged) { bobCall.state == .remoteHold }
            #expect(aliceSeenByBob.state == .hold)

            // Both hold: both LocalHold.
            try await bobCall.hold()
            #expect(bobCall.state == .localHold)
            #expect(aliceCall.state == .localHold)

            // Connected again only once everyone who held has resumed.
            try await aliceCall.resume()
            #expect(aliceCall.state == .remoteHold)
            #expect(bobCall.state == .localHold)
            try await bobCall.resume()
            #expect(bobCall.state == .connected)
            await eventually(aliceCall.stateChanged) { aliceCall.state == .connected }
            #expect(aliceSeenByBob.state == .connected)

            try await bobCall.hangUp()
            await alice.dispose()
            await bob.dispose()
        }
    }

    @Test func muteIsShownToTheOtherParty() async throws {
        try await LiveServer.run { server in
            let (aliceId, alice) = try await server.callAgent()
            let (bobId, bob) = try await server.callAgent()
            let (aliceCall, bobCall) = try await connect(alice, to: bob, bobId)
            let aliceSeenByBob = try #require(bobCall.remoteParticipants.first { $0.identifier.rawId == aliceId })
            let seenMuted = Recording(aliceSeenByBob.isMutedChanged)
            let ownMuted = Recording(aliceCall.isMutedChanged)

            try await aliceCall.mute()
            await seenMuted.first { $0 }
            #expect(aliceSeenByBob.isMuted)
            #expect(aliceCall.isMuted)
            try await aliceCall.unmute()
            await seenMuted.first { !$0 }
            #expect(await seenMuted.values == [true, false])
            await ownMuted.first { !$0 }
            #expect(await ownMuted.values == [true, false])

            try await aliceCall.hangUp()
            await alice.dispose()
            await bob.dispose()
        }
    }

    @Test func bothSidesCanJoinMuted() async throws {
        try await LiveServer.run { server in
            let (aliceId, alice) = try await server.callAgent()
            let (bobId, bob) = try await server.callAgent()
            let ringing = Recording(bob.incomingCalls)
            let call = try await alice.startCall([CommunicationUserIdentifier(bobId)], options: StartCallOptions(muted: true))
            #expect(call.isMuted)
            let bobCall = try await nextIncoming(ringing, id: call.id).accept(options: AcceptCallOptions(muted: true))
            #expect(bobCall.isMuted)
            let aliceSeenByBob = try #require(bobCall.remoteParticipants.first { $0.identifier.rawId == aliceId })
            #expect(aliceSeenByBob.isMuted)
            let bobSeenByAlice = try #require(call.remoteParticipants.first { $0.identifier.rawId == bobId })
            await eventually(bobSeenByAlice.isMutedChanged) { bobSeenByAlice.isMuted }
            try await call.hangUp()
            await alice.dispose()
            await bob.dispose()
        }
    }

    @Test func aTokenWithoutVoipCannotRegister() async throws {
        try await LiveServer.run { server in
            let token = try await server.chatOnlyToken()
            let refused = await #expect(throws: CallingError.self) { try await server.callAgent(token: token) }
            #expect(refused?.status == 403)
        }
    }
}

/// Alice calls Bob; returns her call and the call ringing at Bob's agent.
func ring(_ bob: CallAgent, _ bobId: String, from alice: CallAgent) async throws -> (Call, IncomingCall) {
    let ringing = Recording(bob.incomingCalls)
    defer { ringing.stop() }
    let call = try await alice.startCall([CommunicationUserIdentifier(bobId)])
    return (call, try await nextIncoming(ringing, id: call.id))
}

/// Alice calls Bob, Bob answers; returns both calls once connected on both sides.
func connect(_ alice: CallAgent, to bob: CallAgent, _ bobId: String) async throws -> (Call, Call) {
    let (call, incoming) = try await ring(bob, bobId, from: alice)
    let bobCall = try await incoming.accept()
    await eventually(call.stateChanged) { call.state == .connected }
    await eventually(bobCall.stateChanged) { bobCall.state == .connected }
    return (call, bobCall)
}

extension Array where Element: Equatable {
    /// Whether this array ends `full` and has at least `count` elements (states observed from
    /// a moment that may come after the first change).
    func isSuffix(of full: [Element], atLeast count: Int) -> Bool {
        self.count >= count && full.suffix(self.count).elementsEqual(self)
    }
}
