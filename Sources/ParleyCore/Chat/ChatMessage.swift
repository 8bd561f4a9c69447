import Foundation

/// A message of a thread: one a participant sent, or a system message recording a change.
public struct ChatMessage: Sendable, Equatable {
    /// Epoch milliseconds as a string, unique and increasing within the thread.
    public var id: String
    public var threadId: String
    /// 1, 2, 3, … per thread, with no gaps: system messages count.
    public var sequenceId: Int64
    public var type: ChatMessageType
    /// Nil for system messages.
    public var senderRawId: String?
    public var senderDisplayName: String?
    public var content: ChatMessageContent
    public var metadata: [String: String]?
    public var createdAt: Date
    /// Changes with every edit (epoch milliseconds of the edit); equals `id` before any.
    public var version: String
    public var editedAt: Date?
    public var deletedAt: Date?

    public init(
        id: String,
        threadId: String,
        sequenceId: Int64,
        type: ChatMessageType,
        senderRawId: String?,
        senderDisplayName: String?,
        content: ChatMessageContent,
        metadata: [String: String]?,
        createdAt: Date,
        version: String,
        editedAt: Date? = nil,
        deletedAt: Date? = nil
    ) {
        self.id = id
        self.threadId = threadId
        self.sequenceId = sequenceId
        self.type = type
        self.senderRawId = senderRawId
        self.senderDisplayName = senderDisplayName
        self.content = content
        self.metadata = metadata
        self.createdAt = createdAt
        self.version = version
        self.editedAt = editedAt
        self.deletedAt = deletedAt
    }
}

/// The kinds of message of the Chat API.
public enum ChatMessageType: String, Sendable, CaseIterable {
    case text
    case html
    case topicUpdated
    case participantAdded
    case participantRemoved

    /// Whether participants may send this type (the rest are system messages).
    public var isUserContent: Bool { self == .text || self == .html }
}

/// What a message carries; which fields are set depends on its type.
public struct ChatMessageContent: Sendable, Equatable, Codable {
    /// text and html messages
    public var message: String?
    /// topicUpdated
    public var topic: String?
    /// participantAdded / participantRemoved
    public var participants: [ChatParticipant]?
    /// system messages: who made the change
    public var initiator: String?
    /// Images (hosted by Parley) and files (by reference) sent with a text or html message.
    public var attachments: [ChatAttachment]?

    public init(
        message: String? = nil,
        topic: String? = nil,
        participants: [ChatParticipant]? = nil,
        initiator: String? = nil,
        attachments: [ChatAttachment]? = nil
    ) {
        self.message = message
        self.topic = topic
        self.participants = participants
        self.initiator = initiator
        self.attachments = attachments
    }
}

/// An image or a file that came with a message.
public struct ChatAttachment: Sendable, Equatable, Codable {
    public enum Kind: String, Sendable, Codable {
        /// Stored by Parley; participants download it with their own token.
        case image
        /// A reference to a file kept elsewhere (a SharePoint or OneDrive link for Teams users).
        case file
    }

    public var id: String
    public var kind: Kind
    public var name: String?
    /// For files: where the file is. Images are served by Parley.
    public var url: String?
    /// For images: the media type.
    public var contentType: String?

    public init(id: String, kind: Kind, name: String? = nil, url: String? = nil, contentType: String? = nil) {
        self.id = id
        self.kind = kind
        self.name = name
        self.url = url
        self.contentType = contentType
    }
}

/// An attachment as a sender supplies it: a file reference, or an image's bytes.
public struct ChatAttachmentDraft: Sendable, Equatable {
    public enum Content: Sendable, Equatable {
        case file(url: String)
        case image(data: Data, contentType: String)
    }

    /// The sender's id for it (Graph's `@microsoft.graph.temporaryId` or attachment id).
    public var id: String
    public var name: String?
    public var content: Content

    public init(id: String, name: String? = nil, content: Content) {
        self.id = id
        self.name = name
        self.content = content
    }
}

/// A hosted image's bytes.
public struct HostedImage: Sendable, Equatable {
    public var data: Data
    public var contentType: String
    public init(data: Data, contentType: String) {
        self.data = data
        self.contentType = contentType
    }
}

/// What a new message is, before the store gives it its id and sequence number.
public struct ChatMessageDraft: Sendable, Equatable {
    public var type: ChatMessageType
    public var senderRawId: String?
    public var senderDisplayName: String?
    public var content: ChatMessageContent
    public var metadata: [String: String]?
    /// Bytes of the images among `content.attachments`, by attachment id, stored with the message.
    public var images: [String: HostedImage] = [:]

    public init(type: ChatMessageType, senderRawId: String?, senderDisplayName: String?, content: ChatMessageContent, metadata: [String: String]?) {
        self.type = type
        self.senderRawId = senderRawId
        self.senderDisplayName = senderDisplayName
        self.content = content
        self.metadata = metadata
    }

    static func system(_ type: ChatMessageType, _ content: ChatMessageContent) -> ChatMessageDraft {
        ChatMessageDraft(type: type, senderRawId: nil, senderDisplayName: nil, content: content, metadata: nil)
    }
}
