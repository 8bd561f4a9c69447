import Foundation
import ParleyAPI

/// The domain events behind calls: started, ended, participants joining and leaving, and app
/// users being rung. Filed under the app side's resource (else the tenant) so the resource's
/// listeners hear of them (docs/events.md renders them as Event Grid events).
enum CallEvents {
    static func started(_ call: LiveCall, at now: Date) -> DomainEvent {
        callEvent(.callStarted, call.record, filedUnder: call.eventResourceKey, at: now)
    }

    static func ended(_ call: LiveCall, at now: Date) -> DomainEvent {
        callEvent(.callEnded, call.record, filedUnder: call.eventResourceKey, at: now)
    }

    /// The `CallEnded` of a call that a restart interrupted, from its record.
    static func ended(_ record: CallRecord) -> DomainEvent {
        callEvent(.callEnded, record, filedUnder: record.resourceId?.uuidString.lowercased() ?? "", at: record.endedAt ?? record.startedAt)
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

    /// A participant joined (`CallParticipantAdded`) or left (`CallParticipantRemoved`).
    static func participant(_ kind: DomainEvent.Kind, _ call: LiveCall, _ index: Int, at now: Date) -> DomainEvent {
        var data = ["participant": call.participants[index].rawId, "startedBy": call.callerRawId]
        if let name = call.participants[index].displayName { data["displayName"] = name }
        if let endpointId = call.participants[index].endpointId { data["endpointId"] = endpointId }
        if let reason = call.participants[index].endReason {
            data["code"] = String(reason.code)
            data["subCode"] = String(reason.subCode)
        }
        return DomainEvent(kind: kind, resourceId: call.eventResourceKey, subject: call.id, occurredAt: now, data: data)
    }

    /// The call rings an app user (`IncomingCall`), filed under the callee's resource: who calls
    /// (the transferee for a transfer), and until when it rings (the expiry of the event's
    /// `incomingCallContext`). Nil for a callee that is no app user, or is not ringing.
    static func incoming(_ call: LiveCall, _ index: Int, at now: Date) -> DomainEvent? {
        let callee = call.participants[index]
        guard let resource = callee.party.resourceId, case .ringing(let deadline) = callee.presence else { return nil }
        let info = call.incomingCall(for: index)
        var data = [
            "callee": callee.rawId,
            "from": info.callerInfo.identifier.rawId ?? call.callerRawId,
            "deadline": String(Int64((deadline.timeIntervalSince1970 * 1000).rounded())),
            "isGroupCall": String(call.isGroupCall),
        ]
        data["callerDisplayName"] = info.callerInfo.displayName
        return DomainEvent(kind: .incomingCall, resourceId: resource.uuidString.lowercased(), subject: call.id, occurredAt: now, data: data)
    }

    /// `events` with the call's `CallEnded` (if one is among them) naming `participant` as who
    /// ended it: who hung up, declined, or removed the last other party. A call the platform
    /// ends (no answer, a lost connection, a restart) names nobody.
    static func endedBy(_ participant: LiveCall.Participant, _ events: [DomainEvent]) -> [DomainEvent] {
        events.map { event in
            guard event.kind == .callEnded else { return event }
            var event = event
            event.data["endedBy"] = participant.rawId
            event.data["endedByName"] = participant.displayName
            return event
        }
    }
}
