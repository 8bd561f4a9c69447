import Foundation
import NIOHTTP1
import NIOSSL
import ParleyAPI

/// Chats as a Teams user, over Parley's Graph-shaped API (`/v1.0/chats`): the same threads app
/// users reach through ``ChatClient``, with Graph's operations. For bots and tests acting as
/// people of an organization; get the credential from ``OrgSignIn``.
public final class TeamsChatClient: Sendable {
    let endpoint: URL
    let credential: CommunicationTokenCredential
    private let transport: HTTPTransport
    private let rest: BearerClient

    /// - Parameters:
    ///   - endpoint: the server, e.g. `https://127.0.0.1:8443/`.
    ///   - credential: the person's organization access token (``OrgSignIn/credential(username:password:scopes:)``).
    ///   - options: whom to trust, or which `HTTPClient` to use (the api-version is not used).
    public init(endpoint: URL, credential: CommunicationTokenCredential, options: ChatClientOptions = .init()) throws {
        self.endpoint = endpoint
        self.transport = try options.makeTransport()
        self.credential = credential
        self.rest = BearerClient(endpoint: endpoint, transport: transport, apiVersion: nil) {
            try await credential.token().token
        }
    }

    /// Whom real-time connections trust: the same as REST requests.
    var tlsConfiguration: TLSConfiguration { transport.tlsConfiguration }

    /// Closes the connection pool the client created (not an `HTTPClient` passed in options).
    public func shutdown() async throws {
        try await transport.shutdown()
    }

    /// The signed-in person, as chats name them.
    public func me() async throws -> MicrosoftTeamsUserIdentifier {
        guard let objectId = try JWTClaims(try await credential.token().token).objectId else {
            throw TokenCredentialError(.malformedToken, "The organization token has no 'oid' claim.")
        }
        return MicrosoftTeamsUserIdentifier(userId: objectId)
    }

    // MARK: Chats

    /// The caller's chats (`GET /v1.0/me/chats`).
    public func listChats(maxPageSize: Int? = nil) -> PagedAsyncSequence<TeamsChat> {
        paged("v1.0/me/chats", top: maxPageSize, item: TeamsChat.init)
    }

    public func getChat(_ chatId: String) async throws -> TeamsChat {
        try TeamsChat(try await rest.json(.GET, rest.url(chatPath(chatId)), as: GraphChat.self))
    }

    /// Creates a chat of the caller and `members` (the caller is added when not among them).
    ///
    /// - Parameters:
    ///   - members: Teams users (``MicrosoftTeamsUserIdentifier``) and, where the organization
    ///     allows it, app users (``CommunicationUserIdentifier``).
    ///   - topic: nil for a one-on-one chat.
    public func createChat(type: TeamsChatType, topic: String? = nil, members: [any CommunicationIdentifier]) async throws -> TeamsChat {
        let me = try await me()
        let everyone = members.contains { $0.rawId == me.rawId } ? members : [me] + members
        let request = GraphCreateChatRequest(
            chatType: type.rawValue,
            topic: topic,
            members: everyone.map { Self.member(ChatParticipant(id: $0), isOwner: $0.rawId == me.rawId) }
        )
        return try TeamsChat(try await rest.json(.POST, rest.url("v1.0/chats"), body: request, as: GraphChat.self))
    }

    // MARK: Members

    public func listMembers(chatId: String) async throws -> [ChatParticipant] {
        try await members(chatId).map(Self.participant)
    }

    /// Adds a member; returns it as the chat lists it.
    @discardableResult
    public func addMember(_ member: ChatParticipant, chatId: String) async throws -> ChatParticipant {
        let added = try await rest.json(
            .POST,
            rest.url(chatPath(chatId) + "/members"),
            body: Self.member(member, isOwner: false),
            as: GraphConversationMember.self
        )
        return try Self.participant(added)
    }

    /// Removes a member, found by identifier among the chat's memberships.
    public func removeMember(_ identifier: any CommunicationIdentifier, chatId: String) async throws {
        let memberships = try await members(chatId)
        guard let membershipId = try memberships.first(where: { try Self.participant($0).id.rawId == identifier.rawId })?.id else {
            throw ParleyClientError(status: 404, code: "NotFound", message: "'\(identifier.rawId)' is not a member of the chat.")
        }
        try await rest.send(.DELETE, rest.url(chatPath(chatId) + "/members/\(URLEscaping.escape(membershipId))"))
    }

    // MARK: Messages

    /// Sends a message as the caller (their directory name is the sender's display name).
    public func sendMessage(_ content: String, contentType: String = "text", chatId: String) async throws -> TeamsChatMessage {
        try TeamsChatMessage(
            try await rest.json(
                .POST,
                rest.url(chatPath(chatId) + "/messages"),
                body: GraphSendMessageRequest(body: GraphItemBody(contentType: contentType, content: content)),
                as: GraphChatMessage.self
            )
        )
    }

    public func getMessage(_ messageId: String, chatId: String) async throws -> TeamsChatMessage {
        try TeamsChatMessage(try await rest.json(.GET, rest.url(messagePath(messageId, chatId)), as: GraphChatMessage.self))
    }

