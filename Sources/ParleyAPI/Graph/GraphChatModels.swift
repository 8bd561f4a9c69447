/// Wire bodies of the Graph-shaped chat API (`/v1.0/chats`, `/v1.0/me/chats`): the shapes of
/// Microsoft Graph's `chat`, `chatMessage` and `conversationMember` resources that Parley fills.

public struct GraphChat: Codable, Sendable, Equatable {
    public var id: String
    public var topic: String?
    public var createdDateTime: String
    public var lastUpdatedDateTime: String
    /// `oneOnOne` for two members, `group` otherwise.
    public var chatType: String
    public var tenantId: String?
    public init(id: String, topic: String?, createdDateTime: String, lastUpdatedDateTime: String, chatType: String, tenantId: String?) {
        self.id = id
        self.topic = topic
        self.createdDateTime = createdDateTime
        self.lastUpdatedDateTime = lastUpdatedDateTime
        self.chatType = chatType
        self.tenantId = tenantId
    }
}

/// A page of a Graph collection.
public struct GraphCollection<Item: Codable & Sendable & Equatable>: Codable, Sendable, Equatable {
    public var context: String?
    public var count: Int?
    public var value: [Item]
    public var nextLink: String?

    enum CodingKeys: String, CodingKey {
        case context = "@odata.context"
        case count = "@odata.count"
        case value
        case nextLink = "@odata.nextLink"
    }

    public init(context: String? = nil, count: Int? = nil, value: [Item], nextLink: String? = nil) {
        self.context = context
        self.count = count
        self.value = value
        self.nextLink = nextLink
    }
}

/// A member of a chat: `#microsoft.graph.aadUserConversationMember` for people of an
/// organization, `#microsoft.graph.azureCommunicationServicesUserConversationMember` for app users.
public struct GraphConversationMember: Codable, Sendable, Equatable {
    public static let aadUserType = "#microsoft.graph.aadUserConversationMember"
    public static let acsUserType = "#microsoft.graph.azureCommunicationServicesUserConversationMember"

    public var odataType: String?
    public var id: String?
    public var roles: [String]?
    public var displayName: String?
    public var visibleHistoryStartDateTime: String?
    /// The Entra object id (people) or the raw id `8:acs:…` (app users).
    public var userId: String?
    public var email: String?
    public var tenantId: String?
    public var azureCommunicationServicesResourceId: String?
    /// In requests: `https://graph.microsoft.com/v1.0/users('<id>')`.
    public var userBind: String?

    enum CodingKeys: String, CodingKey {
        case odataType = "@odata.type"
        case id, roles, displayName, visibleHistoryStartDateTime, userId, email, tenantId, azureCommunicationServicesResourceId
        case userBind = "user@odata.bind"
    }

    public init(
        odataType: String?,
        id: String? = nil,
        roles: [String]? = nil,
        displayName: String? = nil,
        visibleHistoryStartDateTime: String? = nil,
        userId: String? = nil,
        email: String? = nil,
        tenantId: String? = nil,
        azureCommunicationServicesResourceId: String? = nil,
        userBind: String? = nil
    ) {
        self.odataType = odataType
        self.id = id
        self.roles = roles
        self.displayName = displayName
        self.visibleHistoryStartDateTime = visibleHistoryStartDateTime
        self.userId = userId
        self.email = email
        self.tenantId = tenantId
        self.azureCommunicationServicesResourceId = azureCommunicationServicesResourceId
        self.userBind = userBind
    }
}

/// `POST /v1.0/chats`
public struct GraphCreateChatRequest: Codable, Sendable {
    public var chatType: String
    public var topic: String?
    public var members: [GraphConversationMember]
    public init(chatType: String, topic: String? = nil, members: [GraphConversationMember]) {
        self.chatType = chatType
        self.topic = topic
        self.members = members
    }
}

public struct GraphItemBody: Codable, Sendable, Equatable {
    /// `text` or `html`
    public var contentType: String?
    public var content: String
    public init(contentType: String? = "text", content: String) {
        self.contentType = contentType
        self.content = content
    }
}

