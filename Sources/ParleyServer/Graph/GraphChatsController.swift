import Foundation
import Hummingbird
import NIOCore
import ParleyAPI
import ParleyCore

/// The Graph-shaped chat API for people of an organization, over the same threads app users
/// reach through the ACS Chat API: one thread id, one history, the same rules.
struct GraphChatsController {
    static let maxTop = 50

    let chat: ChatService
    let directory: DirectoryService
    let endpoint: ServerEndpoint
    let maxBodyBytes: Int

    func addRoutes(to group: RouterGroup<ParleyRequestContext>) {
        group.get("me/chats", use: listChats)
        group.post("chats", use: createChat)
        group.get("chats/{chatId}", use: getChat)
        group.get("chats/{chatId}/members", use: listMembers)
        group.post("chats/{chatId}/members", use: addMember)
        group.delete("chats/{chatId}/members/{membershipId}", use: removeMember)
        group.get("chats/{chatId}/messages", use: listMessages)
        group.post("chats/{chatId}/messages", use: sendMessage)
        group.get("chats/{chatId}/messages/{messageId}", use: getMessage)
        group.patch("chats/{chatId}/messages/{messageId}", use: editMessage)
        group.post("chats/{chatId}/messages/{messageId}/softDelete", use: softDelete)
        group.get("chats/{chatId}/messages/{messageId}/hostedContents/{contentId}/$value", use: hostedContent)
        group.post("chats/{chatId}/markChatReadForUser", use: markRead)
        group.post("chats/{chatId}/sendTypingIndicator", use: sendTyping)
        group.get("chats/{chatId}/readReceipts", use: readReceipts)
    }

    // MARK: Chats

    @Sendable func listChats(_ request: Request, context: ParleyRequestContext) async throws -> Response {
        let (caller, _) = try callerOf(context)
        let top = try Self.top(request)
        let cursor = try GraphQuery(request).get("$skiptoken").map(ChatWire.threadCursor)
        let page = try await chat.threads(for: caller, startTime: nil, after: cursor, pageSize: top)
        let live = page.items.filter { $0.deletedAt == nil }
        var chats: [GraphChat] = []
        for thread in live { chats.append(try await model(thread, caller)) }
        let next = page.next.map { endpoint.url + "v1.0/me/chats?$skiptoken=\(ChatWire.encode($0))" + (top.map { "&$top=\($0)" } ?? "") }
        return try WireIO.json(GraphCollection(context: endpoint.url + "v1.0/$metadata#chats", value: chats, nextLink: next))
    }

    @Sendable func getChat(_ request: Request, context: ParleyRequestContext) async throws -> Response {
        let (caller, _) = try callerOf(context)
        return try WireIO.json(try await model(try await chat.thread(try chatId(context), for: caller), caller))
    }

    @Sendable func createChat(_ request: Request, context: ParleyRequestContext) async throws -> Response {
        let (caller, _) = try callerOf(context)
        var request = request
        let body = try WireIO.required(try await WireIO.decode(GraphCreateChatRequest.self, from: &request, limit: maxBodyBytes))
        let members = try body.members.map(Self.participant)
        guard members.contains(where: { $0.rawId == caller.rawId }) else {
            throw ParleyError(.badRequest, wireCode: "BadRequest", "The members of a new chat must include the caller.", target: "members")
        }
        switch body.chatType {
        case "oneOnOne" where members.count == 2 && body.topic == nil: break
        case "oneOnOne": throw ParleyError(.badRequest, wireCode: "BadRequest", "A oneOnOne chat has exactly two members and no topic.")
        case "group": break
        default: throw ParleyError(.badRequest, wireCode: "BadRequest", "chatType must be 'oneOnOne' or 'group'.", target: "chatType")
        }
        let others = members.filter { $0.rawId != caller.rawId }
        // Graph creates all or nothing: any refused member refuses the chat.
        let (thread, _) = try await chat.createThread(
            by: caller,
            topic: body.topic ?? "",
            participants: others,
            idempotencyKey: nil,
            allOrNothing: true
        )
        return try WireIO.json(try await model(thread, caller), status: .created)
    }

