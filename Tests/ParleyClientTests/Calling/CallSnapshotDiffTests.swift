import ParleyAPI
import Testing

@testable import ParleyClient

/// The ACS SDK's change events, derived from successive call snapshots.
@Suite struct CallSnapshotDiffTests {
    typealias Fixture = CallSnapshotFixture

    @Test func identicalSnapshotsChangeNothing() {
        let snapshot = Fixture.snapshot(version: 1)
        var newer = snapshot
        newer.version = 2
        let diff = CallSnapshotDiff(from: snapshot, to: newer)
        #expect(diff.state == nil)
        #expect(diff.isMuted == nil)
        #expect(diff.isRecordingActive == nil)
        #expect(diff.isTranscriptionActive == nil)
        #expect(diff.capabilities == nil)
        #expect(diff.added.isEmpty && diff.removed.isEmpty && diff.changed.isEmpty)
    }

    @Test func eachValueThatChangedIsReportedWithItsNewValue() {
        let old = Fixture.snapshot(version: 1, state: .ringing)
        let new = Fixture.snapshot(
            version: 2,
            state: .connected,
            muted: true,
            recording: true,
            transcription: true,
            capabilities: [CallCapabilityName.transfer: CallCapability(isPresent: false, reason: "NotCapable")]
        )
        let diff = CallSnapshotDiff(from: old, to: new)
        #expect(diff.state == .connected)
        #expect(diff.isMuted == true)
        #expect(diff.isRecordingActive == true)
        #expect(diff.isTranscriptionActive == true)
        #expect(diff.capabilities?.oldValue[CallCapabilityName.transfer]?.isPresent == true)
        #expect(diff.capabilities?.newValue[CallCapabilityName.transfer]?.reason == "NotCapable")
    }

    @Test func capabilitiesReportOnlyTheNamesThatChanged() {
        let capable = CallCapability(isPresent: true, reason: "Capable")
        let unsupported = CallCapability(isPresent: false, reason: "FeatureNotSupported")
        let old = Fixture.snapshot(version: 1, capabilities: ["a": capable, "b": capable])
        let new = Fixture.snapshot(version: 2, capabilities: ["a": capable, "b": unsupported, "c": capable])
        let change = CallSnapshotDiff(from: old, to: new).capabilities
        #expect(change?.oldValue == ["b": capable])
        #expect(change?.newValue == ["b": unsupported, "c": capable])
    }

    @Test func participantsJoiningChangingAndLeaving() {
        let old = Fixture.snapshot(version: 1, participants: [Fixture.participant(Fixture.bob), Fixture.participant(Fixture.carol, .ringing)])
        let new = Fixture.snapshot(
            version: 2,
            participants: [
                Fixture.participant(Fixture.bob, .hold, muted: true),
                Fixture.participant(Fixture.carol, .disconnected, endReason: .declined),
                Fixture.participant("8:acs:resource_dave", .ringing),
            ]
        )
        let diff = CallSnapshotDiff(from: old, to: new)
        #expect(diff.added.map(\.identifier.participantKey) == ["8:acs:resource_dave"])
        #expect(diff.changed.map(\.identifier.participantKey) == [Fixture.bob])
        #expect(diff.changed.first?.state == .hold)
        #expect(diff.changed.first?.isMuted == true)
        #expect(diff.removed.map(\.identifier.participantKey) == [Fixture.carol])
        #expect(diff.removed.first?.state == .disconnected)
        #expect(diff.removed.first?.callEndReason == .declined)
    }

    @Test func aParticipantMissingFromTheNewerSnapshotIsRemovedAsDisconnected() {
        let old = Fixture.snapshot(version: 1, participants: [Fixture.participant(Fixture.bob), Fixture.participant(Fixture.carol)])
        let new = Fixture.snapshot(version: 5, participants: [Fixture.participant(Fixture.bob)])
        let diff = CallSnapshotDiff(from: old, to: new)
        #expect(diff.removed.map(\.identifier.participantKey) == [Fixture.carol])
        #expect(diff.removed.first?.state == .disconnected)
        #expect(diff.added.isEmpty)
    }

    @Test func whenTheCallEndsEveryoneIsRemoved() {
        let old = Fixture.snapshot(version: 1, participants: [Fixture.participant(Fixture.bob), Fixture.participant(Fixture.carol)])
        let new = Fixture.snapshot(
            version: 2,
            state: .disconnected,
            participants: [Fixture.participant(Fixture.bob, .disconnected, endReason: .hungUp), Fixture.participant(Fixture.carol)],
            endReason: .hungUp
        )
        let diff = CallSnapshotDiff(from: old, to: new)
        #expect(diff.state == .disconnected)
        #expect(Set(diff.removed.map(\.identifier.participantKey)) == [Fixture.bob, Fixture.carol])
        #expect(diff.removed.allSatisfy { $0.state == .disconnected })
        #expect(diff.removed.first { $0.identifier.participantKey == Fixture.bob }?.callEndReason == .hungUp)
    }

    @Test func aParticipantWhoLeftAndCameBackIsPresentOnce() {
        let snapshot = Fixture.snapshot(
            version: 3,
            participants: [Fixture.participant(Fixture.bob, .disconnected, endReason: .removed), Fixture.participant(Fixture.bob, .ringing)]
        )
        #expect(CallSnapshotDiff.present(snapshot).map(\.state) == [.ringing])
    }

    @Test func aParticipantIsKeyedByItsRawIdEvenWhenOnlyTheTypedFieldsAreSent() {
        let model = CommunicationIdentifierModel(communicationUser: CommunicationUserModel(id: Fixture.bob))
        #expect(model.participantKey == Fixture.bob)
    }
}
