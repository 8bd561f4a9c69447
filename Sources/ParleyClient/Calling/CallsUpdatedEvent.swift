/// Calls that an agent started being in, and calls that ended (`callsUpdated` of the ACS SDK).
public struct CallsUpdatedEvent: Sendable {
    public var added: [Call]
    /// They are `Disconnected`, with their ``Call/callEndReason``.
    public var removed: [Call]

    public init(added: [Call], removed: [Call]) {
        self.added = added
        self.removed = removed
    }
}
