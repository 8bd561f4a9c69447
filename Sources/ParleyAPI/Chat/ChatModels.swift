/// Wire bodies of the ACS Chat API (`Chat/stable/2024-03-07`).

public struct ChatParticipantModel: Codable, Sendable, Equatable {
    public var communicationIdentifier: CommunicationIdentifierModel
    public var displayName: String?
    /// RFC 3339; messages created before it are hidden from the participant.
    public var shareHistoryTime: String?

    public init(communicationIdentifier: CommunicationIdentifierModel, displayName: String? = nil, shareHistoryTime: String? = nil) {
        self.communicationIdentifier = communicationIdentifier
        self.displayName = displayName
        self.shareHistoryTime = shareHistoryTime
    }
}

/// `POST /chat/threads`
public struct CreateChatThreadRequest: Codable, Sendable {
    public var topic: String
    public var participants: [ChatParticipantModel]?
    public init(topic: String, participants: [ChatParticipantModel]? = nil) {
        self.topic = topic
        self.participants = participants
    }
}

public struct ChatThreadPropertiesModel: Codable, Sendable, Equatable {
    public var id: String
    public var topic: String
    public var createdOn: String
    public var createdByCommunicationIdentifier: CommunicationIdentifierModel
    public var deletedOn: String?
    public init(
        id: String,
        topic: String,
        createdOn: String,
        createdByCommunicationIdentifier: CommunicationIdentifierModel,
        deletedOn: String? = nil
    ) {
        self.id = id
        self.topic = topic
        self.createdOn = createdOn
        self.createdByCommunicationIdentifier = createdByCommunicationIdentifier
        self.deletedOn = deletedOn
    }
}

public struct CreateChatThreadResult: Codable, Sendable, Equatable {
    public var chatThread: ChatThreadPropertiesModel
    public var invalidParticipants: [CommunicationError]?
    public init(chatThread: ChatThreadPropertiesModel, invalidParticipants: [CommunicationError]? = nil) {
        self.chatThread = chatThread
        self.invalidParticipants = invalidParticipants
    }
}

public struct ChatThreadItemModel: Codable, Sendable, Equatable {
    public var id: String
    public var topic: String
    public var deletedOn: String?
    public var lastMessageReceivedOn: String?
    public init(id: String, topic: String, deletedOn: String? = nil, lastMessageReceivedOn: String? = nil) {
        self.id = id
        self.topic = topic
        self.deletedOn = deletedOn
        self.lastMessageReceivedOn = lastMessageReceivedOn
    }
}

/// A page of a list: `{"value": [...], "nextLink"?: "<absolute URL>"}`.
public struct PageModel<Item: Codable & Sendable & Equatable>: Codable, Sendable, Equatable {
    public var value: [Item]
    public var nextLink: String?
    public init(value: [Item], nextLink: String? = nil) {
        self.value = value
        self.nextLink = nextLink
    }
}

/// `PATCH /chat/threads/{id}` (merge patch)
public struct UpdateChatThreadRequest: Codable, Sendable {
    public var topic: String?
    public init(topic: String? = nil) { self.topic = topic }
}

/// `POST /chat/threads/{id}/messages`
public struct SendChatMessageRequest: Codable, Sendable {
    public var content: String
    public var senderDisplayName: String?
    public var type: String?
    public var metadata: [String: String]?
    /// Not part of the 2024-03-07 contract: file references (`attachmentType` `file`, `url`),
    /// refused in chats with Teams users under the `faithful` profile (rule C2).
    public var attachments: [ChatAttachmentModel]?
    public init(content: String, senderDisplayName: String? = nil, type: String? = nil, metadata: [String: String]? = nil) {
        self.content = content
        self.senderDisplayName = senderDisplayName
        self.type = type
        self.metadata = metadata
    }
}

public struct SendChatMessageResult: Codable, Sendable, Equatable {
    public var id: String
    public init(id: String) { self.id = id }
}

