import Foundation
import Logging
import ParleyAPI
import Synchronization

/// Call signalling: endpoints register, calls ring, are answered, held, muted, transferred,
/// negotiated and ended (docs/realtime.md, "Calling").
///
/// The rules are ``CallMachine``'s pure transitions; this service is the adapter that runs them
/// in one process. Calls and registered endpoints live in memory, changed under one lock; each
/// transition's frames are handed to the endpoints' connections under that lock, so every
/// endpoint sees a call's changes in order. Records are written behind (``CallRecorder``). Slow
/// work (directory reads for the interop rules) happens before the lock is taken.
public final class CallService: Sendable {
    struct Endpoint: Sendable {
        let id: String
        var party: CallParty
        var displayName: String?
        /// Nil while the connection is gone (the grace period runs from `droppedAt`).
        var sink: (any CallFrameSink)?
        var droppedAt: Date?
    }

    /// What the process knows of calling: who is registered where, and the running calls.
    struct Book: Sendable {
        var endpoints: [String: Endpoint] = [:]
        /// Registered endpoint ids by raw id.
        var endpointsByUser: [String: Set<String>] = [:]
        var calls: [String: LiveCall] = [:]
        /// Resource recordings: recording id → call id.
        var recordings: [String: String] = [:]
    }

    public let timeouts: CallTimeouts
    let profile: InteropProfile
    let machine: CallMachine
    private let policy: CallPolicy
    private let clock: any WallClock
    private let ids: any IdentifierGenerator
    private let recorder: CallRecorder
    private let iceServers: @Sendable (String) -> [CallIceServer]
    private let book = Mutex(Book())

    /// - Parameter iceServers: the STUN and TURN servers (with fresh credentials) for a raw id.
    public init(
        store: any ParleyStore,
        clock: any WallClock,
        ids: any IdentifierGenerator,
        profile: InteropProfile,
        timeouts: CallTimeouts = CallTimeouts(),
        iceServers: @escaping @Sendable (String) -> [CallIceServer] = { _ in [] },
        logger: Logger = Logger(label: "parley.calls")
    ) {
        self.policy = CallPolicy(store: store, profile: profile)
        self.machine = CallMachine(rules: CallRules(profile: profile), timeouts: timeouts)
        self.profile = profile
        self.clock = clock
        self.ids = ids
        self.timeouts = timeouts
        self.iceServers = iceServers
        self.recorder = CallRecorder(store: store, logger: logger)
    }

    // MARK: Requests

    /// Performs a client's request and answers it with a reply on the session's connection.
    public func handle(_ frame: RealtimeClientFrame, from session: CallSession) async {
        do {
            try await perform(frame.request, requestId: frame.requestId, session: session)
        } catch {
            session.sink.deliver(.reply(RealtimeReply(requestId: frame.requestId, error: CallErrors.requestError(error))))
        }
    }

