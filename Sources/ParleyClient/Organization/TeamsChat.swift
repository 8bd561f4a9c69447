import Foundation
import ParleyAPI

/// A chat of the Graph-shaped API (Graph's `chat` resource): the same thread app users reach
/// as a chat thread, under the same id.
public struct TeamsChat: Sendable, Hashable {
    public var id: String
    /// Nil for one-on-one chats.
    public var topic: String?
    public var chatType: TeamsChatType
    public var createdOn: Date
    public var lastUpdatedOn: Date
    public var tenantId: String?

    public init(id: String, topic: String?, chatType: TeamsChatType, createdOn: Date, lastUpdatedOn: Date, tenantId: String? = nil) {
        self.id = id
        self.topic = topic
        self.chatType = chatType
        self.createdOn = createdOn
        self.lastUpdatedOn = lastUpdatedOn
        self.tenantId = tenantId
    }

    init(_ model: GraphChat) throws {
        self.init(
            id: model.id,
            topic: model.topic,
            chatType: TeamsChatType(rawValue: model.chatType),
            createdOn: try WireValue.date(model.createdDateTime, field: "createdDateTime"),
            lastUpdatedOn: try WireValue.date(model.lastUpdatedDateTime, field: "lastUpdatedDateTime"),
            tenantId: model.tenantId
        )
    }
}

/// Graph's `chatType`.
public struct TeamsChatType: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    public var rawValue: String

    public init(rawValue: String) {
        self.rawValue = rawValue
    }

    /// Two members and no topic.
    public static let oneOnOne = TeamsChatType(rawValue: "oneOnOne")
    public static let group = TeamsChatType(rawValue: "group")

    public var description: String { rawValue }
}