public struct ChatMessageContentModel: Codable, Sendable, Equatable {
    public var message: String?
    public var topic: String?
    public var participants: [ChatParticipantModel]?
    public var initiatorCommunicationIdentifier: CommunicationIdentifierModel?
    public var attachments: [ChatAttachmentModel]?
    public init(
        message: String? = nil,
        topic: String? = nil,
        participants: [ChatParticipantModel]? = nil,
        initiatorCommunicationIdentifier: CommunicationIdentifierModel? = nil,
        attachments: [ChatAttachmentModel]? = nil
    ) {
        self.message = message
        self.topic = topic
        self.participants = participants
        self.initiatorCommunicationIdentifier = initiatorCommunicationIdentifier
        self.attachments = attachments
    }
}

/// An image or file of a message (Teams interop): images download from `url` with the reader's
/// own token; files are references to where they are kept.
public struct ChatAttachmentModel: Codable, Sendable, Equatable {
    public var id: String?
    /// `image` or `file`
    public var attachmentType: String
    public var name: String?
    public var url: String?
    public var previewUrl: String?
    public init(id: String?, attachmentType: String, name: String? = nil, url: String? = nil, previewUrl: String? = nil) {
        self.id = id
        self.attachmentType = attachmentType
        self.name = name
        self.url = url
        self.previewUrl = previewUrl
    }
}

public struct ChatMessageModel: Codable, Sendable, Equatable {
    public var id: String
    public var type: String
    public var sequenceId: String
    public var version: String
    public var content: ChatMessageContentModel?
    public var senderDisplayName: String?
    public var createdOn: String
    public var senderCommunicationIdentifier: CommunicationIdentifierModel?
    public var deletedOn: String?
    public var editedOn: String?
    public var metadata: [String: String]?

    public init(
        id: String,
        type: String,
        sequenceId: String,
        version: String,
        content: ChatMessageContentModel?,
        senderDisplayName: String?,
        createdOn: String,
        senderCommunicationIdentifier: CommunicationIdentifierModel?,
        deletedOn: String? = nil,
        editedOn: String? = nil,
        metadata: [String: String]? = nil
    ) {
        self.id = id
        self.type = type
        self.sequenceId = sequenceId
        self.version = version
        self.content = content
        self.senderDisplayName = senderDisplayName
        self.createdOn = createdOn
        self.senderCommunicationIdentifier = senderCommunicationIdentifier
        self.deletedOn = deletedOn
        self.editedOn = editedOn
        self.metadata = metadata
    }
}

/// `PATCH /chat/threads/{id}/messages/{messageId}` (merge patch)
public struct UpdateChatMessageRequest: Codable, Sendable {
    public var content: String?
    public var metadata: [String: String]?
    public init(content: String? = nil, metadata: [String: String]? = nil) {
        self.content = content
        self.metadata = metadata
    }
}

/// `POST /chat/threads/{id}/participants/:add`
public struct AddChatParticipantsRequest: Codable, Sendable {
    public var participants: [ChatParticipantModel]
    public init(participants: [ChatParticipantModel]) { self.participants = participants }
}

public struct AddChatParticipantsResult: Codable, Sendable, Equatable {
    public var invalidParticipants: [CommunicationError]?
    public init(invalidParticipants: [CommunicationError]? = nil) { self.invalidParticipants = invalidParticipants }
}

/// `POST /chat/threads/{id}/typing`
public struct SendTypingNotificationRequest: Codable, Sendable {
    public var senderDisplayName: String?
    public init(senderDisplayName: String? = nil) { self.senderDisplayName = senderDisplayName }
}

/// `POST /chat/threads/{id}/readReceipts`
public struct SendReadReceiptRequest: Codable, Sendable {
    public var chatMessageId: String
    public init(chatMessageId: String) { self.chatMessageId = chatMessageId }
}

public struct ChatMessageReadReceiptModel: Codable, Sendable, Equatable {
    public var senderCommunicationIdentifier: CommunicationIdentifierModel
    public var chatMessageId: String
    public var readOn: String
    public init(senderCommunicationIdentifier: CommunicationIdentifierModel, chatMessageId: String, readOn: String) {
        self.senderCommunicationIdentifier = senderCommunicationIdentifier
        self.chatMessageId = chatMessageId
        self.readOn = readOn
    }
}
