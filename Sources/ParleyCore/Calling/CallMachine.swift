import Foundation
import ParleyAPI

/// One call's rules as pure transitions: a call and what happened go in, the changed call and
/// its ``CallEffects`` come out, with the ACS states and end reasons (docs/realtime.md, "Calling").
///
/// No locks, connections, clocks or I/O: where calls live (``CallService`` keeps them in memory)
/// and who is told (connections, other nodes, server-side agents) are the adapters' business. A
/// transition that throws leaves the call as it was.
struct CallMachine: Sendable {
    let rules: CallRules
    let timeouts: CallTimeouts

    var profile: InteropProfile { rules.profile }

    /// The endpoint a request comes from.
    struct Actor: Sendable {
        let endpointId: String
        let party: CallParty
        /// The name the endpoint registered with.
        let displayName: String?
        let requestId: String
        var rawId: String { party.rawId }
    }

    // MARK: Starting

    /// A new call from `caller` ringing `targets` (already resolved and checked).
    func start(id: String, by caller: Actor, targets: [CallPolicy.Target], at now: Date) -> (LiveCall, CallEffects) {
        let deadline = now.addingTimeInterval(timeouts.ringingSeconds)
        var participants = [
            LiveCall.Participant(
                party: caller.party,
                displayName: caller.displayName,
                role: .caller,
                presence: .connected,
                endpointId: caller.endpointId,
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
                    invitedAt: now,
                    rings: target.rings
                )
            )
        }
        var call = LiveCall(
            id: id,
            resourceId: participants.lazy.compactMap(\.party.resourceId).first,
            startedAt: now,
            callerRawId: caller.rawId,
            isGroupCall: targets.count > 1,
            participants: participants
        )
        var effects = CallEffects()
        effects.reply(to: caller, call: call.snapshot(for: 0, profile: profile, stateOverride: .connecting), first: true)
        call.version += 1
        // CallStarted first: the callees' IncomingCall events follow it in the log.
        effects.record([CallEvents.started(call, at: now), CallEvents.participant(.callParticipantAdded, call, 0, at: now)])
        for index in call.participants.indices.dropFirst() { ring(call, index, at: now, &effects) }
        publish(call, &effects)
        return (call, effects)
    }

    // MARK: Answering

    func accept(_ call: inout LiveCall, by me: Actor, at now: Date) throws -> CallEffects {
        guard let index = call.index(of: me.rawId), call.participants[index].isRinging else { throw CallErrors.notRinging(call.id, 41006) }
        var effects = CallEffects()
        call.joinCount += 1
        call.participants[index].presence = .connected
        call.participants[index].endpointId = me.endpointId
        call.participants[index].joinedAt = now
        call.participants[index].joinOrder = call.joinCount
        if let name = me.displayName { call.participants[index].displayName = name }
        call.connectedAt = call.connectedAt ?? now
        stopRinging(call, index, except: me.endpointId, .acceptedElsewhere, &effects)
        // Two versions: the reply shows the call Connecting, the next frame Connected.
        call.version += 2
        var events = [CallEvents.participant(.callParticipantAdded, call, index, at: now)]
        if let transferor = call.participants[index].transferredBy, let transferorIndex = call.index(of: transferor) {
            leave(&call, transferorIndex, .transferred, now, &events)
        }
        var connecting = call
        connecting.version -= 1
        effects.reply(to: me, call: connecting.snapshot(for: index, profile: profile, stateOverride: .connecting), first: true)
        publish(call, &effects)
        effects.record(events)
        return effects
    }

    func reject(_ call: inout LiveCall, by me: Actor, at now: Date) throws -> CallEffects {
        guard let index = call.index(of: me.rawId), call.participants[index].isRinging else { throw CallErrors.notRinging(call.id, 41007) }
        var effects = CallEffects()
        stopRinging(call, index, except: me.endpointId, .declinedElsewhere, &effects)
        effects.reply(to: me)
        takeOut(index, .declined, now, &call, &effects)
        effects.events = CallEvents.endedBy(call.participants[index], effects.events)
        return effects
    }

    // MARK: Ending

    func hangUp(_ call: inout LiveCall, by me: Actor, forEveryone: Bool, at now: Date) throws -> CallEffects {
        guard let index = call.participant(atEndpoint: me.endpointId) else {
            throw ParleyError(
                .badRequest,
                wireCode: "NotInCall",
                "This endpoint has not joined call \(call.id); use 'rejectCall' for a ringing call."
            )
        }
        var effects = CallEffects()
        effects.reply(to: me)
        call.version += 1
        var events: [DomainEvent] = []
        if forEveryone {
            end(&call, now, &effects, &events) { $0.rawId == me.rawId ? .hungUp : ($0.isRinging ? .callerCancelled : .endedForEveryone) }
        } else if call.connectedAt == nil || !call.isGroupCall {
            end(&call, now, &effects, &events) { $0.isRinging ? .callerCancelled : .hungUp }
        } else {
            leave(&call, index, .hungUp, now, &events)
            settle(&call, lastReason: .hungUp, remaining: .hungUp, now, &effects, &events)
        }
        publish(call, &effects)
        effects.record(CallEvents.endedBy(call.participants[index], events))
        return effects
    }

    func remove(_ rawId: String, from call: inout LiveCall, by me: Actor, at now: Date) throws -> CallEffects {
        let remover = try requireConnected(me, call)
        guard call.isGroupCall else {
            throw ParleyError(.badRequest, wireCode: "NotAGroupCall", "Participants are removed from group calls only; hang up a 1:1 call.")
        }
        guard let index = call.index(of: rawId), rawId != me.rawId else {
            throw ParleyError(.notFound, wireCode: "ParticipantNotInCall", "\(rawId) is not in call \(call.id).")
        }
        var effects = CallEffects()
        if call.participants[index].isRinging { stopRinging(call, index, except: nil, .callerCancelled, &effects) }
        effects.reply(to: me)
        takeOut(index, .removed, now, &call, &effects)
        // Removing the last other party ends the call, and the remover leaves with it.
        effects.events = CallEvents.endedBy(call.participants[remover], effects.events)
        return effects
    }

    // MARK: In the call

    func setHeld(_ held: Bool, in call: inout LiveCall, by me: Actor) throws -> CallEffects {
        let index = try requireConnected(me, call)
        var effects = CallEffects()
        effects.reply(to: me)
        guard call.participants[index].isHeld != held else { return effects }
        call.version += 1
        call.participants[index].isHeld = held
        publish(call, &effects)
        return effects
    }

    func setMuted(_ muted: Bool, in call: inout LiveCall, by me: Actor) throws -> CallEffects {
        guard let index = call.participant(atEndpoint: me.endpointId) else { throw CallErrors.notJoined(call.id) }
        var effects = CallEffects()
        effects.reply(to: me)
        guard call.participants[index].isMuted != muted else { return effects }
        call.version += 1
        call.participants[index].isMuted = muted
        publish(call, &effects)
        return effects
    }

    /// A Teams user starts or stops recording or transcription (privacy rule P1: everyone is told).
    func setActivity(recording: Bool? = nil, transcription: Bool? = nil, in call: inout LiveCall, by me: Actor) throws -> CallEffects {
        try requireConnected(me, call)
        guard me.party.isOrgUser else {
            throw ParleyError(
                .forbidden,
                wireCode: "OnlyTeamsUsersManageRecording",
                "Only Teams users start and stop recording and transcription in a call; the resource records through /calling/recordings."
            )
        }
        var effects = CallEffects()
        effects.reply(to: me)
        let before = (call.teamsRecording, call.transcription)
        if let recording { call.teamsRecording = recording }
        if let transcription { call.transcription = transcription }
        guard before != (call.teamsRecording, call.transcription) else { return effects }
        call.version += 1
        publish(call, &effects)
        return effects
    }

    func add(_ target: CallPolicy.Target, to call: inout LiveCall, by me: Actor, at now: Date) throws -> CallEffects {
        try requireConnected(me, call)
        try rules.checkAdd(to: call, target: target)
        guard call.index(of: target.party.rawId) == nil else {
            throw ParleyError(.conflict, wireCode: "AlreadyInCall", "\(target.party.rawId) is already in call \(call.id).")
        }
        guard call.participants.count(where: { $0.isPresent }) < CallLimits.maxParticipants else {
            throw ParleyError(.validation, wireCode: "TooManyParticipants", "A call has at most \(CallLimits.maxParticipants) participants.")
        }
        var effects = CallEffects()
        call.version += 1
        call.isGroupCall = true
        call.participants.append(
            LiveCall.Participant(
                party: target.party,
                displayName: target.displayName,
                role: .added,
                presence: .ringing(deadline: now.addingTimeInterval(timeouts.ringingSeconds)),
                invitedAt: now,
                rings: target.rings
            )
        )
        ring(call, call.participants.count - 1, at: now, &effects)
        if let index = call.participant(atEndpoint: me.endpointId) { effects.reply(to: me, call: call.snapshot(for: index, profile: profile)) }
        publish(call, &effects)
        effects.record()
        return effects
    }

    /// Rings `target` for a 1:1 call; once it answers, the transferor leaves (0/7015).
    func transfer(_ call: inout LiveCall, to target: CallPolicy.Target, by me: Actor, at now: Date) throws -> CallEffects {
        let index = try requireConnected(me, call)
        guard !call.isGroupCall else { throw ParleyError(.badRequest, wireCode: "NotAOneToOneCall", "Only 1:1 calls are transferred.") }
        guard call.connectedCount == 2 else { throw ParleyError(.badRequest, wireCode: "CallNotConnected", "Only a connected call is transferred.") }
        guard !call.participants.contains(where: { $0.role == .transferTarget && $0.isRinging }) else {
            throw ParleyError(.conflict, wireCode: "TransferInProgress", "Call \(call.id) is being transferred already.")
        }
        guard call.index(of: target.party.rawId) == nil else {
            throw ParleyError(.conflict, wireCode: "AlreadyInCall", "\(target.party.rawId) is already in call \(call.id).")
        }
        var effects = CallEffects()
        var participant = LiveCall.Participant(
            party: target.party,
            displayName: target.displayName,
            role: .transferTarget,
            presence: .ringing(deadline: now.addingTimeInterval(timeouts.ringingSeconds)),
            invitedAt: now,
            rings: target.rings
        )
        participant.transferredBy = call.participants[index].rawId
        call.participants.append(participant)
        ring(call, call.participants.count - 1, at: now, &effects)
        effects.reply(to: me)
        return effects
    }

    // MARK: Media negotiation

    /// Relays an offer, answer or candidate to another connected participant, resolving glare:
    /// the earlier joiner of the pair wins, the later one is told it is polite.
    func relay(_ signal: CallSignal, in call: inout LiveCall, by me: Actor) throws -> CallEffects {
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
        var effects = CallEffects()
        effects.reply(to: me)
        guard let endpointId = call.participants[peer].endpointId else { return effects }
        let relayed = CallSignal(
            callId: call.id,
            kind: signal.kind,
            from: me.rawId,
            sdp: signal.sdp,
            candidate: signal.candidate,
            receiverIsPolite: signal.kind == .offer ? !iAmPolite : nil
        )
        effects.send(.signal(relayed), to: .endpoint(endpointId))
        return effects
    }

    // MARK: Resource recording

    /// The resource starts recording the call (Call Automation); everyone sees `isRecordingActive`.
    func startResourceRecording(_ recordingId: String, of call: inout LiveCall) throws -> CallEffects {
        try rules.checkResourceRecording(of: call)
        guard call.connectedAt != nil else {
            throw ParleyError(.badRequest, wireCode: "CallNotConnected", "Call \(call.id) has not been answered yet.")
        }
        guard call.resourceRecordingId == nil else {
            throw ParleyError(.conflict, wireCode: "RecordingAlreadyActive", "Call \(call.id) is being recorded by the resource already.")
        }
        var effects = CallEffects()
        call.version += 1
        call.resourceRecordingId = recordingId
        publish(call, &effects)
        return effects
    }

    func stopResourceRecording(of call: inout LiveCall) -> CallEffects {
        var effects = CallEffects()
        call.version += 1
        call.resourceRecordingId = nil
        publish(call, &effects)
        return effects
    }

    // MARK: Time

    /// Time passing: ringing past its deadline ends (487/10004), and participants whose endpoint
    /// is among `lostEndpoints` (gone longer than the grace period) leave. Nil when nothing changed.
    func expire(_ call: inout LiveCall, at now: Date, lostEndpoints: Set<String>) -> CallEffects? {
        var effects = CallEffects()
        var events: [DomainEvent] = []
        var changed = false
        for index in call.participants.indices {
            guard !call.isEnded else { break }
            let participant = call.participants[index]
            if case .ringing(let deadline) = participant.presence, deadline <= now {
                if !changed { call.version += 1 }
                changed = true
                stopRinging(call, index, except: nil, .noAnswer, &effects)
                leave(&call, index, .noAnswer, now, &events)
                settle(&call, lastReason: .noAnswer, remaining: .hungUp, now, &effects, &events)
            } else if participant.isPresent, let endpointId = participant.endpointId, lostEndpoints.contains(endpointId) {
                if !changed { call.version += 1 }
                changed = true
                if !call.isGroupCall {
                    end(&call, now, &effects, &events) {
                        $0.rawId == participant.rawId ? .connectionLost : ($0.isRinging ? .callerCancelled : .remoteDropped)
                    }
                } else {
                    leave(&call, index, .connectionLost, now, &events)
                    settle(&call, lastReason: .remoteDropped, remaining: .remoteDropped, now, &effects, &events)
                }
            }
        }
        guard changed else { return nil }
        publish(call, &effects)
        effects.record(events)
        return effects
    }

    // MARK: Faults (development mode)

    /// A ringing callee declines at once (603), as a fault decides; nil when `rawId` is not
    /// ringing in the call.
    func decline(_ call: inout LiveCall, for rawId: String, at now: Date) -> CallEffects? {
        guard let index = call.index(of: rawId), call.participants[index].isRinging else { return nil }
        var effects = CallEffects()
        stopRinging(call, index, except: nil, .declined, &effects)
        takeOut(index, .declined, now, &call, &effects)
        return effects
    }

    /// Ends the call for everyone still in it with `reason` (a fault, or the operator's tool).
    func end(_ call: inout LiveCall, reason: CallEndReason, at now: Date) -> CallEffects {
        var effects = CallEffects()
        var events: [DomainEvent] = []
        call.version += 1
        end(&call, now, &effects, &events) { _ in reason }
        publish(call, &effects)
        effects.record(events)
        return effects
    }

    // MARK: Leaving and ending

    /// Takes one participant out of the call (its last view says why), ends the call if nobody
    /// is left to talk to, tells everyone, and records the change.
    private func takeOut(_ index: Int, _ reason: CallEndReason, _ now: Date, _ call: inout LiveCall, _ effects: inout CallEffects) {
        call.version += 1
        var events: [DomainEvent] = []
        leave(&call, index, reason, now, &events)
        settle(&call, lastReason: reason, remaining: .hungUp, now, &effects, &events)
        publish(call, &effects)
        effects.record(events)
    }

    /// Takes the participant out of the call.
    private func leave(_ call: inout LiveCall, _ index: Int, _ reason: CallEndReason, _ now: Date, _ events: inout [DomainEvent]) {
        let wasConnected = call.participants[index].isConnected
        let rawId = call.participants[index].rawId
        call.participants[index].presence = .left(reason)
        call.participants[index].leftAt = now
        call.participants[index].leftAtVersion = call.version
        call.participants[index].isHeld = false
        for key in call.pendingOffers.keys where key.low == rawId || key.high == rawId {
            call.pendingOffers.removeValue(forKey: key)
        }
        if wasConnected { events.append(CallEvents.participant(.callParticipantRemoved, call, index, at: now)) }
    }

    /// Ends the call when nobody is left to talk to: nobody connected; the caller alone with
    /// nobody ringing; or one participant left in a call that was answered.
    private func settle(
        _ call: inout LiveCall,
        lastReason: CallEndReason,
        remaining: CallEndReason,
        _ now: Date,
        _ effects: inout CallEffects,
        _ events: inout [DomainEvent]
    ) {
        if call.connectedCount == 0 {
            end(&call, now, &effects, &events) { _ in .callerCancelled }
        } else if call.ringingCount == 0, call.connectedCount == 1 {
            let reason = call.connectedAt == nil ? lastReason : remaining
            end(&call, now, &effects, &events) { _ in reason }
        }
    }

    /// Ends the call for everyone still in it, with the reason `reason` gives each.
    private func end(
        _ call: inout LiveCall,
        _ now: Date,
        _ effects: inout CallEffects,
        _ events: inout [DomainEvent],
        reason: (LiveCall.Participant) -> CallEndReason
    ) {
        var callReason: CallEndReason?
        for index in call.participants.indices where call.participants[index].isPresent {
            let participantReason = reason(call.participants[index])
            if call.participants[index].isRinging {
                stopRinging(call, index, except: nil, participantReason, &effects)
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
        events.append(CallEvents.ended(call, at: now))
    }

    @discardableResult
    private func requireConnected(_ me: Actor, _ call: LiveCall) throws -> Int {
        guard let index = call.participant(atEndpoint: me.endpointId), call.participants[index].isConnected else {
            throw CallErrors.notJoined(call.id)
        }
        return index
    }

    // MARK: Telling endpoints

    /// Every endpoint in the call gets its view of it; one that left in this change gets its
    /// last view.
    private func publish(_ call: LiveCall, _ effects: inout CallEffects) {
        for index in call.participants.indices {
            let participant = call.participants[index]
            guard let endpointId = participant.endpointId, participant.isPresent || participant.leftAtVersion == call.version else { continue }
            effects.send(.call(call.snapshot(for: index, profile: profile)), to: .endpoint(endpointId))
        }
    }

    /// Rings every registered endpoint of the participant's user; an app user's resource also
    /// hears of it (`IncomingCall`, recorded with the call), even when a fault keeps the devices
    /// silent (the service offered the call; only the callee's devices stay quiet).
    private func ring(_ call: LiveCall, _ index: Int, at now: Date, _ effects: inout CallEffects) {
        if let event = CallEvents.incoming(call, index, at: now) { effects.record([event]) }
        guard call.participants[index].rings else { return }
        effects.send(.incomingCall(call.incomingCall(for: index)), to: .user(call.participants[index].rawId, except: nil))
    }

    /// Stops the ringing at the user's endpoints (all but `except`).
    private func stopRinging(_ call: LiveCall, _ index: Int, except: String?, _ reason: CallEndReason, _ effects: inout CallEffects) {
        guard call.participants[index].rings else { return }
        let ended = IncomingCallEnded(id: call.id, callEndReason: reason)
        effects.send(.incomingCallEnded(ended), to: .user(call.participants[index].rawId, except: except))
    }
}
