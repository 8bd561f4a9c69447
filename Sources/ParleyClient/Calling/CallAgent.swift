import Foundation
import ParleyAPI
import Synchronization

/// Places and receives calls for one user (the ACS SDK's `CallAgent`), over one real-time
/// connection registered as a calling endpoint. Made by ``CallClient/createCallAgent(credential:options:)``.
///
/// ```swift
/// let agent = try await CallClient(endpoint: url).createCallAgent(credential: credential, options: .init(caCertificatePath: ca))
/// let call = try await agent.startCall([CommunicationUserIdentifier(bob)])
/// for await state in call.stateChanged { print(state) }
/// ```
///
/// The agent keeps its connection up: when it drops, the agent reconnects and registers again
/// as the same endpoint, and the server keeps its calls for its grace period (120 s). Call
/// ``dispose()`` when done: it hangs up the agent's calls and closes the connection.
public final class CallAgent: Sendable {
    let connection: CallingConnection
    let negotiator: MediaNegotiator?
    /// How many calls that ended are kept, for the requests that return them (a reply can
    /// reach its caller after the call it returns has ended).
    private static let endedCallsKept = 32

    private struct State {
        var calls: [String: Call] = [:]
        var ended: [Call] = []
        var ringing: [String: IncomingCall] = [:]
        var connectionState = CallAgentConnectionState.connected
        var iceServers: [CallIceServer] = []
        var isStopped = false
    }

    private let state = Mutex(State())
    private let callsSource = EventSource<CallsUpdatedEvent>()
    private let incomingSource = EventSource<IncomingCall>()
    private let connectionSource = EventSource<CallAgentConnectionState>()

    private init(connection: CallingConnection, mediaEngine: (any CallMediaEngine)?) {
        self.connection = connection
        self.negotiator = mediaEngine.map(MediaNegotiator.init)
    }

    /// Connects and registers; throws why when the first connection fails.
    static func connect(endpoint: URL, credential: CommunicationTokenCredential, options: CallAgentOptions) async throws -> CallAgent {
        let connection = try CallingConnection(endpoint: endpoint, credential: credential, options: options)
        let agent = CallAgent(connection: connection, mediaEngine: options.mediaEngine)
        agent.negotiator?.start(connection: connection)
        do {
            try await connection.start(delegate: agent)
        } catch {
            agent.negotiator?.stop()
            throw error
        }
        return agent
    }

    // MARK: Values

    /// This endpoint's id at the server (kept across reconnections).
    public var endpointId: String { connection.endpointId ?? "" }
    /// The name the other parties see, when the agent was given one.
    public var displayName: String? { connection.options.displayName }
    /// The calls this endpoint is in, until they end.
    public var calls: [Call] { state.withLock { Array($0.calls.values) } }
    /// The calls ringing here now.
    public var ringingCalls: [IncomingCall] { state.withLock { Array($0.ringing.values) } }
    public var connectionState: CallAgentConnectionState { state.withLock { $0.connectionState } }
    /// STUN and TURN servers for the media, from the server (empty when it has no relay).
    public var iceServers: [CallIceServer] { state.withLock { $0.iceServers } }

    // MARK: Changes

    /// Calls this endpoint joined and calls that ended, from now on.
    public var callsUpdated: AsyncStream<CallsUpdatedEvent> { callsSource.subscribe() }

    /// The calls that ring here: those ringing now, then each new one as it starts ringing. Ends
    /// when the agent stops.
    public var incomingCalls: AsyncStream<IncomingCall> {
        state.withLock { incomingSource.subscribe(startingWith: Array($0.ringing.values)) }
    }

    /// The agent's new connection states, from now on.
    public var connectionStateChanged: AsyncStream<CallAgentConnectionState> { connectionSource.subscribe() }

    // MARK: Operations

    /// Calls one participant (a 1:1 call) or several (a group call): app users of the
    /// resource, Teams users (``MicrosoftTeamsUserIdentifier``), Teams voice apps. Returns the
    /// call in state `Connecting`; it goes `Ringing`, then `Connected` when someone answers.
    ///
    /// - Throws: ``CallingError``: for example 403 with Parley's sub-codes when the interop gate
    ///   refuses a Teams user, 412 / 41056 when the Teams user has no Enterprise Voice.
    public func startCall(_ participants: [any CommunicationIdentifier], options: StartCallOptions = .init()) async throws -> Call {
        let request = StartCallRequest(targets: participants.map { CommunicationIdentifierModel($0) })
        let call = try call(answering: try await connection.request(.startCall(request)))
        if options.muted { try await call.muteOrLeave() }
        return call
    }

    /// Hangs up the agent's calls and closes its connection for good; its sequences end.
    public func dispose() async {
        for call in calls { try? await call.hangUp() }
        await connection.close()
    }

