import ParleyAPI
import Testing

@testable import ParleyClient

/// Transfers of 1:1 calls, and calls nobody answers.
@Suite struct CallTransferAndTimeoutTests {
    @Test func aTransferReplacesTheTransferorOnceTheTargetAnswers() async throws {
        try await LiveServer.run { server in
            let (aliceId, alice) = try await server.callAgent(displayName: "Alice")
            let (bobId, bob) = try await server.callAgent(displayName: "Bob")
            let (carolId, carol) = try await server.callAgent(displayName: "Carol")
            let (aliceCall, bobCall) = try await connect(alice, to: bob, bobId)
            let carolRinging = Recording(carol.incomingCalls)
            let aliceUpdates = Recording(aliceCall.remoteParticipantsUpdated)
            let bobStates = Recording(bobCall.stateChanged)

            // Bob hands Alice over to Carol, who sees the call as coming from Alice.
            try await bobCall.transfer(to: CommunicationUserIdentifier(carolId))
            let incoming = try await nextIncoming(carolRinging, id: aliceCall.id)
            #expect(incoming.transferredBy?.rawId == bobId)
            #expect(incoming.callerInfo.identifier.participantKey == aliceId)
            let carolCall = try await incoming.accept()

            #expect(await bobStates.finished().last == .disconnected)
            #expect(bobCall.callEndReason == .transferred)
            await aliceUpdates.first { $0.removed.contains { $0.identifier.rawId == bobId } }
            await eventually(aliceCall.remoteParticipantsUpdated) { aliceCall.remoteParticipants.map(\.identifier.rawId) == [carolId] }
            await eventually(carolCall.stateChanged) { carolCall.state == .connected }
            #expect(carolCall.remoteParticipants.map(\.identifier.rawId) == [aliceId])
            #expect(aliceCall.state == .connected)

            try await carolCall.hangUp()
            await eventually(aliceCall.stateChanged) { aliceCall.state == .disconnected }
            for agent in [alice, bob, carol] { await agent.dispose() }
        }
    }

    @Test func aTransferTheTargetDeclinesLeavesTheCallAsItWas() async throws {
        try await LiveServer.run { server in
            let (_, alice) = try await server.callAgent()
            let (bobId, bob) = try await server.callAgent()
            let (carolId, carol) = try await server.callAgent()
            let (aliceCall, bobCall) = try await connect(alice, to: bob, bobId)
            let carolRinging = Recording(carol.incomingCalls)

            try await bobCall.transfer(to: CommunicationUserIdentifier(carolId))
            try await nextIncoming(carolRinging, id: aliceCall.id).reject()
            #expect(bobCall.state == .connected)
            #expect(aliceCall.remoteParticipants.map(\.identifier.rawId) == [bobId])

            try await aliceCall.hangUp()
            await eventually(bobCall.stateChanged) { bobCall.state == .disconnected }
            for agent in [alice, bob, carol] { await agent.dispose() }
        }
    }

    @Test func aCallNobodyAnswersEndsAtTheRingingTimeout() async throws {
        try await LiveServer.run { server in
            let (_, alice) = try await server.callAgent()
            let (bobId, bob) = try await server.callAgent()
            let (call, incoming) = try await ring(bob, bobId, from: alice)
            let callStates = Recording(call.stateChanged)
            let ended = Recording(incoming.ended)

            server.advanceClock(by: 86)
            #expect(await ended.finished() == [.noAnswer])
            #expect(await callStates.finished().last == .disconnected)
            #expect(call.callEndReason == .noAnswer)
            #expect(bob.ringingCalls.isEmpty)
            await alice.dispose()
            await bob.dispose()
        }
    }
}