    private func perform(_ request: RealtimeRequest, requestId: String, session: CallSession) async throws {
        if case .registerCallAgent(let registration) = request {
            return try await register(session, registration, requestId: requestId)
        }
        guard let endpointId = session.endpointId else {
            throw ParleyError(.badRequest, wireCode: "CallAgentNotRegistered", "Send 'registerCallAgent' before calling.")
        }
        // The party the endpoint registered as (an application registers as a voice app).
        let endpoint = book.withLock { $0.endpoints[endpointId] }
        guard let endpoint, endpoint.sink === session.sink else {
            throw ParleyError(
                .conflict,
                wireCode: "EndpointTakenOver",
                "Endpoint \(endpointId) registered again on another connection; this connection no longer speaks for it."
            )
        }
        let me = CallMachine.Actor(endpointId: endpointId, party: endpoint.party, displayName: endpoint.displayName, requestId: requestId)
        let machine = machine
        switch request {
        case .registerCallAgent: break
        case .startCall(let start): try await startCall(me, session, start.targets)
        case .acceptCall(let call): try apply(me, session, call.callId) { try machine.accept(&$0, by: me, at: $1) }
        case .rejectCall(let call): try apply(me, session, call.callId) { try machine.reject(&$0, by: me, at: $1) }
        case .hangUp(let hangUp):
            try apply(me, session, hangUp.callId) { try machine.hangUp(&$0, by: me, forEveryone: hangUp.forEveryone ?? false, at: $1) }
        case .hold(let call): try apply(me, session, call.callId) { call, _ in try machine.setHeld(true, in: &call, by: me) }
        case .resume(let call): try apply(me, session, call.callId) { call, _ in try machine.setHeld(false, in: &call, by: me) }
        case .mute(let mute): try apply(me, session, mute.callId) { call, _ in try machine.setMuted(mute.muted, in: &call, by: me) }
        case .addParticipant(let add):
            let target = try await resolveForAdding(session.agent, me.party, add.target)
            try apply(me, session, add.callId) { try machine.add(target, to: &$0, by: me, at: $1) }
        case .removeParticipant(let remove):
            let rawId = try CallErrors.rawId(remove.target)
            try apply(me, session, remove.callId) { try machine.remove(rawId, from: &$0, by: me, at: $1) }
        case .transfer(let transfer):
            try machine.rules.checkTransfer(by: me.party, to: transfer.target)
            let target = try await resolveForAdding(session.agent, me.party, transfer.target)
            try apply(me, session, transfer.callId) { try machine.transfer(&$0, to: target, by: me, at: $1) }
        case .signal(let signal): try apply(me, session, signal.callId) { call, _ in try machine.relay(signal, in: &call, by: me) }
        case .setRecording(let activity):
            try apply(me, session, activity.callId) { call, _ in try machine.setActivity(recording: activity.active, in: &call, by: me) }
        case .setTranscription(let activity):
            try apply(me, session, activity.callId) { call, _ in try machine.setActivity(transcription: activity.active, in: &call, by: me) }
        }
    }

    /// Runs a transition of a call the requester takes part in, under the lock, then carries
    /// its effects out, still under the lock (so every endpoint sees changes in order). A
    /// thrown error changes nothing.
    private func apply(
        _ me: CallMachine.Actor,
        _ session: CallSession,
        _ callId: String,
        _ transition: (inout LiveCall, Date) throws -> CallEffects
    ) throws {
        try book.withLock { book in
            guard var call = book.calls[callId], call.participants.contains(where: { $0.rawId == me.rawId }) else {
                throw CallErrors.callNotFound(callId)
            }
            let effects = try transition(&call, clock.now())
            Self.keep(call, in: &book)
            carryOut(effects, of: call, book, replyingOn: session.sink)
        }
    }

    /// Puts the changed call back; an ended call leaves the book, with its recordings.
    private static func keep(_ call: LiveCall, in book: inout Book) {
        guard call.isEnded else {
            book.calls[call.id] = call
            return
        }
        book.calls.removeValue(forKey: call.id)
        for (recordingId, id) in book.recordings where id == call.id { book.recordings.removeValue(forKey: recordingId) }
    }

    /// Hands a transition's frames to the connections of their recipients (those that are
    /// connected now), and the reply to the connection the request came on; queues the record.
    private func carryOut(_ effects: CallEffects, of call: LiveCall, _ book: Book, replyingOn requester: (any CallFrameSink)? = nil) {
        let reply = effects.reply.flatMap { reply in (requester ?? book.endpoints[reply.endpointId]?.sink).map { ($0, reply.reply) } }
        if effects.replyFirst, let (sink, reply) = reply { sink.deliver(.reply(reply)) }
        for (recipient, frame) in effects.frames {
            for sink in Self.sinks(of: recipient, book) { sink.deliver(frame) }
        }
        if !effects.replyFirst, let (sink, reply) = reply { sink.deliver(.reply(reply)) }
        if effects.recordChanged { recorder.record(.init(record: call.record, events: effects.events)) }
    }

    private static func sinks(of recipient: CallEffects.Recipient, _ book: Book) -> [any CallFrameSink] {
        switch recipient {
        case .endpoint(let endpointId):
            return book.endpoints[endpointId]?.sink.map { [$0] } ?? []
        case .user(let rawId, let except):
            return (book.endpointsByUser[rawId] ?? []).filter { $0 != except }.compactMap { book.endpoints[$0]?.sink }
        }
    }

    // MARK: Registration

