import Foundation
import Logging
import ParleyAPI
import ParleyCore
import ParleySQLite

/// What a start of Parley sets up before it listens: the data directory, TLS material, the
/// store, the server's keys and the default resource. Everything is created on first start and
/// reused after.
public struct ParleyEnvironment: Sendable {
    public let configuration: ParleyConfiguration
    public let store: any ParleyStore
    public let identities: IdentityService
    public let chat: ChatService
    public let directory: DirectoryService
    public let orgSignIn: OrgSignInService
    public let teamsTokenExchange: TeamsTokenExchange
    /// STUN/TURN servers and short-lived TURN credentials (ACS Network Traversal; calls).
    public let relay: RelayCredentialIssuer
    public let resources: ResourceService
    /// Role assignments of app registrations on resources (the operator's grants).
    public let roleAssignments: RoleAssignmentService
    /// Who a Microsoft Entra ID bearer token lets act on which resource.
    public let resourceAccess: ResourceAccess
    /// The backend of Parley's web app (docs/webapp.md).
    public let webApp: WebAppService
    public let adminKey: String
    public let defaultResource: CommunicationResource
    /// The demo organization, when seeded.
    public let demo: DemoSeed?
    /// The server's clock: the development clock in development mode, else the real one.
    public let clock: any WallClock
    /// The real clock: what `x-ms-date` is checked against, even when the server's clock was moved.
    let realClock: any WallClock
    /// Fault injection, the controllable clock and snapshots; nil unless in development mode.
    public let development: DevelopmentTools?
    /// Where clients reach this server (known for sure once it listens).
    let endpoint: ServerEndpoint
    /// Real-time delivery of events to WebSocket clients.
    let realtime: RealtimeGateway
    /// Call signalling over the real-time connections.
    public let calls: CallService
    /// Event Grid-style subscriptions of the resources, and their validation handshakes.
    public let eventSubscriptions: EventSubscriptionService
    /// Delivery of events to the subscriptions' webhooks.
    let eventDelivery: EventDeliveryService
    let deadLetters: DeadLetterDirectory
    /// The data directory's absolute path.
    public let dataDirectory: String
    let files: DataDirectory
    /// Nil when serving plain HTTP.
    let tls: ServerTLS?

    /// Names of the secrets kept in the store.
    enum SecretName {
        static let tokenSigningKey = "token-signing-key"
        static let adminKey = "admin-key"
        static let orgTokenSigningKey = "org-token-signing-key"
        /// Makes Event Grid event ids unique to this installation.
        static let eventIdNamespace = "event-id-namespace"
        static let incomingCallContextKey = "incoming-call-context-key"
    }