/// `POST /v1.0/chats/{id}/messages`, `PATCH …/messages/{messageId}`
public struct GraphSendMessageRequest: Codable, Sendable {
    public var body: GraphItemBody
    /// Files by reference: `{"id", "contentType": "reference", "contentUrl", "name"}`.
    public var attachments: [GraphAttachment]?
    /// Inline images, referenced from the html body as `../hostedContents/<temporaryId>/$value`.
    public var hostedContents: [GraphHostedContent]?
    public init(body: GraphItemBody, attachments: [GraphAttachment]? = nil, hostedContents: [GraphHostedContent]? = nil) {
        self.body = body
        self.attachments = attachments
        self.hostedContents = hostedContents
    }
}

public struct GraphAttachment: Codable, Sendable, Equatable {
    public var id: String?
    public var contentType: String?
    public var contentUrl: String?
    public var name: String?
    public init(id: String?, contentType: String?, contentUrl: String?, name: String?) {
        self.id = id
        self.contentType = contentType
        self.contentUrl = contentUrl
        self.name = name
    }
}

public struct GraphHostedContent: Codable, Sendable, Equatable {
    public var temporaryId: String?
    public var id: String?
    /// Base64 bytes (requests only).
    public var contentBytes: String?
    public var contentType: String?

    enum CodingKeys: String, CodingKey {
        case temporaryId = "@microsoft.graph.temporaryId"
        case id, contentBytes, contentType
    }

    public init(temporaryId: String? = nil, id: String? = nil, contentBytes: String? = nil, contentType: String? = nil) {
        self.temporaryId = temporaryId
        self.id = id
        self.contentBytes = contentBytes
        self.contentType = contentType
    }
}

public struct GraphUserIdentity: Codable, Sendable, Equatable {
    public var odataType: String
    public var id: String
    public var displayName: String?
    /// `aadUser` for people of an organization, `azureCommunicationServicesUser` for app users
    /// (the "external" label Teams clients show).
    public var userIdentityType: String
    public var tenantId: String?

    enum CodingKeys: String, CodingKey {
        case odataType = "@odata.type"
        case id, displayName, userIdentityType, tenantId
    }

    public init(id: String, displayName: String?, userIdentityType: String, tenantId: String?) {
        self.odataType = "#microsoft.graph.teamworkUserIdentity"
        self.id = id
        self.displayName = displayName
        self.userIdentityType = userIdentityType
        self.tenantId = tenantId
    }
}

public struct GraphIdentitySet: Codable, Sendable, Equatable {
    public var user: GraphUserIdentity?
    public init(user: GraphUserIdentity?) { self.user = user }
}

public struct GraphChatMessage: Codable, Sendable, Equatable {
    public var id: String
    public var etag: String
    /// `message`, or `systemEventMessage` for membership and topic changes.
    public var messageType: String
    public var createdDateTime: String
    public var lastModifiedDateTime: String
    public var lastEditedDateTime: String?
    public var deletedDateTime: String?
    public var chatId: String
    public var importance: String
    public var locale: String
    public var from: GraphIdentitySet?
    public var body: GraphItemBody
    public var attachments: [GraphAttachment]
    public var mentions: [String]
    public var reactions: [String]

    public init(
        id: String,
        etag: String,
        messageType: String,
        createdDateTime: String,
        lastModifiedDateTime: String,
        lastEditedDateTime: String?,
        deletedDateTime: String?,
        chatId: String,
        from: GraphIdentitySet?,
        body: GraphItemBody,
        attachments: [GraphAttachment] = []
    ) {
        self.id = id
        self.etag = etag
        self.messageType = messageType
        self.createdDateTime = createdDateTime
        self.lastModifiedDateTime = lastModifiedDateTime
        self.lastEditedDateTime = lastEditedDateTime
        self.deletedDateTime = deletedDateTime
        self.chatId = chatId
        self.importance = "normal"
        self.locale = "en-us"
        self.from = from
        self.body = body
        self.attachments = attachments
        self.mentions = []
        self.reactions = []
    }
}

/// `GET /v1.0/chats/{id}/readReceipts` (a Parley extension): the newest message each member read.
public struct GraphReadReceipt: Codable, Sendable, Equatable {
    public var user: GraphUserIdentity
    public var messageId: String
    public var readDateTime: String
    public init(user: GraphUserIdentity, messageId: String, readDateTime: String) {
        self.user = user
        self.messageId = messageId
        self.readDateTime = readDateTime
    }
}
