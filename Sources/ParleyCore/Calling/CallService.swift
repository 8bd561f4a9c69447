import Foundation
import Logging
import ParleyAPI
import Synchronization

/// Call signalling: endpoints register, calls ring, are answered, held, muted, transferred,
/// negotiated and ended, with the ACS states and end reasons (docs/realtime.md, "Calling").
///
/// Calls live in memory, changed under one lock; each change's frames are handed to the
/// endpoints' connections under that lock, so every endpoint sees a call's changes in order.
/// Records are written behind (``CallRecorder``). Slow work (directory reads for the interop
/// rules) happens before the lock is taken.
public final class CallService: Sendable {
    struct Endpoint: Sendable {
        let id: String
        var party: CallParty
        var displayName: String?
        /// Nil while the connection is gone (the grace period runs from `droppedAt`).
        var sink: (any CallFrameSink)?
        var droppedAt: Date?
    }

    struct Book: Sendable {
        var endpoints: [String: Endpoint] = [:]
        /// Registered endpoint ids by raw id.
        var endpointsByUser: [String: Set<String>] = [:]
        var calls: [String: LiveCall] = [:]
        /// Resource recordings: recording id → call id.
        var recordings: [String: String] = [:]
    }

    /// Frames to hand over and records to write, collected under the lock.
    struct Outbox {
        var frames: [(any CallFrameSink, RealtimeServerFrame)] = []
        var changes: [CallRecorder.Change] = []
        /// The reply to the request: sent after the frames that show its effect, so a client
        /// whose request returned sees the change already; or first, for the requests whose
        /// reply starts a call on the client (`startCall`, `acceptCall`).
        var reply: (any CallFrameSink, RealtimeServerFrame)?
        var replyFirst = false
    }

