import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import ParleyAPI
import ParleyCore

/// The ACS Chat API (`/chat/threads`), bearer-authenticated with user access tokens.
struct ChatController {
    static let apiVersions = ["2021-03-07", "2021-09-07", "2023-11-07", "2024-03-07"]

    let chat: ChatService
    let endpoint: ServerEndpoint
    let maxBodyBytes: Int

    func addRoutes(to group: RouterGroup<ParleyRequestContext>) {
        group.post(use: createThread)
        group.get(use: listThreads)
        group.get("{threadId}", use: getThread)
        group.patch("{threadId}", use: updateThread)
        group.delete("{threadId}", use: deleteThread)
        group.post("{threadId}/messages", use: sendMessage)
        group.get("{threadId}/messages", use: listMessages)
        group.get("{threadId}/messages/{messageId}", use: getMessage)
        group.get("{threadId}/images/{imageId}/views/{view}", use: getImage)
        group.patch("{threadId}/messages/{messageId}", use: updateMessage)
        group.delete("{threadId}/messages/{messageId}", use: deleteMessage)
        group.get("{threadId}/participants", use: listParticipants)
        group.post("{threadId}/participants/{action}", use: changeParticipants)
        group.post("{threadId}/typing", use: sendTyping)
        group.post("{threadId}/readReceipts", use: sendReadReceipt)
        group.get("{threadId}/readReceipts", use: listReadReceipts)
    }

    // MARK: Threads

    @Sendable func createThread(_ request: Request, context: ParleyRequestContext) async throws -> Response {
        var request = request
        let body = try await WireIO.required(WireIO.decode(CreateChatThreadRequest.self, from: &request, limit: maxBodyBytes))
        let (thread, invalid) = try await chat.createThread(
            by: try context.requireUser().chatCaller,
            topic: body.topic,
            participants: try (body.participants ?? []).map(ChatWire.participant),
            idempotencyKey: request.headers[HTTPField.Name("repeatability-request-id")!]
        )
        let result = CreateChatThreadResult(
            chatThread: ChatWire.properties(thread),
            invalidParticipants: invalid.isEmpty ? nil : invalid.map(ChatWire.error)
        )
        var response = try WireIO.json(result, status: .created)
        response.headers[.location] = location("chat/threads/\(ChatWire.escape(thread.id))")
        return response
    }

    @Sendable func listThreads(_ request: Request, context: ParleyRequestContext) async throws -> Response {
        let query = request.uri.queryParameters
        let startTime = try ChatWire.time(query.get("startTime"), field: "startTime")
        let pageSize = try ChatWire.int32(query.get("maxPageSize"), field: "maxPageSize")
        let page = try await chat.threads(
            for: try context.requireUser().chatCaller,
            startTime: startTime,
            after: try query.get("syncState").map(ChatWire.threadCursor),
            pageSize: pageSize
        )
        let next = page.next.map { cursor in
            nextLink("chat/threads", ChatWire.pagingParameters(("syncState", ChatWire.encode(cursor)), pageSize, startTime), request)
        }
        return try WireIO.json(PageModel(value: page.items.map(ChatWire.item), nextLink: next))
    }

    @Sendable func getThread(_ request: Request, context: ParleyRequestContext) async throws -> Response {
        try WireIO.json(ChatWire.properties(try await chat.thread(try threadId(context), for: try context.requireUser().chatCaller)))
    }

    @Sendable func updateThread(_ request: Request, context: ParleyRequestContext) async throws -> Response {
        var request = request
        let body = try await WireIO.required(WireIO.decode(UpdateChatThreadRequest.self, from: &request, limit: maxBodyBytes))
        try await chat.updateTopic(try threadId(context), topic: body.topic, by: try context.requireUser().chatCaller)
        return WireIO.empty(.noContent)
    }

    @Sendable func deleteThread(_ request: Request, context: ParleyRequestContext) async throws -> Response {
        try await chat.deleteThread(try threadId(context), by: try context.requireUser().chatCaller)
        return WireIO.empty(.noContent)
    }

    // MARK: Messages

