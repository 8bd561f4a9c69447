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
    func admit(authorization: String?, target: String) async -> Result<RealtimeAuthenticator.Admission, ParleyError> {
        do {
            return .success(try await authenticator.admit(authorization: authorization, uri: URI(target)))
        } catch let error as ParleyError {
            return .failure(error)
        } catch {
            return .failure(ParleyError(.unavailable, "The caller could not be authenticated; try again."))
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
            serve: { connection, message in
                await RealtimeRequestHandler(calls: calls, session: connection.callSession, connection: connection).handle(message)
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
