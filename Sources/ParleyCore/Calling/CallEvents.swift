import Foundation
import ParleyAPI

/// The domain events behind calls: started, ended, and participants joining and leaving. Filed
/// under the app side's resource (else the tenant) so the resource's listeners hear of them.
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
        if let reason = call.participants[index].endReason {
            data["code"] = String(reason.code)
            data["subCode"] = String(reason.subCode)
        }
        return DomainEvent(kind: kind, resourceId: call.eventResourceKey, subject: call.id, occurredAt: now, data: data)
    }
}
