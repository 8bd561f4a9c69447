import Foundation

/// A running call as the operator's tools show it (development mode).
public struct RunningCall: Sendable, Equatable {
    public struct Participant: Sendable, Equatable {
        public var rawId: String
        /// `ringing` or `connected`.
        public var state: String
        /// The endpoint taking part, once connected.
        public var endpointId: String?
        /// The endpoint's connection is gone; it has the grace period to come back.
        public var isConnectionLost: Bool
    }

    public var id: String
    public var resourceId: UUID?
    public var startedAt: Date
    public var isGroupCall: Bool
    public var participants: [Participant]
}
