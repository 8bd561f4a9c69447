import Foundation
import ParleyAPI
import ParleyCore

/// Who a real-time connection belongs to, as its token established.
struct RealtimeIdentity: Sendable {
    /// The user's raw id: events are addressed to raw ids.
    var rawId: String
    /// When the token expires; the connection is closed then.
    var expiresOn: Date
    /// For app users: the token generation the token was issued under. Revoking the user's
    /// tokens closes connections opened with an older generation.
    var tokenGeneration: Int?
    /// Whether the token grants chat: exchanged Teams tokens (voip only) hear no chat events.
    var hearsChat: Bool

    init(rawId: String, expiresOn: Date, tokenGeneration: Int? = nil, hearsChat: Bool) {
        self.rawId = rawId
        self.expiresOn = expiresOn
        self.tokenGeneration = tokenGeneration
        self.hearsChat = hearsChat
    }

    /// The chat caller a token established (app user or organization user): whether it hears
    /// chat is the caller's chat scope, the rule every chat API applies.
    init(_ caller: ChatCaller, expiresOn: Date, tokenGeneration: Int? = nil) {
        self.init(rawId: caller.rawId, expiresOn: expiresOn, tokenGeneration: tokenGeneration, hearsChat: caller.scopes.contains(.chat))
    }

    init(_ user: AuthenticatedUser) {
        self.init(
            user.chatCaller,
            expiresOn: user.expiresOn,
            tokenGeneration: user.user.rawId.hasPrefix(RawIdPrefix.acs) ? user.user.tokenGeneration : nil
        )
    }

    /// The recipient member of per-recipient events, encoded once per connection.
    func recipientJSON() -> [UInt8] {
        (try? Array(ParleyJSON.encoder().encode(ChatWire.identifier(rawId)))) ?? Array("null".utf8)
    }
}