    /// - Parameter clock: the real clock (development mode puts its controllable clock on top).
    public static func bootstrap(
        configuration: ParleyConfiguration,
        clock realClock: any WallClock = SystemWallClock(),
        ids: any IdentifierGenerator = RandomIdentifierGenerator()
    ) async throws -> ParleyEnvironment {
        try configuration.validate()
        let developmentClock = configuration.development.enabled ? DevelopmentClock(base: realClock) : nil
        let clock: any WallClock = developmentClock ?? realClock
        let faults = developmentClock.map { DevelopmentTools.faultInjector(clock: $0, ids: ids) }
        let files = try DataDirectory(path: configuration.dataDirectory)
        let tls = configuration.plaintext ? nil : try ServerTLS.prepare(in: files, host: configuration.host, now: realClock.now())
        let store: any ParleyStore =
            configuration.inMemory ? try SQLiteParleyStore() : try SQLiteParleyStore(path: files.databasePath, durability: configuration.durability)

        let signingKey = try await store.secret(named: SecretName.tokenSigningKey) { TokenAuthority.generateSigningKeyPEM() }
        let adminKey = try await store.secret(named: SecretName.adminKey) { SecretGenerator.base64Secret(byteCount: 32) }
        let resources = ResourceService(store: store, clock: clock, ids: ids)
        let rateLimiter = configuration.enforceRateLimits ? RateLimiter(clock: clock) : nil
        let tokens = try await TokenAuthority(signingKeyPEM: signingKey)
        let identities = IdentityService(
            store: store,
            tokens: tokens,
            clock: clock,
            ids: ids,
            rateLimiter: rateLimiter
        )
        let directory = DirectoryService(store: store, clock: clock, ids: ids)
        let orgSigningKey = try await store.secret(named: SecretName.orgTokenSigningKey) { TokenAuthority.generateSigningKeyPEM() }
        let orgSignIn = OrgSignInService(store: store, tokens: try await OrgTokenAuthority(signingKeyPEM: orgSigningKey), clock: clock, ids: ids)
        let defaultResource = try await resources.ensureDefault()
        let relay = try configuration.relay.issuer(files: files, clock: clock, ids: ids)
        let webApp = WebAppService(store: store, identities: identities, clock: clock, ids: ids)
        let demo =
            configuration.demo
            ? try await Self.seedDemo(
                directory: directory,
                signIn: orgSignIn,
                webApp: webApp,
                store: store,
                resource: defaultResource,
                publicEndpoint: configuration.publicEndpoint
            ) : nil
        let chat = ChatService(store: store, clock: clock, ids: ids, rateLimiter: rateLimiter, profile: configuration.interopProfile)
        let endpoint = ServerEndpoint(
            configuration.publicEndpoint ?? ServerEndpoint.format(scheme: configuration.scheme, host: configuration.host, port: configuration.port)
        )
        let realtime = RealtimeGateway(
            store: store,
            renderer: RealtimeEventRenderer(store: store, endpoint: endpoint),
            ephemeral: chat.ephemeralEvents,
            clock: clock,
            configuration: configuration.realtime,
            startPosition: try await store.eventLogBounds()?.last ?? 0,
            resyncFloor: try await (store as? any SnapshotStore)?.lastRestorePosition() ?? 0,
            logger: Logger(label: "parley.realtime")
        )
        let calls = CallService(
            store: store,
            clock: clock,
            ids: ids,
            profile: configuration.interopProfile,
            timeouts: configuration.calling.timeouts,
            iceServers: { rawId in
                ((try? relay.issue(forUser: rawId, routeType: .any))?.iceServers ?? []).map {
                    CallIceServer(urls: $0.urls, username: $0.username, credential: $0.credential)
                }
            },
            faults: faults
        )
        let interrupted = try await calls.endCallsOfPreviousRun()
        if interrupted > 0 { Logger(label: "parley.calls").notice("Ended \(interrupted) calls that were running when Parley last stopped (0/7000).") }

        // Events out: subscriptions, handshakes and delivery, over one HTTP client.
        let transport = try WebhookHTTPTransport(trusting: [tls?.caCertificatePath, configuration.events.webhookCAFile].compactMap { $0 })
        let deliveryTokens = WebhookTokenIssuer(signIn: orgSignIn, ids: ids, baseURL: { endpoint.url })
        let eventSubscriptions = EventSubscriptionService(
            store: store,
            clock: clock,
            ids: ids,
            transport: transport,
            tokens: deliveryTokens,
            allowPlainHttp: configuration.events.allowHttpWebhooks,
            validationURL: { id, code in
                "\(endpoint.url)\(EventSubscriptionsController.validationPath)?id=\(id.uuidString.lowercased())&code=\(code)&apiVersion=2018-05-01-preview"
            }
        )
        let namespace = try await store.secret(named: SecretName.eventIdNamespace) { UUID().uuidString.lowercased() }
        let contextKey = try await store.secret(named: SecretName.incomingCallContextKey) { SecretGenerator.base64Secret(byteCount: 32) }
        let deadLetters = DeadLetterDirectory(root: files.deadLetters)
        let eventDelivery = EventDeliveryService(
            store: store,
            subscriptions: eventSubscriptions,
            renderer: CommunicationEventRenderer(
                identity: EventIdentity(namespace: namespace),
                contexts: await IncomingCallContextSigner(secret: contextKey)
            ),
            transport: transport,
            tokens: deliveryTokens,
            sink: deadLetters,
            policy: DeliveryPolicy(maxDelay: configuration.events.maxRetryDelaySeconds),
            clock: clock,
            owner: try files.nodeId(),
            concurrency: configuration.events.deliveryConcurrency,
            faults: faults,
            logger: Logger(label: "parley.events")
        )
        var development: DevelopmentTools?
        if let developmentClock, let faults {
            development = DevelopmentTools(
                clock: developmentClock,
                faults: faults,
                snapshots: SnapshotService(
                    store: store,
                    dataDirectory: files.root,
                    directory: configuration.development.snapshotDirectory.map { URL(fileURLWithPath: $0, isDirectory: true) }
                        ?? files.root.appendingPathComponent("snapshots", isDirectory: true),
                    calls: calls,
                    realtime: realtime,
                    eventDelivery: eventDelivery,
                    clock: developmentClock,
                    realClock: realClock
                )
            )
            Self.followMoves(of: developmentClock, calls: calls, realtime: realtime, events: (eventSubscriptions, eventDelivery))
        }
        return ParleyEnvironment(
            configuration: configuration,
            store: store,
            identities: identities,
            chat: chat,
            directory: directory,
            orgSignIn: orgSignIn,
            teamsTokenExchange: TeamsTokenExchange(orgSignIn: orgSignIn, tokens: tokens, clock: clock),
            relay: relay,
            resources: resources,
            roleAssignments: RoleAssignmentService(store: store, resources: resources, clock: clock, ids: ids),
            resourceAccess: ResourceAccess(store: store, tokens: orgSignIn.authority, clock: clock),
            webApp: webApp,
            adminKey: adminKey,
            defaultResource: defaultResource,
            demo: demo,
            clock: clock,
            realClock: realClock,
            development: development,
            endpoint: endpoint,
            realtime: realtime,
            calls: calls,
            eventSubscriptions: eventSubscriptions,
            eventDelivery: eventDelivery,
            deadLetters: deadLetters,
            dataDirectory: files.root.path,
            files: files,
            tls: tls
        )
    }

