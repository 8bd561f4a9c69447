import Foundation
import HTTPTypes
import Logging
import NIOSSL
import NIOWebSocket
import ParleyAPI
import ParleyClient
import ParleyCore
import Testing
import WSClient

@testable import ParleyServer

/// Collects values from a concurrent producer and lets a test wait, without sleeping, until
/// they satisfy a condition. A generous deadline turns a hang into a failure.
actor Collector<Value: Sendable> {
    private(set) var values: [Value] = []
    private var finished = false
    private var waiters: [(condition: ([Value], Bool) -> Bool, continuation: CheckedContinuation<Void, Never>)] = []

    func append(_ value: Value) {
        values.append(value)
        wake()
    }

    func finish() {
        finished = true
        wake()
    }

    var isFinished: Bool { finished }

    /// Waits until `condition` holds for the values so far; fails the test after `deadline`.
    func wait(
        for deadline: Duration = .seconds(60),
        sourceLocation: SourceLocation = #_sourceLocation,
        until condition: @escaping @Sendable ([Value]) -> Bool
    ) async {
        await waitAll(for: deadline, sourceLocation: sourceLocation) { values, _ in condition(values) }
    }

    /// Waits until the producer has finished.
    func waitForFinish(for deadline: Duration = .seconds(60), sourceLocation: SourceLocation = #_sourceLocation) async {
        await waitAll(for: deadline, sourceLocation: sourceLocation) { _, finished in finished }
    }

    private func waitAll(for deadline: Duration, sourceLocation: SourceLocation, until condition: @escaping ([Value], Bool) -> Bool) async {
        if condition(values, finished) { return }
        let timeout = Task { [weak self] in
            try await Task.sleep(for: deadline)
            await self?.expire(sourceLocation: sourceLocation)
        }
        await withCheckedContinuation { continuation in waiters.append((condition, continuation)) }
        timeout.cancel()
    }

    private func expire(sourceLocation: SourceLocation) {
        guard !waiters.isEmpty else { return }
        Issue.record("Timed out waiting; collected \(values.count) values (finished: \(finished)).", sourceLocation: sourceLocation)
        let all = waiters
        waiters = []
        for waiter in all { waiter.continuation.resume() }
    }

    private func wake() {
        var pending: [(condition: ([Value], Bool) -> Bool, continuation: CheckedContinuation<Void, Never>)] = []
        for waiter in waiters {
            if waiter.condition(values, finished) { waiter.continuation.resume() } else { pending.append(waiter) }
        }
        waiters = pending
    }
}

/// A stream of notifications being read in the background into a collector.
struct NotificationListener: Sendable {
    let collector = Collector<ChatNotification>()
    let error = Collector<ChatNotificationError>()
    private let task: Task<Void, Never>

    init(_ notifications: ChatNotifications) {
        let collector = self.collector
        let error = self.error
        task = Task {
            do {
                for try await notification in notifications { await collector.append(notification) }
            } catch let failure as ChatNotificationError {
                await error.append(failure)
            } catch {}
            await collector.finish()
        }
    }

    func stop() { task.cancel() }

    /// Waits for the first `.connected`.
    func connected() async {
        await collector.wait { $0.contains { if case .connected = $0 { true } else { false } } }
    }

    /// The chat events received so far.
    var events: [ChatRealtimeEvent] {
        get async {
            await collector.values.compactMap { if case .event(let event, _) = $0 { event } else { nil } }
        }
    }

    /// The ids of the messages received so far, in order of arrival.
    var receivedMessageIds: [String] {
        get async {
            await events.compactMap { if case .chatMessageReceived(let message) = $0 { message.id } else { nil } }
        }
    }
}

extension Collector where Value == ChatNotification {
    /// Waits until `count` chatMessageReceived events have arrived.
    func waitForMessages(_ count: Int, for deadline: Duration = .seconds(120)) async {
        await wait(for: deadline) { values in
            values.count { if case .event(.chatMessageReceived, _) = $0 { true } else { false } } >= count
        }
    }
}

/// One raw WebSocket to the real-time endpoint, recording the frames and the close frame.
struct RawRealtimeConnection: Sendable {
    let frames = Collector<RealtimeServerFrame>()
    let close = Collector<UInt16>()
    private let task: Task<Void, Never>