    @Sendable func sendMessage(_ request: Request, context: ParleyRequestContext) async throws -> Response {
        var request = request
        let body = try await WireIO.required(WireIO.decode(SendChatMessageRequest.self, from: &request, limit: maxBodyBytes))
        let threadId = try threadId(context)
        let typeName = body.type ?? "text"
        guard let type = ChatMessageType(rawValue: typeName.lowercased()) else {
            throw ParleyError(.validation, "Message type '\(typeName)' is not valid; use text or html.", target: "type")
        }
        let message = try await chat.sendMessage(
            to: threadId,
            by: try context.requireUser().chatCaller,
            type: type,
            content: body.content,
            senderDisplayName: body.senderDisplayName,
            metadata: body.metadata,
            attachments: try (body.attachments ?? []).map(Self.fileReference)
        )
        var response = try WireIO.json(SendChatMessageResult(id: message.id), status: .created)
        response.headers[.location] = location("chat/threads/\(ChatWire.escape(threadId))/messages/\(message.id)")
        return response
    }

    @Sendable func listMessages(_ request: Request, context: ParleyRequestContext) async throws -> Response {
        let query = request.uri.queryParameters
        let threadId = try threadId(context)
        let startTime = try ChatWire.time(query.get("startTime"), field: "startTime")
        let pageSize = try ChatWire.int32(query.get("maxPageSize"), field: "maxPageSize")
        let page = try await chat.messages(
            in: threadId,
            for: try context.requireUser().chatCaller,
            startTime: startTime,
            beforeSequence: try ChatWire.int(query.get("syncState"), field: "syncState").map(Int64.init),
            pageSize: pageSize
        )
        let next = page.next.map { sequence in
            nextLink(
                "chat/threads/\(ChatWire.escape(threadId))/messages",
                ChatWire.pagingParameters(("syncState", String(sequence)), pageSize, startTime),
                request
            )
        }
        return try WireIO.json(PageModel(value: page.items.map { ChatWire.message($0, endpoint: endpoint.url) }, nextLink: next))
    }

    @Sendable func getMessage(_ request: Request, context: ParleyRequestContext) async throws -> Response {
        let message = try await chat.message(
            try WireIO.pathParameter("messageId", in: context),
            in: try threadId(context),
            for: try context.requireUser().chatCaller
        )
        return try WireIO.json(ChatWire.message(message, endpoint: endpoint.url))
    }

    /// An image attached to a message (Teams users' images), downloaded with the reader's token.
    @Sendable func getImage(_ request: Request, context: ParleyRequestContext) async throws -> Response {
        let image = try await chat.image(
            try WireIO.pathParameter("imageId", in: context),
            in: try threadId(context),
            for: try context.requireUser().chatCaller
        )
        return Response(status: .ok, headers: [.contentType: image.contentType], body: .init(byteBuffer: ByteBuffer(bytes: image.data)))
    }

    @Sendable func updateMessage(_ request: Request, context: ParleyRequestContext) async throws -> Response {
        var request = request
        let body = try await WireIO.required(WireIO.decode(UpdateChatMessageRequest.self, from: &request, limit: maxBodyBytes))
        try await chat.editMessage(
            try WireIO.pathParameter("messageId", in: context),
            in: try threadId(context),
            by: try context.requireUser().chatCaller,
            content: body.content,
            metadata: body.metadata
        )
        return WireIO.empty(.noContent)
    }

    @Sendable func deleteMessage(_ request: Request, context: ParleyRequestContext) async throws -> Response {
        try await chat.deleteMessage(
            try WireIO.pathParameter("messageId", in: context),
            in: try threadId(context),
            by: try context.requireUser().chatCaller
        )
        return WireIO.empty(.noContent)
    }

    // MARK: Participants

    @Sendable func listParticipants(_ request: Request, context: ParleyRequestContext) async throws -> Response {
        try await skipPagedList(request, context, segment: "participants", load: chat.participants, render: ChatWire.participant)
    }

