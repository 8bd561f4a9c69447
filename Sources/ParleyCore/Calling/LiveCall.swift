import Foundation
import ParleyAPI

/// A running call: its parties and their states. Owned by ``CallService``, which changes it
/// under its lock; every change bumps ``version``.
struct LiveCall: Sendable {
    struct Participant: Sendable {
        enum Presence: Sendable, Equatable {
            /// Rung, not answered yet.
            case ringing(deadline: Date)
            case connected
            case left(CallEndReason)
        }

        var party: CallParty
        var displayName: String?
        var role: CallRecord.Party.Role
        var presence: Presence
        /// The endpoint taking part (the caller's from the start, a callee's once it accepts).
        var endpointId: String?
        var isMuted = false
        var isHeld = false
        /// Order of joining: the later joiner of a pair is the polite side of glare.
        var joinOrder = 0
        var invitedAt: Date
        var joinedAt: Date?
        var leftAt: Date?
        /// The call version at which the participant left: its departure is shown once.
        var leftAtVersion: Int64?
        /// Who transferred the call to this participant.
        var transferredBy: String?

        var rawId: String { party.rawId }
        var isRinging: Bool {
            if case .ringing = presence { return true }
            return false
        }
        var isConnected: Bool { presence == .connected }
        var isPresent: Bool {
            if case .left = presence { return false }
            return true
        }
        var endReason: CallEndReason? {
            if case .left(let reason) = presence { return reason }
            return nil
        }
    }

    let id: String
    /// The resource of the app side; nil for calls among Teams users.
    let resourceId: UUID?
    let startedAt: Date
    let callerRawId: String
    var isGroupCall: Bool
    var version: Int64 = 1
    var participants: [Participant]
    var connectedAt: Date?
    var endedAt: Date?
    var endReason: CallEndReason?
    var teamsRecording = false
    var resourceRecordingId: String?
    var transcription = false
    var joinCount = 0
    /// Outstanding SDP offers, by the pair they are between: the raw id of who offered.
    var pendingOffers: [PairKey: String] = [:]

    struct PairKey: Hashable, Sendable {
        let low: String
        let high: String
        init(_ a: String, _ b: String) {
            (low, high) = a < b ? (a, b) : (b, a)
        }
    }

    var isEnded: Bool { endedAt != nil }
    var isRecordingActive: Bool { teamsRecording || resourceRecordingId != nil }

    /// An app user and the organization side both take part (or took part).
    var isInterop: Bool {
        participants.contains { $0.party.isAppUser } && participants.contains { $0.party.isOrganization }
    }

    func index(of rawId: String) -> Int? {
        participants.lastIndex { $0.rawId == rawId && $0.isPresent }
    }

    func participant(atEndpoint endpointId: String) -> Int? {
        participants.firstIndex { $0.endpointId == endpointId && $0.isPresent }
    }

    var connectedCount: Int { participants.count { $0.isConnected } }
    var ringingCount: Int { participants.count { $0.isRinging } }
}

// MARK: What an endpoint sees

extension LiveCall {
    /// The call as the participant at `index` sees it.
    func snapshot(for index: Int, profile: InteropProfile, stateOverride: CallState? = nil) -> CallSnapshot {
        let me = participants[index]
        // A transfer target never knew the transferor it replaced.
        let others = participants.indices.filter { $0 != index && (participants[$0].isPresent || participants[$0].rawId != me.transferredBy) }
            .compactMap { remote($0) }
        return CallSnapshot(
            id: id,
            version: version,
            state: stateOverride ?? state(for: index),
            direction: me.role == .caller ? .outgoing : .incoming,
            callerInfo: callerInfo,
            isGroupCall: isGroupCall,
            isInterop: isInterop,
            isMuted: me.isMuted,
            remoteParticipants: others,
            isRecordingActive: isRecordingActive,
            isTranscriptionActive: transcription,
            capabilities: capabilities(for: me, profile: profile),
            callEndReason: me.endReason
        )
    }

    var callerInfo: CallerInfo {
        let caller = participants.first { $0.role == .caller }
        return CallerInfo(identifier: CommunicationIdentifierModel(CommunicationIdentifierKind(rawId: callerRawId)), displayName: caller?.displayName)
    }

    private func state(for index: Int) -> CallState {
        let me = participants[index]
        switch me.presence {
        case .left: return .disconnected
        case .ringing: return .none
        case .connected: break
        }
        if me.isHeld { return .localHold }
        let connectedOthers = participants.indices.filter { $0 != index && participants[$0].isConnected }
        guard connectedAt != nil, !connectedOthers.isEmpty else { return .ringing }
        if !isGroupCall, connectedOthers.contains(where: { participants[$0].isHeld }) { return .remoteHold }
        return .connected
    }

    /// The participant at `index` as the others see it; nil once its departure has been shown,
    /// and for transfer targets that have not answered (only the transferor knows of them).
    private func remote(_ index: Int) -> RemoteParticipantInfo? {
        let participant = participants[index]
        if participant.role == .transferTarget, participant.joinedAt == nil { return nil }
        let state: ParticipantState
        switch participant.presence {
        case .ringing: state = .ringing
        case .connected: state = participant.isHeld ? .hold : .connected
        case .left:
            guard participant.leftAtVersion == version else { return nil }
            state = .disconnected
        }
        return RemoteParticipantInfo(
            identifier: CommunicationIdentifierModel(CommunicationIdentifierKind(rawId: participant.rawId)),
            displayName: participant.displayName,
            state: state,
            isMuted: participant.isMuted,
            callEndReason: participant.endReason
        )
    }

    /// What the participant may do in the call, following the interop profile's rules.
    func capabilities(for me: Participant, profile: InteropProfile) -> [String: CallCapability] {
        let faithful = profile == .faithful
        let present = CallCapability(isPresent: true, reason: "Capable")
        let unsupported = CallCapability(isPresent: false, reason: "FeatureNotSupported")
        let notCapable = CallCapability(isPresent: false, reason: "NotCapable")
        let interop = isInterop
        // K2: an interop call never grows; K1: an app-side call never takes in a Teams user.
        let addCommunicationUser = faithful && interop ? unsupported : (me.party.isAppUser || !faithful ? present : unsupported)
        let addTeamsUser = faithful && (interop || me.party.isAppUser) ? unsupported : present
        return [
            CallCapabilityName.addCommunicationUser: addCommunicationUser,
            CallCapabilityName.addTeamsUser: addTeamsUser,
            CallCapabilityName.removeParticipant: isGroupCall ? present : notCapable,
            CallCapabilityName.hangUpForEveryOne: present,
            CallCapabilityName.unmuteMic: present,
            CallCapabilityName.turnVideoOn: present,
            CallCapabilityName.shareScreen: present,
            CallCapabilityName.transfer: isGroupCall ? notCapable : present,
            CallCapabilityName.manageRecording: me.party.isOrgUser ? present : notCapable,
            CallCapabilityName.manageTranscription: me.party.isOrgUser ? present : notCapable,
        ]
    }
}
