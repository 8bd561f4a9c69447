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
    /// Who the connection calls as, when its token allows calling.
    var callAgent: CallAgentIdentity?

    init(rawId: String, expiresOn: Date, tokenGeneration: Int? = nil, hearsChat: Bool, callAgent: CallAgentIdentity? = nil) {
        self.rawId = rawId
        self.expiresOn = expiresOn
        self.tokenGeneration = tokenGeneration
        self.hearsChat = hearsChat
        self.callAgent = callAgent
    }

    /// The chat caller a token established (app user or organization user): whether it hears
    /// chat is the caller's chat scope, the rule every chat API applies.
    init(_ caller: ChatCaller, expiresOn: Date, tokenGeneration: Int? = nil, callAgent: CallAgentIdentity?) {
        self.init(
            rawId: caller.rawId,
            expiresOn: expiresOn,
            tokenGeneration: tokenGeneration,
            hearsChat: caller.scopes.contains(.chat),
            callAgent: callAgent
        )
    }

    /// An app user; whether it calls is its token's calling scope (``AuthenticatedUser/callAgent``).
    init(_ user: AuthenticatedUser) {
        self.init(
            user.chatCaller,
            expiresOn: user.expiresOn,
            tokenGeneration: user.user.rawId.hasPrefix(RawIdPrefix.acs) ? user.user.tokenGeneration : nil,
            callAgent: user.callAgent
        )
    }

    /// A person or an application of an organization. An application hears no chat; it answers
    /// calls for one of its tenant's voice apps.
    init(_ principal: OrgPrincipal) {
        let callAgent = principal.callAgent
        if let caller = principal.chatCaller {
            self.init(caller, expiresOn: principal.expiresOn, callAgent: callAgent)
        } else {
            self.init(rawId: callAgent.party.rawId, expiresOn: principal.expiresOn, hearsChat: false, callAgent: callAgent)
        }
    }

    /// The recipient member of per-recipient events, encoded once per connection.
    func recipientJSON() -> [UInt8] {
        (try? Array(ParleyJSON.encoder().encode(ChatWire.identifier(rawId)))) ?? Array("null".utf8)
    }
}
