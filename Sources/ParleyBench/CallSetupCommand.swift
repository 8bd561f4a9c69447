import ArgumentParser
import Foundation
import HTTPTypes
import Logging
import ParleyAPI
import Synchronization
import WSClient

/// Call setup latency: 2 × `--calls` app users each hold one real-time connection registered as
/// a call agent; in every round each caller starts a 1:1 call to its callee at once (or over
/// `--ramp-ms`), each callee accepts as soon as the call rings, then every caller hangs up.
/// Measured, on one monotonic clock (callers and callees live in this process):
/// (a) `startCall` sent → `incomingCall` received by the callee;
/// (b) `acceptCall` sent → the caller's `call` frame with `state: "Connected"` received.
/// Every call must ring, connect and end (`Disconnected`, 0/0, at both parties); anything else
/// is counted as a failure and fails the run.
struct CallSetupCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "calls",
        abstract: "Call setup latency: startCall → incomingCall, and acceptCall → Connected, with many calls set up at once."
    )

    @Option(help: "The scenario file written by scripts/bench/setup_calls.py (at least 2 × --calls users with 'voip' tokens).")
    var scenario: String
    @Option(help: "Calls set up at once in each round (callers and callees are 2 × this many connections).") var calls = 1000
    @Option(help: "Measured rounds; their samples are aggregated.") var rounds = 5
    @Option(help: "Rounds run before measuring.") var warmup = 1
    @Option(help: "Spread each round's startCall requests evenly over this many milliseconds (0: all at once).") var rampMs = 0
    @Option(help: "Seconds to wait for a round's calls to connect, and then to end, before counting the rest as failed.")
    var timeout = 30
    @Option(help: "Connections opening at once.") var concurrency = 200
    @Option(help: "The server's process id, to report its CPU time.") var serverPid: Int32?
    @Option(help: "Before each round, wait up to this many seconds for the rest of the machine to be idle for a second (0: do not wait).")
    var quietWait = 60
    @Option(help: "Create this file when the warm-up rounds are over, and give a profiler a second to attach (scripts/bench-calls --perf).")
    var perfReady: String?

    func run() async throws {
        let scenario = try BenchScenario.load(self.scenario)
        guard calls > 0, scenario.users.count >= 2 * calls else {
            throw BenchError("--calls \(calls) needs \(2 * calls) users; the scenario has \(scenario.users.count)")
        }
        guard timeout < 85 else { throw BenchError("--timeout must stay below the server's ringing timeout (85 s)") }
        let ledger = CallLedger(pairs: calls)
        let callers = (0..<calls).map {
            CallBenchClient(pair: $0, role: .caller, user: scenario.users[$0], peer: scenario.users[calls + $0].rawId, ledger: ledger)
        }
        let callees = (0..<calls).map {
            CallBenchClient(pair: $0, role: .callee, user: scenario.users[calls + $0], peer: scenario.users[$0].rawId, ledger: ledger)
        }

        // 1. Every user connects and registers as a call agent.
        let clock = ContinuousClock()
        let connectStart = clock.now
        say("connecting \(2 * calls) clients and registering call agents…")
        let connections = try await connect(callers + callees, scenario: scenario, ledger: ledger)
        defer { for connection in connections { connection.cancel() } }
        let registered = ledger.registrations
        say("registered \(registered.succeeded) of \(2 * calls) in \(connectStart.duration(to: clock.now)) (\(registered.failed) failed)")
        guard registered.succeeded == 2 * calls else { throw ExitCode.failure }

        // 2. Rounds: every caller calls its callee at once; callees accept; everyone hangs up.
        var total = RoundReport.empty
        for round in 0..<(warmup + rounds) {
            if round == warmup, let perfReady {
                _ = FileManager.default.createFile(atPath: perfReady, contents: nil)
                try await Task.sleep(for: .seconds(1))
            }
            try await waitForQuiet()
            let report = try await runRound(round, callers: callers, ledger: ledger)
            let label = round < warmup ? "warm-up \(round + 1)" : "round \(round - warmup + 1)"
            say("\(label): \(report.summary)")
            if round >= warmup { total.absorb(report) }
            try await Task.sleep(for: .milliseconds(500))  // let the server write the round's records behind
        }

        say("")
        say("\(rounds) rounds of \(calls) calls, \(total.setupCount) set up, \(total.failures.values.reduce(0, +)) failures")
        say(
            "offered: startCall sends of a round spanned \(Self.format(total.spans)); calls in setup at once, peak \(total.peaks.min() ?? 0)–\(total.peaks.max() ?? 0); all connected after \(Self.format(total.setupWalls))"
        )
        say("(a) startCall -> incomingCall:  \(LatencySummary(milliseconds: total.ringing))")
        say("(b) acceptCall -> Connected:    \(LatencySummary(milliseconds: total.answering))")
        if let cpu = total.serverSetupCPU {
            say(
                String(
                    format: "server CPU: %.2f s while setting up, %.2f s while ending (%.3f ms per call set up)",
                    cpu,
                    total.serverEndCPU ?? 0,
                    cpu / Double(max(1, total.setupCount)) * 1000
                )
            )
        }
        say(
            String(
                format: "load generator CPU: %.2f s while setting up; everything else on the machine (other processes, interrupts): %.2f s",
                total.clientSetupCPU,
                total.otherSetupCPU
            )
        )
        for (failure, count) in total.failures.sorted(by: { $0.key < $1.key }) { say("FAILED: \(failure): \(count)") }
        if !total.failures.isEmpty { throw ExitCode.failure }
    }

    /// Opens every client's connection, `concurrency` at a time, and waits for its registration.
    private func connect(_ clients: [CallBenchClient], scenario: BenchScenario, ledger: CallLedger) async throws -> [Task<Void, Never>] {
        let url = scenario.endpoint.replacingOccurrences(of: "https://", with: "wss://") + RealtimeProtocol.path
        let tls = try scenario.tlsConfiguration
        let logger = Logger(label: "parley-bench")
        let gate = AsyncSemaphore(concurrency)
        var tasks: [Task<Void, Never>] = []
        for client in clients {
            await gate.wait()
            let released = Flag()
            client.onRegistered = { if released.set() { Task { await gate.signal() } } }
            tasks.append(
                Task {
                    var headers = HTTPFields()
                    headers[.authorization] = "Bearer \(client.user.token)"
                    do {
                        try await WebSocketClient.connect(
                            url: url,
                            // TLS server names cannot be IP addresses: verify 127.0.0.1 as localhost.
                            configuration: WebSocketClientConfiguration(maxFrameSize: 1 << 20, additionalHeaders: headers, sniHostname: "localhost"),
                            tlsConfiguration: tls,
                            logger: logger
                        ) { inbound, outbound, _ in
                            try await client.serve(inbound: inbound, outbound: outbound)
                        }
                        ledger.connectionClosed(registered: client.isRegistered)
                    } catch {
                        ledger.connectionClosed(registered: client.isRegistered)
                        if !Task.isCancelled { say("client \(client.user.rawId) failed: \(error)") }
                    }
                    if released.set() { await gate.signal() }
                }
            )
        }
        let clock = ContinuousClock()
        let start = clock.now
        while ledger.registrations.settled < clients.count, start.duration(to: clock.now) < .seconds(120) {
            try await Task.sleep(for: .milliseconds(50))
        }
        return tasks
    }

    private func runRound(_ round: Int, callers: [CallBenchClient], ledger: CallLedger) async throws -> RoundReport {
        let clock = ContinuousClock()
        ledger.begin(round: round)
        let serverBefore = serverPid.flatMap(ProcessProbe.cpuSeconds(of:))
        let clientBefore = ProcessProbe.cpuSeconds(of: getpid()) ?? 0
        let machineBefore = Self.machineBusySeconds()

        // Set up: every caller sends startCall (at once, or over the ramp).
        let start = clock.now
        await withDiscardingTaskGroup { group in
            for caller in callers {
                if rampMs > 0 {
                    try? await clock.sleep(until: start.advanced(by: .milliseconds(rampMs) * Double(caller.pair) / Double(callers.count)))
                }
                group.addTask { await caller.startCall(round: round) }
            }
        }
        try await waitUntil(deadline: start.advanced(by: .seconds(timeout))) { ledger.setupSettled }
        let serverSetUp = serverPid.flatMap(ProcessProbe.cpuSeconds(of:))
        let clientSetUp = ProcessProbe.cpuSeconds(of: getpid()) ?? 0
        let machineSetUp = Self.machineBusySeconds()

        // End: every caller hangs up; both parties must see the call Disconnected.
        let hangUp = clock.now
        await withDiscardingTaskGroup { group in
            for caller in callers { group.addTask { await caller.hangUp(round: round) } }
        }
        try await waitUntil(deadline: hangUp.advanced(by: .seconds(timeout))) { ledger.endSettled }
        let serverEnded = serverPid.flatMap(ProcessProbe.cpuSeconds(of:))

        var report = ledger.finish()
        if let serverBefore, let serverSetUp, let serverEnded {
            report.serverSetupCPU = serverSetUp - serverBefore
            report.serverEndCPU = serverEnded - serverSetUp
        }
        report.clientSetupCPU = clientSetUp - clientBefore
        if let machineBefore, let machineSetUp {
            report.otherSetupCPU = max(0, machineSetUp - machineBefore - report.clientSetupCPU - (report.serverSetupCPU ?? 0))
        }
        return report
    }

    /// Waits until everything but the server and this process used under 5 % of a core for a
    /// second, up to `--quiet-wait` seconds: the machine may be shared, and others' work skews
    /// the figures (each round still reports what the rest of the machine used).
    private func waitForQuiet() async throws {
        let clock = ContinuousClock()
        let start = clock.now
        while start.duration(to: clock.now) < .seconds(quietWait) {
            let ours = { (self.serverPid.flatMap(ProcessProbe.cpuSeconds(of:)) ?? 0) + (ProcessProbe.cpuSeconds(of: getpid()) ?? 0) }
            guard let machineBefore = Self.machineBusySeconds() else { return }
            let oursBefore = ours()
            try await Task.sleep(for: .seconds(1))
            guard let machineAfter = Self.machineBusySeconds() else { return }
            if machineAfter - machineBefore - (ours() - oursBefore) < 0.05 { return }
        }
        say("the machine did not go quiet within \(quietWait) s; running anyway")
    }

    /// CPU time the whole machine spent busy, in seconds (Linux: `/proc/stat`).
    private static func machineBusySeconds() -> Double? {
        guard let stat = try? String(contentsOfFile: "/proc/stat", encoding: .utf8), let line = stat.split(separator: "\n").first else { return nil }
        // cpu user nice system idle iowait irq softirq steal …
        let ticks = line.split(separator: " ").dropFirst().compactMap { Double($0) }
        guard ticks.count >= 8 else { return nil }
        return (ticks[0] + ticks[1] + ticks[2] + ticks[5] + ticks[6] + ticks[7]) / 100  // clock ticks (USER_HZ = 100)
    }

    private func waitUntil(deadline: ContinuousClock.Instant, _ done: () -> Bool) async throws {
        while !done(), ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(5)) }
    }

    private static func format(_ spans: [Double]) -> String {
        guard let low = spans.min(), let high = spans.max() else { return "—" }
        return String(format: "%.1f–%.1f ms", low, high)
    }
}

