/// Media negotiation relayed between two endpoints of a call: SDP offers and answers, trickled
/// ICE candidates. Parley carries them; media flows between the endpoints.
public struct CallSignal: Codable, Sendable, Hashable {
    public enum Kind: String, Codable, Sendable {
        case offer, answer, candidate
    }

    /// An ICE candidate as WebRTC's `RTCIceCandidateInit` has it.
    public struct Candidate: Codable, Sendable, Hashable {
        public var candidate: String
        public var sdpMid: String?
        public var sdpMLineIndex: Int?

        public init(candidate: String, sdpMid: String? = nil, sdpMLineIndex: Int? = nil) {
            self.candidate = candidate
            self.sdpMid = sdpMid
            self.sdpMLineIndex = sdpMLineIndex
        }
    }

    public var callId: String
    public var kind: Kind
    /// Sent by a client: the raw id of the participant it is for.
    public var to: String?
    /// Set by the server: the raw id of the participant it comes from.
    public var from: String?
    /// For offers and answers.
    public var sdp: String?
    /// For candidates.
    public var candidate: Candidate?
    /// Set by the server on relayed offers: whether the receiving endpoint is the polite side of
    /// the pair when offers cross (glare). The polite side rolls its own offer back and answers;
    /// the other side ignores the crossing offer. The participant that joined the call later
    /// is polite.
    public var receiverIsPolite: Bool?

    public init(
        callId: String,
        kind: Kind,
        to: String? = nil,
        from: String? = nil,
        sdp: String? = nil,
        candidate: Candidate? = nil,
        receiverIsPolite: Bool? = nil
    ) {
        self.callId = callId
        self.kind = kind
        self.to = to
        self.from = from
        self.sdp = sdp
        self.candidate = candidate
        self.receiverIsPolite = receiverIsPolite
    }
}
