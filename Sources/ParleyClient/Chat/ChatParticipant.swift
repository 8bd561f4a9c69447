import Foundation
import ParleyAPI

/// A member of a chat thread.
public struct ChatParticipant: Sendable {
    public var id: any CommunicationIdentifier
    public var displayName: String?
    /// Messages created before it are hidden from the participant; nil shares all history.
    public var shareHistoryTime: Date?

    public init(id: any CommunicationIdentifier, displayName: String? = nil, shareHistoryTime: Date? = nil) {
        self.id = id
        self.displayName = displayName
        self.shareHistoryTime = shareHistoryTime
    }

    init(_ model: ChatParticipantModel) throws {
        self.init(
            id: try WireValue.identifier(model.communicationIdentifier, field: "communicationIdentifier"),
            displayName: model.displayName,
            shareHistoryTime: try WireValue.date(model.shareHistoryTime, field: "shareHistoryTime")
        )
    }

    var model: ChatParticipantModel {
        ChatParticipantModel(
            communicationIdentifier: CommunicationIdentifierModel(id),
            displayName: displayName,
            shareHistoryTime: shareHistoryTime.map(WireTimestamp.rfc3339Milliseconds)
        )
    }
}
