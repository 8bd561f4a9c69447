import Foundation
import ParleyCore
import ParleySQLite

/// A store, services and a manual clock for one test.
struct CoreFixture {
    let store: SQLiteParleyStore
    let clock: ManualWallClock
    let identities: IdentityService
    let chat: ChatService
    let directory: DirectoryService
    let orgSignIn: OrgSignInService
    let resources: ResourceService
    let resource: CommunicationResource

    /// - Parameter path: a database file, or nil for an in-memory database.
    init(path: String? = nil, rateLimits: Bool = false) async throws {
        let store = try path.map { try SQLiteParleyStore(path: $0) } ?? SQLiteParleyStore()
        let clock = ManualWallClock()
        let signingKey = try await store.secret(named: "token-signing-key") { TokenAuthority.generateSigningKeyPEM() }
        self.store = store
        self.clock = clock
        self.resources = ResourceService(store: store, clock: clock)
        self.identities = IdentityService(
            store: store,
            tokens: try await TokenAuthority(signingKeyPEM: signingKey),
            clock: clock,
            rateLimiter: rateLimits ? RateLimiter(clock: clock) : nil
        )
        self.directory = DirectoryService(store: store, clock: clock)
        let orgKey = try await store.secret(named: "org-token-signing-key") { TokenAuthority.generateSigningKeyPEM() }
        self.orgSignIn = OrgSignInService(store: store, tokens: try await OrgTokenAuthority(signingKeyPEM: orgKey), clock: clock)
        self.chat = ChatService(store: store, clock: clock, rateLimiter: rateLimits ? RateLimiter(clock: clock) : nil)
        self.resource = try await resources.ensureDefault()
    }

    /// A new app user of `resource` (the default one if nil), authenticated with `scopes`.
    func user(_ scopes: [String] = ["chat"], in resource: CommunicationResource? = nil) async throws -> AuthenticatedUser {
        let (_, token) = try await identities.createUser(in: resource ?? self.resource, tokenScopes: scopes, expiresInMinutes: nil)
        return try await identities.authenticate(accessToken: token!.token)
    }

    /// A thread created by `creator` with `others` in it.
    func thread(by creator: AuthenticatedUser, with others: [AuthenticatedUser] = []) async throws -> ChatThread {
        let participants = others.map { ChatParticipant(rawId: $0.user.rawId) }
        return try await chat.createThread(by: creator.chatCaller, topic: "t", participants: participants, idempotencyKey: nil).0
    }

    /// Contoso with Adele (TeamsOnly, Enterprise Voice), interop enabled for this fixture's resource.
    func contosoAllowingResource() async throws -> (Tenant, OrgUser) {
        let tenant = try await directory.createTenant(displayName: "Contoso", domain: "contoso.com")
        let adele = try await directory.addUser(to: tenant.id, displayName: "Adele Vance", userPrincipalName: "adele@contoso.com")
        let federation = AcsFederationConfiguration(enableAcsUsers: true, allowedAcsResources: [resource.immutableId])
        return (try await directory.setFederation(federation, of: tenant.id), adele)
    }

    /// Sends a text message.
    @discardableResult
    func send(_ text: String, to threadId: String, by caller: ChatCaller) async throws -> ChatMessage {
        try await chat.sendMessage(to: threadId, by: caller, type: .text, content: text, senderDisplayName: nil, metadata: nil)
    }

    /// Every message `caller` can see, newest first, following pages.
    func allMessages(in threadId: String, for caller: ChatCaller, pageSize: Int = 200) async throws -> [ChatMessage] {
        var messages: [ChatMessage] = []
        var cursor: Int64?
        repeat {
            let page = try await chat.messages(in: threadId, for: caller, startTime: nil, beforeSequence: cursor, pageSize: pageSize)
            messages += page.items
            cursor = page.next
        } while cursor != nil
        return messages
    }
}

/// A fresh temporary directory for one test.
func temporaryDirectory() throws -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("parley-tests-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
}

/// Decodes a JWT payload the way the Python SDK does (`base64.b64decode(parts[1] + "==")`,
/// standard alphabet, non-strict: characters outside it are dropped) and returns `exp`.
func pythonSDKExpiry(of token: String) -> Int? {
    let parts = token.split(separator: ".", omittingEmptySubsequences: false)
    guard parts.count >= 3 else { return nil }
    let alphabet = Set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/")
    var kept = String(parts[1].filter { alphabet.contains($0) })
    // b64decode(s + "==") tolerates surplus padding; Foundation wants exact padding.
    while kept.count % 4 != 0 { kept += "=" }
    guard let data = Data(base64Encoded: kept),
        let text = String(data: data, encoding: .ascii),
        let object = try? JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any]
    else { return nil }
    return object["exp"] as? Int
}