    /// What waits on real time reacts when the development clock moves, before the move returns:
    /// ringing and grace periods end, connections whose token expired close, old events go, and
    /// manual validation windows that closed fail. Event deliveries whose retry, probation or
    /// time to live came due are woken (they run after the move returns: they wait on webhooks).
    private static func followMoves(
        of clock: DevelopmentClock,
        calls: CallService,
        realtime: RealtimeGateway,
        events: (subscriptions: EventSubscriptionService, delivery: EventDeliveryService)
    ) {
        let logger = Logger(label: "parley.dev")
        clock.whenMoved { calls.sweep() }
        clock.whenMoved { realtime.closeExpired() }
        clock.whenMoved {
            do {
                _ = try await events.subscriptions.failExpiredValidations()
            } catch {
                logger.error("Failing expired validations after a clock move failed: \(error)")
            }
            events.delivery.clockMoved()
        }
        clock.whenMoved {
            do {
                try await realtime.pruneEvents()
            } catch {
                logger.error("Pruning the event log after a clock move failed: \(error)")
            }
        }
    }

    /// Seeds the demo organization, and makes its people able to sign in at once: one client app
    /// and one password for all of them (random, kept in the store, printed at start). The web
    /// app is turned on for the default resource, and the demo app accepts the web app's address
    /// as a redirect URI (loopback, any port; and the public endpoint when there is one).
    private static func seedDemo(
        directory: DirectoryService,
        signIn: OrgSignInService,
        webApp: WebAppService,
        store: any ParleyStore,
        resource: CommunicationResource,
        publicEndpoint: String?
    ) async throws -> DemoSeed {
        let (tenant, users) = try await directory.seedDemo(for: resource)
        let password = try await store.secret(named: "demo-password") { "demo-" + SecretGenerator.base64Secret(byteCount: 9).filter(\.isLetter) }
        for user in users where try await store.passwordHash(of: user.id) == nil {
            try await signIn.setPassword(password, of: user.id, in: tenant.id)
        }
        var app = try await signIn.apps(in: tenant.id).first
        if app == nil { app = try await signIn.registerApp(in: tenant.id, displayName: "Parley demo client").0 }
        if var demoApp = app {
            let webAppAddresses =
                ["https://127.0.0.1/", "https://localhost/"] + (publicEndpoint.map { [$0.hasSuffix("/") ? $0 : $0 + "/"] } ?? [])
            let missing = webAppAddresses.filter { !demoApp.redirectUris.contains($0) }
            if !missing.isEmpty {
                demoApp = try await signIn.setRedirectURIs(demoApp.redirectUris + missing, of: demoApp.appId, in: tenant.id)
            }
            app = demoApp
        }
        if !resource.webAppEnabled { _ = try await webApp.setEnabled(true, of: resource.name) }
        let clientId = app?.appId.uuidString.lowercased() ?? ""
        return DemoSeed(tenant: tenant, users: users, clientId: clientId, password: password)
    }
}

/// What the demo seed made: the organization, its people, and how they sign in.
public struct DemoSeed: Sendable {
    public var tenant: Tenant
    public var users: [OrgUser]
    public var clientId: String
    public var password: String
}
