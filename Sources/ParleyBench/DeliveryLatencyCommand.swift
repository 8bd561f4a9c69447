import ArgumentParser
import AsyncHTTPClient
import Foundation
import HTTPTypes
import Logging
import NIOCore
import NIOFoundationCompat
import NIOHTTP1
import ParleyAPI
import ParleyClient
import Synchronization
import WSClient

/// Every user of the scenario listens through the SDK's `ChatNotifications`; messages are sent
/// over HTTPS at a fixed rate, round robin over the threads; the delay from each send's 201 to
/// the message's arrival at each recipient is reported.
struct DeliveryLatencyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "delivery",
        abstract: "Delay from a send's 201 to its arrival at every recipient, at a fixed send rate."
    )

    @Option(help: "The scenario file written by scripts/bench/setup_realtime.py.") var scenario: String
    @Option(help: "Messages per second.") var rate = 1000
    @Option(help: "Seconds of measured sending.") var duration = 30
    @Option(help: "Seconds of sending before measuring.") var warmup = 5
    @Option(help: "The server's process id, to report its CPU time.") var serverPid: Int32?
    @Option(
        help:
            "raw: minimal WebSocket clients that only find each message's id (the load generator shares the machine with the server); sdk: the Swift SDK's ChatNotifications, decoding every event."
    )
    var client: ClientKind = .raw

    enum ClientKind: String, ExpressibleByArgument {
        case raw, sdk
    }

    func run() async throws {
        let scenario = try BenchScenario.load(self.scenario)
        let endpoint = try require(URL(string: scenario.endpoint), "a valid endpoint")
        let log = ArrivalLog()

        // 1. Every user connects and waits until caught up.
        print("connecting \(scenario.users.count) \(client.rawValue) clients…")
        let connected = Counter()
        var listeners: [Task<Void, Never>] = []
        for user in scenario.users {
            switch client {
            case .sdk: listeners.append(try Self.sdkListener(user, scenario: scenario, endpoint: endpoint, log: log, connected: connected))
            case .raw: listeners.append(try Self.rawListener(user, scenario: scenario, log: log, connected: connected))
            }
        }
        let clock = ContinuousClock()
        let connectStart = clock.now
        while connected.value < scenario.users.count { try await Task.sleep(for: .milliseconds(50)) }
        print("connected in \(connectStart.duration(to: clock.now))")

        // 2. Send at the rate, round robin over the threads, from a different member each time.
        var configuration = HTTPClient.Configuration(tlsConfiguration: try scenario.tlsConfiguration)
        configuration.connectionPool = .init(idleTimeout: .seconds(60), concurrentHTTP1ConnectionsPerHostSoftLimit: 64)
        let http = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
        let total = rate * (warmup + duration)
        let measuredFrom = rate * warmup
        let cpuBefore = serverPid.flatMap(ProcessProbe.cpuSeconds(of:))
        let sendStart = clock.now
        let failures = Counter()
        try await withThrowingDiscardingTaskGroup { group in
            for index in 0..<total {
                try await clock.sleep(until: sendStart.advanced(by: .seconds(Double(index) / Double(rate))))
                let thread = scenario.threads[index % scenario.threads.count]
                let sender = scenario.users[thread.members[(index / scenario.threads.count) % thread.members.count]]
                group.addTask {
                    do {
                        let id = try await Self.send(http, endpoint: scenario.endpoint, thread: thread.id, token: sender.token, index: index)
                        log.acknowledged(thread.id + "/" + id, measured: index >= measuredFrom, recipients: thread.members.count)
                    } catch {
                        failures.increment()
                    }
                }
            }
        }
        let sendElapsed = sendStart.duration(to: clock.now)
        let cpuAfter = serverPid.flatMap(ProcessProbe.cpuSeconds(of:))

        // 3. Wait for the stragglers, then report.
        let expected = log.expectedArrivals
        let waitStart = clock.now
        while log.arrivalCount < expected, waitStart.duration(to: clock.now) < .seconds(30) { try await Task.sleep(for: .milliseconds(100)) }
        let report = log.report()
        print("sent \(total) messages in \(sendElapsed) (\(failures.value) failed); measured the last \(total - measuredFrom)")
        print("deliveries: \(report.delivered) of \(report.expected) expected (\(report.early) arrived before the sender's 201)")
        print("201 -> arrival: \(LatencySummary(milliseconds: report.fromAcknowledgement))")
        if let cpuBefore, let cpuAfter {
            let seconds = Double(sendElapsed.components.seconds) + Double(sendElapsed.components.attoseconds) / 1e18
            print(String(format: "server CPU while sending: %.0f%% of one core", (cpuAfter - cpuBefore) / seconds * 100))
        }
        for listener in listeners { listener.cancel() }
        try await http.shutdown()
        if report.delivered < report.expected || failures.value > 0 { throw ExitCode.failure }
    }

    /// A listener through the SDK: every frame decoded into typed events.
    private static func sdkListener(
        _ user: BenchScenario.User,
        scenario: BenchScenario,
        endpoint: URL,
        log: ArrivalLog,
        connected: Counter
    ) throws -> Task<Void, Never> {
        let notifications = try ChatNotifications(
            endpoint: endpoint,
            credential: try CommunicationTokenCredential(token: user.token),
            caCertificatePath: scenario.caCertificatePath
        )
        return Task {
            do {
                var first = true
                for try await notification in notifications {
                    switch notification {
                    case .event(.chatMessageReceived(let message), _): log.arrived(message.threadId + "/" + message.id)
                    case .connected where first:
                        first = false
                        connected.increment()
                    default: break
                    }
                }
            } catch {
                print("listener failed: \(error)")
            }
        }
    }

    /// A listener that reads only what the measurement needs from each frame: its type, and the
    /// thread and message ids (the data's keys are sorted, so the first `"id"` is the message's).
    private static func rawListener(
        _ user: BenchScenario.User,
        scenario: BenchScenario,
        log: ArrivalLog,
        connected: Counter
    ) throws -> Task<Void, Never> {
        let url = scenario.endpoint.replacingOccurrences(of: "https://", with: "wss://") + RealtimeProtocol.path
        var headers = HTTPFields()
        headers[.authorization] = "Bearer \(user.token)"
        let tls = try scenario.tlsConfiguration
        return Task {
            do {
                try await WebSocketClient.connect(
                    url: url,
                    configuration: WebSocketClientConfiguration(maxFrameSize: 1 << 20, additionalHeaders: headers, sniHostname: "localhost"),
                    tlsConfiguration: tls,
                    logger: Logger(label: "parley-bench")
                ) { inbound, _, _ in
                    for try await message in inbound.messages(maxSize: 1 << 20) {
                        guard case .text(let text) = message else { continue }
                        if text.hasPrefix(#"{"type":"chatMessageReceived""#), let id = Self.value(of: #""id":""#, in: text),
                            let thread = Self.value(of: #""threadId":""#, in: text)
                        {
                            log.arrived(thread + "/" + id)
                        } else if text.contains(#""type":"caughtUp""#) {
                            connected.increment()
                        }
                    }
                }
            } catch {
                print("listener failed: \(error)")
            }
        }
    }

    /// The string value after the first occurrence of `key` (which ends with its opening quote).
    private static func value(of key: String, in text: String) -> String? {
        guard let start = text.range(of: key)?.upperBound, let end = text[start...].firstIndex(of: "\"") else { return nil }
        return String(text[start..<end])
    }

    private static func send(_ http: HTTPClient, endpoint: String, thread: String, token: String, index: Int) async throws -> String {
        var request = HTTPClientRequest(url: "\(endpoint)chat/threads/\(thread)/messages?api-version=2024-03-07")
        request.method = .POST
        request.headers.add(name: "Authorization", value: "Bearer \(token)")
        request.headers.add(name: "Content-Type", value: "application/json")
        request.body = .bytes(ByteBuffer(string: #"{"content":"benchmark message \#(index)","type":"text"}"#))
        let response = try await http.execute(request, timeout: .seconds(30))
        let body = try await response.body.collect(upTo: 1 << 16)
        guard response.status == .created else { throw BenchError("send failed with \(response.status)") }
        return try JSONDecoder().decode(SendChatMessageResult.self, from: Data(buffer: body)).id
    }
}

/// When each message was acknowledged and when it reached each recipient, by thread and
/// message id (message ids are unique within a thread only).
final class ArrivalLog: Sendable {
    private struct State {
        var acknowledged: [String: (at: ContinuousClock.Instant, measured: Bool, recipients: Int)] = [:]
        var arrivals: [String: [ContinuousClock.Instant]] = [:]
        var arrivalCount = 0
        var expected = 0
    }

    private let state = Mutex(State())
    private let clock = ContinuousClock()

    func arrived(_ id: String) {
        let now = clock.now
        state.withLock { state in
            state.arrivals[id, default: []].append(now)
            state.arrivalCount += 1
        }
    }

    func acknowledged(_ id: String, measured: Bool, recipients: Int) {
        let now = clock.now
        state.withLock { state in
            state.acknowledged[id] = (now, measured, recipients)
            state.expected += recipients
        }
    }

    var arrivalCount: Int { state.withLock { $0.arrivalCount } }
    var expectedArrivals: Int { state.withLock { $0.expected } }

    struct Report {
        var fromAcknowledgement: [Double]
        var delivered: Int
        var expected: Int
        var early: Int
    }

    func report() -> Report {
        state.withLock { state in
            var samples: [Double] = []
            var delivered = 0
            var expected = 0
            var early = 0
            for (id, ack) in state.acknowledged {
                let arrivals = state.arrivals[id] ?? []
                delivered += arrivals.count
                expected += ack.recipients
                guard ack.measured else { continue }
                for arrival in arrivals {
                    let delay = ack.at.duration(to: arrival)
                    if delay < .zero { early += 1 }
                    let components = delay.components
                    samples.append(max(0, Double(components.seconds) * 1000 + Double(components.attoseconds) / 1e15))
                }
            }
            return Report(fromAcknowledgement: samples, delivered: delivered, expected: expected, early: early)
        }
    }
}

/// A thread-safe counter.
final class Counter: Sendable {
    private let count = Mutex(0)
    func increment() { count.withLock { $0 += 1 } }
    var value: Int { count.withLock { $0 } }
    /// The value before this call's increment (0, 1, 2, … across concurrent callers).
    func next() -> Int {
        count.withLock { value in
            defer { value += 1 }
            return value
        }
    }
}

struct BenchError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// `#require` for a command line tool: the value, or a clear error.
func require<T>(_ value: T?, _ what: String) throws -> T {
    guard let value else { throw BenchError("missing \(what)") }
    return value
}
