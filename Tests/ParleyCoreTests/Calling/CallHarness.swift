import Foundation
import ParleyAPI
import ParleyCore
import ParleySQLite
import Synchronization

/// A call service over a real (in-memory) store, with endpoints that record what they are sent.
/// The service hands frames over before `handle` returns, so tests read them at once.
struct CallHarness {
    let fixture: CoreFixture
    let calls: CallService

    init(profile: InteropProfile = .faithful, timeouts: CallTimeouts = CallTimeouts(), faults: FaultInjector? = nil) async throws {
        fixture = try await CoreFixture()
        calls = CallService(
            store: fixture.store,
            clock: fixture.clock,
            ids: RandomIdentifierGenerator(),
            profile: profile,
            timeouts: timeouts,
            iceServers: { rawId in [CallIceServer(urls: ["turn:127.0.0.1:3478"], username: "u-\(rawId)", credential: "c")] },
            faults: faults
        )
    }

    /// A registered endpoint of a new app user (`voip`, or the given scopes).
    func appUser(_ name: String, scopes: [String] = ["voip"]) async throws -> TestEndpoint {
        let user = try await fixture.user(scopes)
        guard let agent = user.callAgent else { throw ParleyError(.forbidden, "Scopes \(scopes) do not allow calling.") }
        return try await endpoint(agent, displayName: name)
    }

    /// A registered endpoint of a person of an organization.
    func person(_ person: OrgUser) async throws -> TestEndpoint {
        let agent = CallAgentIdentity(
            party: CallParty(rawId: person.rawId, home: .tenant(person.tenantId)),
            mayStartCalls: true,
            directoryName: person.displayName
        )
        return try await endpoint(agent, displayName: nil)
    }

    /// Another registered endpoint (device) of the same user as `other`.
    func device(of other: TestEndpoint, displayName: String? = nil) async throws -> TestEndpoint {
        try await endpoint(other.session.agent, displayName: displayName)
    }

    func endpoint(_ agent: CallAgentIdentity, displayName: String?, endpointId: String? = nil, voiceAppId: String? = nil) async throws -> TestEndpoint
    {
        let endpoint = TestEndpoint(calls: calls, agent: agent)
        let reply = await endpoint.request(
            .registerCallAgent(RegisterCallAgentRequest(displayName: displayName, endpointId: endpointId, voiceAppId: voiceAppId))
        )
        if let error = reply.error { throw error }
        return endpoint
    }

    /// Contoso with Adele (TeamsOnly, Enterprise Voice) and interop enabled for the resource.
    func contoso() async throws -> (Tenant, OrgUser) {
        try await fixture.contosoAllowingResource()
    }
}

/// One calling endpoint (one connection) and every frame it was sent.
final class TestEndpoint: Sendable {
    let session: CallSession
    private let calls: CallService
    private let log = FrameLog()
    private let nextRequest = Atomic<Int>(0)

    init(calls: CallService, agent: CallAgentIdentity) {
        self.calls = calls
        self.session = CallSession(agent: agent, sink: log)
    }

    var frames: [RealtimeServerFrame] { log.frames }
    var rawId: String { session.agent.party.rawId }
    var identifier: CommunicationIdentifierModel { CommunicationIdentifierModel(rawId: rawId) }

    /// Sends a request; returns its reply.
    @discardableResult
    func request(_ request: RealtimeRequest) async -> RealtimeReply {
        let id = String(nextRequest.add(1, ordering: .relaxed).newValue)
        await calls.handle(RealtimeClientFrame(requestId: id, request: request), from: session)
        return frames.reversed().lazy.compactMap { frame -> RealtimeReply? in
            if case .reply(let reply) = frame, reply.requestId == id { return reply }
            return nil
        }.first ?? RealtimeReply(requestId: id, error: RealtimeRequestError(status: 0, code: "NoReply", message: "no reply"))
    }

    // MARK: Shortcuts

    /// Starts a call; returns its id (the reply's snapshot), or throws the reply's error.
    func call(_ targets: TestEndpoint...) async throws -> String {
        try await call(targets.map(\.identifier))
    }

    func call(_ targets: [CommunicationIdentifierModel]) async throws -> String {
        let reply = await request(.startCall(StartCallRequest(targets: targets)))
        if let error = reply.error { throw error }
        return reply.call?.id ?? ""
    }

    func accept(_ callId: String) async throws {
        if let error = await request(.acceptCall(CallReference(callId: callId))).error { throw error }
    }

    func reject(_ callId: String) async throws {
        if let error = await request(.rejectCall(CallReference(callId: callId))).error { throw error }
    }

    func hangUp(_ callId: String, forEveryone: Bool = false) async throws {
        if let error = await request(.hangUp(HangUpRequest(callId: callId, forEveryone: forEveryone))).error { throw error }
    }

    /// The newest snapshot of the call this endpoint was sent (replies included).
    func view(_ callId: String) -> CallSnapshot? {
        frames.compactMap(\.callSnapshot).filter { $0.id == callId }.max { $0.version < $1.version }
    }

    /// The states of the call this endpoint went through, in order, without repeats.
    func states(_ callId: String) -> [CallState] {
        var states: [CallState] = []
        for frame in frames {
            let snapshot: CallSnapshot? =
                switch frame {
                case .call(let snapshot) where snapshot.id == callId: snapshot
                case .reply(let reply) where reply.call?.id == callId: reply.call
                default: nil
                }
            if let state = snapshot?.state, states.last != state { states.append(state) }
        }
        return states
    }

    func remote(_ other: TestEndpoint, in callId: String) -> RemoteParticipantInfo? {
        view(callId)?.remoteParticipants.first { $0.identifier.rawId == other.rawId }
    }

    var incomingCalls: [IncomingCallInfo] {
        frames.compactMap { if case .incomingCall(let call) = $0 { call } else { nil } }
    }

    func incomingEnded(_ callId: String) -> CallEndReason? {
        frames.lazy.compactMap { if case .incomingCallEnded(let ended) = $0, ended.id == callId { ended.callEndReason } else { nil } }.first
    }

    var signals: [CallSignal] {
        frames.compactMap { if case .signal(let signal) = $0 { signal } else { nil } }
    }
}

/// Records frames as a connection would queue them.
final class FrameLog: CallFrameSink {
    private let log = Mutex<[RealtimeServerFrame]>([])
    func deliver(_ frame: RealtimeServerFrame) { log.withLock { $0.append(frame) } }
    var frames: [RealtimeServerFrame] { log.withLock { $0 } }
}
