import Foundation
import ParleyAPI

/// A running call: its parties and their states. Owned by ``CallService``, which changes it
/// under its lock; every change bumps ``version``.
struct LiveCall: Sendable {
    struct Participant: Sendable {
        enum Presence: Sendable, Equatable {
            /// Rung, not answered yet.
            case ringing(deadline: Date)
            case connected
            case left(CallEndReason)
        }

        var party: CallParty
        var displayName: String?
        var role: CallRecord.Party.Role
        var presence: Presence
        /// The endpoint taking part (the caller's from the start, a callee's once it accepts).
        var endpointId: String?
        var isMuted = false
        var isHeld = false
        /// Order of joining: the later joiner of a pair is the polite side of glare.
        var joinOrder = 0
        var invitedAt: Date
        var joinedAt: Date?
        var leftAt: Date?
        /// The call version at which the participant left: its departure is shown once.
        var leftAtVersion: Int64?
        /// Who transferred the call to this participant.
        var transferredBy: String?

        var rawId: String { party.rawId }
        var isRinging: Bool {
            if case .ringing = presence { return true }
            return false
        }
        var isConnected: Bool { presence == .connected }
        var isPresent: Bool {
            if case .left = presence { return false }
            return true
        }
        var endReason: CallEndReason? {
            if case .left(let reason) = presence { return reason }
            return nil
        }
    }

    let id: String
    /// The resource of the app side; nil for calls among Teams users.
    let resourceId: UUID?
    let startedAt: Date
    let callerRawId: String
    var isGroupCall: Bool
    var version: Int64 = 1
    var participants: [Participant]
    var connectedAt: Date?
    var endedAt: Date?
    var endReason: CallEndReason?
    var teamsRecording = false
    var resourceRecordingId: String?
    var transcription = false
    var joinCount = 0
    /// Outstanding SDP offers, by the pair they are between: the raw id of who offered.
    var pendingOffers: [PairKey: String] = [:]

    struct PairKey: Hashable, Sendable {
        let low: String
        let high: String
        init(_ a: String, _ b: String) {
            (low, high) = a < b ? (a, b) : (b, a)
        }
    }

    var isEnded: Bool { endedAt != nil }
    var isRecordingActive: Bool { teamsRecording || resourceRecordingId != nil }

    /// An app user and the organization side both take part (or took part).
    var isInterop: Bool {
        participants.contains { $0.party.isAppUser } && participants.contains { $0.party.isOrganization }
    }

    func index(of rawId: String) -> Int? {
        participants.lastIndex { $0.rawId == rawId && $0.isPresent }
    }

    func participant(atEndpoint endpointId: String) -> Int? {
        participants.firstIndex { $0.endpointId == endpointId && $0.isPresent }
    }

    var connectedCount: Int { participants.count { $0.isConnected } }
    var ringingCount: Int { participants.count { $0.isRinging } }
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
