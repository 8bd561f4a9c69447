import Foundation
import HTTPTypes
import Logging
import NIOCore
import NIOSSL
import NIOWebSocket
import ParleyAPI
import Synchronization
import WSClient

/// Real-time chat notifications as an `AsyncSequence`: one WebSocket to Parley that reconnects
/// on its own and resumes from the last position it delivered, so no durable event is missed or
/// repeated across reconnections.
///
/// ```swift
/// for try await notification in chatClient.notifications() {
///     if case .event(.chatMessageReceived(let message), _) = notification { print(message.message) }
/// }
/// ```
///
/// Each iteration opens its own connection; it closes when iteration stops. The sequence ends
/// by throwing ``ChatNotificationError`` when reconnecting cannot help: the token was revoked,
/// the user deleted, or the credential cannot give a valid token.
public struct ChatNotifications: AsyncSequence, Sendable {
    public typealias Element = ChatNotification

    let endpoint: URL
    let credential: CommunicationTokenCredential
    let tlsConfiguration: TLSConfiguration?
    let resumeAfter: Int64?
    let options: ChatNotificationOptions

    init(
        endpoint: URL,
        credential: CommunicationTokenCredential,
        tlsConfiguration: TLSConfiguration?,
        resumeAfter: Int64?,
        options: ChatNotificationOptions
    ) {
        self.endpoint = endpoint
        self.credential = credential
        self.tlsConfiguration = tlsConfiguration
        self.resumeAfter = resumeAfter
        self.options = options
    }

    /// Notifications for whoever `credential` belongs to: an app user (ACS token) or an
    /// organization user (a token from ``OrgSignIn``).
    ///
    /// - Parameters:
    ///   - endpoint: the Parley endpoint, e.g. `https://127.0.0.1:8443/`.
    ///   - caCertificatePath: a PEM file of CA certificates to trust (Parley's local CA).
    ///   - position: the last position seen in an earlier session; nil starts from now.
    public init(
        endpoint: URL,
        credential: CommunicationTokenCredential,
        caCertificatePath: String? = nil,
        resumingAfter position: Int64? = nil,
        options: ChatNotificationOptions = .init()
    ) throws {
        self.init(
            endpoint: endpoint,
            credential: credential,
            tlsConfiguration: try HTTPTransport.tlsConfiguration(trusting: caCertificatePath),
            resumeAfter: position,
            options: options
        )
    }

    public func makeAsyncIterator() -> AsyncThrowingStream<ChatNotification, any Error>.Iterator {
        let (stream, continuation) = AsyncThrowingStream.makeStream(of: ChatNotification.self)
        let connection = RealtimeConnectionLoop(sequence: self, continuation: continuation)
        let task = Task { await connection.run() }
        continuation.onTermination = { _ in task.cancel() }
        return stream.makeAsyncIterator()
    }
}

/// Connects, reads frames, and reconnects, until cancelled or told to stop.
private final class RealtimeConnectionLoop: Sendable {
    let sequence: ChatNotifications
    let continuation: AsyncThrowingStream<ChatNotification, any Error>.Continuation
    /// The last position delivered (or announced by the server), shared with frame handlers.
    private let position: Mutex<Int64?>
    /// Connection attempts that failed in a row (reset once a connection has caught up).
    private let failures = Mutex(0)

    init(sequence: ChatNotifications, continuation: AsyncThrowingStream<ChatNotification, any Error>.Continuation) {
        self.sequence = sequence
        self.continuation = continuation
        self.position = Mutex(sequence.resumeAfter)
    }

    func run() async {
        let logger = Logger(label: "parley.realtime-client")
        while !Task.isCancelled {
            do {
                let token = try await sequence.credential.token().token
                var headers = HTTPFields()
                headers[.authorization] = "Bearer \(token)"
                var configuration = WebSocketClientConfiguration(maxFrameSize: 1 << 20, additionalHeaders: headers)
                let endpoint: RealtimeEndpoint
                do {
                    endpoint = try RealtimeEndpoint(sequence.endpoint)
                } catch {
                    throw ChatNotificationError(closeCode: nil, message: error.message)
                }
                configuration.sniHostname = endpoint.serverName
                let close = try await RealtimeSocket.connect(
                    url: endpoint.url(after: position.withLock { $0 }),
                    configuration: configuration,
                    tlsConfiguration: sequence.tlsConfiguration,
                    upgradeTimeout: sequence.options.upgradeTimeout,
                    logger: logger
                ) { inbound, _, _ in
                    for try await message in inbound.messages(maxSize: 1 << 21) {
                        guard case .text(let text) = message else { continue }
                        let frame = try ParleyJSON.decoder().decode(RealtimeServerFrame.self, from: Data(text.utf8))
                        if self.handle(frame) { self.failures.withLock { $0 = 0 } }
                    }
                }
                if let close, case .unknown(let number) = close.closeCode,
                    let known = RealtimeCloseCode(rawValue: number), known == .tokenRevoked || known == .userDeleted
                {
                    continuation.finish(throwing: ChatNotificationError(closeCode: number, message: close.reason ?? "\(known)"))
                    return
                }
            } catch is CancellationError {
                break
            } catch let error as TokenCredentialError {
                continuation.finish(throwing: error)
                return
            } catch let error as ChatNotificationError {
                continuation.finish(throwing: error)
                return
            } catch {
                // Fall through to reconnect.
            }
            // The first retry is immediate; then back off, doubling up to the maximum.
            let failed = failures.withLock { count in
                count += 1
                return count
            }
            if failed > 1 {
                let delay = min(sequence.options.initialReconnectDelay * (1 << min(failed - 2, 16)), sequence.options.maximumReconnectDelay)
                do { try await Task.sleep(for: delay) } catch { break }
            }
        }
        continuation.finish()
    }

    /// Yields what the frame says; returns whether the connection is healthy (caught up).
    private func handle(_ frame: RealtimeServerFrame) -> Bool {
        switch frame {
        case .hello(let hello):
            position.withLock { if $0 == nil { $0 = hello.position } }
            return false
        case .caughtUp(let caughtUp):
            let now = position.withLock { current in
                current = max(current ?? caughtUp, caughtUp)
                return current ?? caughtUp
            }
            continuation.yield(.connected(position: now))
            return true
        case .resyncRequired(let resync):
            position.withLock { $0 = resync.position }
            continuation.yield(.resyncRequired(reason: resync.reason, position: resync.position))
            return false
        case .event(let eventPosition, let event):
            if let eventPosition {
                let fresh = position.withLock { current in
                    guard eventPosition > (current ?? Int64.min) else { return false }
                    current = eventPosition
                    return true
                }
                guard fresh else { return false }
            }
            continuation.yield(.event(event, position: eventPosition))
            return false
        case .reply, .incomingCall, .incomingCallEnded, .call, .signal:
            // Calling frames go to a registered call agent's connection, never to this one.
            return false
        }
    }
}
