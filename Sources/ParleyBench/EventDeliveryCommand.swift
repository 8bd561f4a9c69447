import ArgumentParser
import AsyncHTTPClient
import Foundation
import NIOCore
import NIOFoundationCompat
import NIOHTTP1
import NIOPosix
import ParleyAPI
import ParleyClient
import Synchronization

/// Event Grid delivery to a local webhook receiver (run by scripts/bench-events):
///
/// - `latency`: messages are sent at a fixed rate into the scenario's threads; a subscription
///   delivers their `ChatMessageReceivedInThread` events to the receiver here, which reports the
///   delay from each event's `eventTime` (taken as the change commits) to its arrival.
/// - `drain`: the receiver is down while `--events` messages are sent (their events queue in the
///   store); then it comes back, and the time to receive them all is reported, with the server's
///   resident memory sampled every second.
struct EventDeliveryCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "events",
        abstract: "Commit-to-webhook latency at a fixed rate, or how fast a backlog drains."
    )

    enum Mode: String, ExpressibleByArgument {
        case latency, drain
    }

    @Argument(help: "latency or drain.") var mode: Mode
    @Option(help: "The scenario file written by scripts/bench/setup_realtime.py.") var scenario: String
    @Option(help: "The server's ready document (for the admin API).") var ready: String
    @Option(help: "latency: messages (= events) per second.") var rate = 1000
    @Option(help: "latency: seconds of measured sending.") var duration = 30
    @Option(help: "latency: seconds of sending before measuring.") var warmup = 5
    @Option(help: "drain: messages sent while the receiver is down.") var events = 1_000_000
    @Option(help: "drain: concurrent sends while queueing.") var concurrency = 64
    @Option(help: "The subscription's maxEventsPerBatch.") var batch = 1
    @Option(help: "The subscription's preferredBatchSizeInKilobytes.") var batchKilobytes = 1024
    @Option(help: "The server's process id (CPU time, resident memory).") var serverPid: Int32?
    @ArgumentParser.Flag(help: "latency: send at the rate without subscribing (a baseline for the chat benchmark).") var noSubscription = false

    func run() async throws {
        let scenario = try BenchScenario.load(self.scenario)
        let readyInfo = try ParleyJSON.decoder().decode(ServerReadyInfo.self, from: Data(contentsOf: URL(fileURLWithPath: ready)))
        let receiver = try await WebhookReceiver.start()
        let admin = try AdminClient(baseURL: readyInfo.url, adminKey: readyInfo.adminKey, caCertificatePath: readyInfo.caCertificatePath)
        defer { Task { try? await admin.shutdown() } }
        let threadIds = scenario.threads.map(\.id)
        var configuration = HTTPClient.Configuration(tlsConfiguration: try scenario.tlsConfiguration)
        configuration.connectionPool = .init(idleTimeout: .seconds(60), concurrentHTTP1ConnectionsPerHostSoftLimit: 128)
        let http = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
        if noSubscription {
            print("sending without a subscription")
            try await latency(scenario, http: http, receiver: receiver, expectEvents: false)
            try await http.shutdown()
            try await receiver.stop()
            return
        }
        let subscription = try await admin.createEventSubscription(
            in: "default",
            EventSubscriptionRequest(
                name: "bench-\(mode.rawValue)-\(UInt32.random(in: 0...UInt32.max))",
                destination: WebhookDestinationModel(
                    endpointUrl: "http://127.0.0.1:\(receiver.port)/events",
                    maxEventsPerBatch: batch,
                    preferredBatchSizeInKilobytes: batchKilobytes
                ),
                filter: EventSubscriptionFilterModel(
                    includedEventTypes: [CommunicationEventType.chatMessageReceivedInThread],
                    advancedFilters: [AdvancedFilterModel(operatorType: "StringIn", key: "data.threadId", values: threadIds.map { .string($0) })]
                )
            )
        )
        print("subscription \(subscription.name): \(subscription.provisioningState), maxEventsPerBatch \(batch)")
        switch mode {
        case .latency: try await latency(scenario, http: http, receiver: receiver, expectEvents: true)
        case .drain: try await drain(scenario, http: http, receiver: receiver)
        }
        try await http.shutdown()
        try await receiver.stop()
    }

    private func latency(_ scenario: BenchScenario, http: HTTPClient, receiver: WebhookReceiver, expectEvents: Bool) async throws {
        let clock = ContinuousClock()
        let total = rate * (warmup + duration)
        let failures = Counter()
        let cpuBefore = serverPid.flatMap(ProcessProbe.cpuSeconds(of:))
        let start = clock.now
        var measureFrom: Date?
        try await withThrowingDiscardingTaskGroup { group in
            for index in 0..<total {
                try await clock.sleep(until: start.advanced(by: .seconds(Double(index) / Double(rate))))
                if index == rate * warmup { measureFrom = Date() }
                let (thread, sender) = Self.pick(scenario, index)
                group.addTask {
                    do { _ = try await Self.send(http, scenario.endpoint, thread: thread, token: sender, index: index) } catch {
                        failures.increment()
                    }
                }
            }
        }
        let sentIn = start.duration(to: clock.now)
        if expectEvents { try await receiver.wait(forEvents: total, timeout: .seconds(30)) }
        let cpuAfter = serverPid.flatMap(ProcessProbe.cpuSeconds(of:))
        let latencies = receiver.latencies(eventTimeFrom: measureFrom ?? .distantPast)
        print(
            "sent \(total) messages in \(sentIn) (\(failures.value) failed); received \(receiver.eventCount) events (\(receiver.duplicateCount) duplicates)"
        )
        print("commit → webhook: \(LatencySummary(milliseconds: latencies.map { $0 * 1000 }))")
        if let cpuBefore, let cpuAfter {
            print(
                String(
                    format: "server CPU: %.1f s in %.0f s (%.0f %% of one core)",
                    cpuAfter - cpuBefore,
                    sentIn.seconds,
                    100 * (cpuAfter - cpuBefore) / sentIn.seconds
                )
            )
        }
    }

    private func drain(_ scenario: BenchScenario, http: HTTPClient, receiver: WebhookReceiver) async throws {
        let clock = ContinuousClock()
        // The outage: the receiver stops listening (connections refused), the events queue.
        try await receiver.goDown()
        print("receiver down; sending \(events) messages with \(concurrency) concurrent requests…")
        let failures = Counter()
        let next = Counter()
        let start = clock.now
        try await withThrowingDiscardingTaskGroup { group in
            for _ in 0..<concurrency {
                group.addTask {
                    while true {
                        let index = next.next()
                        guard index < events else { return }
                        let (thread, sender) = Self.pick(scenario, index)
                        do { _ = try await Self.send(http, scenario.endpoint, thread: thread, token: sender, index: index) } catch {
                            failures.increment()
                        }
                    }
                }
            }
        }
        let queuedIn = start.duration(to: clock.now)
        print("queued \(events) events in \(queuedIn) (\(failures.value) sends failed); \(receiver.eventCount) reached the receiver meanwhile")
        let memoryBefore = serverPid.flatMap(ProcessProbe.residentBytes(of:))
        // The end of the outage.
        try await receiver.comeBack()
        let back = clock.now
        var samples: [Int] = []
        var firstArrival: ContinuousClock.Instant?
        while receiver.uniqueCount < events - failures.value {
            try await Task.sleep(for: .seconds(1))
            if firstArrival == nil, receiver.eventCount > 0 { firstArrival = clock.now }
            if let pid = serverPid, let rss = ProcessProbe.residentBytes(of: pid) { samples.append(rss) }
            if back.duration(to: clock.now) > .seconds(3600) { throw BenchError("the backlog did not drain within an hour") }
        }
        let drainedIn = (firstArrival ?? back).duration(to: clock.now)
        let total = Double(receiver.uniqueCount)
        print(
            "received \(receiver.uniqueCount) events (\(receiver.duplicateCount) duplicates) \(back.duration(to: clock.now)) after the receiver came back"
        )
        print(String(format: "drain rate: %.0f events/s (from the first arrival, %.1f s)", total / drainedIn.seconds, drainedIn.seconds))
        if let memoryBefore, let low = samples.min(), let high = samples.max() {
            print(
                "server RSS: \(memoryBefore / 1_048_576) MiB before the drain; during it \(low / 1_048_576)–\(high / 1_048_576) MiB (\(samples.count) samples)"
            )
        }
    }

    private static func pick(_ scenario: BenchScenario, _ index: Int) -> (thread: String, token: String) {
        let thread = scenario.threads[index % scenario.threads.count]
        let sender = scenario.users[thread.members[(index / scenario.threads.count) % thread.members.count]]
        return (thread.id, sender.token)
    }

    private static func send(_ http: HTTPClient, _ endpoint: String, thread: String, token: String, index: Int) async throws -> Int {
        var request = HTTPClientRequest(url: "\(endpoint)chat/threads/\(thread)/messages?api-version=2024-03-07")
        request.method = .POST
        request.headers.add(name: "Authorization", value: "Bearer \(token)")
        request.headers.add(name: "Content-Type", value: "application/json")
        request.body = .bytes(ByteBuffer(string: #"{"content":"event bench \#(index)","type":"text"}"#))
        let response = try await http.execute(request, timeout: .seconds(30))
        _ = try await response.body.collect(upTo: 1 << 16)
        guard response.status == .created else { throw BenchError("send failed with \(response.status)") }
        return index
    }
}

extension Duration {
    var seconds: Double { Double(components.seconds) + Double(components.attoseconds) / 1e18 }
}

/// A plain-HTTP webhook endpoint on loopback that answers every POST with 200 and notes, for
/// each event, its id and the delay from its `eventTime` to its arrival.
final class WebhookReceiver: Sendable {
    private struct State {
        var arrivals: [(eventTime: Date, latency: TimeInterval)] = []
        var ids: Set<String> = []
        var events = 0
        var server: (any Channel)?
        var children: [ObjectIdentifier: any Channel] = [:]
    }

    private let state = Mutex(State())
    let port: Int

    private init(port: Int) {
        self.port = port
    }

    static func start() async throws -> WebhookReceiver {
        let probe = try await ServerBootstrap(group: .singletonMultiThreadedEventLoopGroup).bind(host: "127.0.0.1", port: 0).get()
        let port = probe.localAddress?.port ?? 0
        try await probe.close()
        let receiver = WebhookReceiver(port: port)
        try await receiver.comeBack()
        return receiver
    }

    /// Starts listening (again) on the same port.
    func comeBack() async throws {
        let channel = try await ServerBootstrap(group: .singletonMultiThreadedEventLoopGroup)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                channel.pipeline.configureHTTPServerPipeline().flatMap {
                    self.state.withLock { $0.children[ObjectIdentifier(channel)] = channel }
                    channel.closeFuture.whenComplete { _ in _ = self.state.withLock { $0.children.removeValue(forKey: ObjectIdentifier(channel)) } }
                    return channel.pipeline.addHandler(Handler(receiver: self))
                }
            }
            .bind(host: "127.0.0.1", port: port).get()
        state.withLock { $0.server = channel }
    }

    /// Stops listening and drops every connection: deliveries fail with connection errors.
    func goDown() async throws {
        let (server, children) = state.withLock { state -> ((any Channel)?, [any Channel]) in
            defer {
                state.server = nil
                state.children = [:]
            }
            return (state.server, Array(state.children.values))
        }
        try await server?.close()
        for child in children { try? await child.close() }
    }

    func stop() async throws { try await goDown() }

    func received(_ body: ByteBuffer) {
        let now = Date()
        guard let array = try? JSONSerialization.jsonObject(with: Data(buffer: body)) as? [[String: Any]] else { return }
        var arrivals: [(Date, TimeInterval)] = []
        var ids: [String] = []
        for event in array {
            if let id = event["id"] as? String { ids.append(id) }
            if let time = (event["eventTime"] as? String).flatMap(WireTimestamp.parse) { arrivals.append((time, now.timeIntervalSince(time))) }
        }
        state.withLock { state in
            state.events += array.count
            state.arrivals += arrivals
            state.ids.formUnion(ids)
        }
    }

    var eventCount: Int { state.withLock { $0.events } }
    var uniqueCount: Int { state.withLock { $0.ids.count } }
    var duplicateCount: Int { state.withLock { $0.events - $0.ids.count } }

    func latencies(eventTimeFrom start: Date) -> [TimeInterval] {
        state.withLock { $0.arrivals.filter { $0.eventTime >= start }.map(\.latency) }
    }

    func wait(forEvents count: Int, timeout: Duration) async throws {
        let clock = ContinuousClock()
        let deadline = clock.now.advanced(by: timeout)
        while uniqueCount < count, clock.now < deadline { try await Task.sleep(for: .milliseconds(100)) }
    }

    private final class Handler: ChannelInboundHandler, @unchecked Sendable {
        typealias InboundIn = HTTPServerRequestPart
        typealias OutboundOut = HTTPServerResponsePart
        let receiver: WebhookReceiver
        var body = ByteBuffer()
        var keepAlive = true
        var validation = false

        init(receiver: WebhookReceiver) { self.receiver = receiver }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            switch unwrapInboundIn(data) {
            case .head(let head):
                body.clear()
                keepAlive = head.isKeepAlive
                validation = head.headers.first(name: "aeg-event-type") == "SubscriptionValidation"
            case .body(var part):
                body.writeBuffer(&part)
            case .end:
                // The validation handshake is answered with the code; deliveries with 200.
                var answer = ByteBuffer()
                if validation {
                    let events = try? JSONDecoder().decode([EventGridEvent<SubscriptionValidationEventData>].self, from: Data(buffer: body))
                    if let code = events?.first?.data.validationCode,
                        let echo = try? JSONEncoder().encode(SubscriptionValidationResponse(validationResponse: code))
                    {
                        answer = ByteBuffer(data: echo)
                    }
                } else {
                    receiver.received(body)
                }
                var headers = HTTPHeaders()
                headers.add(name: "Content-Length", value: String(answer.readableBytes))
                context.write(wrapOutboundOut(.head(HTTPResponseHead(version: .http1_1, status: .ok, headers: headers))), promise: nil)
                context.write(wrapOutboundOut(.body(.byteBuffer(answer))), promise: nil)
                context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
                if !keepAlive { context.close(promise: nil) }
            }
        }
    }
}
