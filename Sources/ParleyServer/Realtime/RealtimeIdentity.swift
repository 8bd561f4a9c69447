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

    init(_ user: AuthenticatedUser) {
        self.init(
            rawId: user.user.rawId,
            expiresOn: user.expiresOn,
            tokenGeneration: user.user.rawId.hasPrefix(RawIdPrefix.acs) ? user.user.tokenGeneration : nil,
            hearsChat: user.has(.chat)
        )
    }

    /// The recipient member of per-recipient events, encoded once per connection.
    func recipientJSON() -> [UInt8] {
        (try? Array(ParleyJSON.encoder().encode(ChatWire.identifier(rawId)))) ?? Array("null".utf8)
    }
}
