/// How an incoming call is answered (`AcceptCallOptions` of the ACS SDK).
public struct AcceptCallOptions: Sendable {
    /// Join with the microphone muted.
    public var muted: Bool

    public init(muted: Bool = false) {
        self.muted = muted
    }
}
