import Foundation

/// Who acts in chat: an app user (ACS token, through the Chat API) or a person of an
/// organization (org token, through the Graph-shaped API). Both act on the same threads.
public struct ChatCaller: Sendable, Equatable {
    public enum Home: Sendable, Equatable {
        /// An app user of this communication resource.
        case resource(UUID)
        /// A person of this tenant.
        case tenant(UUID)
    }

    public var rawId: String
    public var home: Home
    /// What the caller's token allows in chat.
    public var scopes: Set<TokenScope>

    public init(rawId: String, home: Home, scopes: Set<TokenScope>) {
        self.rawId = rawId
        self.home = home
        self.scopes = scopes
    }

    /// The resource of an app user; nil for org users.
    public var resourceId: UUID? {
        if case .resource(let id) = home { return id }
        return nil
    }

    public var tenantId: UUID? {
        if case .tenant(let id) = home { return id }
        return nil
    }

    /// The id events of this caller's changes are filed under.
    var homeKey: String {
        switch home {
        case .resource(let id), .tenant(let id): id.uuidString.lowercased()
        }
    }
}

extension AuthenticatedUser {
    /// This app user as a chat caller.
    public var chatCaller: ChatCaller {
        ChatCaller(rawId: user.rawId, home: .resource(user.resourceId), scopes: scopes)
    }
}

extension OrgPrincipal {
    /// This person as a chat caller (apps do not chat yet); `Chat.ReadWrite` is full chat.
    public var chatCaller: ChatCaller? {
        guard let user else { return nil }
        return ChatCaller(rawId: user.rawId, home: .tenant(tenantId), scopes: permissions.contains("Chat.ReadWrite") ? [.chat] : [])
    }
}
