import ParleyAPI
import Testing

@testable import ParleyClient

/// Group calls among app users: several callees, adding and removing participants, leaving,
/// ending for everyone.
@Suite struct GroupCallTests {
    @Test func aGroupCallGrowsShrinksAndEndsForEveryone() async throws {
        try await LiveServer.run { server in
            let (aliceId, alice) = try await server.callAgent(displayName: "Alice")
            let (bobId, bob) = try await server.callAgent(displayName: "Bob")
            let (carolId, carol) = try await server.callAgent(displayName: "Carol")
            let (daveId, dave) = try await server.callAgent(displayName: "Dave")
            let bobRinging = Recording(bob.incomingCalls)
            let carolRinging = Recording(carol.incomingCalls)
            let daveRinging = Recording(dave.incomingCalls)

            let call = try await alice.startCall([CommunicationUserIdentifier(bobId), CommunicationUserIdentifier(carolId)])
            #expect(call.isGroupCall)
            let bobIncoming = try await nextIncoming(bobRinging, id: call.id)
            #expect(bobIncoming.isGroupCall)
            let bobCall = try await bobIncoming.accept()
            let carolCall = try await nextIncoming(carolRinging, id: call.id).accept()
            await everyoneConnected(in: call)
            #expect(Set(call.remoteParticipants.map(\.identifier.rawId)) == [bobId, carolId])
            await everyoneConnected(in: bobCall)
            #expect(Set(bobCall.remoteParticipants.map(\.identifier.rawId)) == [aliceId, carolId])

            // Alice adds Dave: he rings, answers, and everyone sees him.
            let bobUpdates = Recording(bobCall.remoteParticipantsUpdated)
            let added = try await call.addParticipant(CommunicationUserIdentifier(daveId))
            #expect(added.identifier.rawId == daveId)
            #expect([.idle, .ringing].contains(added.state))
            let daveIncoming = try await nextIncoming(daveRinging, id: call.id)
            #expect(daveIncoming.isGroupCall)
            let daveCall = try await daveIncoming.accept()
            await eventually(added.stateChanged) { added.state == .connected }
            await eventually(daveCall.remoteParticipantsUpdated) { daveCall.remoteParticipants.count == 3 }
            #expect(Set(daveCall.remoteParticipants.map(\.identifier.rawId)) == [aliceId, bobId, carolId])
            await bobUpdates.first { $0.added.contains { $0.identifier.rawId == daveId } }

            // Alice removes Dave: his call ends 0/5300; the others see him leave.
            let daveStates = Recording(daveCall.stateChanged)
            try await call.removeParticipant(CommunicationUserIdentifier(daveId))
            #expect(await daveStates.finished().last == .disconnected)
            #expect(daveCall.callEndReason == .removed)
            await bobUpdates.first { $0.removed.contains { $0.identifier.rawId == daveId } }
            await eventually(added.stateChanged) { added.state == .disconnected }
            #expect(added.callEndReason == .removed)
            #expect(!call.remoteParticipants.contains { $0.identifier.rawId == daveId })

            // Bob leaves; the call goes on for Alice and Carol.
            try await bobCall.hangUp()
            #expect(bobCall.callEndReason == .hungUp)
            await eventually(call.remoteParticipantsUpdated) { call.remoteParticipants.map(\.identifier.rawId) == [carolId] }
            #expect(call.state == .connected)
            #expect(carolCall.state == .connected)

            // Alice ends it for everyone: Carol gets 0/4097.
            let carolStates = Recording(carolCall.stateChanged)
            try await call.hangUp(forEveryone: true)
            #expect(call.callEndReason == .hungUp)
            #expect(await carolStates.finished().last == .disconnected)
            #expect(carolCall.callEndReason == .endedForEveryone)
            for agent in [alice, bob, carol, dave] { await agent.dispose() }
        }
    }

    @Test func aCalleeWhoDeclinesLeavesOnlyItself() async throws {
        try await LiveServer.run { server in
            let (_, alice) = try await server.callAgent()
            let (bobId, bob) = try await server.callAgent()
            let (carolId, carol) = try await server.callAgent()
            let bobRinging = Recording(bob.incomingCalls)
            let carolRinging = Recording(carol.incomingCalls)
            let call = try await alice.startCall([CommunicationUserIdentifier(bobId), CommunicationUserIdentifier(carolId)])
            let updates = Recording(call.remoteParticipantsUpdated)

            try await nextIncoming(carolRinging, id: call.id).reject()
            let declined = await updates.first { $0.removed.contains { $0.identifier.rawId == carolId } }
            #expect(declined?.removed.first?.callEndReason == .declined)
            #expect(call.state != .disconnected)

            _ = try await nextIncoming(bobRinging, id: call.id).accept()
            await eventually(call.stateChanged) { call.state == .connected }
            try await call.hangUp(forEveryone: true)
            for agent in [alice, bob, carol] { await agent.dispose() }
        }
    }
}

/// Waits until every remote participant of the call is connected.
private func everyoneConnected(in call: Call, sourceLocation: SourceLocation = #_sourceLocation) async {
    for participant in call.remoteParticipants {
        await eventually(participant.stateChanged, sourceLocation: sourceLocation) { participant.state == .connected }
    }
}