    private func register(_ session: CallSession, _ request: RegisterCallAgentRequest, requestId: String) async throws {
        var party = session.agent.party
        if let voiceAppId = request.voiceAppId {
            party = try await policy.voiceAppParty(voiceAppId, servedBy: session.agent)
        } else if case .voiceApp = party.home {
            throw ParleyError(.badRequest, wireCode: "VoiceAppRequired", "An application token registers for a voice app: give 'voiceAppId'.")
        }
        if let displayName = request.displayName, displayName.count > 256 {
            throw ParleyError(.validation, wireCode: "ValidationError", "displayName is longer than 256 characters.", target: "displayName")
        }
        let displayName = request.displayName ?? session.agent.directoryName
        let newId = ids.uuid().uuidString.lowercased()
        try book.withLock { book in
            // Taking an endpoint back: after its connection dropped (within the grace period), or
            // from a connection the server has not yet noticed is dead. The old connection, if
            // still there, no longer speaks for it.
            let resumed = request.endpointId.flatMap { id in
                book.endpoints[id].flatMap { $0.party.rawId == party.rawId ? id : nil }
            }
            let endpointId = resumed ?? newId
            guard session.register(endpointId) else {
                throw ParleyError(.conflict, wireCode: "CallAgentAlreadyRegistered", "This connection is already a call agent.", subCode: 40228)
            }
            book.endpoints[endpointId] = Endpoint(id: endpointId, party: party, displayName: displayName, sink: session.sink, droppedAt: nil)
            book.endpointsByUser[party.rawId, default: []].insert(endpointId)
            let calls = book.calls.values.compactMap { call in
                call.participant(atEndpoint: endpointId).map { call.snapshot(for: $0, profile: profile) }
            }
            // A new endpoint rings for the calls ringing for its user now.
            let ringing = book.calls.values.flatMap { call in
                call.participants.indices.filter { call.participants[$0].rawId == party.rawId && call.participants[$0].isRinging }
                    .map { call.incomingCall(for: $0) }
            }
            let registration = CallAgentRegistration(endpointId: endpointId, calls: calls, ringing: ringing, iceServers: iceServers(party.rawId))
            session.sink.deliver(.reply(RealtimeReply(requestId: requestId, registration: registration)))
            for info in ringing { session.sink.deliver(.incomingCall(info)) }
        }
    }

    /// The session's connection closed. Its endpoint stays in its calls for the grace period;
    /// an endpoint in no call goes at once.
    public func sessionEnded(_ session: CallSession) {
        guard let endpointId = session.endpointId else { return }
        let now = clock.now()
        book.withLock { book in
            // An endpoint another connection has taken over stays as it is.
            guard var endpoint = book.endpoints[endpointId], endpoint.sink === session.sink else { return }
            let inCall = book.calls.values.contains { $0.participant(atEndpoint: endpointId) != nil }
            if inCall {
                endpoint.sink = nil
                endpoint.droppedAt = now
                book.endpoints[endpointId] = endpoint
            } else {
                Self.forget(endpointId, of: endpoint.party.rawId, in: &book)
            }
        }
    }

    private static func forget(_ endpointId: String, of rawId: String, in book: inout Book) {
        book.endpoints.removeValue(forKey: endpointId)
        book.endpointsByUser[rawId]?.remove(endpointId)
        if book.endpointsByUser[rawId]?.isEmpty == true { book.endpointsByUser.removeValue(forKey: rawId) }
    }

    // MARK: Starting and adding

    private func startCall(_ me: CallMachine.Actor, _ session: CallSession, _ models: [CommunicationIdentifierModel]) async throws {
        guard session.agent.mayStartCalls else { throw CallErrors.insufficientScope() }
        guard !models.isEmpty else {
            throw ParleyError(.validation, wireCode: "ValidationError", "A call needs at least one target.", target: "targets")
        }
        guard models.count <= CallLimits.maxParticipants - 1 else {
            throw ParleyError(
                .validation,
                wireCode: "TooManyParticipants",
                "A call has at most \(CallLimits.maxParticipants) participants.",
                target: "targets"
            )
        }
        var targets: [CallPolicy.Target] = []
        for model in models {
            let target = try await policy.resolve(model, for: me.party)
            if !targets.contains(where: { $0.party.rawId == target.party.rawId }) { targets.append(target) }
        }
        try machine.rules.checkStart(caller: me.party, targets: targets)
        let callId = ids.uuid().uuidString.lowercased()
        book.withLock { book in
            // The name the endpoint has now (it may have registered again since the request).
            let caller = CallMachine.Actor(
                endpointId: me.endpointId,
                party: me.party,
                displayName: book.endpoints[me.endpointId]?.displayName,
                requestId: me.requestId
            )
            let (call, effects) = machine.start(id: callId, by: caller, targets: targets, at: clock.now())
            book.calls[callId] = call
            carryOut(effects, of: call, book, replyingOn: session.sink)
        }
    }

