import Foundation
import ParleyAPI

/// The newest message a participant has read.
public struct ChatMessageReadReceipt: Sendable {
    public var sender: any CommunicationIdentifier
    public var chatMessageId: String
    public var readOn: Date

    public init(sender: any CommunicationIdentifier, chatMessageId: String, readOn: Date) {
        self.sender = sender
        self.chatMessageId = chatMessageId
        self.readOn = readOn
    }

    init(_ model: ChatMessageReadReceiptModel) throws {
        self.init(
            sender: try WireValue.identifier(model.senderCommunicationIdentifier, field: "senderCommunicationIdentifier"),
            chatMessageId: model.chatMessageId,
            readOn: try WireValue.date(model.readOn, field: "readOn")
        )
    }
}
