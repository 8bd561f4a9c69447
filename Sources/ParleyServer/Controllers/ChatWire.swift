import Foundation
import ParleyAPI
import ParleyCore

/// Translation between chat domain values and their wire form.
enum ChatWire {
    static func identifier(_ rawId: String) -> CommunicationIdentifierModel {
        CommunicationIdentifierModel(CommunicationIdentifierKind(rawId: rawId))
    }

    /// The raw id a request's identifier denotes, or a 400.
    static func rawId(_ model: CommunicationIdentifierModel) throws -> String {
        guard let identifier = model.identifier, !identifier.rawId.isEmpty else {
            throw ParleyError(.badRequest, wireCode: "InvalidIdentifier", "Identifier format is invalid: it has neither rawId nor a known kind.")
        }
        return identifier.rawId
    }

    static func participant(_ model: ChatParticipantModel) throws -> ChatParticipant {
        ChatParticipant(
            rawId: try rawId(model.communicationIdentifier),
            displayName: model.displayName,
            shareHistoryTime: try time(model.shareHistoryTime, field: "shareHistoryTime") ?? Date(timeIntervalSince1970: 0)
        )
    }

    static func participant(_ participant: ChatParticipant) -> ChatParticipantModel {
        ChatParticipantModel(
            communicationIdentifier: identifier(participant.rawId),
            displayName: participant.displayName,
            shareHistoryTime: WireTimestamp.rfc3339(participant.shareHistoryTime)
        )
    }

    static func error(_ invalid: InvalidParticipant) -> CommunicationError {
        CommunicationError(
            code: invalid.code,
            message: invalid.message,
            target: invalid.rawId,
            innererror: invalid.detailCode.map(CommunicationInnerError.init)
        )
    }

    static func properties(_ thread: ChatThread) -> ChatThreadPropertiesModel {
        ChatThreadPropertiesModel(
            id: thread.id,
            topic: thread.topic,
            createdOn: WireTimestamp.rfc3339(thread.createdAt),
            createdByCommunicationIdentifier: identifier(thread.createdBy),
            deletedOn: thread.deletedAt.map(WireTimestamp.rfc3339)
        )
    }

    static func item(_ thread: ChatThread) -> ChatThreadItemModel {
        ChatThreadItemModel(
            id: thread.id,
            topic: thread.topic,
            deletedOn: thread.deletedAt.map(WireTimestamp.rfc3339),
            lastMessageReceivedOn: WireTimestamp.rfc3339(thread.lastMessageAt)
        )
    }

    /// - Parameter endpoint: the server endpoint, for the download URLs of images.
    static func message(_ message: ChatMessage, endpoint: String) -> ChatMessageModel {
        let content: ChatMessageContentModel? =
            message.deletedAt != nil
            ? nil
            : ChatMessageContentModel(
                message: message.content.message,
                topic: message.content.topic,
                participants: message.content.participants?.map(participant),
                initiatorCommunicationIdentifier: message.content.initiator.map(identifier),
                attachments: message.content.attachments?.map { attachment(for: $0, in: message.threadId, endpoint: endpoint) }
            )
        return ChatMessageModel(
            id: message.id,
            type: message.type.rawValue,
            sequenceId: String(message.sequenceId),
            version: message.version,
            content: content,
            senderDisplayName: message.senderDisplayName,
            createdOn: WireTimestamp.rfc3339(message.createdAt),
            senderCommunicationIdentifier: message.senderRawId.map(identifier),
            deletedOn: message.deletedAt.map(WireTimestamp.rfc3339),
            editedOn: message.editedAt.map(WireTimestamp.rfc3339),
            metadata: message.metadata
        )
    }

    /// Images download from Parley with the reader's token; files are where the sender put them.
    static func attachment(for attachment: ChatAttachment, in threadId: String, endpoint: String) -> ChatAttachmentModel {
        switch attachment.kind {
        case .image:
            let base = endpoint + "chat/threads/\(escape(threadId))/images/\(attachment.id)/views/"
            return ChatAttachmentModel(
                id: attachment.id,
                attachmentType: "image",
                name: attachment.name,
                url: base + "original?api-version=2024-03-07",
                previewUrl: base + "small?api-version=2024-03-07"
            )
        case .file:
            return ChatAttachmentModel(
                id: attachment.id,
                attachmentType: "file",
                name: attachment.name,
                url: attachment.url,
                previewUrl: attachment.url
            )
        }
    }

    static func receipt(_ receipt: ChatReadReceipt) -> ChatMessageReadReceiptModel {
        ChatMessageReadReceiptModel(
            senderCommunicationIdentifier: identifier(receipt.senderRawId),
            chatMessageId: receipt.messageId,
            readOn: WireTimestamp.rfc3339(receipt.readAt)
        )
    }

    // MARK: Query values

    static func time(_ text: String?, field: String) throws -> Date? {
        guard let text else { return nil }
        guard let date = WireTimestamp.parse(text) else {
            throw ParleyError(.badRequest, "\(field) '\(text)' is not an RFC 3339 timestamp.", target: field)
        }
        return date
    }

    static func int(_ text: String?, field: String) throws -> Int? {
        guard let text else { return nil }
        guard let value = Int(text) else { throw ParleyError(.badRequest, "\(field) '\(text)' is not an integer.", target: field) }
        return value
    }

    /// An `int32` query parameter of the contract (`maxPageSize`, `skip`): a 400 naming it when
    /// it is not an integer or does not fit in 32 bits.
    static func int32(_ text: String?, field: String) throws -> Int? {
        guard let value = try int(text, field: field) else { return nil }
        guard Int32(exactly: value) != nil else {
            throw ParleyError(.badRequest, "\(field) \(value) is out of range: it is a 32-bit integer.", target: field)
        }
        return value
    }

    /// The query of a next-page link: where the page starts, plus the page size and start time
    /// the client asked for (the SDK does not carry them over by itself).
    static func pagingParameters(_ position: (String, String), _ pageSize: Int?, _ startTime: Date?) -> [(String, String)] {
        var parameters = [position]
        if let pageSize { parameters.append(("maxPageSize", String(pageSize))) }
        if let startTime { parameters.append(("startTime", WireTimestamp.rfc3339Milliseconds(startTime))) }
        return parameters
    }

    /// A thread-list cursor as URL-safe text: base64url of `<millis>|<thread id>`.
    static func encode(_ cursor: ThreadCursor) -> String {
        let text = "\(Int64(cursor.lastMessageAt.timeIntervalSince1970 * 1000))|\(cursor.threadId)"
        return Base64URL.encode(text)
    }

    static func threadCursor(_ text: String) throws -> ThreadCursor {
        guard let decoded = Base64URL.decodeText(text),
            let bar = decoded.firstIndex(of: "|"), let millis = Int64(decoded[..<bar])
        else { throw ParleyError(.badRequest, "syncState '\(text)' is not a valid continuation.", target: "syncState") }
        return ThreadCursor(
            lastMessageAt: Date(timeIntervalSince1970: TimeInterval(millis) / 1000),
            threadId: String(decoded[decoded.index(after: bar)...])
        )
    }

    /// Percent-encodes everything but unreserved characters (safe in paths and query values).
    static func escape(_ text: String) -> String {
        PercentEncoding.encode(text)
    }
}