    /// Accepts a call ringing here; with a media engine, offers media to whoever is connected.
    func accept(_ incoming: IncomingCall) async throws -> Call {
        let reply = try await connection.request(.acceptCall(CallReference(callId: incoming.id)))
        _ = state.withLock { $0.ringing.removeValue(forKey: incoming.id) }
        let call = try call(answering: reply)
        // The rule of the protocol: whoever becomes connected offers to those already connected.
        if let negotiator, let snapshot = reply.call { negotiator.offer(to: Call.connectedPeers(in: snapshot)) }
        return call
    }

    /// Closes the connection as a network failure would (tests of reconnection).
    func dropConnection() {
        connection.dropConnection()
    }

    /// The call a reply returned (its snapshot was applied when the reply arrived).
    private func call(answering reply: RealtimeReply) throws -> Call {
        guard let id = reply.call?.id else { throw CallingError.invalidResponse("The reply has no call.") }
        let call = state.withLock { state in state.calls[id] ?? state.ended.last { $0.id == id } }
        guard let call else { throw CallingError.invalidResponse("The call \(id) of the reply is unknown.") }
        return call
    }

    // MARK: Frames

    /// Applies a call snapshot: to the call it is about, or to a new call.
    private func apply(_ snapshot: CallSnapshot) {
        let (call, isNew) = state.withLock { state -> (Call?, Bool) in
            if let call = state.calls[snapshot.id] { return (call, false) }
            let isEnded = state.ended.contains { $0.id == snapshot.id }
            guard !state.isStopped, !isEnded, snapshot.state != .disconnected else { return (nil, false) }
            let call = Call(snapshot, connection: connection, negotiator: negotiator) { [weak self] call, diff in
                self?.callChanged(call, diff)
            }
            state.calls[snapshot.id] = call
            callsSource.yield(CallsUpdatedEvent(added: [call], removed: []))
            return (call, true)
        }
        if let call, !isNew { call.apply(snapshot) }
    }

    /// A call changed: its media peers that left are closed; once it ends, it leaves ``calls``.
    private func callChanged(_ call: Call, _ diff: CallSnapshotDiff) {
        negotiator?.close(diff.removed.map { CallMediaPeer(callId: call.id, participantId: $0.identifier.participantKey) })
        guard diff.state == .disconnected else { return }
        state.withLock { state in
            guard state.calls.removeValue(forKey: call.id) != nil else { return }
            state.ended = (state.ended + [call]).suffix(Self.endedCallsKept)
            callsSource.yield(CallsUpdatedEvent(added: [], removed: [call]))
        }
    }

    private func ring(_ info: IncomingCallInfo) {
        state.withLock { state in
            guard !state.isStopped, state.ringing[info.id] == nil, state.calls[info.id] == nil else { return }
            let incoming = IncomingCall(info, agent: self)
            state.ringing[info.id] = incoming
            incomingSource.yield(incoming)
        }
    }
}

extension CallAgent: CallingConnectionDelegate {
    func connectionRegistered(_ registration: CallAgentRegistration, again: Bool) {
        state.withLock { $0.iceServers = registration.iceServers }
        negotiator?.useIceServers(registration.iceServers)
        for snapshot in registration.calls { apply(snapshot) }
        for info in registration.ringing { ring(info) }
        guard again else { return }
        // Calls the server no longer has for this endpoint ended while it was away; incoming
        // calls no longer ringing stopped meanwhile (how, the agent cannot know: 487/0).
        let kept = Set(registration.calls.map(\.id))
        for call in calls where !kept.contains(call.id) { call.end(.connectionLost) }
        let stillRinging = Set(registration.ringing.map(\.id))
        let stopped = state.withLock { state in
            let gone = state.ringing.keys.filter { !stillRinging.contains($0) }
            return gone.compactMap { state.ringing.removeValue(forKey: $0) }
        }
        for incoming in stopped { incoming.end(.callerCancelled) }
    }

    func connectionReceived(_ frame: RealtimeServerFrame) {
        if let snapshot = frame.callSnapshot { apply(snapshot) }
        switch frame {
        case .incomingCall(let info):
            ring(info)
        case .incomingCallEnded(let ended):
            state.withLock { $0.ringing.removeValue(forKey: ended.id) }?.end(ended.callEndReason)
        case .signal(let signal):
            negotiator?.received(signal)
        case .call, .reply, .hello, .event, .caughtUp, .resyncRequired:
            break
        }
    }

    func connectionStateChanged(_ connectionState: CallAgentConnectionState) {
        state.withLock { state in
            guard state.connectionState != connectionState else { return }
            state.connectionState = connectionState
            connectionSource.yield(connectionState)
        }
    }

    func connectionStopped(_ error: CallingError?) {
        let (calls, ringing) = state.withLock { state in
            state.isStopped = true
            defer { state.ringing = [:] }
            return (Array(state.calls.values), Array(state.ringing.values))
        }
        for call in calls { call.end(error == nil ? .hungUp : .connectionLost) }
        for incoming in ringing { incoming.answered() }
        negotiator?.stop()
        callsSource.finish()
        incomingSource.finish()
        connectionSource.finish()
    }
}