    public let timeouts: CallTimeouts
    let profile: InteropProfile
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
            session.sink.deliver(.reply(RealtimeReply(requestId: frame.requestId, error: Self.requestError(error))))
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
        let party = endpoint.party
        let me = Caller(endpointId: endpointId, agent: session.agent, party: party, requestId: requestId, sink: session.sink)
        switch request {
        case .registerCallAgent: break
        case .startCall(let start): try await startCall(me, start.targets)
        case .acceptCall(let call): try apply(me, call.callId) { try self.accept(me, &$0, &$1, &$2) }
        case .rejectCall(let call): try apply(me, call.callId) { try self.reject(me, &$0, &$1, &$2) }
        case .hangUp(let hangUp): try apply(me, hangUp.callId) { try self.hangUp(me, forEveryone: hangUp.forEveryone ?? false, &$0, &$1, &$2) }
        case .hold(let call): try apply(me, call.callId) { try self.setHeld(me, true, &$0, &$1, &$2) }
        case .resume(let call): try apply(me, call.callId) { try self.setHeld(me, false, &$0, &$1, &$2) }
        case .mute(let mute): try apply(me, mute.callId) { try self.setMuted(me, mute.muted, &$0, &$1, &$2) }
        case .addParticipant(let add):
            let target = try await resolveForAdding(me, add.target)
            try apply(me, add.callId) { try self.add(me, target, &$0, &$1, &$2) }
        case .removeParticipant(let remove):
            let rawId = try Self.rawId(remove.target)
            try apply(me, remove.callId) { try self.remove(me, rawId, &$0, &$1, &$2) }
        case .transfer(let transfer):
            try policy.checkTransfer(by: me.party, to: transfer.target)
            let target = try await resolveForAdding(me, transfer.target)
            try apply(me, transfer.callId) { try self.transfer(me, to: target, &$0, &$1, &$2) }
        case .signal(let signal): try apply(me, signal.callId) { try self.relay(me, signal, &$0, &$1, &$2) }
        case .setRecording(let activity):
            try apply(me, activity.callId) { try self.setActivity(me, recording: activity.active, &$0, &$1, &$2) }
        case .setTranscription(let activity):
            try apply(me, activity.callId) { try self.setActivity(me, transcription: activity.active, &$0, &$1, &$2) }
        }
    }

    /// The requesting endpoint.
    struct Caller {
        let endpointId: String
        let agent: CallAgentIdentity
        let party: CallParty
        let requestId: String
        let sink: any CallFrameSink
        var rawId: String { party.rawId }

        func reply(_ outbox: inout Outbox, call: CallSnapshot? = nil, first: Bool = false) {
            outbox.reply = (sink, .reply(RealtimeReply(requestId: requestId, call: call)))
            outbox.replyFirst = first
        }
    }

    /// Runs `change` on the call under the lock, then hands its frames over and queues its
    /// records, still under the lock (so every endpoint sees changes in order). A thrown error
    /// changes nothing.
    private func apply(
        _ me: Caller,
        _ callId: String,
        _ change: (inout LiveCall, inout Book, inout Outbox) throws -> Void
    ) throws {
        try book.withLock { book in
            guard var call = book.calls[callId], call.participants.contains(where: { $0.rawId == me.rawId }) else {
                throw Self.callNotFound(callId)
            }
            var outbox = Outbox()
            try change(&call, &book, &outbox)
            Self.keep(call, in: &book)
            self.send(outbox)
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

    private func send(_ outbox: Outbox) {
        if outbox.replyFirst, let (sink, frame) = outbox.reply { sink.deliver(frame) }
        for (sink, frame) in outbox.frames { sink.deliver(frame) }
        if !outbox.replyFirst, let (sink, frame) = outbox.reply { sink.deliver(frame) }
        for change in outbox.changes { recorder.record(change) }
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
            var outbox = Outbox()
            let calls = book.calls.values.compactMap { call in
                call.participant(atEndpoint: endpointId).map { call.snapshot(for: $0, profile: profile) }
            }
            // A new endpoint rings for the calls ringing for its user now.
            let ringing = book.calls.values.flatMap { call in
                call.participants.indices.filter { call.participants[$0].rawId == party.rawId && call.participants[$0].isRinging }
                    .map { incomingCall(call, $0) }
            }
            let registration = CallAgentRegistration(endpointId: endpointId, calls: calls, ringing: ringing, iceServers: iceServers(party.rawId))
            outbox.frames.append((session.sink, .reply(RealtimeReply(requestId: requestId, registration: registration))))
            for info in ringing { outbox.frames.append((session.sink, .incomingCall(info))) }
            send(outbox)
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

    // MARK: Starting

    private func startCall(_ me: Caller, _ models: [CommunicationIdentifierModel]) async throws {
        guard me.agent.mayStartCalls else { throw Self.insufficientScope() }
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
        try policy.checkStart(caller: me.party, targets: targets)
        let now = clock.now()
        let callId = ids.uuid().uuidString.lowercased()
        let deadline = now.addingTimeInterval(timeouts.ringingSeconds)
        book.withLock { book in
            let endpoint = book.endpoints[me.endpointId]
            var participants = [
                LiveCall.Participant(
                    party: me.party,
                    displayName: endpoint?.displayName,
                    role: .caller,
                    presence: .connected,
                    endpointId: me.endpointId,
                    invitedAt: now,
                    joinedAt: now
                )
            ]
            for target in targets {
                participants.append(
                    LiveCall.Participant(
                        party: target.party,
                        displayName: target.displayName,
                        role: .callee,
                        presence: .ringing(deadline: deadline),
                        invitedAt: now
                    )
                )
            }
            let resourceId = participants.lazy.compactMap(\.party.resourceId).first
            var call = LiveCall(
                id: callId,
                resourceId: resourceId,
                startedAt: now,
                callerRawId: participants[0].rawId,
                isGroupCall: targets.count > 1,
                participants: participants
            )
            var outbox = Outbox()
            me.reply(&outbox, call: call.snapshot(for: 0, profile: profile, stateOverride: .connecting), first: true)
            call.version += 1
            outbox.changes.append(
                .init(record: call.record, events: [event(.callStarted, call, now), participantEvent(.callParticipantAdded, call, 0, now)])
            )
            for index in call.participants.indices.dropFirst() { ring(call, index, book, &outbox) }
            publish(call, book, &outbox)
            book.calls[callId] = call
            send(outbox)
        }
    }

    // MARK: Answering

    private func accept(_ me: Caller, _ call: inout LiveCall, _ book: inout Book, _ outbox: inout Outbox) throws {
        guard let index = call.index(of: me.rawId), call.participants[index].isRinging else { throw Self.notRinging(call.id, 41006) }
        let now = clock.now()
        call.joinCount += 1
        call.participants[index].presence = .connected
        call.participants[index].endpointId = me.endpointId
        call.participants[index].joinedAt = now
        call.participants[index].joinOrder = call.joinCount
        if let name = book.endpoints[me.endpointId]?.displayName { call.participants[index].displayName = name }
        call.connectedAt = call.connectedAt ?? now
        stopRinging(call, index, except: me.endpointId, .acceptedElsewhere, book, &outbox)
        // Two versions: the reply shows the call Connecting, the next frame Connected.
        call.version += 2
        var events = [participantEvent(.callParticipantAdded, call, index, now)]
        if let transferor = call.participants[index].transferredBy, let transferorIndex = call.index(of: transferor) {
            leave(&call, transferorIndex, .transferred, now, &events)
        }
        var connecting = call
        connecting.version -= 1
        me.reply(&outbox, call: connecting.snapshot(for: index, profile: profile, stateOverride: .connecting), first: true)
        publish(call, book, &outbox)
        outbox.changes.append(.init(record: call.record, events: events))
    }

    private func reject(_ me: Caller, _ call: inout LiveCall, _ book: inout Book, _ outbox: inout Outbox) throws {
        guard let index = call.index(of: me.rawId), call.participants[index].isRinging else { throw Self.notRinging(call.id, 41007) }
        let now = clock.now()
        stopRinging(call, index, except: me.endpointId, .declinedElsewhere, book, &outbox)
        me.reply(&outbox)
        takeOut(index, .declined, now, &call, book, &outbox)
        Self.attributeEnd(to: call.participants[index], in: &outbox)
    }

    /// Names `participant` as who ended the call, if the change just queued ended it.
    private static func attributeEnd(to participant: LiveCall.Participant, in outbox: inout Outbox) {
        guard let last = outbox.changes.indices.last else { return }
        outbox.changes[last].events = endedBy(participant, outbox.changes[last].events)
    }

    // MARK: Ending

    private func hangUp(_ me: Caller, forEveryone: Bool, _ call: inout LiveCall, _ book: inout Book, _ outbox: inout Outbox) throws {
        guard let index = call.participant(atEndpoint: me.endpointId) else {
            throw ParleyError(
                .badRequest,
                wireCode: "NotInCall",
                "This endpoint has not joined call \(call.id); use 'rejectCall' for a ringing call."
            )
        }
        let now = clock.now()
        me.reply(&outbox)
        call.version += 1
        var events: [DomainEvent] = []
        if forEveryone {
            end(&call, now, book, &outbox, &events) { $0.rawId == me.rawId ? .hungUp : ($0.isRinging ? .callerCancelled : .endedForEveryone) }
        } else if call.connectedAt == nil {
            end(&call, now, book, &outbox, &events) { $0.isRinging ? .callerCancelled : .hungUp }
        } else if !call.isGroupCall {
            end(&call, now, book, &outbox, &events) { $0.isRinging ? .callerCancelled : .hungUp }
        } else {
            leave(&call, index, .hungUp, now, &events)
            settle(&call, lastReason: .hungUp, remaining: .hungUp, now, book, &outbox, &events)
        }
        publish(call, book, &outbox)
        outbox.changes.append(.init(record: call.record, events: Self.endedBy(call.participants[index], events)))
    }

    /// Names who ended the call in its `CallEnded` event, when `events` has one.
    private static func endedBy(_ participant: LiveCall.Participant, _ events: [DomainEvent]) -> [DomainEvent] {
        events.map { event in
            guard event.kind == .callEnded else { return event }
            var event = event
            event.data["endedBy"] = participant.rawId
            event.data["endedByName"] = participant.displayName
            return event
        }
    }

    private func remove(_ me: Caller, _ rawId: String, _ call: inout LiveCall, _ book: inout Book, _ outbox: inout Outbox) throws {
        try requireConnected(me, call)
        guard call.isGroupCall else {
            throw ParleyError(.badRequest, wireCode: "NotAGroupCall", "Participants are removed from group calls only; hang up a 1:1 call.")
        }
        guard let index = call.index(of: rawId), rawId != me.rawId else {
            throw ParleyError(.notFound, wireCode: "ParticipantNotInCall", "\(rawId) is not in call \(call.id).")
        }
        let now = clock.now()
        if call.participants[index].isRinging { stopRinging(call, index, except: nil, .callerCancelled, book, &outbox) }
        me.reply(&outbox)
        takeOut(index, .removed, now, &call, book, &outbox)
        if let remover = call.participant(atEndpoint: me.endpointId) { Self.attributeEnd(to: call.participants[remover], in: &outbox) }
    }

    /// Takes one participant out of the call (its last view says why), ends the call if nobody
    /// is left to talk to, tells everyone, and records the change.
    private func takeOut(_ index: Int, _ reason: CallEndReason, _ now: Date, _ call: inout LiveCall, _ book: Book, _ outbox: inout Outbox) {
        call.version += 1
        var events: [DomainEvent] = []
        leave(&call, index, reason, now, &events)
        settle(&call, lastReason: reason, remaining: .hungUp, now, book, &outbox, &events)
        publish(call, book, &outbox)
        outbox.changes.append(.init(record: call.record, events: events))
    }

    /// Takes the participant out of the call.
    private func leave(_ call: inout LiveCall, _ index: Int, _ reason: CallEndReason, _ now: Date, _ events: inout [DomainEvent]) {
        let wasConnected = call.participants[index].isConnected
        call.participants[index].presence = .left(reason)
        call.participants[index].leftAt = now
        call.participants[index].leftAtVersion = call.version
        call.participants[index].isHeld = false
        for key in call.pendingOffers.keys where key.low == call.participants[index].rawId || key.high == call.participants[index].rawId {
            call.pendingOffers.removeValue(forKey: key)
        }
        if wasConnected { events.append(participantEvent(.callParticipantRemoved, call, index, now)) }
    }

    /// Ends the call when nobody is left to talk to: nobody connected; the caller alone with
    /// nobody ringing; or one participant left in a call that was answered.
    private func settle(
        _ call: inout LiveCall,
        lastReason: CallEndReason,
        remaining: CallEndReason,
        _ now: Date,
        _ book: Book,
        _ outbox: inout Outbox,
        _ events: inout [DomainEvent]
    ) {
        if call.connectedCount == 0 {
            end(&call, now, book, &outbox, &events) { _ in .callerCancelled }
        } else if call.ringingCount == 0, call.connectedCount == 1 {
            let reason = call.connectedAt == nil ? lastReason : remaining
            end(&call, now, book, &outbox, &events) { _ in reason }
        }
    }

    /// Ends the call for everyone still in it, with the reason `reason` gives each.
    private func end(
        _ call: inout LiveCall,
        _ now: Date,
        _ book: Book,
        _ outbox: inout Outbox,
        _ events: inout [DomainEvent],
        reason: (LiveCall.Participant) -> CallEndReason
    ) {
        var callReason: CallEndReason?
        for index in call.participants.indices where call.participants[index].isPresent {
            let participantReason = reason(call.participants[index])
            if call.participants[index].isRinging {
                stopRinging(call, index, except: nil, participantReason, book, &outbox)
            } else if call.participants[index].role == .caller || callReason == nil {
                callReason = participantReason
            }
            leave(&call, index, participantReason, now, &events)
        }
        call.endedAt = now
        call.endReason = callReason ?? .hungUp
        call.teamsRecording = false
        call.resourceRecordingId = nil
        call.transcription = false
        events.append(event(.callEnded, call, now))
    }

    // MARK: In the call

    private func setHeld(_ me: Caller, _ held: Bool, _ call: inout LiveCall, _ book: inout Book, _ outbox: inout Outbox) throws {
        let index = try requireConnected(me, call)
        me.reply(&outbox)
        guard call.participants[index].isHeld != held else { return }
        call.version += 1
        call.participants[index].isHeld = held
        publish(call, book, &outbox)
    }

    private func setMuted(_ me: Caller, _ muted: Bool, _ call: inout LiveCall, _ book: inout Book, _ outbox: inout Outbox) throws {
        guard let index = call.participant(atEndpoint: me.endpointId) else { throw Self.notJoined(call.id) }
        me.reply(&outbox)
        guard call.participants[index].isMuted != muted else { return }
        call.version += 1
        call.participants[index].isMuted = muted
        publish(call, book, &outbox)
    }

    private func setActivity(
        _ me: Caller,
        recording: Bool? = nil,
        transcription: Bool? = nil,
        _ call: inout LiveCall,
        _ book: inout Book,
        _ outbox: inout Outbox
    ) throws {
        try requireConnected(me, call)
        guard me.party.isOrgUser else {
            throw ParleyError(
                .forbidden,
                wireCode: "OnlyTeamsUsersManageRecording",
                "Only Teams users start and stop recording and transcription in a call; the resource records through /calling/recordings."
            )
        }
        me.reply(&outbox)
        let before = (call.teamsRecording, call.transcription)
        if let recording { call.teamsRecording = recording }
        if let transcription { call.transcription = transcription }
        guard before != (call.teamsRecording, call.transcription) else { return }
        call.version += 1
        publish(call, book, &outbox)
    }

    private func resolveForAdding(_ me: Caller, _ model: CommunicationIdentifierModel) async throws -> CallPolicy.Target {
        guard me.agent.mayStartCalls else { throw Self.insufficientScope() }
        return try await policy.resolve(model, for: me.party)
    }

    private func add(_ me: Caller, _ target: CallPolicy.Target, _ call: inout LiveCall, _ book: inout Book, _ outbox: inout Outbox) throws {
        try requireConnected(me, call)
        try policy.checkAdd(to: call, target: target)
        guard call.index(of: target.party.rawId) == nil else {
            throw ParleyError(.conflict, wireCode: "AlreadyInCall", "\(target.party.rawId) is already in call \(call.id).")
        }
        guard call.participants.count(where: { $0.isPresent }) < CallLimits.maxParticipants else {
            throw ParleyError(.validation, wireCode: "TooManyParticipants", "A call has at most \(CallLimits.maxParticipants) participants.")
        }
        let now = clock.now()
        call.version += 1
        call.isGroupCall = true
        call.participants.append(
            LiveCall.Participant(
                party: target.party,
                displayName: target.displayName,
                role: .added,
                presence: .ringing(deadline: now.addingTimeInterval(timeouts.ringingSeconds)),
                invitedAt: now
            )
        )
        ring(call, call.participants.count - 1, book, &outbox)
        if let index = call.participant(atEndpoint: me.endpointId) { me.reply(&outbox, call: call.snapshot(for: index, profile: profile)) }
        publish(call, book, &outbox)
        outbox.changes.append(.init(record: call.record, events: []))
    }

    private func transfer(_ me: Caller, to target: CallPolicy.Target, _ call: inout LiveCall, _ book: inout Book, _ outbox: inout Outbox) throws {
        let index = try requireConnected(me, call)
        guard !call.isGroupCall else { throw ParleyError(.badRequest, wireCode: "NotAOneToOneCall", "Only 1:1 calls are transferred.") }
        guard call.connectedCount == 2 else { throw ParleyError(.badRequest, wireCode: "CallNotConnected", "Only a connected call is transferred.") }
        guard !call.participants.contains(where: { $0.role == .transferTarget && $0.isRinging }) else {
            throw ParleyError(.conflict, wireCode: "TransferInProgress", "Call \(call.id) is being transferred already.")
        }
        guard call.index(of: target.party.rawId) == nil else {
            throw ParleyError(.conflict, wireCode: "AlreadyInCall", "\(target.party.rawId) is already in call \(call.id).")
        }
        let now = clock.now()
        var participant = LiveCall.Participant(
            party: target.party,
            displayName: target.displayName,
            role: .transferTarget,
            presence: .ringing(deadline: now.addingTimeInterval(timeouts.ringingSeconds)),
            invitedAt: now
        )
        participant.transferredBy = call.participants[index].rawId
        call.participants.append(participant)
        ring(call, call.participants.count - 1, book, &outbox)
        me.reply(&outbox)
    }

    @discardableResult
    private func requireConnected(_ me: Caller, _ call: LiveCall) throws -> Int {
        guard let index = call.participant(atEndpoint: me.endpointId), call.participants[index].isConnected else { throw Self.notJoined(call.id) }
        return index
    }

    // MARK: Media negotiation

    private func relay(_ me: Caller, _ signal: CallSignal, _ call: inout LiveCall, _ book: inout Book, _ outbox: inout Outbox) throws {
        let index = try requireConnected(me, call)
        guard let to = signal.to, let peer = call.index(of: to), call.participants[peer].isConnected, peer != index else {
            throw ParleyError(.notFound, wireCode: "ParticipantNotInCall", "'to' must name another connected participant of call \(call.id).")
        }
        switch signal.kind {
        case .offer, .answer:
            guard let sdp = signal.sdp, !sdp.isEmpty else {
                throw ParleyError(.validation, wireCode: "ValidationError", "An \(signal.kind.rawValue) needs 'sdp'.", target: "sdp")
            }
        case .candidate:
            guard signal.candidate != nil else {
                throw ParleyError(.validation, wireCode: "ValidationError", "A candidate signal needs 'candidate'.", target: "candidate")
            }
        }
        let key = LiveCall.PairKey(me.rawId, to)
        let iAmPolite = call.participants[index].joinOrder > call.participants[peer].joinOrder
        switch signal.kind {
        case .offer:
            if call.pendingOffers[key] == to, iAmPolite {
                throw ParleyError(.conflict, wireCode: "Glare", "\(to) offered first and wins the glare: roll back and answer its offer.")
            }
            call.pendingOffers[key] = me.rawId
        case .answer:
            switch call.pendingOffers[key] {
            case to: call.pendingOffers.removeValue(forKey: key)
            case me.rawId?:
                throw ParleyError(.conflict, wireCode: "OfferSuperseded", "The offer being answered was replaced by this endpoint's own offer.")
            default:
                throw ParleyError(.conflict, wireCode: "NoOutstandingOffer", "\(to) has no offer waiting for an answer.")
            }
        case .candidate:
            break
        }
        me.reply(&outbox)
        guard let endpointId = call.participants[peer].endpointId, let sink = book.endpoints[endpointId]?.sink else { return }
        let relayed = CallSignal(
            callId: call.id,
            kind: signal.kind,
            from: me.rawId,
            sdp: signal.sdp,
            candidate: signal.candidate,
            receiverIsPolite: signal.kind == .offer ? !iAmPolite : nil
        )
        outbox.frames.append((sink, .signal(relayed)))
    }

    // MARK: Telling endpoints

    /// Sends every endpoint in the call its view of it; one that left in this change gets its
    /// last view.
    private func publish(_ call: LiveCall, _ book: Book, _ outbox: inout Outbox) {
        for index in call.participants.indices {
            let participant = call.participants[index]
            guard let endpointId = participant.endpointId, participant.isPresent || participant.leftAtVersion == call.version,
                let sink = book.endpoints[endpointId]?.sink
            else { continue }
            outbox.frames.append((sink, .call(call.snapshot(for: index, profile: profile))))
        }
    }

    private func incomingCall(_ call: LiveCall, _ index: Int) -> IncomingCallInfo {
        let participant = call.participants[index]
        var callerInfo = call.callerInfo
        if let transferor = participant.transferredBy,
            let transferee = call.participants.first(where: { $0.isConnected && $0.rawId != transferor && $0.rawId != participant.rawId })
        {
            callerInfo = CallerInfo(
                identifier: CommunicationIdentifierModel(CommunicationIdentifierKind(rawId: transferee.rawId)),
                displayName: transferee.displayName
            )
        }
        return IncomingCallInfo(
            id: call.id,
            callerInfo: callerInfo,
            isGroupCall: call.isGroupCall,
            transferredBy: participant.transferredBy.map { CommunicationIdentifierModel(CommunicationIdentifierKind(rawId: $0)) }
        )
    }

    /// Rings every registered endpoint of the participant's user; an app user's resource also
    /// gets an `IncomingCall` event.
    private func ring(_ call: LiveCall, _ index: Int, _ book: Book, _ outbox: inout Outbox) {
        let info = incomingCall(call, index)
        for sink in sinks(of: call.participants[index].rawId, book) { outbox.frames.append((sink, .incomingCall(info))) }
        if let event = Self.incomingCallEvent(call, index, info, at: clock.now()) {
            outbox.changes.append(.init(record: call.record, events: [event]))
        }
    }

    /// The `IncomingCall` event of a call ringing an app user: who calls (the transferee for a
    /// transfer), and until when it rings (the expiry of its `incomingCallContext`).
    private static func incomingCallEvent(_ call: LiveCall, _ index: Int, _ info: IncomingCallInfo, at now: Date) -> DomainEvent? {
        let callee = call.participants[index]
        guard let resource = callee.party.resourceId, case .ringing(let deadline) = callee.presence else { return nil }
        var data = [
            "callee": callee.rawId,
            "from": info.callerInfo.identifier.rawId ?? call.callerRawId,
            "deadline": String(Int64((deadline.timeIntervalSince1970 * 1000).rounded())),
            "isGroupCall": String(call.isGroupCall),
        ]
        data["callerDisplayName"] = info.callerInfo.displayName
        return DomainEvent(kind: .incomingCall, resourceId: resource.uuidString.lowercased(), subject: call.id, occurredAt: now, data: data)
    }

    /// Stops the ringing at the user's endpoints (all but `except`).
    private func stopRinging(_ call: LiveCall, _ index: Int, except: String?, _ reason: CallEndReason, _ book: Book, _ outbox: inout Outbox) {
        let ended = IncomingCallEnded(id: call.id, callEndReason: reason)
        for endpointId in book.endpointsByUser[call.participants[index].rawId] ?? [] where endpointId != except {
            if let sink = book.endpoints[endpointId]?.sink { outbox.frames.append((sink, .incomingCallEnded(ended))) }
        }
    }

    private func sinks(of rawId: String, _ book: Book) -> [any CallFrameSink] {
        (book.endpointsByUser[rawId] ?? []).compactMap { book.endpoints[$0]?.sink }
    }

    // MARK: Resource recording

    /// Starts the resource's recording of one of its calls (Call Automation's startRecording);
    /// every participant sees `isRecordingActive`. Returns the recording id.
    public func startResourceRecording(of callId: String, resource: UUID) throws -> String {
        let recordingId = ids.uuid().uuidString.lowercased()
        try book.withLock { book in
            guard var call = book.calls[callId], call.resourceId == resource else { throw Self.callNotFound(callId) }
            try policy.checkResourceRecording(of: call)
            guard call.connectedAt != nil else {
                throw ParleyError(.badRequest, wireCode: "CallNotConnected", "Call \(callId) has not been answered yet.")
            }
            guard call.resourceRecordingId == nil else {
                throw ParleyError(.conflict, wireCode: "RecordingAlreadyActive", "Call \(callId) is being recorded by the resource already.")
            }
            var outbox = Outbox()
            call.version += 1
            call.resourceRecordingId = recordingId
            book.recordings[recordingId] = callId
            publish(call, book, &outbox)
            book.calls[callId] = call
            send(outbox)
        }
        return recordingId
    }

    /// Stops a recording of the resource's.
    public func stopResourceRecording(_ recordingId: String, resource: UUID) throws {
        try book.withLock { book in
            guard let callId = book.recordings[recordingId], var call = book.calls[callId], call.resourceId == resource else {
                throw ParleyError(.notFound, wireCode: "RecordingNotFound", "There is no active recording \(recordingId).")
            }
            var outbox = Outbox()
            call.version += 1
            call.resourceRecordingId = nil
            book.recordings.removeValue(forKey: recordingId)
            publish(call, book, &outbox)
            book.calls[callId] = call
            send(outbox)
        }
    }

    /// Checks that the resource's recording is running: a recording that stopped (or whose
    /// call ended) is not found.
    public func checkResourceRecording(_ recordingId: String, resource: UUID) throws {
        try book.withLock { book in
            guard let callId = book.recordings[recordingId], book.calls[callId]?.resourceId == resource else {
                throw ParleyError(.notFound, wireCode: "RecordingNotFound", "There is no active recording \(recordingId).")
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
            var outbox = Outbox()
            let lost = Set(book.endpoints.values.filter { $0.droppedAt.map { now.timeIntervalSince($0) >= grace } ?? false }.map(\.id))
            for (callId, original) in book.calls {
                var call = original
                var events: [DomainEvent] = []
                var changed = false
                for index in call.participants.indices {
                    guard !call.isEnded else { break }
                    let participant = call.participants[index]
                    if case .ringing(let deadline) = participant.presence, deadline <= now {
                        if !changed { call.version += 1 }
                        changed = true
                        stopRinging(call, index, except: nil, .noAnswer, book, &outbox)
                        leave(&call, index, .noAnswer, now, &events)
                        settle(&call, lastReason: .noAnswer, remaining: .hungUp, now, book, &outbox, &events)
                    } else if participant.isPresent, let endpointId = participant.endpointId, lost.contains(endpointId) {
                        if !changed { call.version += 1 }
                        changed = true
                        if !call.isGroupCall {
                            end(&call, now, book, &outbox, &events) {
                                $0.rawId == participant.rawId ? .connectionLost : ($0.isRinging ? .callerCancelled : .remoteDropped)
                            }
                        } else {
                            leave(&call, index, .connectionLost, now, &events)
                            settle(&call, lastReason: .remoteDropped, remaining: .remoteDropped, now, book, &outbox, &events)
                        }
                    }
                }
                guard changed else { continue }
                publish(call, book, &outbox)
                outbox.changes.append(.init(record: call.record, events: events))
                Self.keep(call, in: &book)
            }
            for endpointId in lost {
                if let endpoint = book.endpoints[endpointId] { Self.forget(endpointId, of: endpoint.party.rawId, in: &book) }
            }
            send(outbox)
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
        try await policy.store.endUnfinishedCalls(at: clock.now(), reason: .endedByPlatform) { record in
            [Self.callEvent(.callEnded, record, filedUnder: record.resourceId?.uuidString.lowercased() ?? "", at: record.endedAt ?? record.startedAt)]
        }
    }

    private func event(_ kind: DomainEvent.Kind, _ call: LiveCall, _ now: Date) -> DomainEvent {
        Self.callEvent(kind, call.record, filedUnder: call.eventResourceKey, at: now)
    }

    /// A call's started or ended event: who started it, its kind, and once ended, why and how
    /// long it was connected. The same whether the call ended or a restart ended it.
    private static func callEvent(_ kind: DomainEvent.Kind, _ record: CallRecord, filedUnder key: String, at now: Date) -> DomainEvent {
        var data = ["startedBy": record.startedBy, "isGroupCall": String(record.isGroupCall), "isInterop": String(record.isInterop)]
        if let reason = record.endReason {
            data["code"] = String(reason.code)
            data["subCode"] = String(reason.subCode)
            data["durationSeconds"] = String(format: "%.3f", now.timeIntervalSince(record.connectedAt ?? now))
        }
        return DomainEvent(kind: kind, resourceId: key, subject: record.id, occurredAt: now, data: data)
    }

    private func participantEvent(_ kind: DomainEvent.Kind, _ call: LiveCall, _ index: Int, _ now: Date) -> DomainEvent {
        var data = ["participant": call.participants[index].rawId, "startedBy": call.callerRawId]
        if let name = call.participants[index].displayName { data["displayName"] = name }
        if let endpointId = call.participants[index].endpointId { data["endpointId"] = endpointId }
        if let reason = call.participants[index].endReason {
            data["code"] = String(reason.code)
            data["subCode"] = String(reason.subCode)
        }
        return DomainEvent(kind: kind, resourceId: call.eventResourceKey, subject: call.id, occurredAt: now, data: data)
    }

    // MARK: Errors

    static func requestError(_ error: any Error) -> RealtimeRequestError {
        let parley = error as? ParleyError ?? ParleyError(.internal, "The request failed: \(error)")
        return RealtimeRequestError(status: parley.code.status, code: parley.wireCode, subCode: parley.subCode, message: parley.message)
    }

    static func rawId(_ model: CommunicationIdentifierModel) throws -> String {
        guard let identifier = model.identifier, !identifier.rawId.isEmpty else {
            throw ParleyError(.badRequest, wireCode: "InvalidIdentifier", "The identifier has neither rawId nor a known kind.")
        }
        return identifier.rawId
    }

    static func callNotFound(_ callId: String) -> ParleyError {
        ParleyError(.notFound, wireCode: "CallNotFound", "There is no call \(callId) (it may have ended).", subCode: 404)
    }

    static func notRinging(_ callId: String, _ subCode: Int) -> ParleyError {
        ParleyError(.badRequest, wireCode: "CallNotRinging", "Call \(callId) is not ringing at this endpoint any more.", subCode: subCode)
    }

    static func notJoined(_ callId: String) -> ParleyError {
        ParleyError(.badRequest, wireCode: "NotInCall", "This endpoint is not connected to call \(callId).")
    }

    static func insufficientScope() -> ParleyError {
        ParleyError(.forbidden, wireCode: "InsufficientScope", "The token does not allow starting calls or adding participants (it needs 'voip').")
    }
}

/// Limits of calls.
public enum CallLimits {
    /// The most participants a call has at once (ACS group calls: 350).
    public static let maxParticipants = 350
}

extension LiveCall {
    /// The call's record as the store keeps it.
    var record: CallRecord {
        CallRecord(
            id: id,
            resourceId: resourceId,
            startedBy: callerRawId,
            isGroupCall: isGroupCall,
            isInterop: isInterop,
            startedAt: startedAt,
            connectedAt: connectedAt,
            endedAt: endedAt,
            endReason: endReason,
            parties: participants.map {
                CallRecord.Party(
                    rawId: $0.rawId,
                    displayName: $0.displayName,
                    role: $0.role,
                    invitedAt: $0.invitedAt,
                    joinedAt: $0.joinedAt,
                    leftAt: $0.leftAt,
                    endReason: $0.endReason
                )
            }
        )
    }

    /// What call events are filed under: the app side's resource, else the tenant.
    var eventResourceKey: String {
        (resourceId ?? participants.lazy.compactMap(\.party.tenantId).first)?.uuidString.lowercased() ?? ""
    }
}
