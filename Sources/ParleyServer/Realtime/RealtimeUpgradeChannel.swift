import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdCore
import Logging
import NIOConcurrencyHelpers
import NIOCore
import NIOHTTP1
import NIOHTTPTypes
import NIOHTTPTypesHTTP1
import NIOWebSocket
import ParleyAPI
import ParleyCore

/// Every connection's first steps: HTTP/1.1 served by Hummingbird, or an upgrade of its first
/// request to the real-time WebSocket.
///
/// An upgraded connection is served by a ``RealtimeChannelHandler`` in the channel pipeline, not
/// by a task: the connection's task writes the opening frames and ends, so an idle real-time
/// connection holds no task. Hummingbird's server still tracks the channel, and asks it to
/// close when it shuts down.
struct RealtimeUpgradeChannel: ServerChildChannel, HTTPChannelHandler {
    enum Negotiated: Sendable {
        case realtime(RealtimeConnection, after: Int64?, Logger)
        case http(NIOAsyncChannel<HTTPRequestPart, HTTPResponsePart>)
        /// A refused upgrade: the request itself is gone (NIO does not pass a refused upgrade
        /// request on), so the refusal is written here.
        case refused(NIOAsyncChannel<HTTPRequestPart, HTTPResponsePart>, RealtimeRefusal)
    }

    struct Value: ServerChildChannelValue {
        let negotiated: EventLoopFuture<Negotiated>
        let channel: any Channel
    }

    let responder: HTTPChannelHandler.Responder
    let realtime: RealtimeController
    let http1: HTTP1Channel.Configuration

    func setup(channel: any Channel, logger: Logger) -> EventLoopFuture<Value> {
        channel.eventLoop.makeCompletedFuture {
            let admission = NIOLockedValueBox<Result<RealtimeAuthenticator.Admission, RealtimeRefusal>?>(nil)
            let upgrader = NIOTypedWebSocketServerUpgrader<Negotiated>(
                // No frame may be larger than the largest message.
                maxFrameSize: realtime.handlerConfiguration.maxMessageBytes,
                shouldUpgrade: { channel, head in
                    // Only the real-time endpoint upgrades, and only an admitted caller.
                    guard RealtimeController.isEndpoint(head.uri) else {
                        admission.withLockedValue {
                            $0 = .failure(RealtimeRefusal(ParleyError(.notFound, "Only /\(RealtimeProtocol.path) is a WebSocket.")))
                        }
                        return channel.eventLoop.makeSucceededFuture(nil)
                    }
                    let authorization = head.headers.first(name: "authorization")
                    let promise = channel.eventLoop.makePromise(of: HTTPHeaders?.self)
                    promise.completeWithTask {
                        let result = await realtime.admit(authorization: authorization, target: head.uri)
                        admission.withLockedValue { $0 = result }
                        guard case .success = result else { return nil }
                        return HTTPHeaders()
                    }
                    return promise.futureResult
                },
                upgradePipelineHandler: { channel, _ in
                    channel.eventLoop.makeCompletedFuture {
                        guard case .success(let admitted) = admission.withLockedValue({ $0 }) else {
                            throw ChannelError.inappropriateOperationForState
                        }
                        let connection = try realtime.attach(admitted, to: channel, logger: logger)
                        return .realtime(connection, after: admitted.after, logger)
                    }
                }
            )
            let upgrades = NIOTypedHTTPServerUpgradeConfiguration<Negotiated>(
                upgraders: [upgrader],
                notUpgradingCompletionHandler: { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try channel.pipeline.syncOperations.addHandler(HTTP1ToHTTPServerCodec(secure: false))
                        try channel.pipeline.syncOperations.addHandlers(http1.additionalChannelHandlers())
                        try channel.pipeline.syncOperations.addHandler(
                            HTTPConnectionStateHandler(idleTimeout: http1.idleTimeout.map { Duration($0) }, logger: logger)
                        )
                        let http = try NIOAsyncChannel<HTTPRequestPart, HTTPResponsePart>(
                            wrappingChannelSynchronously: channel,
                            configuration: .init(isOutboundHalfClosureEnabled: true)
                        )
                        if case .failure(let refusal) = admission.withLockedValue({ $0 }) { return .refused(http, refusal) }
                        return .http(http)
                    }
                }
            )
            var configuration = NIOUpgradableHTTPServerPipelineConfiguration<Negotiated>(upgradeConfiguration: upgrades)
            configuration.enablePipelining = false  // NIOAsyncChannel serves requests in order
            configuration.enableErrorHandling = false  // Hummingbird answers malformed requests
            configuration.enableResponseHeaderValidation = false  // HTTPTypes validates headers
            configuration.decoderConfiguration.maxHeaderFieldSize = http1.httpDecoder.maxHeaderFieldSize
            configuration.decoderConfiguration.maxHeaderListSize = http1.httpDecoder.maxHeaderListSize
            configuration.decoderConfiguration.maxHeaderFieldCount = http1.httpDecoder.maxHeaderFieldCount
            let negotiated = try channel.pipeline.syncOperations.configureUpgradableHTTPServerPipeline(configuration: configuration)
            return Value(negotiated: negotiated, channel: channel)
        }
    }

    func handle(value: Value, logger: Logger) async {
        do {
            switch try await value.negotiated.get() {
            case .http(let http):
                await handleHTTP(asyncChannel: http, logger: logger)
            case .refused(let http, let refusal):
                await refuse(http, refusal, logger: logger)
            case .realtime(let connection, let after, let logger):
                // Writes the opening and returns; the channel handler serves the rest.
                await realtime.open(connection, after: after, logger: logger)
            }
        } catch {
            // A malformed upgrade (no key, wrong version) or a connection that closed first.
            logger.debug("Connection ended before it was served: \(error)")
            try? await value.channel.close()
        }
    }

    /// Answers a refused upgrade with its status and the ACS error envelope, and closes.
    private func refuse(_ http: NIOAsyncChannel<HTTPRequestPart, HTTPResponsePart>, _ refusal: RealtimeRefusal, logger: Logger) async {
        logger.debug("Real-time upgrade refused: \(refusal.code)")
        if refusal.closesWithoutAnswer {
            try? await http.channel.close()
            return
        }
        let body = (try? ParleyJSON.encoder().encode(refusal.body)) ?? Data()
        var head = HTTPResponse(
            status: refusal.status,
            headerFields: [.contentType: WireIO.jsonContentType, .contentLength: String(body.count), .connection: "close"]
        )
        if let retryAfter = refusal.retryAfterSeconds { head.headerFields[.retryAfter] = String(retryAfter) }
        try? await http.executeThenClose { _, outbound in
            try await outbound.write(contentsOf: [.head(head), .body(ByteBuffer(bytes: body)), .end(nil)])
        }
    }
}
