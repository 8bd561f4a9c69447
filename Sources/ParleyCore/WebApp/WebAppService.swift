import Crypto
import Foundation

/// The application backend Parley ships for its own web app, per resource and off by default:
/// what an ACS application's backend does for its users (sign them in, give them an identity
/// and tokens, help them find whom to talk to), in the simplest form that lets anyone try the
/// product. A production app replaces it with its own sign-in (docs/webapp.md).
public struct WebAppService: Sendable {
    /// Visitors' access tokens last an hour (the shortest ACS allows); the web app fetches a new
    /// one before that.
    public static let visitorTokenMinutes = 60
    /// The scopes a visitor's token carries.
    public static let visitorScopes = ["chat", "voip"]
    /// People search: the shortest and longest search text, and the most people returned.
    public static let searchLength = 2...64
    public static let searchLimit = 10

    private let store: any ParleyStore
    private let identities: IdentityService
    private let clock: any WallClock
    private let ids: any IdentifierGenerator

    public init(store: any ParleyStore, identities: IdentityService, clock: any WallClock, ids: any IdentifierGenerator = RandomIdentifierGenerator())
    {
        self.store = store
        self.identities = identities
        self.clock = clock
        self.ids = ids
    }

    // MARK: Operator

    /// Turns the web app backend of a resource on or off (`parley resources web-app enable`).
    public func setEnabled(_ enabled: Bool, of name: String) async throws -> CommunicationResource {
        let resource = try await ResourceService(store: store, clock: clock, ids: ids).resource(named: name)
        let event = DomainEvent(
            kind: .resourceWebAppUpdated,
            resourceId: resource.immutableIdString,
            subject: resource.name,
            occurredAt: clock.now(),
            data: ["enabled": String(enabled)]
        )
        guard let updated = try await store.setWebAppEnabled(enabled, of: resource.name, event: event) else {
            throw ParleyError(.notFound, "Resource '\(name)' was not found.", target: "name")
        }
        return updated
    }

    /// The resources whose web app is on, oldest first.
    public func enabledResources() async throws -> [CommunicationResource] {
        try await store.resources().filter(\.webAppEnabled)
    }

    // MARK: Visitors

    /// A visitor joins resource `name` under `displayName`: a new app user with a `chat, voip`
    /// token, and a session key (returned once, kept only as a hash) to get fresh tokens with.
    public func join(resource name: String, displayName: String) async throws -> (WebVisitor, sessionKey: String, IssuedAccessToken) {
        let resource = try await servingResource(name)
        let name = displayName.trimmingCharacters(in: .whitespacesAndNewlines)
        guard (1...64).contains(name.count), !name.unicodeScalars.contains(where: { CharacterSet.controlCharacters.contains($0) }) else {
            throw ParleyError(.validation, "Pick a name of 1 to 64 characters.", target: "displayName")
        }
        let now = clock.now()
        let user = AcsUser(rawId: AcsUserId.make(resource: resource.immutableId, id: ids.uuid()), resourceId: resource.immutableId, createdAt: now)
        let visitor = WebVisitor(rawId: user.rawId, resourceId: resource.immutableId, displayName: name, joinedAt: now)
        let key = OrgSignInService.randomToken()
        try await store.insertWebVisitor(
            visitor,
            user: user,
            sessionHash: OrgSignInService.tokenHash(key),
            events: [
                DomainEvent(kind: .userCreated, resourceId: resource.immutableIdString, subject: user.rawId, occurredAt: now),
                DomainEvent(kind: .webVisitorJoined, resourceId: resource.immutableIdString, subject: user.rawId, occurredAt: now),
            ]
        )
        return (visitor, key, try await token(for: visitor, in: resource))
    }

    /// A fresh token for the visitor whose session key this is, while the resource's web app is
    /// on. An unknown or ended session is a 401.
    public func refresh(sessionKey: String) async throws -> (WebVisitor, CommunicationResource, IssuedAccessToken) {
        guard let visitor = try await store.webVisitor(sessionHash: OrgSignInService.tokenHash(sessionKey)),
            let resource = try await store.resource(immutableId: visitor.resourceId)
        else {
            throw ParleyError(.unauthenticated, wireCode: "NoVisitorSession", "You have not joined, or your visit has ended: join again.")
        }
        guard resource.webAppEnabled else { throw Self.disabled(resource.name) }
        return (visitor, resource, try await token(for: visitor, in: resource))
    }

