import Foundation
import ParleyAPI
import ParleyCore
import ParleySQLite
import Testing

/// Call faults (development mode): callees that never answer or decline at once, and calls
/// ended with a chosen reason, as every party sees them.
@Suite struct CallFaultTests {
    func harness() async throws -> (CallHarness, FaultInjector) {
        let clock = ManualWallClock()
        let faults = FaultInjector(clock: clock, ids: RandomIdentifierGenerator())
        return (try await CallHarness(faults: faults), faults)
    }

    @Test func aCalleeThatNeverAnswersIsNotRungAndTheCallRingsOut() async throws {
        let (harness, faults) = try await harness()
        let alice = try await harness.appUser("Alice")
        let bob = try await harness.appUser("Bob")
        _ = try faults.add(match: FaultMatch(api: .ringing, identity: bob.rawId), action: .noAnswer, times: 1, durationSeconds: nil)

        let callId = try await alice.call(bob)
        #expect(alice.states(callId) == [.connecting, .ringing])
        #expect(bob.incomingCalls.isEmpty)
        // Another device of Bob's that registers meanwhile does not ring either.
        let bobsPhone = try await harness.device(of: bob)
        #expect(bobsPhone.incomingCalls.isEmpty)

        harness.fixture.clock.advance(by: 85)
        harness.calls.sweep()
        #expect(alice.view(callId)?.callEndReason == .noAnswer)
        #expect(bob.incomingEnded(callId) == nil)

        // The rule is used up: the next call rings.
        let second = try await alice.call(bob)
        #expect(bob.incomingCalls.map(\.id) == [second])
    }

    @Test func aCalleeThatDeclinesEndsTheCallerWith603AtOnce() async throws {
        let (harness, faults) = try await harness()
        let alice = try await harness.appUser("Alice")
        let bob = try await harness.appUser("Bob")
        _ = try faults.add(match: FaultMatch(api: .ringing, identity: bob.rawId), action: .decline, times: nil, durationSeconds: nil)

        let callId = try await alice.call(bob)
        #expect(alice.view(callId)?.state == .disconnected)
        #expect(alice.view(callId)?.callEndReason == .declined)
        #expect(alice.remote(bob, in: callId)?.callEndReason == .declined)
        #expect(bob.incomingCalls.isEmpty)
        #expect(harness.calls.runningCalls().isEmpty)
    }

    @Test func inAGroupCallOnlyTheDecliningCalleeLeaves() async throws {
        let (harness, faults) = try await harness()
        let alice = try await harness.appUser("Alice")
        let bob = try await harness.appUser("Bob")
        let carol = try await harness.appUser("Carol")
        _ = try faults.add(match: FaultMatch(api: .ringing, identity: carol.rawId), action: .decline, times: nil, durationSeconds: nil)

        let callId = try await alice.call(bob, carol)
        #expect(alice.remote(carol, in: callId)?.callEndReason == .declined)
        #expect(bob.incomingCalls.map(\.id) == [callId])
        try await bob.accept(callId)
        #expect(alice.view(callId)?.state == .connected)
    }

    @Test func anAddedParticipantCanBeMadeToDecline() async throws {
        let (harness, faults) = try await harness()
        let alice = try await harness.appUser("Alice")
        let bob = try await harness.appUser("Bob")
        let carol = try await harness.appUser("Carol")
        let callId = try await alice.call(bob)
        try await bob.accept(callId)
        _ = try faults.add(match: FaultMatch(api: .ringing, thread: callId), action: .decline, times: nil, durationSeconds: nil)

        let reply = await alice.request(.addParticipant(CallTargetRequest(callId: callId, target: carol.identifier)))
        #expect(reply.error == nil)
        #expect(alice.remote(carol, in: callId)?.callEndReason == .declined)
        #expect(carol.incomingCalls.isEmpty)
        #expect(alice.view(callId)?.state == .connected)
    }

    @Test func anEndedCallTellsEveryPartyTheChosenReason() async throws {
        let (harness, _) = try await harness()
        let alice = try await harness.appUser("Alice")
        let bob = try await harness.appUser("Bob")
        let carol = try await harness.appUser("Carol")
        let callId = try await alice.call(bob, carol)
        try await bob.accept(callId)
        let reason = CallEndReason(code: 500, subCode: 1234)

        try harness.calls.end(callId, reason: reason)
        #expect(alice.view(callId)?.callEndReason == reason)
        #expect(bob.view(callId)?.callEndReason == reason)
        // Carol was still ringing: her ringing stops with the reason.
        #expect(carol.incomingEnded(callId) == reason)
        #expect(harness.calls.runningCalls().isEmpty)
        await harness.calls.flushRecords()
        #expect(try await harness.fixture.store.call(id: callId)?.endReason == reason)
        #expect(throws: ParleyError.self) { try harness.calls.end(callId, reason: reason) }
    }

    @Test func runningCallsShowTheirParticipantsAndEndpoints() async throws {
        let (harness, _) = try await harness()
        let alice = try await harness.appUser("Alice")
        let bob = try await harness.appUser("Bob")
        let callId = try await alice.call(bob)
        let running = try #require(harness.calls.runningCalls().first)
        #expect(running.id == callId)
        #expect(running.participants.map(\.rawId) == [alice.rawId, bob.rawId])
        #expect(running.participants.map(\.state) == ["connected", "ringing"])
        #expect(running.participants.first?.endpointId == alice.session.endpointId)
    }
}
