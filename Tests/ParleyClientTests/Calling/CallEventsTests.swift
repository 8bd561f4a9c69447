import ParleyAPI
import Testing

@testable import ParleyClient

/// A call's values and change sequences, fed snapshots by hand (no server).
@Suite struct CallEventsTests {
    typealias Fixture = CallSnapshotFixture

    @Test func subscribersHearChangesInOrderAndStaleSnapshotsAreIgnored() async throws {
        let call = try Fixture.call(Fixture.snapshot(version: 1, state: .ringing, participants: [Fixture.participant(Fixture.bob, .ringing)]))
        let states = call.stateChanged
        let bob = try #require(call.remoteParticipants.first)
        let bobStates = bob.stateChanged

        #expect(call.apply(Fixture.snapshot(version: 3, state: .connected)) != nil)
        #expect(call.apply(Fixture.snapshot(version: 2, state: .ringing)) == nil)
        #expect(call.apply(Fixture.snapshot(version: 3, state: .localHold)) == nil)
        #expect(call.state == .connected)
        #expect(bob.state == .connected)
        call.apply(Fixture.snapshot(version: 4, state: .disconnected, participants: [], endReason: .hungUp))

        #expect(await collectAll(states) == [.connected, .disconnected])
        #expect(await collectAll(bobStates) == [.connected, .disconnected])
        #expect(call.callEndReason == .hungUp)
        #expect(call.remoteParticipants.isEmpty)
    }

    @Test func participantsAddedAndRemovedAreTheSameObjectsTheCallLists() async throws {
        let call = try Fixture.call(Fixture.snapshot(version: 1))
        let updates = call.remoteParticipantsUpdated
        let bob = try #require(call.remoteParticipants.first)

        call.apply(Fixture.snapshot(version: 2, participants: [Fixture.participant(Fixture.bob), Fixture.participant(Fixture.carol, .ringing)]))
        let carol = try #require(call.remoteParticipants.first { $0.identifier.rawId == Fixture.carol })
        let carolStates = carol.stateChanged
        call.apply(
            Fixture.snapshot(
                version: 3,
                participants: [Fixture.participant(Fixture.bob), Fixture.participant(Fixture.carol, .disconnected, endReason: .noAnswer)]
            )
        )
        call.apply(Fixture.snapshot(version: 4, state: .disconnected, participants: [], endReason: .hungUp))

        let events = await collectAll(updates)
        #expect(events.map { $0.added.map(\.identifier.rawId) } == [[Fixture.carol], [], []])
        #expect(events.map { $0.removed.map(\.identifier.rawId) } == [[], [Fixture.carol], [Fixture.bob]])
        #expect(events[1].removed.first === carol)
        #expect(events[2].removed.first === bob)
        #expect(carol.callEndReason == .noAnswer)
        #expect(await collectAll(carolStates) == [.disconnected])
        #expect(bob.state == .disconnected)
    }

    @Test func featuresFollowTheSnapshots() async throws {
        let call = try Fixture.call(Fixture.snapshot(version: 1, recording: true))
        let recording = call.feature(.recording)
        let transcription = call.feature(.transcription)
        let capabilities = call.feature(.capabilities)
        #expect(recording.isRecordingActive)
        #expect(!transcription.isTranscriptionActive)
        let recordingChanges = recording.isRecordingActiveChanged
        let transcriptionChanges = transcription.isTranscriptionActiveChanged
        let capabilityChanges = capabilities.capabilitiesChanged
        let muteChanges = call.isMutedChanged

        call.apply(Fixture.snapshot(version: 2, muted: true, recording: false, transcription: true, capabilities: [:]))
        call.end(.connectionLost)

        #expect(await collectAll(recordingChanges) == [false])
        #expect(await collectAll(transcriptionChanges) == [true])
        #expect(await collectAll(muteChanges) == [true])
        #expect(await collectAll(capabilityChanges).map(\.newValue) == [[:]])
        #expect(capabilities.capabilities.isEmpty)
        #expect(call.state == .disconnected)
        #expect(call.callEndReason == .connectionLost)
    }

    @Test func aSubscriberAfterTheEndGetsAnEndedSequence() async throws {
        let call = try Fixture.call(Fixture.snapshot(version: 1))
        call.end(.hungUp)
        #expect(await collectAll(call.stateChanged).isEmpty)
        #expect(call.apply(Fixture.snapshot(version: 9)) == nil)
        #expect(call.end(.connectionLost) == nil)
        #expect(call.callEndReason == .hungUp)
    }
}
