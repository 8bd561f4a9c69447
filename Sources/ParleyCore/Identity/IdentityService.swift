import Foundation

/// The ACS Identity use cases: app users and their access tokens, within one resource.
public struct IdentityService: Sendable {
    /// Accepted `expiresInMinutes` values, and the default.
    public static let tokenLifetimeMinutes: ClosedRange<Int> = 60...1440
    public static let defaultTokenLifetimeMinutes = 1440

    private let store: any ParleyStore
    private let tokens: TokenAuthority
    private let clock: any WallClock
    private let ids: any IdentifierGenerator
    /// Present when the published rate limits are enforced.
    private let rateLimiter: RateLimiter?

    public init(
        store: any ParleyStore,
        tokens: TokenAuthority,
        clock: any WallClock,
        ids: any IdentifierGenerator = RandomIdentifierGenerator(),
        rateLimiter: RateLimiter? = nil
    ) {
        self.store = store
        self.tokens = tokens
        self.clock = clock
        self.ids = ids
        self.rateLimiter = rateLimiter
    }

    /// Creates an app user in `resource`, and a token for it when `tokenScopes` is non-empty.
    public func createUser(
        in resource: CommunicationResource,
        tokenScopes: [String]?,
        expiresInMinutes: Int?
    ) async throws -> (AcsUser, IssuedAccessToken?) {
        let wantsToken = !(tokenScopes ?? []).isEmpty
        let scopes = wantsToken ? try TokenScope.parse(tokenScopes, field: "createTokenWithScopes") : []
        let lifetime = try Self.lifetime(expiresInMinutes)
        try limit(wantsToken ? .createUserAndToken : .createIdentity, resource)

        let now = clock.now()
        let user = AcsUser(rawId: AcsUserId.make(resource: resource.immutableId, id: ids.uuid()), resourceId: resource.immutableId, createdAt: now)
        try await store.insertUser(user, event: event(.userCreated, user, now))
        let token = wantsToken ? try await tokens.mint(for: user, scopes: scopes, now: now, lifetime: lifetime) : nil
        return (user, token)
    }

    /// Issues a token for an existing user of `resource`.
    public func issueToken(
        for rawId: String,
        in resource: CommunicationResource,
        scopes requested: [String]?,
        expiresInMinutes: Int?
    ) async throws -> IssuedAccessToken {
        let scopes = try TokenScope.parse(requested, field: "scopes")
        let lifetime = try Self.lifetime(expiresInMinutes)
        try limit(.issueAccessToken, resource)
        let user = try await existingUser(rawId, in: resource)
        return try await tokens.mint(for: user, scopes: scopes, now: clock.now(), lifetime: lifetime)
    }

    /// Invalidates every token issued to the user so far. Tokens issued afterwards work.
    public func revokeTokens(of rawId: String, in resource: CommunicationResource) async throws {
        try limit(.revokeAccessToken, resource)
        let user = try await existingUser(rawId, in: resource)
        guard try await store.revokeTokens(of: user.rawId, event: event(.userTokensRevoked, user, clock.now())) != nil else {
            throw Self.notFound(rawId)
        }
    }

    /// Deletes the user; its tokens stop working at once.
    public func deleteUser(_ rawId: String, in resource: CommunicationResource) async throws {
        try limit(.deleteIdentity, resource)
        let user = try await existingUser(rawId, in: resource)
        guard try await store.deleteUser(user.rawId, event: event(.userDeleted, user, clock.now())) else {
            throw Self.notFound(rawId)
        }
    }

    /// Establishes who a user access token belongs to, checking signature, expiry, resource,
    /// user and revocation. Every failure is the same 401, so nothing leaks about why.
    public func authenticate(accessToken: String) async throws -> AuthenticatedUser {
        let claims = try await tokens.verifiedClaims(of: accessToken)
        let invalid = ParleyError(.unauthenticated, wireCode: "InvalidAccessToken", "Provided access token is not valid.")
        let now = clock.now()
        guard TimeInterval(claims.exp) > now.timeIntervalSince1970 else {
            throw ParleyError(.unauthenticated, wireCode: "InvalidAccessToken", "Provided access token has expired.")
        }
        guard let resourceId = UUID(uuidString: claims.resourceId) else { throw invalid }
        let user: AcsUser
        if claims.skypeid.hasPrefix("orgid:") {
            // A Teams user's exchanged token (TeamsTokenExchange): valid while the person exists.
            guard let oid = UUID(uuidString: String(claims.skypeid.dropFirst("orgid:".count))),
                let person = try await store.orgUser(id: oid),
                try await store.resource(immutableId: resourceId) != nil
            else { throw invalid }
            user = AcsUser(rawId: person.rawId, resourceId: resourceId, createdAt: person.createdAt)
        } else {
            // An app user exists only within its resource, so finding the user checks both.
            guard let found = try await store.user(rawId: "8:" + claims.skypeid), found.resourceId == resourceId, found.tokenGeneration == claims.gen
            else { throw invalid }
            user = found
        }
        let scopes = Set(claims.acsScope.split(separator: ",").compactMap { TokenScope(rawValue: String($0)) })
        return AuthenticatedUser(user: user, scopes: scopes, expiresOn: Date(timeIntervalSince1970: TimeInterval(claims.exp)))
    }

    // MARK: Rules

    /// The user `rawId` if it exists in `resource`. A well-formed id of another resource is a
    /// 404 like any unknown id: one resource never learns about another's users.
    private func existingUser(_ rawId: String, in resource: CommunicationResource) async throws -> AcsUser {
        let owner = try AcsUserId.resource(of: rawId)
        guard owner == resource.immutableId, let user = try await store.user(rawId: rawId), user.resourceId == resource.immutableId else {
            throw Self.notFound(rawId)
        }
        return user
    }

    private static func lifetime(_ minutes: Int?) throws(ParleyError) -> TimeInterval {
        let minutes = minutes ?? defaultTokenLifetimeMinutes
        guard tokenLifetimeMinutes.contains(minutes) else {
            throw ParleyError(
                .validation,
                "ExpiresInMinutes value \(minutes) is invalid. Value must be within the [\(tokenLifetimeMinutes.lowerBound), \(tokenLifetimeMinutes.upperBound)] interval.",
                target: "ExpiresInMinutes"
            )
        }
        return TimeInterval(minutes * 60)
    }

    private static func notFound(_ rawId: String) -> ParleyError {
        ParleyError(.notFound, "Identity '\(rawId)' was not found.", target: "id")
    }

    private func limit(_ operation: IdentityOperation, _ resource: CommunicationResource) throws(ParleyError) {
        try rateLimiter?.consume("identity.\(operation.rawValue).\(resource.immutableIdString)", rule: operation.rule)
    }

    private func event(_ kind: DomainEvent.Kind, _ user: AcsUser, _ now: Date) -> DomainEvent {
        DomainEvent(kind: kind, resourceId: user.resourceId.uuidString.lowercased(), subject: user.rawId, occurredAt: now)
    }
}