    /// The chat's messages, newest first.
    ///
    /// - Parameter maxPageSize: messages per request (`$top`, 1–50).
    public func listMessages(chatId: String, maxPageSize: Int? = nil) -> PagedAsyncSequence<TeamsChatMessage> {
        paged(chatPath(chatId) + "/messages", top: maxPageSize, item: TeamsChatMessage.init)
    }

    /// Replaces the body of one of the caller's messages.
    public func editMessage(_ messageId: String, content: String, contentType: String = "text", chatId: String) async throws {
        try await rest.send(
            .PATCH,
            rest.url(messagePath(messageId, chatId)),
            body: GraphSendMessageRequest(body: GraphItemBody(contentType: contentType, content: content))
        )
    }

    /// Deletes one of the caller's messages (it stays listed, without content).
    public func softDeleteMessage(_ messageId: String, chatId: String) async throws {
        try await rest.send(.POST, rest.url(messagePath(messageId, chatId) + "/softDelete"))
    }

    // MARK: Read state and typing

    /// Marks every message of the chat as read by the caller.
    public func markChatReadForUser(chatId: String) async throws {
        try await rest.send(.POST, rest.url(chatPath(chatId) + "/markChatReadForUser"))
    }

    /// Tells the other members the caller is typing (a Parley extension).
    public func sendTypingIndicator(chatId: String) async throws {
        try await rest.send(.POST, rest.url(chatPath(chatId) + "/sendTypingIndicator"))
    }

    /// The newest message each member has read, app users included (a Parley extension).
    public func listReadReceipts(chatId: String) async throws -> [ChatMessageReadReceipt] {
        let receipts = try await rest.json(.GET, rest.url(chatPath(chatId) + "/readReceipts"), as: GraphCollection<GraphReadReceipt>.self)
        return try receipts.value.map {
            ChatMessageReadReceipt(
                sender: Self.identifier($0.user),
                chatMessageId: $0.messageId,
                readOn: try WireValue.date($0.readDateTime, field: "readDateTime")
            )
        }
    }

    // MARK: Wire

    /// Who a Graph identity is: people by object id, app users by raw id.
    static func identifier(_ user: GraphUserIdentity) -> any CommunicationIdentifier {
        user.userIdentityType == "aadUser" ? MicrosoftTeamsUserIdentifier(userId: user.id) : createCommunicationIdentifier(fromRawId: user.id)
    }

    static func participant(_ member: GraphConversationMember) throws -> ChatParticipant {
        guard let userId = member.userId else {
            throw ParleyClientError.invalidResponse(status: 200, "A chat member has no userId.")
        }
        let id: any CommunicationIdentifier =
            member.odataType == GraphConversationMember.acsUserType
            ? createCommunicationIdentifier(fromRawId: userId) : MicrosoftTeamsUserIdentifier(userId: userId)
        return ChatParticipant(
            id: id,
            displayName: member.displayName,
            shareHistoryTime: try WireValue.date(member.visibleHistoryStartDateTime, field: "visibleHistoryStartDateTime")
        )
    }

    /// A member as requests name it: people bound by object id, app users by raw id.
    static func member(_ participant: ChatParticipant, isOwner: Bool) -> GraphConversationMember {
        let history = participant.shareHistoryTime.map(WireTimestamp.rfc3339Milliseconds)
        if let person = participant.id as? MicrosoftTeamsUserIdentifier {
            return GraphConversationMember(
                odataType: GraphConversationMember.aadUserType,
                roles: isOwner ? ["owner"] : [],
                displayName: participant.displayName,
                visibleHistoryStartDateTime: history,
                userBind: "https://graph.microsoft.com/v1.0/users('\(person.userId)')"
            )
        }
        return GraphConversationMember(
            odataType: GraphConversationMember.acsUserType,
            roles: [],
            displayName: participant.displayName,
            visibleHistoryStartDateTime: history,
            userId: participant.id.rawId
        )
    }

    private func members(_ chatId: String) async throws -> [GraphConversationMember] {
        try await rest.json(.GET, rest.url(chatPath(chatId) + "/members"), as: GraphCollection<GraphConversationMember>.self).value
    }

    /// A Graph collection (`{"value", "@odata.nextLink"}`), its items converted by `item`.
    private func paged<Model: Codable & Sendable & Equatable, Element: Sendable>(
        _ path: String,
        top: Int?,
        item: @escaping @Sendable (Model) throws -> Element
    ) -> PagedAsyncSequence<Element> {
        let firstURL = rest.url(path, query: [("$top", top.map(String.init))])
        return PagedAsyncSequence { [rest] nextLink in
            let pageURL = try nextLink.map { try rest.resolve(link: $0) } ?? firstURL
            let page = try await rest.json(.GET, pageURL, as: GraphCollection<Model>.self)
            return .init(items: try page.value.map(item), nextLink: page.nextLink)
        }
    }

    private func chatPath(_ chatId: String) -> String {
        "v1.0/chats/\(URLEscaping.escape(chatId))"
    }

    private func messagePath(_ messageId: String, _ chatId: String) -> String {
        chatPath(chatId) + "/messages/\(URLEscaping.escape(messageId))"
    }
}
