/// Makes the connection a calling endpoint (the ACS SDK's `CallAgent`): it rings for incoming
/// calls from now on. Registering again with an ``endpointId`` the server issued earlier (after
/// a dropped connection) takes the endpoint's calls back within the grace period.
public struct RegisterCallAgentRequest: Codable, Sendable, Hashable {
    /// Shown to the other parties of calls; defaults to the user's directory name.
    public var displayName: String?
    public var endpointId: String?
    /// For an application token of a tenant: the app id of the tenant's Teams voice app this
    /// endpoint answers for (`28:orgid:<app id>`).
    public var voiceAppId: String?

    public init(displayName: String? = nil, endpointId: String? = nil, voiceAppId: String? = nil) {
        self.displayName = displayName
        self.endpointId = endpointId
        self.voiceAppId = voiceAppId
    }
}

/// The endpoint as registered, with the calls it is in and the ICE servers to use.
public struct CallAgentRegistration: Codable, Sendable, Hashable {
    public var endpointId: String
    /// Calls this endpoint was in before its connection dropped, as they are now.
    public var calls: [CallSnapshot]
    /// Calls ringing for the user now (each also comes as an `incomingCall` frame); an incoming
    /// call a returning endpoint knew of and that is not here stopped ringing meanwhile.
    public var ringing: [IncomingCallInfo]
    /// STUN and TURN servers with short-lived credentials, when the server has a relay.
    public var iceServers: [CallIceServer]

    public init(endpointId: String, calls: [CallSnapshot], ringing: [IncomingCallInfo] = [], iceServers: [CallIceServer]) {
        self.endpointId = endpointId
        self.calls = calls
        self.ringing = ringing
        self.iceServers = iceServers
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        endpointId = try container.decode(String.self, forKey: .endpointId)
        calls = try container.decode([CallSnapshot].self, forKey: .calls)
        ringing = try container.decodeIfPresent([IncomingCallInfo].self, forKey: .ringing) ?? []
        iceServers = try container.decode([CallIceServer].self, forKey: .iceServers)
    }
}

/// A STUN or TURN server as WebRTC's `RTCIceServer` has it.
public struct CallIceServer: Codable, Sendable, Hashable {
    public var urls: [String]
    public var username: String?
    public var credential: String?

    public init(urls: [String], username: String? = nil, credential: String? = nil) {
        self.urls = urls
        self.username = username
        self.credential = credential
    }
}

/// Starts a call to one target (1:1) or several (a group call among app users).
public struct StartCallRequest: Codable, Sendable, Hashable {
    public var targets: [CommunicationIdentifierModel]
    public init(targets: [CommunicationIdentifierModel]) { self.targets = targets }
}

/// Names the call an operation applies to (accept, reject, hold, resume).
public struct CallReference: Codable, Sendable, Hashable {
    public var callId: String
    public init(callId: String) { self.callId = callId }
}

/// An operation on one participant of a call (add, remove, transfer to).
public struct CallTargetRequest: Codable, Sendable, Hashable {
    public var callId: String
    public var target: CommunicationIdentifierModel
    public init(callId: String, target: CommunicationIdentifierModel) {
        self.callId = callId
        self.target = target
    }
}

public struct HangUpRequest: Codable, Sendable, Hashable {
    public var callId: String
    /// Ends the call for every participant, not only this endpoint.
    public var forEveryone: Bool?
    public init(callId: String, forEveryone: Bool? = nil) {
        self.callId = callId
        self.forEveryone = forEveryone
    }
}

public struct MuteRequest: Codable, Sendable, Hashable {
    public var callId: String
    public var muted: Bool
    public init(callId: String, muted: Bool) {
        self.callId = callId
        self.muted = muted
    }
}

/// Starts or stops recording or transcription of a call (Teams participants only).
public struct CallActivityRequest: Codable, Sendable, Hashable {
    public var callId: String
    public var active: Bool
    public init(callId: String, active: Bool) {
        self.callId = callId
        self.active = active
    }
}

/// A request the client sends over the real-time connection; the server answers each with a
/// ``RealtimeReply`` carrying the same request id.
public enum RealtimeRequest: Sendable, Hashable {
    case registerCallAgent(RegisterCallAgentRequest)
    case startCall(StartCallRequest)
    case acceptCall(CallReference)
    case rejectCall(CallReference)
    case hangUp(HangUpRequest)
    case hold(CallReference)
    case resume(CallReference)
    case mute(MuteRequest)
    case addParticipant(CallTargetRequest)
    case removeParticipant(CallTargetRequest)
    case transfer(CallTargetRequest)
    case signal(CallSignal)
    case setRecording(CallActivityRequest)
    case setTranscription(CallActivityRequest)

