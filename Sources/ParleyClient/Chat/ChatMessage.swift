import Foundation
import ParleyAPI

/// A message of a chat thread: a user's `text` or `html`, or a system message.
public struct ChatMessage: Sendable {
    public var id: String
    public var type: ChatMessageType
    /// 1, 2, 3… per thread, system messages included.
    public var sequenceId: String
    /// Changes with every edit.
    public var version: String
    /// Nil once the message is deleted.
    public var content: ChatMessageContent?
    public var senderDisplayName: String?
    public var createdOn: Date
    /// Nil for system messages.
    public var sender: (any CommunicationIdentifier)?
    public var deletedOn: Date?
    public var editedOn: Date?
    public var metadata: [String: String]?

    public init(
        id: String,
        type: ChatMessageType,
        sequenceId: String,
        version: String,
        content: ChatMessageContent? = nil,
        senderDisplayName: String? = nil,
        createdOn: Date,
        sender: (any CommunicationIdentifier)? = nil,
        deletedOn: Date? = nil,
        editedOn: Date? = nil,
        metadata: [String: String]? = nil
    ) {
        self.id = id
        self.type = type
        self.sequenceId = sequenceId
        self.version = version
        self.content = content
        self.senderDisplayName = senderDisplayName
        self.createdOn = createdOn
        self.sender = sender
        self.deletedOn = deletedOn
        self.editedOn = editedOn
        self.metadata = metadata
    }

    init(_ model: ChatMessageModel) throws {
        self.init(
            id: model.id,
            type: ChatMessageType(rawValue: model.type),
            sequenceId: model.sequenceId,
            version: model.version,
            content: try model.content.map(ChatMessageContent.init),
            senderDisplayName: model.senderDisplayName,
            createdOn: try WireValue.date(model.createdOn, field: "createdOn"),
            sender: model.senderCommunicationIdentifier?.communicationIdentifier,
            deletedOn: try WireValue.date(model.deletedOn, field: "deletedOn"),
            editedOn: try WireValue.date(model.editedOn, field: "editedOn"),
            metadata: model.metadata
        )
    }
}

/// What a message says: the text of a user message, or what a system message records.
public struct ChatMessageContent: Sendable {
    /// The text of a `text` or `html` message.
    public var message: String?
    /// The new topic (`topicUpdated`).
    public var topic: String?
    /// Who was added or removed (`participantAdded`, `participantRemoved`).
    public var participants: [ChatParticipant]?
    /// Who caused a system message.
    public var initiator: (any CommunicationIdentifier)?
    /// Images and files of messages from Teams users.
    public var attachments: [ChatAttachment]?

    public init(
        message: String? = nil,
        topic: String? = nil,
        participants: [ChatParticipant]? = nil,
        initiator: (any CommunicationIdentifier)? = nil,
        attachments: [ChatAttachment]? = nil
    ) {
        self.message = message
        self.topic = topic
        self.participants = participants
        self.initiator = initiator
        self.attachments = attachments
    }

    init(_ model: ChatMessageContentModel) throws {
        self.init(
            message: model.message,
            topic: model.topic,
            participants: try model.participants?.map(ChatParticipant.init),
            initiator: model.initiatorCommunicationIdentifier?.communicationIdentifier,
            attachments: model.attachments?.map(ChatAttachment.init)
        )
    }
}
