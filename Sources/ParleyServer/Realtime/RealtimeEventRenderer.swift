import Foundation
import ParleyAPI
import ParleyCore

/// Turns domain events into real-time frames for their audience: the ACS JavaScript SDK's
/// event shapes, whichever API (ACS or Graph) made the change.
struct RealtimeEventRenderer: Sendable {
    let store: any ParleyStore
    /// The server endpoint, for the download URLs of attached images.
    let endpoint: ServerEndpoint

    /// A chat event ready to deliver.
    struct Delivery: Sendable {
        var audience: [String]
        var frame: RealtimeFrame
    }

    /// The deliveries of a page of events, in order (nil for events clients do not hear of).
    /// The messages they concern are read in one go: rendering runs on the gateway's single
    /// tail, where a read per event would be a round trip per event.
    func render(_ events: [RecordedEvent]) async throws -> [Delivery?] {
        let keys = Set(events.compactMap { Self.messageKey(of: $0.event) })
        let messages = try await store.messages(keys)
        return try events.map { recorded in
            try render(recorded.event, position: recorded.position) { key in messages[key] }
        }
    }

    /// The delivery for one event (typing indicators, which are not stored).
    func render(_ event: DomainEvent, position: Int64?) async throws -> Delivery? {
        var messages: [MessageKey: ChatMessage] = [:]
        if let key = Self.messageKey(of: event) { messages = try await store.messages([key]) }
        return try render(event, position: position) { messages[$0] }
    }

    private static func messageKey(of event: DomainEvent) -> MessageKey? {
        guard [.chatMessageReceived, .chatMessageEdited, .chatMessageDeleted].contains(event.kind), let id = event.data["messageId"] else {
            return nil
        }
        return MessageKey(threadId: event.subject, messageId: id)
    }

    /// The delivery for `event`, or nil when it is not a chat event clients hear of (or its
    /// message is gone).
    private func render(_ event: DomainEvent, position: Int64?, message: (MessageKey) -> ChatMessage?) throws -> Delivery? {
        guard let detail = event.chat else { return nil }
        let threadId = event.subject
        let version = String(Int64((event.occurredAt.timeIntervalSince1970 * 1000).rounded()))
        let at = WireTimestamp.rfc3339(event.occurredAt)
        let initiator = event.data["initiator"] ?? ""
        func actor() -> SignalingChatParticipant {
            let named = detail.participants?.first { $0.rawId == initiator }
            return SignalingChatParticipant(id: ChatWire.identifier(initiator), displayName: named?.displayName)
        }
        let participants = (detail.participants ?? []).map(Self.signaling)

        func frame(_ type: String, _ data: some Encodable, perRecipient: Bool = false) throws -> Delivery {
            Delivery(audience: detail.audience, frame: try RealtimeFrame(type: type, position: position, data: data, perRecipient: perRecipient))
        }

        switch event.kind {
        case .chatMessageReceived, .chatMessageEdited, .chatMessageDeleted:
            guard let key = Self.messageKey(of: event), let message = message(key) else { return nil }
            let (type, data) = messageEvent(event.kind, message, at: event.occurredAt)
            return try frame(type, data, perRecipient: true)
        case .chatTypingIndicatorReceived:
            let data = TypingIndicatorReceivedEvent(
                threadId: threadId,
                sender: ChatWire.identifier(initiator),
                senderDisplayName: event.data["senderDisplayName"],
                receivedOn: at,
                version: version
            )
            return try frame("typingIndicatorReceived", data, perRecipient: true)
        case .chatReadReceiptReceived:
            let data = ReadReceiptReceivedEvent(
                threadId: threadId,
                sender: ChatWire.identifier(initiator),
                senderDisplayName: nil,
                chatMessageId: event.data["messageId"] ?? "",
                readOn: at
            )
            return try frame("readReceiptReceived", data, perRecipient: true)
        case .chatThreadCreated:
            let data = ChatThreadCreatedEvent(
                threadId: threadId,
                version: version,
                createdOn: at,
                properties: ChatThreadEventProperties(topic: event.data["topic"] ?? ""),
                participants: participants,
                createdBy: actor()
            )
            return try frame("chatThreadCreated", data)
        case .chatThreadDeleted:
            return try frame("chatThreadDeleted", ChatThreadDeletedEvent(threadId: threadId, version: version, deletedOn: at, deletedBy: actor()))
        case .chatThreadPropertiesUpdated:
            let data = ChatThreadPropertiesUpdatedEvent(
                threadId: threadId,
                version: version,
                properties: ChatThreadEventProperties(topic: event.data["topic"] ?? ""),
                updatedOn: at,
                updatedBy: actor()
            )
            return try frame("chatThreadPropertiesUpdated", data)
        case .chatParticipantsAdded:
            let data = ParticipantsAddedEvent(threadId: threadId, version: version, addedOn: at, participantsAdded: participants, addedBy: actor())
            return try frame("participantsAdded", data)
        case .chatParticipantRemoved:
            let data = ParticipantsRemovedEvent(
                threadId: threadId,
                version: version,
                removedOn: at,
                participantsRemoved: participants,
                removedBy: actor()
            )
            return try frame("participantsRemoved", data)
        default:
            return nil
        }
    }

    /// Message events carry the message as it is now (a later edit shows in a replayed
    /// `chatMessageReceived`; a deleted message's content is gone).
    private func messageEvent(_ kind: DomainEvent.Kind, _ message: ChatMessage, at time: Date) -> (String, any Encodable) {
        let sender = message.senderRawId.map(ChatWire.identifier)
        if kind == .chatMessageDeleted {
            let data = ChatMessageDeletedEvent(
                threadId: message.threadId,
                id: message.id,
                sender: sender,
                senderDisplayName: message.senderDisplayName,
                createdOn: WireTimestamp.rfc3339(message.createdAt),
                version: message.version,
                type: message.type.rawValue,
                deletedOn: WireTimestamp.rfc3339(message.deletedAt ?? time)
            )
            return ("chatMessageDeleted", data)
        }
        let data = ChatMessageEvent(
            threadId: message.threadId,
            id: message.id,
            sender: sender,
            senderDisplayName: message.senderDisplayName,
            createdOn: WireTimestamp.rfc3339(message.createdAt),
            version: message.version,
            type: message.type.rawValue,
            message: message.content.message ?? "",
            metadata: message.metadata ?? [:],
            attachments: message.content.attachments?.map { ChatWire.attachment(for: $0, in: message.threadId, endpoint: endpoint.url) },
            editedOn: kind == .chatMessageEdited ? message.editedAt.map(WireTimestamp.rfc3339) ?? WireTimestamp.rfc3339(time) : nil
        )
        return (kind == .chatMessageEdited ? "chatMessageEdited" : "chatMessageReceived", data)
    }

    private static func signaling(_ participant: ChatParticipant) -> SignalingChatParticipant {
        SignalingChatParticipant(
            id: ChatWire.identifier(participant.rawId),
            displayName: participant.displayName,
            shareHistoryTime: WireTimestamp.rfc3339(participant.shareHistoryTime)
        )
    }
}