    /// - Parameters:
    ///   - headerToken: sent as `Authorization: Bearer`.
    ///   - query: the query string (e.g. `access_token=…&after=3`).
    ///   - reading: whether frames are read as they come (false: a client that stalls).
    init(_ server: LiveServer, headerToken: String?, query: String = "", reading: Collector<Bool>? = nil) {
        let frames = self.frames
        let close = self.close
        var headers = HTTPFields()
        if let headerToken { headers[.authorization] = "Bearer \(headerToken)" }
        let url = "wss://localhost:\(server.endpoint.port ?? 0)/\(RealtimeProtocol.path)" + (query.isEmpty ? "" : "?\(query)")
        let tls = server.tlsConfiguration
        task = Task {
            do {
                let closeFrame = try await WebSocketClient.connect(
                    url: url,
                    configuration: WebSocketClientConfiguration(maxFrameSize: 1 << 20, additionalHeaders: headers),
                    tlsConfiguration: tls,
                    logger: Logger(label: "raw-realtime")
                ) { inbound, _, _ in
                    if let reading { await reading.wait(for: .seconds(120)) { $0.last == true } }
                    for try await message in inbound.messages(maxSize: 1 << 21) {
                        guard case .text(let text) = message else { continue }
                        await frames.append(try ParleyJSON.decoder().decode(RealtimeServerFrame.self, from: Data(text.utf8)))
                    }
                }
                if let closeFrame, case .unknown(let code) = closeFrame.closeCode {
                    await close.append(code)
                } else if let closeFrame {
                    await close.append(UInt16(webSocketErrorCode: closeFrame.closeCode))
                }
            } catch {
                await close.append(0)  // the upgrade was refused
            }
            await close.finish()
            await frames.finish()
        }
    }

    func cancel() { task.cancel() }

    /// The close code, once the connection is closed (0 if the upgrade was refused).
    func closeCode() async -> UInt16? {
        await close.waitForFinish()
        return await close.values.first
    }
}

extension LiveServer {
    /// TLS that trusts the server's local CA.
    var tlsConfiguration: TLSConfiguration {
        var tls = TLSConfiguration.makeClientConfiguration()
        tls.trustRoots = .file(caCertificatePath)
        return tls
    }

    /// An app user as the chat service sees it.
    func caller(_ token: String) async throws -> ChatCaller {
        try await environment.identities.authenticate(accessToken: token).chatCaller
    }

    /// A thread made in-process by `creator` with `others`.
    func thread(by creator: ChatCaller, with others: [String], topic: String = "Realtime") async throws -> String {
        let (thread, invalid) = try await environment.chat.createThread(
            by: creator,
            topic: topic,
            participants: others.map { ChatParticipant(rawId: $0) },
            idempotencyKey: nil
        )
        #expect(invalid.isEmpty)
        return thread.id
    }

    @discardableResult
    func send(_ text: String, to threadId: String, by caller: ChatCaller) async throws -> ParleyCore.ChatMessage {
        try await environment.chat.sendMessage(to: threadId, by: caller, type: .text, content: text, senderDisplayName: nil, metadata: nil)
    }

    /// Real-time notifications for `token`, through the SDK.
    func notifications(
        _ token: String,
        resumingAfter position: Int64? = nil,
        options: ChatNotificationOptions = .init()
    ) throws -> ChatNotifications {
        try ChatNotifications(
            endpoint: endpoint,
            credential: try CommunicationTokenCredential(token: token),
            caCertificatePath: caCertificatePath,
            resumingAfter: position,
            options: options
        )
    }
}

extension NotificationListener {
    /// Waits for the first event that matches and returns it.
    @discardableResult
    func next(
        sourceLocation: SourceLocation = #_sourceLocation,
        _ matches: @escaping @Sendable (ChatRealtimeEvent) -> Bool
    ) async -> ChatRealtimeEvent? {
        await collector.wait(sourceLocation: sourceLocation) { values in
            values.contains { if case .event(let event, _) = $0 { matches(event) } else { false } }
        }
        return await events.first(where: matches)
    }
}