    /// `POST …/participants/:add` → 201, `…/:remove` → 204.
    @Sendable func changeParticipants(_ request: Request, context: ParleyRequestContext) async throws -> Response {
        var request = request
        let threadId = try threadId(context)
        let caller = try context.requireUser().chatCaller
        switch try WireIO.pathParameter("action", in: context) {
        case ":add":
            let body = try await WireIO.required(WireIO.decode(AddChatParticipantsRequest.self, from: &request, limit: maxBodyBytes))
            let invalid = try await chat.addParticipants(try body.participants.map(ChatWire.participant), to: threadId, by: caller)
            return try WireIO.json(
                AddChatParticipantsResult(invalidParticipants: invalid.isEmpty ? nil : invalid.map(ChatWire.error)),
                status: .created
            )
        case ":remove":
            let body = try await WireIO.required(WireIO.decode(CommunicationIdentifierModel.self, from: &request, limit: maxBodyBytes))
            // Idempotent: removing someone who is not in the thread is done already (204).
            try await chat.removeParticipant(try ChatWire.rawId(body), from: threadId, by: caller)
            return WireIO.empty(.noContent)
        case let other:
            throw ParleyError(.notFound, "No such participants operation '\(other)'.")
        }
    }

    // MARK: Typing and read receipts

    @Sendable func sendTyping(_ request: Request, context: ParleyRequestContext) async throws -> Response {
        var request = request
        let body = try await WireIO.decode(SendTypingNotificationRequest.self, from: &request, limit: maxBodyBytes)
        try await chat.sendTypingNotification(
            in: try threadId(context),
            by: try context.requireUser().chatCaller,
            senderDisplayName: body?.senderDisplayName
        )
        return WireIO.empty(.ok)
    }

    @Sendable func sendReadReceipt(_ request: Request, context: ParleyRequestContext) async throws -> Response {
        var request = request
        let body = try await WireIO.required(WireIO.decode(SendReadReceiptRequest.self, from: &request, limit: maxBodyBytes))
        try await chat.sendReadReceipt(for: body.chatMessageId, in: try threadId(context), by: try context.requireUser().chatCaller)
        return WireIO.empty(.ok)
    }

    @Sendable func listReadReceipts(_ request: Request, context: ParleyRequestContext) async throws -> Response {
        try await skipPagedList(request, context, segment: "readReceipts", load: chat.readReceipts, render: ChatWire.receipt)
    }

    // MARK: Helpers

    /// An attachment of the send body: only file references can be sent through this API.
    private static func fileReference(_ model: ChatAttachmentModel) throws -> ChatAttachmentDraft {
        guard model.attachmentType.lowercased() == "file", let url = model.url else {
            throw ParleyError(.badRequest, "Only file attachments with a url can be sent here.", target: "attachments")
        }
        return ChatAttachmentDraft(id: model.id ?? url, name: model.name, content: .file(url: url))
    }

    /// A list paged by `skip` (participants, read receipts), with its next-page link.
    private func skipPagedList<Item, Model: Codable & Sendable & Equatable>(
        _ request: Request,
        _ context: ParleyRequestContext,
        segment: String,
        load: (String, ChatCaller, Int?, Int?) async throws -> Page<Item, Int>,
        render: (Item) -> Model
    ) async throws -> Response {
        let query = request.uri.queryParameters
        let threadId = try threadId(context)
        let pageSize = try ChatWire.int32(query.get("maxPageSize"), field: "maxPageSize")
        let page = try await load(threadId, try context.requireUser().chatCaller, try ChatWire.int32(query.get("skip"), field: "skip"), pageSize)
        let next = page.next.map { skip in
            nextLink(
                "chat/threads/\(ChatWire.escape(threadId))/\(segment)",
                ChatWire.pagingParameters(("skip", String(skip)), pageSize, nil),
                request
            )
        }
        return try WireIO.json(PageModel(value: page.items.map(render), nextLink: next))
    }

    private func threadId(_ context: ParleyRequestContext) throws -> String {
        try WireIO.pathParameter("threadId", in: context)
    }

    /// An absolute URL on this server (`https://host:port/<path>`).
    private func location(_ path: String) -> String {
        endpoint.url + path
    }

    /// An absolute next-page link that carries the paging parameters and the api-version.
    private func nextLink(_ path: String, _ parameters: [(String, String)], _ request: Request) -> String {
        let version = request.uri.queryParameters.get("api-version") ?? Self.apiVersions.last!
        let query = (parameters + [("api-version", version)]).map { "\($0.0)=\(ChatWire.escape($0.1))" }.joined(separator: "&")
        return location(path) + "?" + query
    }
}