    /// The call the request is about; nil for `registerCallAgent` and `startCall`.
    public var callId: String? {
        switch self {
        case .registerCallAgent, .startCall: nil
        case .acceptCall(let call), .rejectCall(let call), .hold(let call), .resume(let call): call.callId
        case .hangUp(let hangUp): hangUp.callId
        case .mute(let mute): mute.callId
        case .addParticipant(let target), .removeParticipant(let target), .transfer(let target): target.callId
        case .signal(let signal): signal.callId
        case .setRecording(let activity), .setTranscription(let activity): activity.callId
        }
    }

    /// The request's name on the wire.
    public var name: String {
        switch self {
        case .registerCallAgent: "registerCallAgent"
        case .startCall: "startCall"
        case .acceptCall: "acceptCall"
        case .rejectCall: "rejectCall"
        case .hangUp: "hangUp"
        case .hold: "hold"
        case .resume: "resume"
        case .mute: "mute"
        case .addParticipant: "addParticipant"
        case .removeParticipant: "removeParticipant"
        case .transfer: "transfer"
        case .signal: "signal"
        case .setRecording: "setRecording"
        case .setTranscription: "setTranscription"
        }
    }
}

/// A client frame: `{"type": …, "requestId": …, "data": {…}}`.
public struct RealtimeClientFrame: Sendable, Hashable {
    /// Chosen by the client, echoed in the reply.
    public var requestId: String
    public var request: RealtimeRequest

    public init(requestId: String, request: RealtimeRequest) {
        self.requestId = requestId
        self.request = request
    }
}

extension RealtimeClientFrame: Codable {
    private enum CodingKeys: String, CodingKey {
        case type, requestId, data
    }

    /// Thrown for a frame whose type is not a known request.
    public struct UnknownRequest: Error, Sendable {
        public var type: String
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        requestId = try container.decode(String.self, forKey: .requestId)
        let type = try container.decode(String.self, forKey: .type)
        func data<T: Decodable>(_: T.Type) throws -> T { try container.decode(T.self, forKey: .data) }
        switch type {
        case "registerCallAgent":
            request = .registerCallAgent(try container.decodeIfPresent(RegisterCallAgentRequest.self, forKey: .data) ?? .init())
        case "startCall": request = .startCall(try data(StartCallRequest.self))
        case "acceptCall": request = .acceptCall(try data(CallReference.self))
        case "rejectCall": request = .rejectCall(try data(CallReference.self))
        case "hangUp": request = .hangUp(try data(HangUpRequest.self))
        case "hold": request = .hold(try data(CallReference.self))
        case "resume": request = .resume(try data(CallReference.self))
        case "mute": request = .mute(try data(MuteRequest.self))
        case "addParticipant": request = .addParticipant(try data(CallTargetRequest.self))
        case "removeParticipant": request = .removeParticipant(try data(CallTargetRequest.self))
        case "transfer": request = .transfer(try data(CallTargetRequest.self))
        case "signal": request = .signal(try data(CallSignal.self))
        case "setRecording": request = .setRecording(try data(CallActivityRequest.self))
        case "setTranscription": request = .setTranscription(try data(CallActivityRequest.self))
        default: throw UnknownRequest(type: type)
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(request.name, forKey: .type)
        try container.encode(requestId, forKey: .requestId)
        switch request {
        case .registerCallAgent(let data): try container.encode(data, forKey: .data)
        case .startCall(let data): try container.encode(data, forKey: .data)
        case .acceptCall(let data), .rejectCall(let data), .hold(let data), .resume(let data): try container.encode(data, forKey: .data)
        case .hangUp(let data): try container.encode(data, forKey: .data)
        case .mute(let data): try container.encode(data, forKey: .data)
        case .addParticipant(let data), .removeParticipant(let data), .transfer(let data): try container.encode(data, forKey: .data)
        case .signal(let data): try container.encode(data, forKey: .data)
        case .setRecording(let data), .setTranscription(let data): try container.encode(data, forKey: .data)
        }
    }
}

/// Why a request was refused: the HTTP-like status, Parley's code, and for call refusals the
/// ACS-style sub-code (for example 412 / 41056 when the Teams user has no Enterprise Voice).
public struct RealtimeRequestError: Codable, Sendable, Hashable, Error {
    public var status: Int
    public var code: String
    public var subCode: Int?
    public var message: String

    public init(status: Int, code: String, subCode: Int? = nil, message: String) {
        self.status = status
        self.code = code
        self.subCode = subCode
        self.message = message
    }
}

/// The answer to one client request: the call it created or changed, the registration, or an
/// error. Requests with nothing to return get an empty reply.
public struct RealtimeReply: Codable, Sendable, Hashable {
    public var requestId: String
    public var call: CallSnapshot?
    public var registration: CallAgentRegistration?
    public var error: RealtimeRequestError?

    public init(requestId: String, call: CallSnapshot? = nil, registration: CallAgentRegistration? = nil, error: RealtimeRequestError? = nil) {
        self.requestId = requestId
        self.call = call
        self.registration = registration
        self.error = error
    }
}