    // MARK: Members

    @Sendable func listMembers(_ request: Request, context: ParleyRequestContext) async throws -> Response {
        let (caller, _) = try callerOf(context)
        let chatId = try chatId(context)
        let thread = try await chat.thread(chatId, for: caller)
        var members: [GraphConversationMember] = []
        var skip = 0
        while true {
            let page = try await chat.participants(in: chatId, for: caller, skip: skip, pageSize: ChatLimits.maxPageSize)
            for participant in page.items { members.append(try await member(participant, thread, caller)) }
            guard let next = page.next else { break }
            skip = next
        }
        return try WireIO.json(GraphCollection(context: endpoint.url + "v1.0/$metadata#chats('\(chatId)')/members", value: members))
    }

    @Sendable func addMember(_ request: Request, context: ParleyRequestContext) async throws -> Response {
        let (caller, _) = try callerOf(context)
        var request = request
        let body = try WireIO.required(try await WireIO.decode(GraphConversationMember.self, from: &request, limit: maxBodyBytes))
        let chatId = try chatId(context)
        let participant = try Self.participant(body)
        if let refusal = try await chat.addParticipants([participant], to: chatId, by: caller).first {
            throw refusal.error
        }
        let thread = try await chat.thread(chatId, for: caller)
        return try WireIO.json(try await member(participant, thread, caller), status: .created)
    }

    @Sendable func removeMember(_ request: Request, context: ParleyRequestContext) async throws -> Response {
        let (caller, _) = try callerOf(context)
        guard let rawId = Self.rawId(fromMembershipId: try WireIO.pathParameter("membershipId", in: context)) else {
            throw ParleyError(.notFound, wireCode: "NotFound", "No such membership.")
        }
        // Graph addresses a membership; one that does not exist is not there to delete.
        guard try await chat.removeParticipant(rawId, from: try chatId(context), by: caller) else {
            throw ParleyError(.notFound, wireCode: "NotFound", "No such membership.")
        }
        return WireIO.empty(.noContent)
    }

    // MARK: Messages

    @Sendable func listMessages(_ request: Request, context: ParleyRequestContext) async throws -> Response {
        let (caller, _) = try callerOf(context)
        let chatId = try chatId(context)
        let top = try Self.top(request)
        let before = try ChatWire.int(GraphQuery(request).get("$skiptoken"), field: "$skiptoken").map(Int64.init)
        let page = try await chat.messages(in: chatId, for: caller, startTime: nil, beforeSequence: before, pageSize: top ?? 20)
        let next = page.next.map {
            endpoint.url + "v1.0/chats/\(ChatWire.escape(chatId))/messages?$skiptoken=\($0)" + (top.map { "&$top=\($0)" } ?? "")
        }
        let messages = page.items.map { message(from: $0, caller) }
        return try WireIO.json(GraphCollection(context: endpoint.url + "v1.0/$metadata#chats('\(chatId)')/messages", value: messages, nextLink: next))
    }

    @Sendable func getMessage(_ request: Request, context: ParleyRequestContext) async throws -> Response {
        let (caller, _) = try callerOf(context)
        let found = try await chat.message(try WireIO.pathParameter("messageId", in: context), in: try chatId(context), for: caller)
        return try WireIO.json(message(from: found, caller))
    }

    @Sendable func sendMessage(_ request: Request, context: ParleyRequestContext) async throws -> Response {
        let (caller, person) = try callerOf(context)
        var request = request
        let body = try WireIO.required(try await WireIO.decode(GraphSendMessageRequest.self, from: &request, limit: maxBodyBytes))
        let sent = try await chat.sendMessage(
            to: try chatId(context),
            by: caller,
            type: try Self.type(body.body.contentType),
            content: body.body.content,
            senderDisplayName: person.displayName,
            metadata: nil,
            attachments: try Self.attachments(body)
        )
        return try WireIO.json(message(from: sent, caller), status: .created)
    }