/// One user's connection: a caller or a callee of one pair.
final class CallBenchClient: Sendable {
    enum Role: Sendable {
        case caller, callee
    }

    let pair: Int
    let role: Role
    let user: BenchScenario.User
    /// The other party's raw id: the callee a caller calls, the caller a callee expects.
    let peer: String
    private let ledger: CallLedger
    private let state = Mutex<(writer: WebSocketOutboundWriter?, registered: Bool, onRegistered: (@Sendable () -> Void)?)>((nil, false, nil))
    private let clock = ContinuousClock()

    init(pair: Int, role: Role, user: BenchScenario.User, peer: String, ledger: CallLedger) {
        self.pair = pair
        self.role = role
        self.user = user
        self.peer = peer
        self.ledger = ledger
    }

    /// Called once the registration was answered (either way).
    var onRegistered: (@Sendable () -> Void)? {
        get { state.withLock { $0.onRegistered } }
        set { state.withLock { $0.onRegistered = newValue } }
    }

    var isRegistered: Bool { state.withLock { $0.registered } }

    /// Registers, then reads frames until the connection closes. Callees accept a call as soon
    /// as it rings, from this loop.
    func serve(inbound: WebSocketInboundStream, outbound: WebSocketOutboundWriter) async throws {
        state.withLock { $0.writer = outbound }
        let name = role == .caller ? "caller \(pair)" : "callee \(pair)"
        try await outbound.write(.text(#"{"type":"registerCallAgent","requestId":"register","data":{"displayName":"\#(name)"}}"#))
        for try await message in inbound.messages(maxSize: 1 << 20) {
            guard case .text(let text) = message else { continue }
            let now = clock.now
            let frame = FrameFields(text)
            switch frame.type {
            case "hello", "caughtUp":
                break
            case "reply":
                reply(frame)
            case "incomingCall" where role == .callee:
                guard let callId = frame.id, frame.callerRawId == peer else {
                    ledger.unexpected("incomingCall without an id or from someone else")
                    continue
                }
                guard let round = ledger.rang(pair, callId: callId, at: now) else { continue }
                ledger.acceptSent(pair, at: clock.now)
                try await outbound.write(.text(#"{"type":"acceptCall","requestId":"accept.\#(round)","data":{"callId":"\#(callId)"}}"#))
            case "call":
                guard let callId = frame.id, let state = frame.state else {
                    ledger.unexpected("call frame without id or state")
                    continue
                }
                if state == "Connected" {
                    ledger.connected(pair, role, callId: callId, at: now)
                } else if state == "Disconnected" {
                    ledger.ended(pair, role, callId: callId, reason: "\(frame.endCode ?? "?")/\(frame.endSubCode ?? "?")")
                }
            default:
                ledger.unexpected("\(frame.type) frame at the \(role)")
            }
        }
    }

    private func reply(_ frame: FrameFields) {
        let requestId = frame.requestId ?? ""
        if requestId == "register" {
            state.withLock { $0.registered = frame.errorCode == nil }
            ledger.registered(frame.errorCode == nil)
            if let error = frame.errorCode { say("registerCallAgent refused for \(user.rawId): \(error)") }
            onRegistered?()
            return
        }
        let parts = requestId.split(separator: ".")
        guard parts.count == 2, let round = Int(parts[1]) else { return ledger.unexpected("reply to an unknown request '\(requestId)'") }
        ledger.replied(pair, String(parts[0]), round: round, callId: frame.callId, error: frame.errorCode)
    }

    private func send(_ text: String) async -> Bool {
        guard let writer = state.withLock({ $0.writer }) else { return false }
        do {
            try await writer.write(.text(text))
            return true
        } catch {
            return false
        }
    }

    func startCall(round: Int) async {
        ledger.startSent(pair, at: clock.now)
        let sent = await send(#"{"type":"startCall","requestId":"start.\#(round)","data":{"targets":[{"rawId":"\#(peer)"}]}}"#)
        if !sent { ledger.fail(pair, "startCall not sent") }
    }

    func hangUp(round: Int) async {
        guard let callId = ledger.callId(pair) else { return }
        let sent = await send(#"{"type":"hangUp","requestId":"hangUp.\#(round)","data":{"callId":"\#(callId)"}}"#)
        if !sent { ledger.fail(pair, "hangUp not sent") }
    }
}

/// What happened to each pair's call in the current round, on one monotonic clock.
final class CallLedger: Sendable {
    struct Pair {
        var callId: String?
        var startSent: ContinuousClock.Instant?
        var rang: ContinuousClock.Instant?
        var acceptSent: ContinuousClock.Instant?
        var callerConnected: ContinuousClock.Instant?
        var calleeConnected = false
        var callerEnded: String?
        var calleeEnded: String?
        var failure: String?

        var isSetUp: Bool { callerConnected != nil && calleeConnected }
        var isEnded: Bool { callerEnded != nil && calleeEnded != nil }
    }

    struct Registrations {
        var succeeded = 0
        var failed = 0
        var closed = 0
        var settled: Int { succeeded + failed + closed }
    }

    private struct State {
        var round = -1
        var pairs: [Pair]
        var failures: [String: Int] = [:]
        var registrations = Registrations()
    }

    private let state: Mutex<State>

    init(pairs: Int) {
        state = Mutex(State(pairs: Array(repeating: Pair(), count: pairs)))
    }

    // MARK: Connections

    func registered(_ succeeded: Bool) {
        state.withLock { state in
            if succeeded {
                state.registrations.succeeded += 1
            } else {
                state.registrations.failed += 1
            }
        }
    }

    func connectionClosed(registered: Bool) {
        state.withLock { state in
            if registered {
                state.failures["connection closed during the run", default: 0] += 1
            } else {
                state.registrations.closed += 1
            }
        }
    }

    var registrations: Registrations { state.withLock { $0.registrations } }

    // MARK: A round

    func begin(round: Int) {
        state.withLock { state in
            state.round = round
            state.pairs = Array(repeating: Pair(), count: state.pairs.count)
        }
    }

    func callId(_ pair: Int) -> String? { state.withLock { $0.pairs[pair].callId } }

    func startSent(_ pair: Int, at instant: ContinuousClock.Instant) {
        state.withLock { $0.pairs[pair].startSent = instant }
    }

    func fail(_ pair: Int, _ reason: String) {
        state.withLock { state in
            if state.pairs[pair].failure == nil { state.pairs[pair].failure = reason }
            state.failures[reason, default: 0] += 1
        }
    }

    func unexpected(_ what: String) {
        state.withLock { $0.failures["unexpected: \(what)", default: 0] += 1 }
    }

    /// A call rang at the callee of `pair`: the round to accept it in, or nil if it is not the
    /// call this pair expects now.
    func rang(_ pair: Int, callId: String, at instant: ContinuousClock.Instant) -> Int? {
        state.withLock { state in
            guard state.pairs[pair].rang == nil else {
                state.failures["incomingCall rang twice", default: 0] += 1
                return nil
            }
            if let known = state.pairs[pair].callId, known != callId {
                state.failures["incomingCall for another call", default: 0] += 1
                return nil
            }
            state.pairs[pair].callId = callId
            state.pairs[pair].rang = instant
            return state.round
        }
    }

    func acceptSent(_ pair: Int, at instant: ContinuousClock.Instant) {
        state.withLock { $0.pairs[pair].acceptSent = instant }
    }

    func replied(_ pair: Int, _ request: String, round: Int, callId: String?, error: String?) {
        state.withLock { state in
            guard round == state.round else {
                state.failures["reply to \(request) of an earlier round", default: 0] += 1
                return
            }
            if let error {
                let reason = "\(request) refused (\(error))"
                if state.pairs[pair].failure == nil { state.pairs[pair].failure = reason }
                state.failures[reason, default: 0] += 1
                return
            }
            if request == "start", let callId {
                if let known = state.pairs[pair].callId, known != callId {
                    state.failures["startCall reply names another call than rang", default: 0] += 1
                }
                state.pairs[pair].callId = callId
            }
        }
    }

    func connected(_ pair: Int, _ role: CallBenchClient.Role, callId: String, at instant: ContinuousClock.Instant) {
        state.withLock { state in
            guard state.pairs[pair].callId == callId else {
                state.failures["Connected frame for another call", default: 0] += 1
                return
            }
            switch role {
            case .caller where state.pairs[pair].callerConnected == nil: state.pairs[pair].callerConnected = instant
            case .callee: state.pairs[pair].calleeConnected = true
            case .caller: break  // a later snapshot of the connected call
            }
        }
    }

    func ended(_ pair: Int, _ role: CallBenchClient.Role, callId: String, reason: String) {
        state.withLock { state in
            guard state.pairs[pair].callId == callId else {
                state.failures["Disconnected frame for another call", default: 0] += 1
                return
            }
            let previous = role == .caller ? state.pairs[pair].callerEnded : state.pairs[pair].calleeEnded
            guard previous == nil else {
                state.failures["Disconnected twice", default: 0] += 1
                return
            }
            if role == .caller { state.pairs[pair].callerEnded = reason } else { state.pairs[pair].calleeEnded = reason }
            if reason != "0/0" { state.failures["ended with \(reason) instead of 0/0", default: 0] += 1 }
        }
    }

    /// Every call is set up, or failed.
    var setupSettled: Bool { state.withLock { $0.pairs.allSatisfy { $0.isSetUp || $0.failure != nil } } }

    /// Every call that has an id ended at both parties, or failed.
    var endSettled: Bool { state.withLock { $0.pairs.allSatisfy { $0.isEnded || $0.callId == nil || $0.failure != nil } } }

    /// The round's samples and failures; calls that did not get as far as they should count as
    /// failures here.
    func finish() -> RoundReport {
        state.withLock { state in
            var report = RoundReport.empty
            var events: [(ContinuousClock.Instant, Int)] = []
            var starts: [ContinuousClock.Instant] = []
            for pair in state.pairs {
                if let start = pair.startSent {
                    starts.append(start)
                    events.append((start, 1))
                }
                if let start = pair.startSent, let rang = pair.rang { report.ringing.append(Self.milliseconds(start.duration(to: rang))) }
                if let accept = pair.acceptSent, let connected = pair.callerConnected {
                    report.answering.append(Self.milliseconds(accept.duration(to: connected)))
                    events.append((connected, -1))
                }
                if pair.isSetUp { report.setupCount += 1 }
                guard pair.failure == nil else { continue }  // counted when it failed
                if pair.rang == nil {
                    state.failures["never rang at the callee", default: 0] += 1
                } else if !pair.isSetUp {
                    state.failures["never connected at both parties", default: 0] += 1
                } else if pair.callerEnded == nil || pair.calleeEnded == nil {
                    state.failures["no Disconnected frame at the \(pair.callerEnded == nil ? "caller" : "callee")", default: 0] += 1
                }
            }
            if let first = starts.min(), let last = starts.max() { report.spans = [Self.milliseconds(first.duration(to: last))] }
            if let first = starts.min(), let last = state.pairs.compactMap(\.callerConnected).max() {
                report.setupWalls = [Self.milliseconds(first.duration(to: last))]
            }
            var inFlight = 0
            var peak = 0
            for (_, change) in events.sorted(by: { $0.0 < $1.0 }) {
                inFlight += change
                peak = max(peak, inFlight)
            }
            report.peaks = [peak]
            report.failures = state.failures
            state.failures = [:]
            return report
        }
    }

    private static func milliseconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) * 1000 + Double(duration.components.attoseconds) / 1e15
    }
}

/// The figures of one round, or of several added up.
struct RoundReport {
    var ringing: [Double] = []
    var answering: [Double] = []
    var setupCount = 0
    /// Milliseconds from the first startCall sent to the last.
    var spans: [Double] = []
    /// Milliseconds from the first startCall sent to the last caller's Connected.
    var setupWalls: [Double] = []
    /// The most calls between startCall sent and Connected at the caller at one time.
    var peaks: [Int] = []
    var failures: [String: Int] = [:]
    var serverSetupCPU: Double?
    var serverEndCPU: Double?
    var clientSetupCPU = 0.0
    /// CPU time of everything else on the machine while setting up: other work skews the figures.
    var otherSetupCPU = 0.0

    static let empty = RoundReport()

    mutating func absorb(_ other: RoundReport) {
        ringing += other.ringing
        answering += other.answering
        setupCount += other.setupCount
        spans += other.spans
        setupWalls += other.setupWalls
        peaks += other.peaks
        failures.merge(other.failures, uniquingKeysWith: +)
        if let cpu = other.serverSetupCPU { serverSetupCPU = (serverSetupCPU ?? 0) + cpu }
        if let cpu = other.serverEndCPU { serverEndCPU = (serverEndCPU ?? 0) + cpu }
        clientSetupCPU += other.clientSetupCPU
        otherSetupCPU += other.otherSetupCPU
    }

    var summary: String {
        let (a, b) = (LatencySummary(milliseconds: ringing), LatencySummary(milliseconds: answering))
        var line = String(
            format: "%d set up in %.0f ms; sends spanned %.1f ms, peak %d in setup",
            setupCount,
            setupWalls.first ?? 0,
            spans.first ?? 0,
            peaks.first ?? 0
        )
        line += String(format: "; (a) p50 %.2f p99 %.2f ms; (b) p50 %.2f p99 %.2f ms", a.p50, a.p99, b.p50, b.p99)
        if let cpu = serverSetupCPU { line += String(format: "; server CPU %.2f s", cpu) }
        line += String(format: "; others %.2f s", otherSetupCPU)
        if !failures.isEmpty { line += "; \(failures.values.reduce(0, +)) failures" }
        return line
    }
}

/// The few fields of a server frame the benchmark needs, found in one pass over its bytes
/// without decoding the rest (the load generator shares the machine with the server). String
/// values are taken as they appear between their quotes: ids and states have no escapes.
struct FrameFields {
    var type = ""
    /// `data.id`: the call of an `incomingCall` or `call` frame.
    var id: String?
    /// `data.state`: the call's state in a `call` frame.
    var state: String?
    /// `data.requestId`, `data.call.id`, `data.error.code`: a reply's.
    var requestId: String?
    var callId: String?
    var errorCode: String?
    /// `data.callEndReason`: a `call` frame's, once Disconnected.
    var endCode: String?
    var endSubCode: String?
    /// `data.callerInfo.identifier.rawId`: an `incomingCall`'s caller.
    var callerRawId: String?

    /// Objects worth descending into: those on the way to the fields above.
    private static let prefixes: Set<[String]> = [
        [], ["data"], ["data", "call"], ["data", "error"], ["data", "callEndReason"], ["data", "callerInfo"], ["data", "callerInfo", "identifier"],
    ]

    init(_ text: String) {
        var text = text
        text.withUTF8 { bytes in
            var scanner = JSONScanner(bytes: bytes)
            scanner.scan(path: []) { path, value in
                self.take(path, value)
            } descend: {
                Self.prefixes.contains($0)
            }
        }
    }

    private mutating func take(_ path: [String], _ value: String) {
        switch path {
        case ["type"]: type = value
        case ["data", "id"]: id = value
        case ["data", "state"]: state = value
        case ["data", "requestId"]: requestId = value
        case ["data", "call", "id"]: callId = value
        case ["data", "error", "code"]: errorCode = value
        case ["data", "callEndReason", "code"]: endCode = value
        case ["data", "callEndReason", "subCode"]: endSubCode = value
        case ["data", "callerInfo", "identifier", "rawId"]: callerRawId = value
        default: break
        }
    }
}

/// Walks a JSON text, reporting scalar values (with the keys that lead to them) inside the
/// objects `descend` accepts; arrays and other objects are skipped without looking inside.
private struct JSONScanner {
    let bytes: UnsafeBufferPointer<UInt8>
    var index = 0

    mutating func scan(path: [String], report: (_ path: [String], _ value: String) -> Void, descend: ([String]) -> Bool) {
        skipWhitespace()
        guard index < bytes.count else { return }
        switch bytes[index] {
        case UInt8(ascii: "{") where descend(path):
            index += 1
            while index < bytes.count {
                skipWhitespace()
                guard index < bytes.count else { return }
                switch bytes[index] {
                case UInt8(ascii: "}"):
                    index += 1
                    return
                case UInt8(ascii: ","):
                    index += 1
                case UInt8(ascii: "\""):
                    let key = string()
                    skipWhitespace()
                    guard index < bytes.count, bytes[index] == UInt8(ascii: ":") else { return }
                    index += 1
                    scan(path: path + [String(decoding: UnsafeBufferPointer(rebasing: bytes[key]), as: UTF8.self)], report: report, descend: descend)
                default:
                    return  // not JSON: stop
                }
            }
        case UInt8(ascii: "{"), UInt8(ascii: "["):
            skipContainer()
        case UInt8(ascii: "\""):
            let value = string()
            report(path, String(decoding: UnsafeBufferPointer(rebasing: bytes[value]), as: UTF8.self))
        default:
            let start = index
            while index < bytes.count, !Self.ends(bytes[index]) { index += 1 }
            report(path, String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<index]), as: UTF8.self))
        }
    }

    /// The contents of the string at `index` (which is its opening quote); moves past it.
    private mutating func string() -> Range<Int> {
        index += 1
        let start = index
        while index < bytes.count, bytes[index] != UInt8(ascii: "\"") {
            index += bytes[index] == UInt8(ascii: "\\") ? 2 : 1
        }
        let end = min(index, bytes.count)
        index += 1
        return start..<end
    }

    private mutating func skipContainer() {
        var depth = 0
        while index < bytes.count {
            switch bytes[index] {
            case UInt8(ascii: "\""):
                _ = string()
                continue
            case UInt8(ascii: "{"), UInt8(ascii: "["):
                depth += 1
            case UInt8(ascii: "}"), UInt8(ascii: "]"):
                depth -= 1
                if depth == 0 {
                    index += 1
                    return
                }
            default:
                break
            }
            index += 1
        }
    }

    private mutating func skipWhitespace() {
        while index < bytes.count, Self.isWhitespace(bytes[index]) { index += 1 }
    }

    private static func isWhitespace(_ byte: UInt8) -> Bool {
        byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\n") || byte == UInt8(ascii: "\r") || byte == UInt8(ascii: "\t")
    }

    /// Whether `byte` ends a number or literal.
    private static func ends(_ byte: UInt8) -> Bool {
        byte == UInt8(ascii: ",") || byte == UInt8(ascii: "}") || byte == UInt8(ascii: "]") || isWhitespace(byte)
    }
}

/// Prints a line at once, also when standard output is a pipe (the script shows progress).
private func say(_ line: String) {
    FileHandle.standardOutput.write(Data((line + "\n").utf8))
}
