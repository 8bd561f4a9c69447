/// The chat events of the real-time protocol, named and shaped after the ACS JavaScript chat
/// SDK's real-time events. Identifiers use the ACS REST shape (``CommunicationIdentifierModel``:
/// `rawId`, `kind` and one kind-specific member), times are RFC 3339 strings, as in REST.
///
/// Per-recipient events (messages, typing, receipts) name their `recipient`: the user whose
/// connection received the event.

/// A participant as thread events describe it.
public struct SignalingChatParticipant: Codable, Sendable, Equatable {
    public var id: CommunicationIdentifierModel
    public var displayName: String?
    public var shareHistoryTime: String?

    public init(id: CommunicationIdentifierModel, displayName: String? = nil, shareHistoryTime: String? = nil) {
        self.id = id
        self.displayName = displayName
        self.shareHistoryTime = shareHistoryTime
    }
}

/// The properties of a thread that `chatThreadCreated` and `chatThreadPropertiesUpdated` carry.
public struct ChatThreadEventProperties: Codable, Sendable, Equatable {
    public var topic: String
    public init(topic: String) { self.topic = topic }
}

/// `chatMessageReceived` and `chatMessageEdited` (which adds `editedOn`).
public struct ChatMessageEvent: Codable, Sendable, Equatable {
    public var threadId: String
    public var id: String
    public var sender: CommunicationIdentifierModel?
    public var senderDisplayName: String?
    public var recipient: CommunicationIdentifierModel?
    public var createdOn: String
    public var version: String
    /// `text` or `html`.
    public var type: String
    public var message: String
    public var metadata: [String: String]
    public var attachments: [ChatAttachmentModel]?
    /// Set for `chatMessageEdited`.
    public var editedOn: String?

    public init(
        threadId: String,
        id: String,
        sender: CommunicationIdentifierModel?,
        senderDisplayName: String?,
        recipient: CommunicationIdentifierModel? = nil,
        createdOn: String,
        version: String,
        type: String,
        message: String,
        metadata: [String: String],
        attachments: [ChatAttachmentModel]? = nil,
        editedOn: String? = nil
    ) {
        self.threadId = threadId
        self.id = id
        self.sender = sender
        self.senderDisplayName = senderDisplayName
        self.recipient = recipient
        self.createdOn = createdOn
        self.version = version
        self.type = type
        self.message = message
        self.metadata = metadata
        self.attachments = attachments
        self.editedOn = editedOn
    }
}

/// `chatMessageDeleted`.
public struct ChatMessageDeletedEvent: Codable, Sendable, Equatable {
    public var threadId: String
    public var id: String
    public var sender: CommunicationIdentifierModel?
    public var senderDisplayName: String?
    public var recipient: CommunicationIdentifierModel?
    public var createdOn: String
    public var version: String
    public var type: String
    public var deletedOn: String

    public init(
        threadId: String,
        id: String,
        sender: CommunicationIdentifierModel?,
        senderDisplayName: String?,
        recipient: CommunicationIdentifierModel? = nil,
        createdOn: String,
        version: String,
        type: String,
        deletedOn: String
    ) {
        self.threadId = threadId
        self.id = id
        self.sender = sender
        self.senderDisplayName = senderDisplayName
        self.recipient = recipient
        self.createdOn = createdOn
        self.version = version
        self.type = type
        self.deletedOn = deletedOn
    }
}

/// `typingIndicatorReceived` (ephemeral: it has no position and is never replayed).
public struct TypingIndicatorReceivedEvent: Codable, Sendable, Equatable {
    public var threadId: String
    public var sender: CommunicationIdentifierModel
    public var senderDisplayName: String?
    public var recipient: CommunicationIdentifierModel?
    public var receivedOn: String
    public var version: String

    public init(
        threadId: String,
        sender: CommunicationIdentifierModel,
        senderDisplayName: String?,
        recipient: CommunicationIdentifierModel? = nil,
        receivedOn: String,
        version: String
    ) {
        self.threadId = threadId
        self.sender = sender
        self.senderDisplayName = senderDisplayName
        self.recipient = recipient
        self.receivedOn = receivedOn
        self.version = version
    }
}

