import ParleyAPI

/// The media side of calls, which the application supplies (a WebRTC peer connection per remote
/// participant, typically): Parley only relays SDP and ICE between endpoints, and the agent
/// decides when to offer, answer and roll back (the rules of `docs/realtime.md`, *Media
/// negotiation*: the callee offers when it accepts; in a group call whoever becomes connected
/// offers to everyone already connected; when offers cross, the polite side rolls back and
/// answers, the other ignores the crossing offer).
///
/// The agent calls an engine from one task at a time, in the order things happened, so an
/// engine needs no locking of its own for negotiation state. One engine serves one agent.
public protocol CallMediaEngine: Sendable {
    /// Creates an offer for `peer` and applies it locally (`setLocalDescription`).
    func makeOffer(for peer: CallMediaPeer) async throws -> String
    /// Applies `peer`'s offer and returns the answer, applied locally.
    func acceptOffer(_ sdp: String, from peer: CallMediaPeer) async throws -> String
    /// Applies `peer`'s answer to this side's outstanding offer.
    func acceptAnswer(_ sdp: String, from peer: CallMediaPeer) async throws
    func addRemoteCandidate(_ candidate: CallSignal.Candidate, from peer: CallMediaPeer) async throws
    /// Drops this side's outstanding offer to `peer` (`setLocalDescription({type: "rollback"})`).
    func rollback(for peer: CallMediaPeer) async throws
    /// `peer` left the call, or the call ended: release what serves it.
    func close(_ peer: CallMediaPeer) async
    /// The STUN and TURN servers to gather candidates with (from the agent's registration).
    func useIceServers(_ servers: [CallIceServer]) async
    /// The local ICE candidates to send, as they are gathered; the agent reads it once.
    var localCandidates: AsyncStream<LocalIceCandidate> { get }
}

extension CallMediaEngine {
    public func close(_ peer: CallMediaPeer) async {}
    public func useIceServers(_ servers: [CallIceServer]) async {}
}

/// One remote participant of one call: what a media engine negotiates with.
public struct CallMediaPeer: Sendable, Hashable, CustomStringConvertible {
    public var callId: String
    /// The remote participant's raw id.
    public var participantId: String

    public init(callId: String, participantId: String) {
        self.callId = callId
        self.participantId = participantId
    }

    public var description: String { "\(participantId) in \(callId)" }
}

/// A local ICE candidate gathered for a peer, which the agent sends to it.
public struct LocalIceCandidate: Sendable, Hashable {
    public var peer: CallMediaPeer
    public var candidate: CallSignal.Candidate

    public init(peer: CallMediaPeer, candidate: CallSignal.Candidate) {
        self.peer = peer
        self.candidate = candidate
    }
}
