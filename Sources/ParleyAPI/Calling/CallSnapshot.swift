/// Who placed a call, as the callee's endpoints see it.
public struct CallerInfo: Codable, Sendable, Hashable {
    public var identifier: CommunicationIdentifierModel
    public var displayName: String?

    public init(identifier: CommunicationIdentifierModel, displayName: String?) {
        self.identifier = identifier
        self.displayName = displayName
    }
}

/// Another participant of a call, as an endpoint in the call sees it.
public struct RemoteParticipantInfo: Codable, Sendable, Hashable {
    public var identifier: CommunicationIdentifierModel
    public var displayName: String?
    public var state: ParticipantState
    public var isMuted: Bool
    /// Set once the participant left; for participants added with `addParticipant`, also when
    /// they declined or did not answer.
    public var callEndReason: CallEndReason?

    public init(
        identifier: CommunicationIdentifierModel,
        displayName: String?,
        state: ParticipantState,
        isMuted: Bool,
        callEndReason: CallEndReason? = nil
    ) {
        self.identifier = identifier
        self.displayName = displayName
        self.state = state
        self.isMuted = isMuted
        self.callEndReason = callEndReason
    }
}

/// The whole state of a call as one endpoint in it sees it. The server sends a new snapshot
/// whenever anything in it changes; ``version`` only grows, so a client keeps the newest and
/// derives the ACS SDK's change events (`stateChanged`, `remoteParticipantsUpdated`,
/// `isRecordingActiveChanged`, …) by comparing snapshots.
public struct CallSnapshot: Codable, Sendable, Hashable {
    /// The server call id.
    public var id: String
    public var version: Int64
    public var state: CallState
    public var direction: CallDirection
    public var callerInfo: CallerInfo
    public var isGroupCall: Bool
    /// Whether the call includes a Teams user or voice app and an app user.
    public var isInterop: Bool
    /// Whether this endpoint is muted.
    public var isMuted: Bool
    /// Everyone else in the call (including those still ringing or already gone).
    public var remoteParticipants: [RemoteParticipantInfo]
    /// The privacy signal (P1): recording or transcription is running in the call.
    public var isRecordingActive: Bool
    public var isTranscriptionActive: Bool
    public var capabilities: [String: CallCapability]
    /// Set once ``state`` is ``CallState/disconnected``.
    public var callEndReason: CallEndReason?

    public init(
        id: String,
        version: Int64,
        state: CallState,
        direction: CallDirection,
        callerInfo: CallerInfo,
        isGroupCall: Bool,
        isInterop: Bool,
        isMuted: Bool,
        remoteParticipants: [RemoteParticipantInfo],
        isRecordingActive: Bool,
        isTranscriptionActive: Bool,
        capabilities: [String: CallCapability],
        callEndReason: CallEndReason?
    ) {
        self.id = id
        self.version = version
        self.state = state
        self.direction = direction
        self.callerInfo = callerInfo
        self.isGroupCall = isGroupCall
        self.isInterop = isInterop
        self.isMuted = isMuted
        self.remoteParticipants = remoteParticipants
        self.isRecordingActive = isRecordingActive
        self.isTranscriptionActive = isTranscriptionActive
        self.capabilities = capabilities
        self.callEndReason = callEndReason
    }
}

/// A call ringing at this endpoint (the ACS SDK's `IncomingCall`).
public struct IncomingCallInfo: Codable, Sendable, Hashable {
    /// The server call id, to accept or reject.
    public var id: String
    public var callerInfo: CallerInfo
    public var isGroupCall: Bool
    /// When the call is a transfer: who transferred it.
    public var transferredBy: CommunicationIdentifierModel?

    public init(id: String, callerInfo: CallerInfo, isGroupCall: Bool, transferredBy: CommunicationIdentifierModel? = nil) {
        self.id = id
        self.callerInfo = callerInfo
        self.isGroupCall = isGroupCall
        self.transferredBy = transferredBy
    }
}

/// An incoming call stopped ringing at this endpoint without being accepted here: accepted or
/// declined elsewhere, cancelled by the caller, or not answered in time.
public struct IncomingCallEnded: Codable, Sendable, Hashable {
    public var id: String
    public var callEndReason: CallEndReason

    public init(id: String, callEndReason: CallEndReason) {
        self.id = id
        self.callEndReason = callEndReason
    }
}