    @Sendable func editMessage(_ request: Request, context: ParleyRequestContext) async throws -> Response {
        let (caller, _) = try callerOf(context)
        var request = request
        let body = try WireIO.required(try await WireIO.decode(GraphSendMessageRequest.self, from: &request, limit: maxBodyBytes))
        try await chat.editMessage(
            try WireIO.pathParameter("messageId", in: context),
            in: try chatId(context),
            by: caller,
            content: body.body.content,
            metadata: nil
        )
        return WireIO.empty(.noContent)
    }

    @Sendable func softDelete(_ request: Request, context: ParleyRequestContext) async throws -> Response {
        let (caller, _) = try callerOf(context)
        try await chat.deleteMessage(try WireIO.pathParameter("messageId", in: context), in: try chatId(context), by: caller)
        return WireIO.empty(.noContent)
    }

    /// The bytes of an inline image.
    @Sendable func hostedContent(_ request: Request, context: ParleyRequestContext) async throws -> Response {
        let (caller, _) = try callerOf(context)
        let image = try await chat.image(try WireIO.pathParameter("contentId", in: context), in: try chatId(context), for: caller)
        return Response(status: .ok, headers: [.contentType: image.contentType], body: .init(byteBuffer: ByteBuffer(bytes: image.data)))
    }

    /// Graph's `markChatReadForUser`: a read receipt for the newest message the caller sees.
    @Sendable func markRead(_ request: Request, context: ParleyRequestContext) async throws -> Response {
        let (caller, _) = try callerOf(context)
        let chatId = try chatId(context)
        if let newest = try await chat.messages(in: chatId, for: caller, startTime: nil, beforeSequence: nil, pageSize: 1).items.first {
            try await chat.sendReadReceipt(for: newest.id, in: chatId, by: caller)
        }
        return WireIO.empty(.noContent)
    }

    /// A Parley extension: Graph has no typing indicator for chats.
    @Sendable func sendTyping(_ request: Request, context: ParleyRequestContext) async throws -> Response {
        let (caller, person) = try callerOf(context)
        try await chat.sendTypingNotification(in: try chatId(context), by: caller, senderDisplayName: person.displayName)
        return WireIO.empty(.noContent)
    }

    /// A Parley extension: who read what (Graph has no read receipts for chats).
    @Sendable func readReceipts(_ request: Request, context: ParleyRequestContext) async throws -> Response {
        let (caller, _) = try callerOf(context)
        let chatId = try chatId(context)
        var receipts: [GraphReadReceipt] = []
        var skip = 0
        while true {
            let page = try await chat.readReceipts(in: chatId, for: caller, skip: skip, pageSize: ChatLimits.maxPageSize)
            receipts += page.items.map {
                GraphReadReceipt(
                    user: identity(of: $0.senderRawId, name: nil, caller),
                    messageId: $0.messageId,
                    readDateTime: WireTimestamp.rfc3339($0.readAt)
                )
            }
            guard let next = page.next else { break }
            skip = next
        }
        return try WireIO.json(GraphCollection(value: receipts))
    }

    // MARK: Wire

    /// How Graph names a chat member: people as `aadUser`, app users as `azureCommunicationServicesUser`.
    private func identity(of rawId: String, name: String?, _ caller: ChatCaller) -> GraphUserIdentity {
        if case .microsoftTeamsUser(let userId, _, _) = CommunicationIdentifierKind(rawId: rawId) {
            return GraphUserIdentity(id: userId, displayName: name, userIdentityType: "aadUser", tenantId: caller.tenantId?.uuidString.lowercased())
        }
        return GraphUserIdentity(id: rawId, displayName: name, userIdentityType: "azureCommunicationServicesUser", tenantId: nil)
    }

    private func callerOf(_ context: ParleyRequestContext) throws -> (ChatCaller, OrgUser) {
        let principal = try context.requireOrgPrincipal()
        guard let caller = principal.chatCaller, let person = principal.user else {
            throw ParleyError(.forbidden, wireCode: "Forbidden", "Chats need a delegated (user) token; application tokens cannot chat.")
        }
        return (caller, person)
    }

    private func chatId(_ context: ParleyRequestContext) throws -> String {
        try WireIO.pathParameter("chatId", in: context)
    }