    private func resolveForAdding(
        _ agent: CallAgentIdentity,
        _ party: CallParty,
        _ model: CommunicationIdentifierModel
    ) async throws -> CallPolicy.Target {
        guard agent.mayStartCalls else { throw CallErrors.insufficientScope() }
        return try await policy.resolve(model, for: party)
    }

    // MARK: Resource recording

    /// Starts the resource's recording of one of its calls (Call Automation's startRecording);
    /// every participant sees `isRecordingActive`. Returns the recording id.
    public func startResourceRecording(of callId: String, resource: UUID) throws -> String {
        let recordingId = ids.uuid().uuidString.lowercased()
        try book.withLock { book in
            guard var call = book.calls[callId], call.resourceId == resource else { throw CallErrors.callNotFound(callId) }
            let effects = try machine.startResourceRecording(recordingId, of: &call)
            book.recordings[recordingId] = callId
            book.calls[callId] = call
            carryOut(effects, of: call, book)
        }
        return recordingId
    }

    /// Stops a recording of the resource's.
    public func stopResourceRecording(_ recordingId: String, resource: UUID) throws {
        try book.withLock { book in
            guard let callId = book.recordings[recordingId], var call = book.calls[callId], call.resourceId == resource else {
                throw CallErrors.recordingNotFound(recordingId)
            }
            let effects = machine.stopResourceRecording(of: &call)
            book.recordings.removeValue(forKey: recordingId)
            book.calls[callId] = call
            carryOut(effects, of: call, book)
        }
    }

    /// Checks that the resource's recording is running: a recording that stopped (or whose
    /// call ended) is not found.
    public func checkResourceRecording(_ recordingId: String, resource: UUID) throws {
        try book.withLock { book in
            guard let callId = book.recordings[recordingId], book.calls[callId]?.resourceId == resource else {
                throw CallErrors.recordingNotFound(recordingId)
            }
        }
    }

    // MARK: Time

    /// Ends ringing that timed out and takes out participants whose connection did not come
    /// back within the grace period. The server calls it every second; tests call it after
    /// moving the injected clock.
    public func sweep() {
        let now = clock.now()
        let grace = timeouts.reconnectGraceSeconds
        book.withLock { book in
            let lost = Set(book.endpoints.values.filter { $0.droppedAt.map { now.timeIntervalSince($0) >= grace } ?? false }.map(\.id))
            var changes: [(LiveCall, CallEffects)] = []
            for original in book.calls.values {
                var call = original
                guard let effects = machine.expire(&call, at: now, lostEndpoints: lost) else { continue }
                Self.keep(call, in: &book)
                changes.append((call, effects))
            }
            for endpointId in lost {
                if let endpoint = book.endpoints[endpointId] { Self.forget(endpointId, of: endpoint.party.rawId, in: &book) }
            }
            for (call, effects) in changes { carryOut(effects, of: call, book) }
        }
    }

    // MARK: Records

    /// Writes call records until cancelled (then writes what is queued).
    public func runRecorder() async {
        await recorder.run()
    }

    /// Writes every queued call record now.
    public func flushRecords() async {
        await recorder.flush()
    }

    public func stopRecorder() { recorder.finish() }

    /// Ends, in the store, calls that were running when the server last stopped (0/7000).
    public func endCallsOfPreviousRun() async throws -> Int {
        try await policy.store.endUnfinishedCalls(at: clock.now(), reason: .endedByPlatform) { record in [CallEvents.ended(record)] }
    }
}

/// Limits of calls.
public enum CallLimits {
    /// The most participants a call has at once (ACS group calls: 350).
    public static let maxParticipants = 350
}
