import Foundation
import Hummingbird
import HummingbirdCore
import HummingbirdTLS
import Logging
import NIOCore
import ParleyAPI
import ParleyCore

/// Builds the Parley application from a bootstrapped environment.
///
/// - Parameters:
///   - environment: the store, services and keys of this start.
///   - logger: the server's logger.
///   - onReady: called once the server listens, with what clients need to connect.
public func buildApplication(
    environment: ParleyEnvironment,
    logger: Logger,
    onReady: @escaping @Sendable (ServerReadyInfo) async -> Void = { _ in }
) throws -> some ApplicationProtocol {
    let configuration = environment.configuration
    let endpoint = environment.endpoint
    let realtime = realtimeController(environment: environment)
    let router = buildRouter(environment: environment, endpoint: endpoint, realtime: realtime)
    let http1 = HTTP1Channel.Configuration(additionalChannelHandlers: [OpenConnectionCounter()], idleTimeout: .seconds(120))
    let tlsConfiguration = environment.tls?.configuration
    let firstRequestDeadline = TimeAmount.seconds(Int64(configuration.firstRequestTimeoutSeconds))
    // HTTP/1 with the real-time WebSocket upgrade, behind TLS, with a deadline for the first
    // request (see FirstRequestDeadlineHandler).
    let server = HTTPServerBuilder { responder in
        let upgrading = FirstRequestDeadlineChannel(
            base: RealtimeUpgradeChannel(responder: responder, realtime: realtime, http1: http1),
            deadline: firstRequestDeadline
        )
        guard let tlsConfiguration else { return upgrading }
        return try TLSChannel(upgrading, tlsConfiguration: tlsConfiguration)
    }
    return Application(
        router: router,
        server: server,
        configuration: .init(address: .hostname(configuration.host, port: configuration.port), serverName: "Parley"),
        services: [environment.realtime, CallHousekeeping(calls: environment.calls), environment.eventDelivery],
        onServerRunning: { channel in
            let port = channel.localAddress?.port ?? configuration.port
            if configuration.publicEndpoint == nil {
                endpoint.set(ServerEndpoint.format(scheme: configuration.scheme, host: configuration.host, port: port))
            }
            let visitors = (try? await environment.webApp.enabledResources().map(\.name)) ?? []
            await onReady(environment.readyInfo(endpoint: endpoint.url, port: port, webAppResources: visitors))
        },
        logger: logger
    )
}

/// The routes of every API, with their authentication.
func buildRouter(environment: ParleyEnvironment, endpoint: ServerEndpoint, realtime: RealtimeController) -> Router<ParleyRequestContext> {
    ParleyMetrics.bootstrap()
    let configuration = environment.configuration
    let router = Router(context: ParleyRequestContext.self)
    router.add(middleware: LogRequestsMiddleware(.debug))
    router.add(middleware: MetricsMiddleware())
    router.add(middleware: RequestIdMiddleware())
    router.add(middleware: ErrorEnvelopeMiddleware())

    OperationsController(developmentMode: environment.development != nil).addRoutes(to: router)
    // In development mode, each API's routes get the fault rules after their authentication.
    let faultInjector = environment.development?.faults
    let store = environment.store
    func faults(_ api: FaultAPI) -> [any MiddlewareProtocol<Request, Response, ParleyRequestContext>] {
        guard let faultInjector else { return [] }
        return [FaultInjectionMiddleware(api: api, faults: faultInjector) { id in try? await store.resource(immutableId: id)?.name }]
    }

    let publicHosts =
        configuration.publicEndpoint.flatMap { URL(string: $0) }.map { url in
            [url.host.map { host in url.port.map { "\(host):\($0)" } ?? host }].compactMap { $0 }
        } ?? []
    let authentication = ResourceAuthenticationMiddleware(
        hmac: HMACAuthenticator(clock: environment.realClock, clockSkew: TimeInterval(configuration.clockSkewSeconds), publicHosts: publicHosts),
        access: environment.resourceAccess,
        resources: environment.resources,
        maxBodyBytes: configuration.maxBodyBytes
    )
    let identity = IdentityController(
        identities: environment.identities,
        exchange: environment.teamsTokenExchange,
        maxBodyBytes: configuration.maxBodyBytes
    )
    ResourceEndpoints.mount(
        on: router,
        apiVersions: IdentityController.apiVersions,
        authentication: authentication,
        faults: faults(.identity),
        identity.addRoutes
    )
    let relay = NetworkTraversalController(
        relay: RelayService(issuer: environment.relay, store: environment.store),
        maxBodyBytes: configuration.maxBodyBytes
    )
    ResourceEndpoints.mount(
        on: router,
        apiVersions: NetworkTraversalController.apiVersions,
        authentication: authentication,
        faults: faults(.relay),
        relay.addRoutes
    )
    let recording = CallRecordingController(calls: environment.calls, maxBodyBytes: configuration.maxBodyBytes)
    ResourceEndpoints.mount(
        on: router,
        apiVersions: CallRecordingController.apiVersions,
        authentication: authentication,
        faults: faults(.callRecording),
        recording.addRoutes
    )

    ChatController(chat: environment.chat, endpoint: endpoint, maxBodyBytes: configuration.maxBodyBytes)
        .addRoutes(
            to: router.group("chat/threads")
                .add(middleware: ApiVersionMiddleware(supported: ChatController.apiVersions))
                .add(middleware: UserTokenMiddleware(identities: environment.identities))
                .add(middlewares: faults(.chat))
        )

    TokenController()
        .addRoutes(
            to: router.group("parley/v1").add(middleware: UserTokenMiddleware(identities: environment.identities)).add(middlewares: faults(.parley))
        )

    let admin = router.group("admin").add(middleware: AdminKeyMiddleware(adminKey: environment.adminKey))
    AdminController(resources: environment.resources, webApp: environment.webApp, endpoint: endpoint, maxBodyBytes: configuration.maxBodyBytes)
        .addRoutes(to: admin)
    RoleAssignmentsController(
        assignments: environment.roleAssignments,
        resources: environment.resources,
        endpoint: endpoint,
        maxBodyBytes: configuration.maxBodyBytes
    )
    .addRoutes(to: admin)
    DirectoryAdminController(directory: environment.directory, signIn: environment.orgSignIn, maxBodyBytes: configuration.maxBodyBytes)
        .addRoutes(to: admin)
    if let tools = environment.development {
        DevelopmentController(tools: tools, calls: environment.calls, realtime: environment.realtime, maxBodyBytes: configuration.maxBodyBytes)
            .addRoutes(to: admin)
    }
    let events = EventSubscriptionsController(
        resources: environment.resources,
        subscriptions: environment.eventSubscriptions,
        store: environment.store,
        deadLetters: environment.deadLetters,
        maxBodyBytes: configuration.maxBodyBytes
    )
    events.addRoutes(to: admin)
    events.addValidationRoute(to: router)

    OAuthController(signIn: environment.orgSignIn, configuration: configuration, maxBodyBytes: configuration.maxBodyBytes)
        .addRoutes(to: router.group().add(middlewares: faults(.oauth)))
    let browser = BrowserSecurityHeaders(publicEndpoint: configuration.publicEndpoint, scheme: configuration.scheme)
    AuthorizationController(signIn: environment.orgSignIn, security: browser, maxBodyBytes: configuration.maxBodyBytes)
        .addRoutes(to: router.group().add(middlewares: faults(.oauth)))
    webAppController(security: browser).addRoutes(to: router)
    WebAppBackendController(
        webApp: environment.webApp,
        identities: environment.identities,
        security: browser,
        interopProfile: configuration.interopProfile,
        maxBodyBytes: configuration.maxBodyBytes
    )
    .addRoutes(to: router.group("webapp/v1").add(middlewares: faults(.webApp)))
    let graph = router.group("v1.0").add(middleware: OrgTokenMiddleware(signIn: environment.orgSignIn)).add(middlewares: faults(.graph))
    GraphUsersController(directory: environment.directory, endpoint: endpoint).addRoutes(to: graph)
    GraphChatsController(chat: environment.chat, directory: environment.directory, endpoint: endpoint, maxBodyBytes: configuration.maxBodyBytes)
        .addRoutes(to: graph)
    realtime.addRoutes(to: router)
    return router
}

