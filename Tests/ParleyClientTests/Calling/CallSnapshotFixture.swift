import Foundation
import ParleyAPI

@testable import ParleyClient

/// Call snapshots as the server would send them, for tests of the SDK's diffing without a server.
enum CallSnapshotFixture {
    static let callId = "call-1"
    static let alice = "8:acs:resource_alice"
    static let bob = "8:acs:resource_bob"
    static let carol = "8:acs:resource_carol"

    static func participant(
        _ rawId: String,
        _ state: ParticipantState = .connected,
        muted: Bool = false,
        endReason: CallEndReason? = nil
    ) -> RemoteParticipantInfo {
        RemoteParticipantInfo(
            identifier: CommunicationIdentifierModel(CommunicationIdentifierKind(rawId: rawId)),
            displayName: rawId.components(separatedBy: "_").last,
            state: state,
            isMuted: muted,
            callEndReason: endReason
        )
    }

    static func snapshot(
        version: Int64,
        state: CallState = .connected,
        muted: Bool = false,
        participants: [RemoteParticipantInfo] = [participant(bob)],
        recording: Bool = false,
        transcription: Bool = false,
        capabilities: [String: CallCapability] = [CallCapabilityName.transfer: CallCapability(isPresent: true, reason: "Capable")],
        endReason: CallEndReason? = nil
    ) -> CallSnapshot {
        CallSnapshot(
            id: callId,
            version: version,
            state: state,
            direction: .outgoing,
            callerInfo: CallerInfo(identifier: CommunicationIdentifierModel(CommunicationIdentifierKind(rawId: alice)), displayName: "alice"),
            isGroupCall: participants.count > 1,
            isInterop: false,
            isMuted: muted,
            remoteParticipants: participants,
            isRecordingActive: recording,
            isTranscriptionActive: transcription,
            capabilities: capabilities,
            callEndReason: endReason
        )
    }

    /// A call object that is never connected: snapshots are applied by hand.
    static func call(_ first: CallSnapshot) throws -> Call {
        let credential = try CommunicationTokenCredential(token: TestJWT.make(expiresOn: Date().addingTimeInterval(3600)))
        let connection = try CallingConnection(endpoint: URL(string: "https://localhost:1/")!, credential: credential, options: .init())
        return Call(first, connection: connection, negotiator: nil)
    }
}

/// Collects a sequence that ends.
func collectAll<S: AsyncSequence>(_ sequence: S) async -> [S.Element] where S.Failure == Never {
    var values: [S.Element] = []
    for await value in sequence { values.append(value) }
    return values
}