/// `readReceiptReceived`.
public struct ReadReceiptReceivedEvent: Codable, Sendable, Equatable {
    public var threadId: String
    public var sender: CommunicationIdentifierModel
    public var senderDisplayName: String?
    public var recipient: CommunicationIdentifierModel?
    public var chatMessageId: String
    public var readOn: String

    public init(
        threadId: String,
        sender: CommunicationIdentifierModel,
        senderDisplayName: String?,
        recipient: CommunicationIdentifierModel? = nil,
        chatMessageId: String,
        readOn: String
    ) {
        self.threadId = threadId
        self.sender = sender
        self.senderDisplayName = senderDisplayName
        self.recipient = recipient
        self.chatMessageId = chatMessageId
        self.readOn = readOn
    }
}

/// `chatThreadCreated`.
public struct ChatThreadCreatedEvent: Codable, Sendable, Equatable {
    public var threadId: String
    public var version: String
    public var createdOn: String
    public var properties: ChatThreadEventProperties
    public var participants: [SignalingChatParticipant]
    public var createdBy: SignalingChatParticipant

    public init(
        threadId: String,
        version: String,
        createdOn: String,
        properties: ChatThreadEventProperties,
        participants: [SignalingChatParticipant],
        createdBy: SignalingChatParticipant
    ) {
        self.threadId = threadId
        self.version = version
        self.createdOn = createdOn
        self.properties = properties
        self.participants = participants
        self.createdBy = createdBy
    }
}

/// `chatThreadDeleted`.
public struct ChatThreadDeletedEvent: Codable, Sendable, Equatable {
    public var threadId: String
    public var version: String
    public var deletedOn: String
    public var deletedBy: SignalingChatParticipant

    public init(threadId: String, version: String, deletedOn: String, deletedBy: SignalingChatParticipant) {
        self.threadId = threadId
        self.version = version
        self.deletedOn = deletedOn
        self.deletedBy = deletedBy
    }
}

/// `chatThreadPropertiesUpdated`.
public struct ChatThreadPropertiesUpdatedEvent: Codable, Sendable, Equatable {
    public var threadId: String
    public var version: String
    public var properties: ChatThreadEventProperties
    public var updatedOn: String
    public var updatedBy: SignalingChatParticipant

    public init(
        threadId: String,
        version: String,
        properties: ChatThreadEventProperties,
        updatedOn: String,
        updatedBy: SignalingChatParticipant
    ) {
        self.threadId = threadId
        self.version = version
        self.properties = properties
        self.updatedOn = updatedOn
        self.updatedBy = updatedBy
    }
}

/// `participantsAdded`.
public struct ParticipantsAddedEvent: Codable, Sendable, Equatable {
    public var threadId: String
    public var version: String
    public var addedOn: String
    public var participantsAdded: [SignalingChatParticipant]
    public var addedBy: SignalingChatParticipant

    public init(
        threadId: String,
        version: String,
        addedOn: String,
        participantsAdded: [SignalingChatParticipant],
        addedBy: SignalingChatParticipant
    ) {
        self.threadId = threadId
        self.version = version
        self.addedOn = addedOn
        self.participantsAdded = participantsAdded
        self.addedBy = addedBy
    }
}

/// `participantsRemoved`.
public struct ParticipantsRemovedEvent: Codable, Sendable, Equatable {
    public var threadId: String
    public var version: String
    public var removedOn: String
    public var participantsRemoved: [SignalingChatParticipant]
    public var removedBy: SignalingChatParticipant

    public init(
        threadId: String,
        version: String,
        removedOn: String,
        participantsRemoved: [SignalingChatParticipant],
        removedBy: SignalingChatParticipant
    ) {
        self.threadId = threadId
        self.version = version
        self.removedOn = removedOn
        self.participantsRemoved = participantsRemoved
        self.removedBy = removedBy
    }
}