    /// Ends the visitor's session (the app user and its chats stay). Unknown keys change nothing.
    public func leave(sessionKey: String) async throws {
        let hash = OrgSignInService.tokenHash(sessionKey)
        guard let visitor = try await store.webVisitor(sessionHash: hash) else { return }
        _ = try await store.endWebVisitorSession(
            hash: hash,
            event: DomainEvent(
                kind: .webVisitorLeft,
                resourceId: visitor.resourceId.uuidString.lowercased(),
                subject: visitor.rawId,
                occurredAt: clock.now()
            )
        )
    }

    // MARK: People

    /// The people an app user of resource `name` may chat with, found by the start of their
    /// name (or of a word of it), user principal name or mail: only people of organizations
    /// that admit the resource and whose own policy allows app users (the interop gate for chat),
    /// so no organization's directory shows to a resource it has not allowed.
    public func people(matching text: String, for caller: AuthenticatedUser, resource name: String) async throws -> [ReachablePerson] {
        let resource = try await servingResource(name)
        guard caller.user.resourceId == resource.immutableId else {
            throw ParleyError(.forbidden, wireCode: "Forbidden", "Your access token belongs to another resource.")
        }
        guard caller.has(.chat) else {
            throw ParleyError(.forbidden, wireCode: "InsufficientScope", "Finding people needs a token with the chat scope.")
        }
        let query = text.trimmingCharacters(in: .whitespaces)
        guard Self.searchLength.contains(query.count) else {
            throw ParleyError(
                .validation,
                "Type \(Self.searchLength.lowerBound) to \(Self.searchLength.upperBound) characters of a name or email address.",
                target: "search"
            )
        }
        let tenants = try await store.tenants().filter { InteropGate.checkTenant(resource: resource.immutableId, tenant: $0) == nil }
        guard !tenants.isEmpty else { return [] }
        var policies: [UUID: [String: ExternalAccessPolicy]] = [:]
        for tenant in tenants {
            policies[tenant.id] = Dictionary(
                try await store.policies(in: tenant.id).map { ($0.identity, $0) },
                uniquingKeysWith: { first, _ in first }
            )
        }
        let byId = Dictionary(tenants.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
        // Read more than needed: some may be refused by their own policy.
        let candidates = try await store.searchOrgUsers(query, in: tenants.map(\.id), limit: Self.searchLimit * 5)
        return candidates.compactMap { user -> ReachablePerson? in
            guard let tenant = byId[user.tenantId],
                InteropGate.check(resource: resource.immutableId, user: user, tenant: tenant, policies: policies[tenant.id] ?? [:], purpose: .chat)
                    == nil
            else { return nil }
            return ReachablePerson(user: user, organization: tenant.displayName)
        }
        .prefix(Self.searchLimit).map { $0 }
    }

    // MARK: Organization sign-in

    /// The organization with this domain and the app registration the web app signs its people
    /// in with: the first whose redirect URIs include `redirectUri` (the web app's own address).
    public func signInClient(domain: String, redirectUri: String) async throws -> (Tenant, TenantApp) {
        let domain = domain.trimmingCharacters(in: .whitespaces).lowercased()
        guard let tenant = try await store.tenants().first(where: { $0.domain == domain }) else {
            throw ParleyError(.notFound, wireCode: "OrganizationNotFound", "No organization uses the domain \(domain) here.", target: "domain")
        }
        guard let app = try await store.apps(in: tenant.id).first(where: { RedirectURI.matches(redirectUri, anyOf: $0.redirectUris) }) else {
            throw ParleyError(
                .notFound,
                wireCode: "WebAppNotRegistered",
                "\(tenant.displayName) has not registered this web app: an administrator adds \(redirectUri) as a redirect URI of one of its app registrations.",
                target: "domain"
            )
        }
        return (tenant, app)
    }

    // MARK: Rules

    private func servingResource(_ name: String) async throws -> CommunicationResource {
        guard let resource = try await store.resource(named: name) else {
            throw ParleyError(.notFound, wireCode: "WebAppNotEnabled", "There is no web app for '\(name)' here.", target: "resource")
        }
        guard resource.webAppEnabled else { throw Self.disabled(name) }
        return resource
    }

    private static func disabled(_ name: String) -> ParleyError {
        ParleyError(.notFound, wireCode: "WebAppNotEnabled", "There is no web app for '\(name)' here.", target: "resource")
    }

    private func token(for visitor: WebVisitor, in resource: CommunicationResource) async throws -> IssuedAccessToken {
        try await identities.issueToken(for: visitor.rawId, in: resource, scopes: Self.visitorScopes, expiresInMinutes: Self.visitorTokenMinutes)
    }
}