/// The web app's pages, or (when its files are missing next to the binary) a controller that
/// answers 404 and says why in the log.
func webAppController(security: BrowserSecurityHeaders) -> WebAppController {
    do {
        return try WebAppController(security: security)
    } catch {
        Logger(label: "parley.webapp").error(
            "The web app's files were not found beside the parley binary (parley_ParleyWebApp.resources); / answers 404.",
            metadata: ["error.message": "\(error)"]
        )
        return WebAppController(files: [:], security: security)
    }
}

/// The real-time endpoint: its upgrade, its connections, and its refusals.
func realtimeController(environment: ParleyEnvironment) -> RealtimeController {
    RealtimeController(
        gateway: environment.realtime,
        calls: environment.calls,
        authenticator: RealtimeAuthenticator(identities: environment.identities, orgSignIn: environment.orgSignIn),
        faults: environment.development?.faults,
        ids: RandomIdentifierGenerator(),
        handlerConfiguration: .init(
            pingInterval: .seconds(Int64(environment.configuration.realtime.pingIntervalSeconds)),
            closeTimeout: .seconds(10),
            maxMessageBytes: RealtimeProtocol.maxClientFrameBytes
        )
    )
}

extension ParleyEnvironment {
    /// The ready document for a server listening at `endpoint`.
    func readyInfo(endpoint: String, port: Int, webAppResources: [String] = []) -> ServerReadyInfo {
        let caPath = tls?.caCertificatePath
        return ServerReadyInfo(
            url: String(endpoint.dropLast()),
            port: port,
            caCertificatePath: caPath,
            connectionString: defaultResource.connectionString(endpoint: endpoint),
            resource: .init(
                id: defaultResource.name,
                immutableResourceId: defaultResource.immutableIdString,
                endpoint: endpoint,
                resourceEndpoint: ResourceEndpoints.url(of: defaultResource, server: endpoint)
            ),
            adminKey: adminKey,
            dataDirectory: dataDirectory,
            developmentMode: development != nil ? true : nil,
            environment: caPath.map { ["REQUESTS_CA_BUNDLE": $0, "SSL_CERT_FILE": $0] } ?? [:],
            demoOrganization: demo.map { demo in
                .init(
                    tenantId: demo.tenant.id.uuidString.lowercased(),
                    domain: demo.tenant.domain,
                    users: demo.users.map(DirectoryAdminController.model),
                    clientId: demo.clientId,
                    password: demo.password
                )
            },
            relay: relayReadyInfo,
            webApp: .init(url: endpoint, visitorResources: webAppResources)
        )
    }

    /// Writes the ready document to the data directory (for the CLI) and to `readyFile`.
    public func publish(_ info: ServerReadyInfo) throws {
        let data = try ParleyJSON.encoder().encode(info)
        try DataDirectory.write(data, to: files.readyDocumentPath, secret: true)
        if let readyFile = configuration.readyFile {
            try DataDirectory.write(data, to: readyFile, secret: true)
        }
    }
}
