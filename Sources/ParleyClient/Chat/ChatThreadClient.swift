import Foundation
import NIOHTTP1
import ParleyAPI

/// The ACS Chat API within one thread: messages, participants, typing and read receipts, as
/// `ChatThreadClient` does in the ACS SDKs. Made by ``ChatClient/chatThreadClient(threadId:)``.
public struct ChatThreadClient: Sendable {
    public let threadId: String
    private let rest: BearerClient

    init(threadId: String, rest: BearerClient) {
        self.threadId = threadId
        self.rest = rest
    }

    // MARK: Thread

    public func getProperties() async throws -> ChatThreadProperties {
        try ChatThreadProperties(try await rest.json(.GET, url(), as: ChatThreadPropertiesModel.self))
    }

    public func updateTopic(_ topic: String) async throws {
        try await rest.send(.PATCH, url(), body: UpdateChatThreadRequest(topic: topic), contentType: Self.mergePatch)
    }

    // MARK: Messages

    /// Sends a message.
    ///
    /// - Parameters:
    ///   - type: ``ChatMessageType/text`` or ``ChatMessageType/html``.
    ///   - metadata: application data carried with the message.
    /// - Returns: the new message's id.
    public func sendMessage(
        content: String,
        type: ChatMessageType = .text,
        senderDisplayName: String? = nil,
        metadata: [String: String]? = nil
    ) async throws -> SendChatMessageResult {
        try await rest.json(
            .POST,
            url("/messages"),
            body: SendChatMessageRequest(content: content, senderDisplayName: senderDisplayName, type: type.rawValue, metadata: metadata),
            as: SendChatMessageResult.self
        )
    }

    public func getMessage(_ messageId: String) async throws -> ChatMessage {
        try ChatMessage(try await rest.json(.GET, url("/messages/\(URLEscaping.escape(messageId))"), as: ChatMessageModel.self))
    }

    /// The messages the caller may see, newest first; deleted ones stay as tombstones.
    ///
    /// - Parameters:
    ///   - startTime: only messages created at or after it.
    ///   - maxPageSize: messages per request (1–200).
    public func listMessages(startTime: Date? = nil, maxPageSize: Int? = nil) -> PagedAsyncSequence<ChatMessage> {
        rest.paged(
            path("/messages"),
            query: [("startTime", startTime.map(WireTimestamp.rfc3339Milliseconds)), ("maxPageSize", maxPageSize.map(String.init))],
            item: ChatMessage.init
        )
    }

    /// Edits one of the caller's messages; nil leaves a field as it is.
    public func updateMessage(_ messageId: String, content: String? = nil, metadata: [String: String]? = nil) async throws {
        try await rest.send(
            .PATCH,
            url("/messages/\(URLEscaping.escape(messageId))"),
            body: UpdateChatMessageRequest(content: content, metadata: metadata),
            contentType: Self.mergePatch
        )
    }

    public func deleteMessage(_ messageId: String) async throws {
        try await rest.send(.DELETE, url("/messages/\(URLEscaping.escape(messageId))"))
    }

    // MARK: Participants

    public func listParticipants(maxPageSize: Int? = nil) -> PagedAsyncSequence<ChatParticipant> {
        rest.paged(path("/participants"), query: [("maxPageSize", maxPageSize.map(String.init))], item: ChatParticipant.init)
    }

    /// Adds participants; returns those that could not join (the others were added).
    @discardableResult
    public func addParticipants(_ participants: [ChatParticipant]) async throws -> [ChatError] {
        let result = try await rest.json(
            .POST,
            url("/participants/:add"),
            body: AddChatParticipantsRequest(participants: participants.map(\.model)),
            as: AddChatParticipantsResult.self
        )
        return (result.invalidParticipants ?? []).map(ChatError.init)
    }

    public func removeParticipant(_ participant: any CommunicationIdentifier) async throws {
        try await rest.send(.POST, url("/participants/:remove"), body: CommunicationIdentifierModel(participant))
    }

    // MARK: Typing and read receipts

    public func sendTypingNotification(senderDisplayName: String? = nil) async throws {
        try await rest.send(.POST, url("/typing"), body: SendTypingNotificationRequest(senderDisplayName: senderDisplayName))
    }

    /// Marks the message, and every earlier one, as read by the caller.
    public func sendReadReceipt(forMessage messageId: String) async throws {
        try await rest.send(.POST, url("/readReceipts"), body: SendReadReceiptRequest(chatMessageId: messageId))
    }

    /// The newest message each participant has read.
    public func listReadReceipts(maxPageSize: Int? = nil) -> PagedAsyncSequence<ChatMessageReadReceipt> {
        rest.paged(path("/readReceipts"), query: [("maxPageSize", maxPageSize.map(String.init))], item: ChatMessageReadReceipt.init)
    }

    // MARK: URLs

    private static let mergePatch = "application/merge-patch+json"

    private func path(_ suffix: String = "") -> String {
        "chat/threads/\(URLEscaping.escape(threadId))\(suffix)"
    }

    private func url(_ suffix: String = "") -> String {
        rest.url(path(suffix))
    }
}
