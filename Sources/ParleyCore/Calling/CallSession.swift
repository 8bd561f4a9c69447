import Foundation
import ParleyAPI
import Synchronization

/// One real-time connection's part in calling: who it belongs to, where its frames go, and the
/// endpoint it registered (the ACS SDK's `CallAgent`), once it has.
public final class CallSession: Sendable {
    public let agent: CallAgentIdentity
    let sink: any CallFrameSink
    private let registered = Mutex<String?>(nil)

    public init(agent: CallAgentIdentity, sink: any CallFrameSink) {
        self.agent = agent
        self.sink = sink
    }

    /// The endpoint this connection registered, if it has.
    public var endpointId: String? { registered.withLock { $0 } }

    /// Records the registration; false if the connection had registered already.
    func register(_ endpointId: String) -> Bool {
        registered.withLock { current in
            guard current == nil else { return false }
            current = endpointId
            return true
        }
    }
}
