import Foundation
import Logging
import NIOCore
import NIOWebSocket
import ParleyAPI

/// The server side of one real-time WebSocket, on the channel's event loop: it writes the
/// connection's frames, answers pings, pings the client, assembles the client's messages and
/// runs the close handshake.
///
/// Everything happens in the channel pipeline, without a task per connection: an idle
/// connection is a few objects and a timer, and a frame goes from the gateway's hand-over to
/// the socket with one hop to the event loop (see ``RealtimeConnection``).
final class RealtimeChannelHandler: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = WebSocketFrame
    typealias OutboundIn = WebSocketFrame
    typealias OutboundOut = WebSocketFrame

    struct Configuration: Sendable {
        /// How often the client is pinged; a ping still unanswered at the next closes the
        /// connection (1001).
        var pingInterval: TimeAmount
        /// How long a close handshake the server started may take before the socket is closed.
        var closeTimeout: TimeAmount
        /// The largest message a client may send (in one frame or several).
        var maxMessageBytes: Int
    }

    private let configuration: Configuration
    private let logger: Logger
    /// Set once, right after both are made; dropped when the channel closes (the connection
    /// refers back to this handler).
    var connection: RealtimeConnection?
    private var context: ChannelHandlerContext?
    /// Live frames flow once the opening frames (hello, replay, caughtUp) are written.
    private var live = false
    /// The position of the last durable event written: replayed events are not sent twice.
    private var lastSent: Int64 = 0
    /// A message whose first frames arrived, waiting for its final frame.
    private var partial: (isText: Bool, data: ByteBuffer)?
    /// The server sent its close frame: nothing else is written.
    private var closing = false
    private var closeTimer: Scheduled<Void>?
    private var pinger: RepeatedTask?
    private var awaitingPong = false
    /// Reading stops while too many requests wait to be served.
    private var readsHeld = false
    private var readPending = false

    init(configuration: Configuration, logger: Logger) {
        self.configuration = configuration
        self.logger = logger
    }

    // MARK: Lifecycle

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
        let handler = NIOLoopBound(self, eventLoop: context.eventLoop)
        pinger = context.eventLoop.scheduleRepeatedTask(initialDelay: configuration.pingInterval, delay: configuration.pingInterval) { _ in
            handler.value.ping()
        }
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        end()
    }

    func channelInactive(context: ChannelHandlerContext) {
        end()
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        logger.debug("Real-time connection failed: \(error)")
        context.close(promise: nil)
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        switch event {
        case is ChannelShouldQuiesceEvent:
            // The server is shutting down: clients reconnect (elsewhere, or once it is back) and resume.
            connection?.requestClose(.goingAway)
        case ChannelEvent.inputClosed:
            context.close(promise: nil)
        default:
            context.fireUserInboundEventTriggered(event)
        }
    }

    private func end() {
        pinger?.cancel()
        pinger = nil
        closeTimer?.cancel()
        closeTimer = nil
        context = nil
        connection?.ended()
        connection = nil
    }

    // MARK: Writing

    /// Writes the opening frames; the future completes when the last is written. Nil when the
    /// connection is closing or closed.
    func writeOpening(_ frames: [RealtimeFrame]) -> EventLoopFuture<Void>? {
        guard let context, let connection, !closing else { return nil }
        let promise = context.eventLoop.makePromise(of: Void.self)
        for (index, frame) in frames.enumerated() {
            write(frame, for: connection, context: context, promise: index == frames.count - 1 ? promise : nil)
        }
        context.flush()
        return promise.futureResult
    }

    /// The opening is written: from now on live frames flow, skipping durable events up to
    /// `position`.
    func goLive(after position: Int64) {
        live = true
        lastSent = position
        drain()
    }

    /// Writes what waits in the connection's outbox, or sends its close.
    func drain() {
        guard let context, let connection, !closing else { return }
        switch connection.drain(writable: live && context.channel.isWritable) {
        case .close(let code, let frames):
            write(frames, for: connection, context: context)
            startClose(code)
        case .abort:
            // A dropped network, as a fault (development mode): no close frame.
            logger.debug("Aborting real-time connection \(connection.id).")
            connection.ended()
            context.close(promise: nil)
        case .frames(let frames):
            write(frames, for: connection, context: context)
        }
    }

    /// Writes live frames in order, skipping durable events already sent, and flushes.
    private func write(_ frames: [RealtimeFrame], for connection: RealtimeConnection, context: ChannelHandlerContext) {
        guard !frames.isEmpty else { return }
        for frame in frames {
            if let position = frame.position {
                guard position > lastSent else { continue }
                lastSent = position
            }
            write(frame, for: connection, context: context, promise: nil)
        }
        context.flush()
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        if context.channel.isWritable { drain() }
        context.fireChannelWritabilityChanged()
    }

    private func write(_ frame: RealtimeFrame, for connection: RealtimeConnection, context: ChannelHandlerContext, promise: EventLoopPromise<Void>?) {
        let text = frame.bytes(recipient: connection.recipient, allocator: context.channel.allocator)
        context.write(wrapOutboundOut(WebSocketFrame(fin: true, opcode: .text, data: text)), promise: promise)
    }

    // MARK: Reading

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let frame = unwrapInboundIn(data)
        // Clients mask every frame, and no extension is negotiated (RFC 6455 §5.1, §5.2).
        guard frame.maskKey != nil, frame.reservedBits.isEmpty else { return fail(.protocolError) }
        switch frame.opcode {
        case .ping:
            guard !closing else { return }
            context.writeAndFlush(wrapOutboundOut(WebSocketFrame(fin: true, opcode: .pong, data: frame.unmaskedData)), promise: nil)
        case .pong:
            awaitingPong = false
        case .connectionClose:
            receivedClose(frame)
        case .text, .binary:
            guard partial == nil else { return fail(.protocolError) }
            partial = (frame.opcode == .text, frame.unmaskedData)
            continueMessage(final: frame.fin)
        case .continuation:
            guard partial != nil else { return fail(.protocolError) }
            var data = frame.unmaskedData
            partial?.data.writeBuffer(&data)
            continueMessage(final: frame.fin)
        default:
            fail(.protocolError)
        }
    }

    private func continueMessage(final: Bool) {
        guard let message = partial else { return }
        guard message.data.readableBytes <= configuration.maxMessageBytes else { return fail(.messageTooLarge) }
        guard final else { return }
        partial = nil
        guard !closing, let connection else { return }
        let request: RealtimeClientMessage = message.isText ? .text(Data(message.data.readableBytesView)) : .binary
        if connection.received(request) { readsHeld = true }
    }

    func read(context: ChannelHandlerContext) {
        if readsHeld {
            readPending = true
        } else {
            context.read()
        }
    }

    /// Requests were served: read again if reading was held.
    func resumeReading() {
        readsHeld = false
        guard readPending, let context else { return }
        readPending = false
        context.read()
    }

    // MARK: Ping and close

    private func ping() {
        guard let context, !closing else { return }
        if awaitingPong {
            logger.debug("Real-time client did not answer a ping; closing.")
            sendClose(code: .goingAway, reason: "Ping timeout", thenCloseSocket: true)
            return
        }
        awaitingPong = true
        var data = context.channel.allocator.buffer(capacity: 8)
        data.writeInteger(UInt64.random(in: .min ... .max))
        context.writeAndFlush(wrapOutboundOut(WebSocketFrame(fin: true, opcode: .ping, data: data)), promise: nil)
    }

    /// Starts the close handshake with one of Parley's codes: the client answers with its close
    /// frame, or the socket is closed after the close timeout.
    private func startClose(_ code: RealtimeCloseCode) {
        guard let context, !closing else { return }
        ParleyMetrics.countRealtimeClose(code.rawValue)
        logger.debug("Closing real-time connection \(connection?.id ?? "") with \(code.rawValue) (\(code)).")
        sendClose(code: WebSocketErrorCode(codeNumber: Int(code.rawValue)), reason: Self.reason(code))
        let handler = NIOLoopBound(self, eventLoop: context.eventLoop)
        closeTimer = context.eventLoop.scheduleTask(in: configuration.closeTimeout) {
            handler.value.context?.close(promise: nil)
        }
    }

    /// The client's close frame: it answers ours (the handshake is done), or it starts the
    /// handshake and gets its code back.
    private func receivedClose(_ frame: WebSocketFrame) {
        guard let context else { return }
        if closing {
            // The client answered our close: the handshake is done.
            connection?.ended()
            context.close(promise: nil)
            return
        }
        var data = frame.unmaskedData
        sendClose(code: data.readWebSocketErrorCode() ?? .normalClosure, reason: nil, thenCloseSocket: true)
    }

    /// Fails the connection for a protocol violation: a close frame with `code`, then the socket.
    private func fail(_ code: WebSocketErrorCode) {
        guard let context else { return }
        partial = nil
        if closing {
            connection?.ended()
            context.close(promise: nil)
        } else {
            sendClose(code: code, reason: nil, thenCloseSocket: true)
        }
    }

    /// Writes a close frame; with `thenCloseSocket`, closes the socket once it is written.
    ///
    /// With `thenCloseSocket` the connection has ended for the rest of the server at once: the
    /// socket may take a while longer to close (TLS waits up to its shutdown timeout for the
    /// client's close_notify), and a call must not wait for that to learn its party left.
    private func sendClose(code: WebSocketErrorCode, reason: String?, thenCloseSocket: Bool = false) {
        guard let context, !closing else { return }
        closing = true
        if thenCloseSocket { connection?.ended() }
        var data = context.channel.allocator.buffer(capacity: 2 + (reason?.utf8.count ?? 0))
        data.write(webSocketErrorCode: code)
        if let reason { data.writeString(reason) }
        let written = context.writeAndFlush(wrapOutboundOut(WebSocketFrame(fin: true, opcode: .connectionClose, data: data)))
        if thenCloseSocket {
            let channel = context.channel
            written.whenComplete { _ in channel.close(promise: nil) }
        }
    }

    private static func reason(_ code: RealtimeCloseCode) -> String {
        switch code {
        case .goingAway: "The server is shutting down; reconnect and resume."
        case .tokenExpired: "The access token expired; reconnect with a fresh token."
        case .tokenRevoked: "The access token was revoked."
        case .userDeleted: "The user was deleted."
        case .slowConsumer: "Events were not read fast enough; reconnect and resume from the last position."
        case .stateRestored: "The server's data was restored from a snapshot; reconnect and reload."
        }
    }
}
