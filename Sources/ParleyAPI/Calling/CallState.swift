/// The state of a call as one of its endpoints sees it, with the ACS Calling SDK's names
/// (`CallState` of the web SDK).
public enum CallState: String, Codable, Sendable, CaseIterable {
    case none = "None"
    /// Placed or accepted, not yet ringing or connected.
    case connecting = "Connecting"
    /// Outgoing: ringing at the callee.
    case ringing = "Ringing"
    case earlyMedia = "EarlyMedia"
    case connected = "Connected"
    /// This endpoint put the call on hold.
    case localHold = "LocalHold"
    /// The other party of a 1:1 call put it on hold.
    case remoteHold = "RemoteHold"
    case inLobby = "InLobby"
    case disconnecting = "Disconnecting"
    /// Final; the call's ``CallEndReason`` says why.
    case disconnected = "Disconnected"
}

/// The state of a remote participant as the other endpoints of the call see it.
public enum ParticipantState: String, Codable, Sendable, CaseIterable {
    /// Added to the call, not yet rung.
    case idle = "Idle"
    case connecting = "Connecting"
    case ringing = "Ringing"
    case earlyMedia = "EarlyMedia"
    case connected = "Connected"
    /// The participant put the call on hold.
    case hold = "Hold"
    case inLobby = "InLobby"
    case disconnected = "Disconnected"
}

/// Whether the call was placed or received by the endpoint.
public enum CallDirection: String, Codable, Sendable {
    case incoming = "Incoming"
    case outgoing = "Outgoing"
}

/// Why a call (or a participant's part in it) ended: `{code, subCode}` with the values of the
/// ACS troubleshooting tables; Parley's own sub-codes (interop refusals) are in docs/errors.md.
public struct CallEndReason: Codable, Sendable, Hashable, CustomStringConvertible {
    public var code: Int
    public var subCode: Int

    public init(code: Int, subCode: Int) {
        self.code = code
        self.subCode = subCode
    }

    /// This endpoint hung up, or the other party of a 1:1 call did.
    public static let hungUp = CallEndReason(code: 0, subCode: 0)
    /// The caller cancelled before anyone answered.
    public static let callerCancelled = CallEndReason(code: 487, subCode: 0)
    /// The callee declined.
    public static let declined = CallEndReason(code: 603, subCode: 0)
    /// Ended for everyone by a participant (`hangUp(forEveryone: true)`).
    public static let endedForEveryone = CallEndReason(code: 0, subCode: 4097)
    /// Another participant dropped off without hanging up, and did not come back in time.
    public static let remoteDropped = CallEndReason(code: 0, subCode: 4521)
    /// Removed from the call by another participant.
    public static let removed = CallEndReason(code: 0, subCode: 5300)
    /// Ended by the service (shut down or restarted during the call).
    public static let endedByPlatform = CallEndReason(code: 0, subCode: 7000)
    /// The user answered on another of its endpoints.
    public static let acceptedElsewhere = CallEndReason(code: 487, subCode: 10003)
    /// Nobody answered before the ringing timeout.
    public static let noAnswer = CallEndReason(code: 487, subCode: 10004)
    /// The user declined on another of its endpoints.
    public static let declinedElsewhere = CallEndReason(code: 487, subCode: 10024)
    /// This endpoint lost its connection and did not come back within the grace period.
    public static let connectionLost = CallEndReason(code: 410, subCode: 3101)
    /// Transferred away: the participant who transferred the call leaves it.
    public static let transferred = CallEndReason(code: 0, subCode: 7015)

    public var description: String { "\(code)/\(subCode)" }
}

/// Whether a capability is available to the endpoint in a call, and if not, why
/// (`Features.Capabilities` of the ACS Calling SDK).
public struct CallCapability: Codable, Sendable, Hashable {
    public var isPresent: Bool
    /// `Capable`, `NotCapable`, `FeatureNotSupported`, …
    public var reason: String

    public init(isPresent: Bool, reason: String) {
        self.isPresent = isPresent
        self.reason = reason
    }
}

/// The capability names Parley reports, with the ACS Calling SDK's names.
public enum CallCapabilityName {
    public static let addCommunicationUser = "addCommunicationUser"
    public static let addTeamsUser = "addTeamsUser"
    public static let removeParticipant = "removeParticipant"
    public static let hangUpForEveryOne = "hangUpForEveryOne"
    public static let unmuteMic = "unmuteMic"
    public static let turnVideoOn = "turnVideoOn"
    public static let shareScreen = "shareScreen"
    public static let transfer = "transfer"
    public static let manageRecording = "manageRecording"
    public static let manageTranscription = "manageTranscription"
}
