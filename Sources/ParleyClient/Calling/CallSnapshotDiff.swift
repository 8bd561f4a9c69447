import ParleyAPI

/// What changed between two snapshots of a call, as the ACS SDK's events say it: the server
/// sends the whole call on every change, and the SDK derives `stateChanged`,
/// `remoteParticipantsUpdated`, `isMutedChanged` and the others from the difference.
///
/// A remote participant is *in* the call while its state is not `Disconnected`; one that is
/// disconnected, or missing from the newer snapshot, or in a call that ended, is removed (the
/// server shows a departure in one snapshot only).
struct CallSnapshotDiff: Sendable, Equatable {
    var state: CallState?
    var isMuted: Bool?
    var isRecordingActive: Bool?
    var isTranscriptionActive: Bool?
    var capabilities: CapabilitiesChangedEvent?
    /// Participants now in the call that were not, as the newer snapshot shows them.
    var added: [RemoteParticipantInfo] = []
    /// Participants no longer in the call, in state `Disconnected` (with their end reason when
    /// the server gave one).
    var removed: [RemoteParticipantInfo] = []
    /// Participants in both, as the newer snapshot shows them, where anything about them changed.
    var changed: [RemoteParticipantInfo] = []

    /// - Parameter old: the snapshot before; nil for a call seen for the first time.
    init(from old: CallSnapshot?, to new: CallSnapshot) {
        if old?.state != new.state { state = new.state }
        if old?.isMuted != new.isMuted { isMuted = new.isMuted }
        if old?.isRecordingActive != new.isRecordingActive { isRecordingActive = new.isRecordingActive }
        if old?.isTranscriptionActive != new.isTranscriptionActive { isTranscriptionActive = new.isTranscriptionActive }
        capabilities = CapabilitiesChangedEvent(from: old?.capabilities ?? [:], to: new.capabilities)

        let before = old.map(Self.present) ?? []
        let after = Self.present(new)
        let beforeIds = Set(before.map(\.identifier.participantKey))
        let afterIds = Set(after.map(\.identifier.participantKey))
        added = after.filter { !beforeIds.contains($0.identifier.participantKey) }
        changed = after.filter { participant in
            before.contains { $0.identifier.participantKey == participant.identifier.participantKey && $0 != participant }
        }
        removed = before.filter { !afterIds.contains($0.identifier.participantKey) }.map { participant in
            let last = new.remoteParticipants.last { $0.identifier.participantKey == participant.identifier.participantKey }
            var gone = last ?? participant
            gone.state = .disconnected
            gone.callEndReason = last?.callEndReason ?? participant.callEndReason
            return gone
        }
    }

    /// The remote participants in the call, in the server's order, one per raw id.
    static func present(_ snapshot: CallSnapshot) -> [RemoteParticipantInfo] {
        guard snapshot.state != .disconnected else { return [] }
        var seen = Set<String>()
        return snapshot.remoteParticipants.filter { participant in
            participant.state != .disconnected && seen.insert(participant.identifier.participantKey).inserted
        }
    }
}

extension CommunicationIdentifierModel {
    /// The raw id that names a participant in a call (derived from the typed fields when the
    /// model has none).
    var participantKey: String {
        if let rawId, !rawId.isEmpty { return rawId }
        return identifier?.rawId ?? ""
    }
}
