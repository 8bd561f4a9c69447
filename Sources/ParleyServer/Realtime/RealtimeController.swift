import Foundation
import Hummingbird
import HummingbirdWebSocket
import Logging
import NIOCore
import NIOWebSocket
import ParleyAPI
import ParleyCore

/// The real-time WebSocket endpoint: authenticates the caller's token (header or query), replays
/// what the client missed, then streams live events until the client leaves or the server closes
/// the connection with a documented code.
struct RealtimeController {
    let gateway: RealtimeGateway
    let calls: CallService
    let identities: IdentityService
    let orgSignIn: OrgSignInService
    let ids: any IdentifierGenerator

    func addRoutes(to router: Router<ParleyRequestContext>) {
        // The token is checked once, before upgrading, so clients get an HTTP status and the
        // error envelope; the connection then runs as the identity it established.
        router.group(RouterPath(RealtimeProtocol.path))
            .add(middleware: RealtimeAuthenticationMiddleware(identities: identities, orgSignIn: orgSignIn))
            .ws { request, _ in
                _ = try Self.position(request)
                return .upgrade([:])
            } onUpgrade: { inbound, outbound, context in
                guard let identity = context.requestContext.realtimeIdentity else {
                    throw ParleyError(.internal, "The real-time route is missing authentication.")
                }
                let after = try Self.position(context.request)
                try await serve(identity, after: after, inbound: inbound, outbound: outbound, logger: context.logger)
            }
    }

    private func serve(
        _ identity: RealtimeIdentity,
        after: Int64?,
        inbound: WebSocketInboundStream,
        outbound: WebSocketOutboundWriter,
        logger: Logger
    ) async throws {
        let connectionId = ids.uuid().uuidString.lowercased()
        let (connection, dispatched) = try await gateway.open(identity, id: connectionId)
        defer { gateway.remove(connection) }
        let allocator = ByteBufferAllocator()
        func send(_ frame: RealtimeFrame) async throws {
            let buffer = frame.bytes(recipient: connection.recipient, allocator: allocator)
            try await outbound.write(.custom(WebSocketFrame(fin: true, opcode: .text, data: buffer)))
        }

        // Reading keeps control frames (pong, close) flowing and serves the client's requests
        // (calling), one at a time and in order. When the client leaves, its stream of frames
        // ends, and so does the loop below.
        let session = identity.callAgent.map { CallSession(agent: $0, sink: connection) }
        let reader = Task {
            defer {
                connection.clientLeft()
                if let session { calls.sessionEnded(session) }
            }
            for try await message in inbound.messages(maxSize: RealtimeProtocol.maxClientFrameBytes) {
                await RealtimeRequestHandler(calls: calls, session: session, connection: connection).handle(message)
            }
        }
        defer { reader.cancel() }

        try await send(
            RealtimeFrame(
                .hello(
                    RealtimeHello(
                        connectionId: connectionId,
                        identity: ChatWire.identifier(identity.rawId),
                        position: dispatched,
                        retentionSeconds: gateway.configuration.retentionSeconds,
                        pingIntervalSeconds: gateway.configuration.pingIntervalSeconds
                    )
                )
            )
        )
        var lastSent = dispatched
        if let after {
            lastSent = max(after, dispatched)
            switch try await gateway.resumption(after: after, dispatched: dispatched) {
            case .replay(let from, let upTo):
                try await gateway.replay(to: connection, after: from, upTo: upTo, send: send)
            case .live:
                break
            case .resync(let reason):
                lastSent = dispatched
                try await send(RealtimeFrame(.resyncRequired(RealtimeResync(position: dispatched, reason: reason))))
            }
        }
        try await send(RealtimeFrame(.caughtUp(position: lastSent)))
        for await frame in connection.frames {
            if connection.pendingClose != nil { break }
            if let position = frame.position {
                guard position > lastSent else { continue }
                lastSent = position
            }
            try await send(frame)
        }
        let code = connection.pendingClose
        if let code {
            ParleyMetrics.countRealtimeClose(code.rawValue)
            logger.debug("Closing real-time connection \(connectionId) with \(code.rawValue) (\(code)).")
            try? await outbound.close(.init(codeNumber: Int(code.rawValue)), reason: Self.reason(code))
        }
    }

    /// The `after` query parameter: a non-negative position, when given.
    private static func position(_ request: Request) throws -> Int64? {
        guard let text = request.uri.queryParameters.get(RealtimeProtocol.afterParameter) else { return nil }
        guard let position = Int64(text), position >= 0 else {
            throw ParleyError(
                .badRequest,
                wireCode: "InvalidPosition",
                "'\(RealtimeProtocol.afterParameter)' must be a non-negative integer position."
            )
        }
        return position
    }

    private static func reason(_ code: RealtimeCloseCode) -> String {
        switch code {
        case .goingAway: "The server is shutting down; reconnect and resume."
        case .tokenExpired: "The access token expired; reconnect with a fresh token."
        case .tokenRevoked: "The access token was revoked."
        case .userDeleted: "The user was deleted."
        case .slowConsumer: "Events were not read fast enough; reconnect and resume from the last position."
        }
    }
}