    private func model(_ thread: ChatThread, _ caller: ChatCaller) async throws -> GraphChat {
        let count = try await chat.participants(in: thread.id, for: caller, skip: nil, pageSize: 3).items.count
        return GraphChat(
            id: thread.id,
            topic: thread.topic.isEmpty ? nil : thread.topic,
            createdDateTime: WireTimestamp.rfc3339(thread.createdAt),
            lastUpdatedDateTime: WireTimestamp.rfc3339(thread.lastMessageAt),
            chatType: count == 2 && thread.topic.isEmpty ? "oneOnOne" : "group",
            tenantId: (thread.tenantId ?? caller.tenantId)?.uuidString.lowercased()
        )
    }

    private func member(_ participant: ChatParticipant, _ thread: ChatThread, _ caller: ChatCaller) async throws -> GraphConversationMember {
        let membershipId = Self.membershipId(participant.rawId)
        let since = WireTimestamp.rfc3339(participant.shareHistoryTime)
        switch CommunicationIdentifierKind(rawId: participant.rawId) {
        case .microsoftTeamsUser(let userId, _, _):
            let person = try? await UUID(uuidString: userId).asyncMap { try await directory.user($0) }
            return GraphConversationMember(
                odataType: GraphConversationMember.aadUserType,
                id: membershipId,
                roles: ["owner"],
                displayName: participant.displayName ?? person?.displayName,
                visibleHistoryStartDateTime: since,
                userId: userId,
                email: person?.mail,
                tenantId: person?.tenantId.uuidString.lowercased()
            )
        default:
            return GraphConversationMember(
                odataType: GraphConversationMember.acsUserType,
                id: membershipId,
                roles: ["guest"],
                displayName: participant.displayName,
                visibleHistoryStartDateTime: since,
                userId: participant.rawId,
                azureCommunicationServicesResourceId: thread.resourceId?.uuidString.lowercased()
            )
        }
    }

    private func message(from message: ChatMessage, _ caller: ChatCaller) -> GraphChatMessage {
        let body: GraphItemBody
        let messageType: String
        switch message.type {
        case .text, .html:
            messageType = "message"
            body = GraphItemBody(contentType: message.type == .html ? "html" : "text", content: message.content.message ?? "")
        case .topicUpdated, .participantAdded, .participantRemoved:
            messageType = "systemEventMessage"
            body = GraphItemBody(contentType: "html", content: "<systemEventMessage/>")
        }
        let from = message.senderRawId.map { GraphIdentitySet(user: identity(of: $0, name: message.senderDisplayName, caller)) }
        var content = body.content
        var files: [GraphAttachment] = []
        for attachment in message.content.attachments ?? [] {
            switch attachment.kind {
            case .image:
                // Inline images keep the sender's temporary id as their name; point it at Parley.
                let url =
                    endpoint.url + "v1.0/chats/\(ChatWire.escape(message.threadId))/messages/\(message.id)/hostedContents/\(attachment.id)/$value"
                if let temporaryId = attachment.name {
                    content = content.replacingOccurrences(of: "../hostedContents/\(temporaryId)/$value", with: url)
                }
            case .file:
                files.append(GraphAttachment(id: attachment.id, contentType: "reference", contentUrl: attachment.url, name: attachment.name))
            }
        }
        let rendered = GraphItemBody(contentType: body.contentType, content: content)
        let modified = message.deletedAt ?? message.editedAt ?? message.createdAt
        return GraphChatMessage(
            id: message.id,
            etag: message.version,
            messageType: messageType,
            createdDateTime: WireTimestamp.rfc3339(message.createdAt),
            lastModifiedDateTime: WireTimestamp.rfc3339(modified),
            lastEditedDateTime: message.editedAt.map(WireTimestamp.rfc3339),
            deletedDateTime: message.deletedAt.map(WireTimestamp.rfc3339),
            chatId: message.threadId,
            from: from,
            body: message.deletedAt == nil ? rendered : GraphItemBody(contentType: "text", content: ""),
            attachments: files
        )
    }

