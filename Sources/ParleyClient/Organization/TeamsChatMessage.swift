import Foundation
import ParleyAPI

/// A message of the Graph-shaped API (Graph's `chatMessage`), as a Teams user sees it.
public struct TeamsChatMessage: Sendable {
    public var id: String
    public var chatId: String
    /// `message`, or `systemEventMessage` for membership and topic changes.
    public var messageType: String
    /// The body; empty once the message is deleted.
    public var content: String
    /// `text` or `html`.
    public var contentType: String
    /// A Teams user (``MicrosoftTeamsUserIdentifier``) or an app user
    /// (``CommunicationUserIdentifier``); nil for system messages.
    public var sender: (any CommunicationIdentifier)?
    public var senderDisplayName: String?
    public var createdOn: Date
    public var lastModifiedOn: Date
    public var editedOn: Date?
    public var deletedOn: Date?
    /// Files by reference (`attachmentType` `file`, `url` where they are kept).
    public var attachments: [ChatAttachment]

    public init(
        id: String,
        chatId: String,
        messageType: String,
        content: String,
        contentType: String,
        sender: (any CommunicationIdentifier)?,
        senderDisplayName: String?,
        createdOn: Date,
        lastModifiedOn: Date,
        editedOn: Date? = nil,
        deletedOn: Date? = nil,
        attachments: [ChatAttachment] = []
    ) {
        self.id = id
        self.chatId = chatId
        self.messageType = messageType
        self.content = content
        self.contentType = contentType
        self.sender = sender
        self.senderDisplayName = senderDisplayName
        self.createdOn = createdOn
        self.lastModifiedOn = lastModifiedOn
        self.editedOn = editedOn
        self.deletedOn = deletedOn
        self.attachments = attachments
    }

    init(_ model: GraphChatMessage) throws {
        self.init(
            id: model.id,
            chatId: model.chatId,
            messageType: model.messageType,
            content: model.body.content,
            contentType: model.body.contentType ?? "text",
            sender: model.from?.user.map(TeamsChatClient.identifier),
            senderDisplayName: model.from?.user?.displayName,
            createdOn: try WireValue.date(model.createdDateTime, field: "createdDateTime"),
            lastModifiedOn: try WireValue.date(model.lastModifiedDateTime, field: "lastModifiedDateTime"),
            editedOn: try WireValue.date(model.lastEditedDateTime, field: "lastEditedDateTime"),
            deletedOn: try WireValue.date(model.deletedDateTime, field: "deletedDateTime"),
            attachments: model.attachments.map {
                ChatAttachment(id: $0.id, attachmentType: "file", name: $0.name, url: $0.contentUrl, previewUrl: $0.contentUrl)
            }
        )
    }
}
