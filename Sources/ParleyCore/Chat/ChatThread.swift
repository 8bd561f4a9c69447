import Foundation

/// A chat thread of one communication resource.
public struct ChatThread: Sendable, Equatable {
    /// `19:<32 hex>@thread.v2`
    public var id: String
    /// The communication resource whose app users may be in the thread; nil for a chat among
    /// organization users only.
    public var resourceId: UUID?
    /// The tenant of the organization user who created it (nil when an app user did).
    public var tenantId: UUID?
    public var topic: String
    /// The raw id of the creator.
    public var createdBy: String
    public var createdAt: Date
    /// When the last message (system messages included) arrived.
    public var lastMessageAt: Date
    /// Set once the thread is deleted; a deleted thread keeps only its listing entry.
    public var deletedAt: Date?

    public init(
        id: String,
        resourceId: UUID?,
        tenantId: UUID? = nil,
        topic: String,
        createdBy: String,
        createdAt: Date,
        lastMessageAt: Date,
        deletedAt: Date? = nil
    ) {
        self.id = id
        self.resourceId = resourceId
        self.tenantId = tenantId
        self.topic = topic
        self.createdBy = createdBy
        self.createdAt = createdAt
        self.lastMessageAt = lastMessageAt
        self.deletedAt = deletedAt
    }

    /// A new thread id: `19:` + 32 lower-case hex digits + `@thread.v2`.
    static func makeId(_ uuid: UUID) -> String {
        "19:\(uuid.uuidString.lowercased().replacingOccurrences(of: "-", with: ""))@thread.v2"
    }
}

/// A member of a thread, and from when it may see the history.
public struct ChatParticipant: Sendable, Equatable, Codable {
    public var rawId: String
    public var displayName: String?
    /// Messages created before this are invisible to the participant.
    public var shareHistoryTime: Date

    public init(rawId: String, displayName: String? = nil, shareHistoryTime: Date = Date(timeIntervalSince1970: 0)) {
        self.rawId = rawId
        self.displayName = displayName
        self.shareHistoryTime = shareHistoryTime
    }
}

/// The latest message a participant has read.
public struct ChatReadReceipt: Sendable, Equatable {
    public var senderRawId: String
    public var messageId: String
    public var readAt: Date

    public init(senderRawId: String, messageId: String, readAt: Date) {
        self.senderRawId = senderRawId
        self.messageId = messageId
        self.readAt = readAt
    }
}
