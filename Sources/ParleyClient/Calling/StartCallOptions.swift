/// How a call starts (`StartCallOptions` of the ACS SDK).
public struct StartCallOptions: Sendable {
    /// Start with the microphone muted (the others see it at once).
    public var muted: Bool

    public init(muted: Bool = false) {
        self.muted = muted
    }
}
