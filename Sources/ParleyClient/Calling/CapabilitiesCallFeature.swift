import ParleyAPI

/// What this endpoint may do in a call (`Features.Capabilities` of the ACS SDK), by the ACS
/// names in ``CallCapabilityName``: in an interop call under the faithful profile, for example,
/// `addCommunicationUser` and `addTeamsUser` are not present (`FeatureNotSupported`).
public struct CapabilitiesCallFeature: Sendable {
    let call: Call

    public var capabilities: [String: CallCapability] { call.snapshot.capabilities }
    /// Capabilities that changed, from now on.
    public var capabilitiesChanged: AsyncStream<CapabilitiesChangedEvent> { call.capabilitiesSource.subscribe() }
}
