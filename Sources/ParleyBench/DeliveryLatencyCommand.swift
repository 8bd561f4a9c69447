import ArgumentParser
import AsyncHTTPClient
import Foundation
import NIOCore
import NIOFoundationCompat
import NIOHTTP1
import ParleyAPI
import ParleyClient
import Synchronization

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

    func run() async throws {
        let scenario = try BenchScenario.load(self.scenario)
        let endpoint = try require(URL(string: scenario.endpoint), "a valid endpoint")
        let log = ArrivalLog()

        // 1. Every user connects and waits until caught up.
        print("connecting \(scenario.users.count) clients…")
        let connected = Counter()
        var listeners: [Task<Void, Never>] = []
        for user in scenario.users {
            let notifications = try ChatNotifications(
                endpoint: endpoint,
                credential: try CommunicationTokenCredential(token: user.token),
                caCertificatePath: scenario.caCertificatePath
            )
            listeners.append(
                Task {
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
            )
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
