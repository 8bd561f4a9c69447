import Logging
import NIOSSL
import Synchronization
import WSClient

/// Opens the real-time WebSocket, with a bound on the upgrade.
///
/// swift-websocket's client waits for ever for the answer to its upgrade request when the server
/// closes the connection without one (NIO's typed client upgrade handler does not fail on a
/// closed channel; Parley's development mode injects exactly that, and proxies do it). An
/// attempt whose upgrade has not succeeded after `upgradeTimeout` is given up with
/// ``UpgradeTimeout``, so the caller reconnects; the abandoned attempt's task stays suspended
/// on the dead channel.
enum RealtimeSocket {
    /// The server did not complete the WebSocket upgrade in time.
    struct UpgradeTimeout: Error, CustomStringConvertible {
        var description: String { "The server did not complete the WebSocket upgrade in time." }
    }

    static func connect(
        url: String,
        configuration: WebSocketClientConfiguration,
        tlsConfiguration: TLSConfiguration?,
        upgradeTimeout: Duration,
        logger: Logger,
        handler: @escaping @Sendable (WebSocketInboundStream, WebSocketOutboundWriter, any WebSocketContext) async throws -> Void
    ) async throws -> WebSocketCloseFrame? {
        let outcome = Outcome()
        let session = Task {
            do {
                let close = try await WebSocketClient.connect(
                    url: url,
                    configuration: configuration,
                    tlsConfiguration: tlsConfiguration,
                    logger: logger
                ) { inbound, outbound, context in
                    outcome.upgraded()
                    try await handler(inbound, outbound, context)
                }
                outcome.finish(.success(close))
            } catch {
                outcome.finish(.failure(error))
            }
        }
        let watchdog = Task {
            try await Task.sleep(for: upgradeTimeout)
            outcome.finishUnlessUpgraded(.failure(UpgradeTimeout()))
        }
        defer { watchdog.cancel() }
        // Cancelling closes the session as swift-websocket does; its end is still awaited.
        return try await withTaskCancellationHandler {
            try await outcome.value()
        } onCancel: {
            session.cancel()
        }
    }

    /// The first result given, for whoever waits for it, and whether the upgrade succeeded.
    private final class Outcome: Sendable {
        private struct State {
            var result: Result<WebSocketCloseFrame?, any Error>?
            var waiter: CheckedContinuation<WebSocketCloseFrame?, any Error>?
            var isUpgraded = false
        }

        private let state = Mutex(State())

        func upgraded() {
            state.withLock { $0.isUpgraded = true }
        }

        func finishUnlessUpgraded(_ result: Result<WebSocketCloseFrame?, any Error>) {
            finish(result, unlessUpgraded: true)
        }

        func finish(_ result: Result<WebSocketCloseFrame?, any Error>, unlessUpgraded: Bool = false) {
            let waiter = state.withLock { state -> CheckedContinuation<WebSocketCloseFrame?, any Error>? in
                guard state.result == nil, !(unlessUpgraded && state.isUpgraded) else { return nil }
                state.result = result
                defer { state.waiter = nil }
                return state.waiter
            }
            waiter?.resume(with: result)
        }

        func value() async throws -> WebSocketCloseFrame? {
            try await withCheckedThrowingContinuation { continuation in
                let result = state.withLock { state -> Result<WebSocketCloseFrame?, any Error>? in
                    if state.result == nil { state.waiter = continuation }
                    return state.result
                }
                if let result { continuation.resume(with: result) }
            }
        }
    }
}
