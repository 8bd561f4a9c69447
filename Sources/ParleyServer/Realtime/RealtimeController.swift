import Foundation
import Hummingbird
import HummingbirdCore
import Logging
import NIOCore
import ParleyAPI
import ParleyCore

/// The real-time WebSocket endpoint: admits a connection by the caller's token (header or
/// query), sets up its channel handler, replays what the client missed, then leaves the live
/// events to the handler until the client leaves or the server closes the connection with a
/// documented code.
struct RealtimeController: Sendable {
    let gateway: RealtimeGateway
    let calls: CallService
    let authenticator: RealtimeAuthenticator
    /// Fault rules (development mode) for upgrades (`realtime`) and calling requests (`calling`).
    let faults: FaultInjector?
    let ids: any IdentifierGenerator
    let handlerConfiguration: RealtimeChannelHandler.Configuration

    /// Requests to the endpoint that were not upgraded (a refused token or position, or a plain
    /// GET) get the refusal, or a pointer to the upgrade, in the ACS error envelope.
    func addRoutes(to router: Router<ParleyRequestContext>) {
        router.group(RouterPath(RealtimeProtocol.path))
            .add(middleware: RealtimeAuthenticationMiddleware(authenticator: authenticator))
            .get { _, _ -> Response in
                throw ParleyError(
                    .badRequest,
                    wireCode: "UpgradeRequired",
                    "The real-time endpoint is a WebSocket: open it with an upgrade request as the first request of a connection."
                )
            }
    }

    /// Whether `target` is the real-time endpoint's path (with or without a query).
    static func isEndpoint(_ target: String) -> Bool {
        let path = target.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false).first ?? ""
        return path == "/" + RealtimeProtocol.path
    }

    /// The admission of an upgrade request, or why it is refused.
    func admit(authorization: String?, target: String) async -> Result<RealtimeAuthenticator.Admission, RealtimeRefusal> {
        let admission: RealtimeAuthenticator.Admission
        do {
            admission = try await authenticator.admit(authorization: authorization, uri: URI(target))
        } catch let error as ParleyError {
            return .failure(RealtimeRefusal(error))
        } catch {
            return .failure(RealtimeRefusal(ParleyError(.unavailable, "The caller could not be authenticated; try again.")))
        }
        guard let faults, faults.hasRules(for: .realtime) else { return .success(admission) }
        let request = FaultRequest(
            api: .realtime,
            method: "GET",
            path: "/" + RealtimeProtocol.path,
            resources: admission.identity.callAgent?.party.resourceId.map { [$0.uuidString.lowercased()] } ?? [],
            identity: admission.identity.rawId
        )
        switch faults.fault(for: request) {
        case .respond(let status, let code, let message, let retryAfter):
            return .failure(
                RealtimeRefusal(
                    status: HTTPResponse.Status(code: status),
                    body: CommunicationErrorResponse(error: .init(code: code, message: message)),
                    retryAfterSeconds: retryAfter
                )
            )
        case .delay(let milliseconds):
            try? await Task.sleep(for: .milliseconds(milliseconds))
            return .success(admission)
        case .close:
            var refusal = RealtimeRefusal(ParleyError(.unavailable, "Injected fault: the connection closes."))
            refusal.closesWithoutAnswer = true
            return .failure(refusal)
        case .endCall, .noAnswer, .decline, nil:
            return .success(admission)
        }
    }

    /// Adds the connection's handler to an upgraded channel (on its event loop).
    func attach(_ admission: RealtimeAuthenticator.Admission, to channel: any Channel, logger: Logger) throws -> RealtimeConnection {
        let handler = RealtimeChannelHandler(configuration: handlerConfiguration, logger: logger)
        let calls = self.calls
        let gateway = self.gateway
        let connection = RealtimeConnection(
            id: ids.uuid().uuidString.lowercased(),
            identity: admission.identity,
            queueLimit: gateway.configuration.queueLimit,
            writer: NIOLoopBound(handler, eventLoop: channel.eventLoop),
            serve: { [faults] connection, message in
                await RealtimeRequestHandler(calls: calls, session: connection.callSession, connection: connection, faults: faults).handle(message)
            },
            onEnd: { connection, callSession in
                gateway.remove(connection)
                if let callSession { calls.sessionEnded(callSession) }
            }
        )
        handler.connection = connection
        try channel.pipeline.syncOperations.addHandler(handler)
        return connection
    }

    /// Registers the connection and writes its opening: `hello`, the events after `after` (or
    /// `resyncRequired`), `caughtUp`. Live frames follow from the channel handler.
    func open(_ connection: RealtimeConnection, after: Int64?, logger: Logger) async {
        do {
            let dispatched = try await gateway.register(connection)
            if connection.hasEnded {
                // Closed while registering: the handler's clean-up may have run before.
                gateway.remove(connection)
                return
            }
            logger.debug("Real-time connection \(connection.id) opened for \(connection.identity.rawId).")
            try await connection.sendOpening([
                try RealtimeFrame(
                    .hello(
                        RealtimeHello(
                            connectionId: connection.id,
                            identity: ChatWire.identifier(connection.identity.rawId),
                            position: dispatched,
                            retentionSeconds: gateway.configuration.retentionSeconds,
                            pingIntervalSeconds: gateway.configuration.pingIntervalSeconds
                        )
                    )
                )
            ])
            var lastSent = dispatched
            if let after {
                lastSent = max(after, dispatched)
                switch try await gateway.resumption(after: after, dispatched: dispatched) {
                case .replay(let from, let upTo):
                    try await gateway.replay(to: connection, after: from, upTo: upTo, send: connection.sendOpening)
                case .live:
                    break
                case .resync(let reason):
                    lastSent = dispatched
                    try await connection.sendOpening([
                        try RealtimeFrame(.resyncRequired(RealtimeResync(position: dispatched, reason: reason)))
                    ])
                }
            }
            try await connection.sendOpening([try RealtimeFrame(.caughtUp(position: lastSent))])
            connection.goLive(after: lastSent)
        } catch {
            // The channel closed (nothing to do), or the log could not be read: the client
            // reconnects and resumes.
            if !connection.hasEnded {
                logger.error("Opening real-time connection \(connection.id) failed: \(error)")
                connection.requestClose(.goingAway)
            }
        }
    }
}

/// Why an upgrade to the real-time endpoint is not served: the status and error envelope to
/// answer with, or (a fault) no answer at all.
struct RealtimeRefusal: Error, Sendable {
    var status: HTTPResponse.Status
    var body: CommunicationErrorResponse
    var retryAfterSeconds: Int?
    /// Close the connection without answering (a fault, in development mode).
    var closesWithoutAnswer = false

    init(status: HTTPResponse.Status, body: CommunicationErrorResponse, retryAfterSeconds: Int? = nil) {
        self.status = status
        self.body = body
        self.retryAfterSeconds = retryAfterSeconds
    }

    init(_ error: ParleyError) {
        self.init(
            status: ErrorEnvelopeMiddleware.status(for: error.code),
            body: ErrorEnvelopeMiddleware.envelope(for: error),
            retryAfterSeconds: error.retryAfterSeconds
        )
    }

    /// For logs.
    var code: String { body.error.code }
}
