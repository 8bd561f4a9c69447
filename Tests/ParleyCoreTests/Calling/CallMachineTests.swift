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

    @Test func startingRingsEveryEndpointOfTheCalleeAndRepliesFirst() throws {
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
        // Bob is an app user: his resource hears that the call rings him, after CallStarted.
        #expect(effects.events.map(\.kind) == [.callStarted, .callParticipantAdded, .incomingCall])
        let incoming = try #require(effects.events.last)
        #expect(incoming.resourceId == resource.uuidString.lowercased())
        #expect(incoming.subject == "c1")
        #expect(incoming.data["callee"] == bob.rawId)
        #expect(incoming.data["from"] == alice.rawId)
        #expect(incoming.data["callerDisplayName"] == "Alice")
        #expect(incoming.data["deadline"] == String(Int64(start.addingTimeInterval(85).timeIntervalSince1970 * 1000)))
    }

    @Test func aTeamsCalleeRaisesNoIncomingCall() {
        let alice = actor("alice", endpoint: "a1")
        let adele = CallPolicy.Target(party: CallParty(rawId: "8:orgid:\(UUID().uuidString.lowercased())", home: .tenant(UUID())), displayName: nil)
        let (_, effects) = machine.start(id: "c1", by: alice, targets: [adele], at: start)

        #expect(effects.events.map(\.kind) == [.callStarted, .callParticipantAdded])
    }

    @Test func aTransferTargetIsRungWithTheTransfereeAsCaller() throws {
        let alice = actor("alice", endpoint: "a1")
        let bob = actor("bob", endpoint: "b1")
        let carol = actor("carol", endpoint: "c1")
        var (call, _) = machine.start(id: "c1", by: alice, targets: [target(bob)], at: start)
        _ = try machine.accept(&call, by: bob, at: start)

        let effects = try machine.transfer(&call, to: target(carol), by: bob, at: start.addingTimeInterval(10))

        #expect(effects.recordChanged)
        #expect(effects.events.map(\.kind) == [.incomingCall])
        #expect(effects.events.first?.data["callee"] == carol.rawId)
        #expect(effects.events.first?.data["from"] == alice.rawId)
    }

    @Test func theCallEndedEventNamesWhoEndedItAndNobodyWhenThePlatformDid() throws {
        let alice = actor("alice", endpoint: "a1")
        let bob = actor("bob", endpoint: "b1")
        let carol = actor("carol", endpoint: "c1")
        func ended(_ effects: CallEffects?) -> DomainEvent? { effects?.events.first { $0.kind == .callEnded } }

        // Hanging up a 1:1 call.
        var (call, _) = machine.start(id: "c1", by: alice, targets: [target(bob)], at: start)
        _ = try machine.accept(&call, by: bob, at: start)
        let hangUp = ended(try machine.hangUp(&call, by: bob, forEveryone: false, at: start.addingTimeInterval(5)))
        #expect(hangUp?.data["endedBy"] == bob.rawId)
        #expect(hangUp?.data["endedByName"] == "Bob")

        // Declining.
        (call, _) = machine.start(id: "c2", by: alice, targets: [target(bob)], at: start)
        #expect(ended(try machine.reject(&call, by: bob, at: start))?.data["endedBy"] == bob.rawId)

        // Removing the last other party of a group call: the remover leaves with the call.
        (call, _) = machine.start(id: "c3", by: alice, targets: [target(bob), target(carol)], at: start)
        _ = try machine.accept(&call, by: bob, at: start)
        _ = try machine.reject(&call, by: carol, at: start)
        let removal = ended(try machine.remove(bob.rawId, from: &call, by: alice, at: start.addingTimeInterval(5)))
        #expect(call.isEnded)
        #expect(removal?.data["endedBy"] == alice.rawId)

        // Nobody answering: the platform ended it.
        (call, _) = machine.start(id: "c4", by: alice, targets: [target(bob)], at: start)
        let noAnswer = ended(machine.expire(&call, at: start.addingTimeInterval(85), lostEndpoints: []))
        #expect(noAnswer != nil)
        #expect(noAnswer?.data["endedBy"] == nil)
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
