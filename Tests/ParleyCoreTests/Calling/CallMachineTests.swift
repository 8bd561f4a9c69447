import Foundation
import ParleyAPI
import Testing

@testable import ParleyCore

/// The call rules alone, with no service, lock or connection around them: what each transition
/// does to the call, and whom its effects address.
@Suite struct CallMachineTests {
    let machine = CallMachine(rules: CallRules(profile: .faithful), timeouts: CallTimeouts(ringingSeconds: 85, reconnectGraceSeconds: 120))
    let resource = UUID()
    let start = Date(timeIntervalSince1970: 1_800_000_000)

    func actor(_ name: String, endpoint: String, request: String = "r") -> CallMachine.Actor {
        CallMachine.Actor(
            endpointId: endpoint,
            party: CallParty(rawId: "8:acs:\(resource.uuidString.lowercased())_\(name)", home: .resource(resource)),
            displayName: name.capitalized,
            requestId: request
        )
    }

    func target(_ actor: CallMachine.Actor) -> CallPolicy.Target {
        CallPolicy.Target(party: actor.party, displayName: nil)
    }

    @Test func startingRingsEveryEndpointOfTheCalleeAndRepliesFirst() {
        let alice = actor("alice", endpoint: "a1")
        let bob = actor("bob", endpoint: "b1")
        let (call, effects) = machine.start(id: "c1", by: alice, targets: [target(bob)], at: start)

        #expect(call.participants.map(\.rawId) == [alice.rawId, bob.rawId])
        #expect(call.participants[1].presence == .ringing(deadline: start.addingTimeInterval(85)))
        #expect(effects.reply?.endpointId == "a1")
        #expect(effects.reply?.reply.call?.state == .connecting)
        #expect(effects.replyFirst)
        let recipients = effects.frames.map(\.0)
        #expect(recipients.contains(.user(bob.rawId, except: nil)))
        #expect(recipients.contains(.endpoint("a1")))
        #expect(effects.recordChanged)
        #expect(effects.events.map(\.kind) == [.callStarted, .callParticipantAdded])
    }

    @Test func acceptingStopsTheOtherDevicesAndConnectsTheCall() throws {
        let alice = actor("alice", endpoint: "a1")
        let bob = actor("bob", endpoint: "b2")
        var (call, _) = machine.start(id: "c1", by: alice, targets: [target(bob)], at: start)

        let effects = try machine.accept(&call, by: bob, at: start.addingTimeInterval(3))

        #expect(call.participants[1].isConnected)
        #expect(call.participants[1].endpointId == "b2")
        #expect(call.connectedAt == start.addingTimeInterval(3))
        #expect(effects.frames.contains { $0.0 == .user(bob.rawId, except: "b2") })
        #expect(call.snapshot(for: 0, profile: .faithful).state == .connected)
        #expect(effects.events.map(\.kind) == [.callParticipantAdded])
    }

    @Test func aRefusedTransitionLeavesTheCallAsItWas() throws {
        let alice = actor("alice", endpoint: "a1")
        let bob = actor("bob", endpoint: "b1")
        var (call, _) = machine.start(id: "c1", by: alice, targets: [target(bob)], at: start)
        let before = call.version

        // Bob has not answered: he cannot hang up (he rejects instead), nor relay media.
        #expect(throws: ParleyError.self) { try machine.hangUp(&call, by: bob, forEveryone: false, at: start) }
        #expect(throws: ParleyError.self) {
            try machine.relay(CallSignal(callId: "c1", kind: .offer, to: alice.rawId, sdp: "v=0"), in: &call, by: bob)
        }
        #expect(call.version == before)
        #expect(call.participants[1].isRinging)
    }

    @Test func ringingRunsOutAtItsDeadlineAndNotBefore() {
        let alice = actor("alice", endpoint: "a1")
        let bob = actor("bob", endpoint: "b1")
        var (call, _) = machine.start(id: "c1", by: alice, targets: [target(bob)], at: start)

        #expect(machine.expire(&call, at: start.addingTimeInterval(84.9), lostEndpoints: []) == nil)
        let effects = machine.expire(&call, at: start.addingTimeInterval(85), lostEndpoints: [])

        #expect(call.isEnded)
        #expect(call.participants[1].endReason == .noAnswer)
        #expect(effects?.events.last?.kind == .callEnded)
        #expect(effects?.frames.contains { $0.0 == .user(bob.rawId, except: nil) } == true)
    }

    @Test func aLostEndpointEndsAOneToOneCallForBothWithTheirReasons() throws {
        let alice = actor("alice", endpoint: "a1")
        let bob = actor("bob", endpoint: "b1")
        var (call, _) = machine.start(id: "c1", by: alice, targets: [target(bob)], at: start)
        _ = try machine.accept(&call, by: bob, at: start)

        _ = machine.expire(&call, at: start.addingTimeInterval(200), lostEndpoints: ["b1"])

        #expect(call.isEnded)
        #expect(call.participants[0].endReason == .remoteDropped)
        #expect(call.participants[1].endReason == .connectionLost)
    }
}
