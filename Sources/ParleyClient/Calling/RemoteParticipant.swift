import ParleyAPI
import Synchronization

/// Another participant of a call, as this endpoint sees it (the ACS SDK's `RemoteParticipant`).
///
/// Its values are current whenever read, from any task; ``stateChanged`` and ``isMutedChanged``
/// tell of changes from the moment they are read. Once the participant leaves the call (the
/// call's `remoteParticipantsUpdated` lists it as removed), it is `Disconnected`, both sequences
/// end, and it never changes again: a participant that comes back is a new object.
public final class RemoteParticipant: Sendable, CustomStringConvertible {
    public let identifier: any CommunicationIdentifier
    private let info: Mutex<RemoteParticipantInfo>
    private let stateSource = EventSource<ParticipantState>()
    private let mutedSource = EventSource<Bool>()

    init(_ info: RemoteParticipantInfo) {
        self.identifier = createCommunicationIdentifier(fromRawId: info.identifier.participantKey)
        self.info = Mutex(info)
    }

    public var displayName: String? { info.withLock { $0.displayName } }
    public var state: ParticipantState { info.withLock { $0.state } }
    public var isMuted: Bool { info.withLock { $0.isMuted } }
    /// Why the participant left; set for participants that left, and for those added with
    /// ``Call/addParticipant(_:)`` that declined or did not answer.
    public var callEndReason: CallEndReason? { info.withLock { $0.callEndReason } }

    /// The participant's new states, from now on.
    public var stateChanged: AsyncStream<ParticipantState> { stateSource.subscribe() }
    /// The participant's new mute states, from now on.
    public var isMutedChanged: AsyncStream<Bool> { mutedSource.subscribe() }

    public var description: String { "\(identifier.rawId) (\(state.rawValue))" }

    /// Takes the participant's newer values and tells subscribers what changed.
    func update(_ newer: RemoteParticipantInfo) {
        let older = info.withLock { info in
            defer { info = newer }
            return info
        }
        if older.state != newer.state { stateSource.yield(newer.state) }
        if older.isMuted != newer.isMuted { mutedSource.yield(newer.isMuted) }
    }

    /// The participant left: its last values, then the end of its sequences.
    func remove(_ last: RemoteParticipantInfo) {
        update(last)
        stateSource.finish()
        mutedSource.finish()
    }
}