    /// A requested member as a participant: people by `user@odata.bind` or `userId` (object
    /// id), app users by `userId` (their raw id).
    static func participant(_ member: GraphConversationMember) throws -> ChatParticipant {
        let history = try ChatWire.time(member.visibleHistoryStartDateTime, field: "visibleHistoryStartDateTime") ?? Date(timeIntervalSince1970: 0)
        switch member.odataType {
        case GraphConversationMember.acsUserType:
            guard let rawId = member.userId, rawId.hasPrefix("8:acs:") else {
                throw ParleyError(.badRequest, wireCode: "BadRequest", "An azureCommunicationServicesUserConversationMember needs userId '8:acs:…'.")
            }
            return ChatParticipant(rawId: rawId, displayName: member.displayName, shareHistoryTime: history)
        case GraphConversationMember.aadUserType, nil:
            guard let id = member.userId ?? member.userBind.flatMap(Self.boundUserId), let objectId = UUID(uuidString: id) else {
                throw ParleyError(.badRequest, wireCode: "BadRequest", "A member needs 'user@odata.bind' or 'userId' with an object id.")
            }
            return ChatParticipant(rawId: "8:orgid:\(objectId.uuidString.lowercased())", displayName: member.displayName, shareHistoryTime: history)
        case let other:
            throw ParleyError(.badRequest, wireCode: "BadRequest", "Members of type '\(other ?? "")' are not supported.")
        }
    }

    /// The id in `…/users('<id>')`.
    private static func boundUserId(_ bind: String) -> String? {
        guard let open = bind.range(of: "users('"), let close = bind.range(of: "')", range: open.upperBound..<bind.endIndex) else { return nil }
        return String(bind[open.upperBound..<close.lowerBound])
    }

    private static func membershipId(_ rawId: String) -> String {
        Base64URL.encode(rawId)
    }

    private static func rawId(fromMembershipId id: String) -> String? {
        Base64URL.decodeText(id)
    }

    /// Files by reference and inline images (hosted contents) of a send request.
    private static func attachments(_ request: GraphSendMessageRequest) throws -> [ChatAttachmentDraft] {
        var drafts: [ChatAttachmentDraft] = []
        for attachment in request.attachments ?? [] {
            guard attachment.contentType == "reference", let url = attachment.contentUrl else {
                throw ParleyError(.badRequest, wireCode: "BadRequest", "Attachments must be references: contentType 'reference' with a contentUrl.")
            }
            drafts.append(ChatAttachmentDraft(id: attachment.id ?? url, name: attachment.name, content: .file(url: url)))
        }
        for hosted in request.hostedContents ?? [] {
            guard let temporaryId = hosted.temporaryId, let bytes = hosted.contentBytes, let data = Data(base64Encoded: bytes),
                let contentType = hosted.contentType
            else {
                throw ParleyError(
                    .badRequest,
                    wireCode: "BadRequest",
                    "hostedContents need '@microsoft.graph.temporaryId', base64 'contentBytes' and 'contentType'."
                )
            }
            drafts.append(ChatAttachmentDraft(id: temporaryId, name: temporaryId, content: .image(data: data, contentType: contentType)))
        }
        return drafts
    }

    private static func type(_ contentType: String?) throws -> ChatMessageType {
        switch contentType?.lowercased() {
        case nil, "text": .text
        case "html": .html
        case let other: throw ParleyError(.badRequest, wireCode: "BadRequest", "body.contentType '\(other ?? "")' must be text or html.")
        }
    }

    private static func top(_ request: Request) throws -> Int? {
        try GraphQuery(request).get("$top").map { text in
            guard let top = Int(text), (1...maxTop).contains(top) else {
                throw ParleyError(.badRequest, wireCode: "BadRequest", "$top must be 1-\(maxTop).")
            }
            return top
        }
    }

}

extension Optional {
    /// `map` with an async transform.
    fileprivate func asyncMap<T>(_ transform: (Wrapped) async throws -> T) async rethrows -> T? {
        guard let value = self else { return nil }
        return try await transform(value)
    }
}
