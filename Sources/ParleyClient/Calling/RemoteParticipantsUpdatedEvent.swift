/// Participants who joined a call (or started ringing in it) and who left it
/// (`remoteParticipantsUpdated` of the ACS SDK).
public struct RemoteParticipantsUpdatedEvent: Sendable {
    public var added: [RemoteParticipant]
    /// They are `Disconnected`, with their ``RemoteParticipant/callEndReason`` when the server
    /// gave one.
    public var removed: [RemoteParticipant]

    public init(added: [RemoteParticipant], removed: [RemoteParticipant]) {
        self.added = added
        self.removed = removed
    }
}
