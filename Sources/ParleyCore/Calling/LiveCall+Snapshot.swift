import Foundation
import ParleyAPI

/// What an endpoint sees of a call.
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

    /// The incoming-call notice the participant at `index` rings with: a transfer target sees the
    /// transferee as the caller.
    func incomingCall(for index: Int) -> IncomingCallInfo {
        let participant = participants[index]
        var callerInfo = self.callerInfo
        if let transferor = participant.transferredBy,
            let transferee = participants.first(where: { $0.isConnected && $0.rawId != transferor && $0.rawId != participant.rawId })
        {
            callerInfo = CallerInfo(
                identifier: CommunicationIdentifierModel(CommunicationIdentifierKind(rawId: transferee.rawId)),
                displayName: transferee.displayName
            )
        }
        return IncomingCallInfo(
            id: id,
            callerInfo: callerInfo,
            isGroupCall: isGroupCall,
            transferredBy: participant.transferredBy.map { CommunicationIdentifierModel(CommunicationIdentifierKind(rawId: $0)) }
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
