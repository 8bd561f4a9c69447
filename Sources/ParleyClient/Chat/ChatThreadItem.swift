import Foundation
import ParleyAPI

/// A thread in the caller's thread list.
public struct ChatThreadItem: Sendable, Hashable {
    public var id: String
    public var topic: String
    /// Set when the thread was deleted (deleted threads stay in the list).
    public var deletedOn: Date?
    public var lastMessageReceivedOn: Date?

    public init(id: String, topic: String, deletedOn: Date? = nil, lastMessageReceivedOn: Date? = nil) {
        self.id = id
        self.topic = topic
        self.deletedOn = deletedOn
        self.lastMessageReceivedOn = lastMessageReceivedOn
    }

    init(_ model: ChatThreadItemModel) throws {
        self.init(
            id: model.id,
            topic: model.topic,
            deletedOn: try WireValue.date(model.deletedOn, field: "deletedOn"),
            lastMessageReceivedOn: try WireValue.date(model.lastMessageReceivedOn, field: "lastMessageReceivedOn")
        )
    }
}
