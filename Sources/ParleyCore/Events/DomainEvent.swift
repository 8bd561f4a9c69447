import Foundation

/// A fact about a change, committed in the same transaction as the change itself. Later stages
/// fan these out (realtime gateway, webhooks, other nodes); nothing is published that was not
/// committed.
public struct DomainEvent: Sendable, Equatable {
    public struct Kind: RawRepresentable, Hashable, Sendable {
        public var rawValue: String
        public init(rawValue: String) { self.rawValue = rawValue }

        public static let resourceCreated = Kind(rawValue: "ResourceCreated")
        public static let resourceKeyRegenerated = Kind(rawValue: "ResourceKeyRegenerated")
        public static let userCreated = Kind(rawValue: "UserCreated")
        public static let userTokensRevoked = Kind(rawValue: "UserTokensRevoked")
        public static let userDeleted = Kind(rawValue: "UserDeleted")
        public static let tenantCreated = Kind(rawValue: "TenantCreated")
        public static let tenantFederationUpdated = Kind(rawValue: "TenantAcsFederationUpdated")
        public static let externalAccessPolicyUpdated = Kind(rawValue: "ExternalAccessPolicyUpdated")
        public static let orgUserCreated = Kind(rawValue: "OrgUserCreated")
        public static let orgUserUpdated = Kind(rawValue: "OrgUserUpdated")
        public static let orgUserPasswordSet = Kind(rawValue: "OrgUserPasswordSet")
        public static let tenantAppRegistered = Kind(rawValue: "TenantAppRegistered")
        public static let voiceAppCreated = Kind(rawValue: "TeamsVoiceAppCreated")
        public static let roleAssignmentCreated = Kind(rawValue: "RoleAssignmentCreated")
        public static let roleAssignmentDeleted = Kind(rawValue: "RoleAssignmentDeleted")
        public static let chatThreadCreated = Kind(rawValue: "ChatThreadCreated")
        public static let chatThreadDeleted = Kind(rawValue: "ChatThreadDeleted")
        public static let chatThreadPropertiesUpdated = Kind(rawValue: "ChatThreadPropertiesUpdated")
        public static let chatParticipantsAdded = Kind(rawValue: "ChatThreadParticipantsAdded")
        public static let chatParticipantRemoved = Kind(rawValue: "ChatThreadParticipantRemoved")
        public static let chatMessageReceived = Kind(rawValue: "ChatMessageReceived")
        public static let chatMessageEdited = Kind(rawValue: "ChatMessageEdited")
        public static let chatMessageDeleted = Kind(rawValue: "ChatMessageDeleted")
        public static let chatReadReceiptReceived = Kind(rawValue: "ChatReadReceiptReceived")
        public static let callStarted = Kind(rawValue: "CallStarted")
        public static let callEnded = Kind(rawValue: "CallEnded")
        public static let callParticipantAdded = Kind(rawValue: "CallParticipantAdded")
        public static let callParticipantRemoved = Kind(rawValue: "CallParticipantRemoved")
        /// A call rings an app user (the `IncomingCall` event of Event Grid).
        public static let incomingCall = Kind(rawValue: "IncomingCall")
        public static let eventSubscriptionCreated = Kind(rawValue: "EventSubscriptionCreated")
        public static let eventSubscriptionUpdated = Kind(rawValue: "EventSubscriptionUpdated")
        public static let eventSubscriptionValidated = Kind(rawValue: "EventSubscriptionValidated")
        public static let eventSubscriptionFailed = Kind(rawValue: "EventSubscriptionFailed")
        public static let eventSubscriptionDeleted = Kind(rawValue: "EventSubscriptionDeleted")
        public static let tenantAppRedirectURIsSet = Kind(rawValue: "TenantAppRedirectUrisSet")
        public static let authorizationCodeIssued = Kind(rawValue: "OrgAuthorizationCodeIssued")
        public static let signInSessionStarted = Kind(rawValue: "OrgSignInSessionStarted")
        public static let signInSessionRefreshed = Kind(rawValue: "OrgSignInSessionRefreshed")
        public static let signInSessionEnded = Kind(rawValue: "OrgSignInSessionEnded")
        public static let resourceWebAppUpdated = Kind(rawValue: "ResourceWebAppUpdated")
        public static let webVisitorJoined = Kind(rawValue: "WebVisitorJoined")
        public static let webVisitorLeft = Kind(rawValue: "WebVisitorLeft")
        /// Development mode restored a snapshot: positions before this one are of another history.
        public static let stateRestored = Kind(rawValue: "ParleyStateRestored")
        /// Ephemeral: published, never stored.
        public static let chatTypingIndicatorReceived = Kind(rawValue: "ChatTypingIndicatorReceived")
    }

    public var kind: Kind
    /// The resource (immutable id) the event belongs to.
    public var resourceId: String
    /// What the event is about: a raw id, a resource name.
    public var subject: String
    public var occurredAt: Date
    /// Small string attributes; the full state is in the store.
    public var data: [String: String]
    /// For chat events: who hears of the change in real time, and what it is about.
    public var chat: ChatEventDetail?

    public init(
        kind: Kind,
        resourceId: String,
        subject: String,
        occurredAt: Date,
        data: [String: String] = [:],
        chat: ChatEventDetail? = nil
    ) {
        self.kind = kind
        self.resourceId = resourceId
        self.subject = subject
        self.occurredAt = occurredAt
        self.data = data
        self.chat = chat
    }
}

/// What real-time clients need of a chat change beyond ``DomainEvent/data``, captured when the
/// change is committed. Message events carry only the message id: a client is given the
/// message as it is when the event is delivered.
public struct ChatEventDetail: Sendable, Equatable {
    /// The raw ids told of the change: the thread's participants once it is made, plus anyone it
    /// removed. Nobody else hears of a thread's events.
    public var audience: [String]
    /// The participants a thread was created with, or that were added or removed.
    public var participants: [ChatParticipant]?

    public init(audience: [String] = [], participants: [ChatParticipant]? = nil) {
        self.audience = audience
        self.participants = participants
    }
}

/// A committed event with its position in the server's event log.
public struct RecordedEvent: Sendable, Equatable {
    public var position: Int64
    public var event: DomainEvent
    public init(position: Int64, event: DomainEvent) {
        self.position = position
        self.event = event
    }
}

extension DomainEvent {
    /// Records the message as it is at this change (body, type, sender's name, metadata,
    /// version, compose time), so that what is raised later describes the change as it was,
    /// even after the message is edited or deleted. A deleted message keeps no body.
    public mutating func describeMessage(_ message: ChatMessage) {
        data["messageId"] = message.id
        data["messageType"] = message.type.rawValue
        data["version"] = message.version
        data["composeTime"] = String(Int64((message.createdAt.timeIntervalSince1970 * 1000).rounded()))
        data["senderDisplayName"] = message.senderDisplayName
        if message.deletedAt == nil {
            data["body"] = message.content.message ?? ""
            if let metadata = message.metadata, let text = try? JSONEncoder().encode(metadata) {
                data["metadata"] = String(decoding: text, as: UTF8.self)
            }
        }
    }
}
