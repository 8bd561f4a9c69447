/// What each token scope allows in chat (`CommunicationTokenScope`).
enum ChatPermissions {
    enum Action {
        /// Read threads and messages, send and edit own messages, typing, receipts.
        case read
        /// Add and remove participants.
        case manageParticipants
        /// Create and delete threads, change the topic.
        case manageThreads
    }

    static func allows(_ action: Action, _ scopes: Set<TokenScope>) -> Bool {
        switch action {
        case .read: !scopes.isDisjoint(with: [.chat, .chatJoin, .chatJoinLimited])
        case .manageParticipants: !scopes.isDisjoint(with: [.chat, .chatJoin])
        case .manageThreads: scopes.contains(.chat)
        }
    }

    static func require(_ action: Action, _ caller: ChatCaller) throws(ParleyError) {
        guard allows(action, caller.scopes) else {
            let needed =
                switch action {
                case .read: "chat, chat.join or chat.join.limited"
                case .manageParticipants: "chat or chat.join"
                case .manageThreads: "chat"
                }
            throw ParleyError(.forbidden, wireCode: "InsufficientScope", "The access token's scopes do not allow this operation; it needs \(needed).")
        }
    }

    static func notParticipant() -> ParleyError {
        ParleyError(.forbidden, wireCode: "Forbidden", "The initiator doesn't have the permission to perform the requested operation.")
    }
}
