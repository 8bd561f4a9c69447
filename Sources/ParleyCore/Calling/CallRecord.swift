import Foundation
import ParleyAPI

/// A call as the store keeps it: who took part, when, and how it ended.
public struct CallRecord: Sendable, Equatable {
    public struct Party: Sendable, Equatable {
        public enum Role: String, Sendable {
            case caller, callee, added, transferTarget
        }

        public var rawId: String
        public var displayName: String?
        public var role: Role
        public var invitedAt: Date
        public var joinedAt: Date?
        public var leftAt: Date?
        public var endReason: CallEndReason?

        public init(
            rawId: String,
            displayName: String?,
            role: Role,
            invitedAt: Date,
            joinedAt: Date? = nil,
            leftAt: Date? = nil,
            endReason: CallEndReason? = nil
        ) {
            self.rawId = rawId
            self.displayName = displayName
            self.role = role
            self.invitedAt = invitedAt
            self.joinedAt = joinedAt
            self.leftAt = leftAt
            self.endReason = endReason
        }
    }

    /// The server call id.
    public var id: String
    /// The resource of the app side (nil for calls among Teams users).
    public var resourceId: UUID?
    public var startedBy: String
    public var isGroupCall: Bool
    public var isInterop: Bool
    public var startedAt: Date
    public var connectedAt: Date?
    public var endedAt: Date?
    public var endReason: CallEndReason?
    public var parties: [Party]

    public init(
        id: String,
        resourceId: UUID?,
        startedBy: String,
        isGroupCall: Bool,
        isInterop: Bool,
        startedAt: Date,
        connectedAt: Date? = nil,
        endedAt: Date? = nil,
        endReason: CallEndReason? = nil,
        parties: [Party]
    ) {
        self.id = id
        self.resourceId = resourceId
        self.startedBy = startedBy
        self.isGroupCall = isGroupCall
        self.isInterop = isInterop
        self.startedAt = startedAt
        self.connectedAt = connectedAt
        self.endedAt = endedAt
        self.endReason = endReason
        self.parties = parties
    }
}
