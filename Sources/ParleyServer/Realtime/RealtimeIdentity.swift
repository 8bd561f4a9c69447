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

    /// An app user: it calls with `voip` (or answers only, with `voip.join`).
    init(_ user: AuthenticatedUser) {
        let callAgent =
            user.has(.voip) || user.has(.voipJoin)
            ? CallAgentIdentity(party: CallParty(rawId: user.user.rawId, home: .resource(user.user.resourceId)), mayStartCalls: user.has(.voip))
            : nil
        self.init(
            user.chatCaller,
            expiresOn: user.expiresOn,
            tokenGeneration: user.user.rawId.hasPrefix(RawIdPrefix.acs) ? user.user.tokenGeneration : nil,
            callAgent: callAgent
        )
    }

    /// A person or an application of an organization. People call as themselves; an
    /// application hears no chat and answers calls for one of its tenant's voice apps.
    init(_ principal: OrgPrincipal) {
        switch principal.kind {
        case .user(let person):
            let party = CallParty(rawId: person.rawId, home: .tenant(person.tenantId))
            self.init(
                ChatCaller(rawId: person.rawId, home: .tenant(person.tenantId), scopes: principal.chatCaller?.scopes ?? []),
                expiresOn: principal.expiresOn,
                callAgent: CallAgentIdentity(party: party, mayStartCalls: true, directoryName: person.displayName)
            )
        case .app(let app):
            let rawId = "\(RawIdPrefix.teamsAppPublic)\(app.appId.uuidString.lowercased())"
            self.init(
                rawId: rawId,
                expiresOn: principal.expiresOn,
                hearsChat: false,
                callAgent: CallAgentIdentity(party: CallParty(rawId: rawId, home: .voiceApp(tenant: app.tenantId)), mayStartCalls: true)
            )
        }
    }

    /// The recipient member of per-recipient events, encoded once per connection.
    func recipientJSON() -> [UInt8] {
        (try? Array(ParleyJSON.encoder().encode(ChatWire.identifier(rawId)))) ?? Array("null".utf8)
    }
}
