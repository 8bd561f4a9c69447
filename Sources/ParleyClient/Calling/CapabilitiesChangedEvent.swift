import ParleyAPI

/// Capabilities that changed in a call (`capabilitiesChanged` of the ACS SDK): each changed
/// name with its value before and after; a name missing from one side was not reported there.
public struct CapabilitiesChangedEvent: Sendable, Hashable {
    public var oldValue: [String: CallCapability]
    public var newValue: [String: CallCapability]

    public init(oldValue: [String: CallCapability], newValue: [String: CallCapability]) {
        self.oldValue = oldValue
        self.newValue = newValue
    }

    /// The changes from `old` to `new`; nil when nothing changed.
    init?(from old: [String: CallCapability], to new: [String: CallCapability]) {
        let names = Set(old.keys).union(new.keys).filter { old[$0] != new[$0] }
        guard !names.isEmpty else { return nil }
        self.init(oldValue: old.filter { names.contains($0.key) }, newValue: new.filter { names.contains($0.key) })
    }
}
