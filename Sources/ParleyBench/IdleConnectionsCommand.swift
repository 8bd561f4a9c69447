import ArgumentParser
import Foundation
import HTTPTypes
import Logging
import ParleyAPI
import Synchronization
import WSClient

/// Opens many real-time connections that then stay idle, prints `connected N` once the server
/// has said hello on all of them, and holds them until killed. The script measures the server's
/// memory before and after.
struct IdleConnectionsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "idle",
        abstract: "Open idle real-time connections and hold them."
    )

    @Option(help: "The scenario file written by scripts/bench/setup_realtime.py.") var scenario: String
    @Option(help: "How many connections to open.") var count = 10_000
    @Option(help: "Connections opening at once.") var concurrency = 200

    func run() async throws {
        let scenario = try BenchScenario.load(self.scenario)
        let plain = scenario.endpoint.hasPrefix("http://")
        let tls = plain ? nil : try scenario.tlsConfiguration
        let url =
            scenario.endpoint.replacingOccurrences(of: "https://", with: "wss://").replacingOccurrences(of: "http://", with: "ws://")
            + RealtimeProtocol.path
        let connected = Counter()
        let failed = Counter()
        let logger = Logger(label: "parley-bench")
        let gate = AsyncSemaphore(concurrency)
        try await withThrowingDiscardingTaskGroup { group in
            for index in 0..<count {
                await gate.wait()
                let user = scenario.users[index % scenario.users.count]
                group.addTask {
                    var headers = HTTPFields()
                    headers[.authorization] = "Bearer \(user.token)"
                    let released = Flag()
                    do {
                        try await WebSocketClient.connect(
                            url: url,
                            // TLS server names cannot be IP addresses: verify 127.0.0.1 as localhost.
                            configuration: WebSocketClientConfiguration(additionalHeaders: headers, sniHostname: "localhost"),
                            tlsConfiguration: tls,
                            logger: logger
                        ) { inbound, _, _ in
                            for try await _ in inbound.messages(maxSize: 1 << 20) where released.set() {
                                connected.increment()
                                await gate.signal()
                            }
                        }
                    } catch {
                        failed.increment()
                    }
                    if released.set() { await gate.signal() }
                }
                if index % 1000 == 999 { print("opened \(index + 1) (\(failed.value) failed)") }
            }
            while connected.value + failed.value < count { try await Task.sleep(for: .milliseconds(100)) }
            // The script waits for this line (stdout is a pipe: write it unbuffered).
            FileHandle.standardOutput.write(Data("connected \(connected.value) (\(failed.value) failed)\n".utf8))
        }
    }
}

/// A flag that is set once.
final class Flag: Sendable {
    private let value = Mutex(false)
    /// Sets the flag; true if this call set it.
    func set() -> Bool {
        value.withLock { value in
            defer { value = true }
            return !value
        }
    }
}

/// Limits how many connections open at once.
actor AsyncSemaphore {
    private var available: Int
    private var waiters: [CheckedContinuation<Void, Never>] = []

    init(_ count: Int) { available = count }

    func wait() async {
        if available > 0 {
            available -= 1
            return
        }
        await withCheckedContinuation { waiters.append($0) }
    }

    func signal() {
        if waiters.isEmpty { available += 1 } else { waiters.removeFirst().resume() }
    }
}
