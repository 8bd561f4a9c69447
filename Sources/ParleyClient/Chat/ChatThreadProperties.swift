import Foundation
import ParleyAPI

/// A chat thread as its participants see it.
public struct ChatThreadProperties: Sendable {
    public var id: String
    public var topic: String
    public var createdOn: Date
    public var createdBy: any CommunicationIdentifier
    public var deletedOn: Date?

    public init(id: String, topic: String, createdOn: Date, createdBy: any CommunicationIdentifier, deletedOn: Date? = nil) {
        self.id = id
        self.topic = topic
        self.createdOn = createdOn
        self.createdBy = createdBy
        self.deletedOn = deletedOn
    }

    init(_ model: ChatThreadPropertiesModel) throws {
        self.init(
            id: model.id,
            topic: model.topic,
            createdOn: try WireValue.date(model.createdOn, field: "createdOn"),
            createdBy: try WireValue.identifier(model.createdByCommunicationIdentifier, field: "createdByCommunicationIdentifier"),
            deletedOn: try WireValue.date(model.deletedOn, field: "deletedOn")
        )
    }
}
