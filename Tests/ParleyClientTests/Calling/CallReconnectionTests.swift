import ParleyAPI
import Testing

@testable import ParleyClient

/// A dropped connection: the agent reconnects as the same endpoint and its calls go on.
@Suite struct CallReconnectionTests {
    @Test func aDroppedConnectionComesBackAndTheCallGoesOn() async throws {
        try await LiveServer.run { server in
            let (aliceId, alice) = try await server.callAgent()
            let (bobId, bob) = try await server.callAgent()
            let (aliceCall, bobCall) = try await connect(alice, to: bob, bobId)
            let endpointId = alice.endpointId
            let aliceSeenByBob = try #require(bobCall.remoteParticipants.first { $0.identifier.rawId == aliceId })
            let seenByBob = Recording(aliceSeenByBob.stateChanged)
            let connection = Recording(alice.connectionStateChanged)

            alice.dropConnection()
            await connection.first { $0 == .reconnecting }
            await connection.first { $0 == .connected }
            #expect(alice.endpointId == endpointId)
            #expect(alice.calls.map(\.id) == [aliceCall.id])
            #expect(aliceCall.state == .connected)

            // The call works as before; Bob saw nothing of the drop.
            try await aliceCall.hold()
            await eventually(bobCall.stateChanged) { bobCall.state == .remoteHold }
            try await aliceCall.hangUp()
            await eventually(bobCall.stateChanged) { bobCall.state == .disconnected }
            #expect(await seenByBob.finished() == [.hold, .disconnected])
            await alice.dispose()
            await bob.dispose()
        }
    }

    @Test func disposingHangsUpAndEndsEverySequence() async throws {
        try await LiveServer.run { server in
            let (_, alice) = try await server.callAgent()
            let (bobId, bob) = try await server.callAgent()
            let (aliceCall, bobCall) = try await connect(alice, to: bob, bobId)
            let incoming = Recording(alice.incomingCalls)
            let updates = Recording(alice.callsUpdated)
            let connection = Recording(alice.connectionStateChanged)

            await alice.dispose()
            #expect(aliceCall.state == .disconnected)
            #expect(alice.connectionState == .disconnected)
            #expect(await incoming.finished().isEmpty)
            #expect(await updates.finished().flatMap(\.removed).map(\.id) == [aliceCall.id])
            #expect(await connection.finished() == [.disconnected])
            await eventually(bobCall.stateChanged) { bobCall.state == .disconnected }
            let refused = await #expect(throws: CallingError.self) { try await alice.startCall([CommunicationUserIdentifier(bobId)]) }
            #expect(refused?.code == CallingError.disposedCode)
            await bob.dispose()
        }
    }
}

/// An agent away for longer than the server's grace period.
@Suite struct CallGracePeriodTests {
    @Test func anAgentAwayPastTheGracePeriodFindsItsCallEnded() async throws {
        try await LiveServer.run { server in
            let gate = Barrier(count: 2)
            var options = server.callAgentOptions()
            options.beforeReconnecting = { await gate.arrive() }
            let (_, token) = try await server.appUser()
            let alice = try await CallClient(endpoint: server.endpoint)
                .createCallAgent(credential: try CommunicationTokenCredential(token: token), options: options)
            let (bobId, bob) = try await server.callAgent()
            let (aliceCall, bobCall) = try await connect(alice, to: bob, bobId)
            let connection = Recording(alice.connectionStateChanged)

            // Alice is away: the server keeps her in the call until the grace period is over,
            // then Bob's call ends (0/4521).
            alice.dropConnection()
            await connection.first { $0 == .reconnecting }
            let bobStates = Recording(bobCall.stateChanged)
            server.advanceClock(by: 121)
            #expect(await bobStates.finished().last == .disconnected)
            #expect(bobCall.callEndReason == .remoteDropped)

            // Back, she learns her call is gone (410/3101).
            await gate.arrive()
            await connection.first { $0 == .connected }
            await eventually(aliceCall.stateChanged) { aliceCall.state == .disconnected }
            #expect(aliceCall.callEndReason == .connectionLost)
            #expect(alice.calls.isEmpty)
            await alice.dispose()
            await bob.dispose()
        }
    }
}
