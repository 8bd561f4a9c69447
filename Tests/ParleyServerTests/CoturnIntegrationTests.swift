import Foundation
import HTTPTypes
import HummingbirdTesting
import Logging
import NIOCore
import ParleyAPI
import ParleyCore
import Testing

@testable import ParleyServer

#if canImport(Glibc)
import Glibc
#endif

/// A real coturn (Debian's `coturn` package) accepts the TURN credentials Parley's Network
/// Traversal endpoint issues, and refuses them once expired.
///
/// Skipped when `turnserver` is not installed, unless `PARLEY_REQUIRE_COTURN=1` (scripts/test
/// sets it and installs coturn), which turns a missing coturn into a failure.
@Suite struct CoturnIntegrationTests {
    @Test(
        .enabled(if: Coturn.executables != nil || Coturn.required, "coturn is not installed (apt-get install coturn; scripts/test does)"),
        .timeLimit(.minutes(2))
    )
    func coturnAllocatesARelayWithIssuedCredentialsAndRefusesExpiredOnes() async throws {
        let executables = try #require(Coturn.executables, "PARLEY_REQUIRE_COTURN=1, but turnserver or turnutils_uclient is missing")
        let port = try Coturn.freeLoopbackPort()

        // A newcomer's setup: no secret configured, so Parley generates one; coturn gets it.
        var configuration = ParleyConfiguration()
        configuration.dataDirectory = try temporaryDirectory().path
        configuration.inMemory = true
        configuration.plaintext = true
        configuration.port = 0
        configuration.relay.stunURLs = ["stun:127.0.0.1:\(port)"]
        configuration.relay.turnURLs = ["turn:127.0.0.1:\(port)?transport=tcp"]
        let clock = ManualWallClock(Date())
        let environment = try await ParleyEnvironment.bootstrap(configuration: configuration, clock: clock)
        let (user, _) = try await environment.identities.createUser(in: environment.defaultResource, tokenScopes: nil, expiresInMinutes: nil)

        let coturn = try await Coturn.start(
            executables,
            port: port,
            secret: environment.relay.sharedSecret,
            realm: configuration.relay.realm
        )
        defer { coturn.stop() }

        let app = try buildApplication(environment: environment, logger: Logger(label: "test"))
        try await app.test(.live) { client in
            /// Issues a relay configuration through the HTTP endpoint, signed with the resource key.
            func issue(ttl: Int) async throws -> CommunicationIceServer {
                let target = "/networkTraversal/:issueRelayConfiguration?api-version=2022-03-01-preview"
                let body = #"{"id": "\#(user.rawId)", "routeType": "any", "ttl": \#(ttl)}"#
                var headers = HTTPFields()
                headers[.contentType] = "application/json"
                let signed = TestSigner.headers(
                    method: "POST",
                    target: target,
                    host: ServerFixture.host,
                    body: Data(body.utf8),
                    key: environment.defaultResource.primaryKey,
                    date: clock.now()
                )
                for (name, value) in signed { headers[HTTPField.Name(name)!] = value }
                let response = try await client.execute(uri: target, method: .post, headers: headers, body: ByteBuffer(string: body))
                #expect(response.status == .ok)
                let configuration = try response.decode(CommunicationRelayConfiguration.self)
                return try #require(configuration.iceServers.first)
            }

            // Fresh credentials: coturn allocates a relay, and data goes through it.
            let fresh = try await issue(ttl: 600)
            let turnURL = try #require(fresh.urls.first { $0.hasPrefix("turn:") })
            #expect(turnURL == "turn:127.0.0.1:\(port)?transport=tcp")
            let accepted = try await coturn.allocate(username: fresh.username, credential: fresh.credential)
            #expect(accepted.status == 0, "turnutils_uclient failed:\n\(accepted.output)\ncoturn:\n\(coturn.log)")
            #expect(accepted.output.contains("Received relay addr"))
            #expect(await coturn.logEventually(contains: "user <\(fresh.username)>: incoming packet ALLOCATE processed, success"), "\(coturn.log)")

            // A server whose clock is two hours behind issues credentials that, in real time,
            // expired an hour ago: same secret, right HMAC, and coturn refuses them with 401.
            clock.advance(by: -7200)
            let stale = try await issue(ttl: 3600)
            let expiry = try #require(Double(stale.username.prefix { $0 != ":" }))
            #expect(expiry < Date().timeIntervalSince1970 - 3000)
            let refused = try await coturn.allocate(username: stale.username, credential: stale.credential)
            #expect(refused.status != 0, "turnutils_uclient succeeded with expired credentials:\n\(refused.output)")
            #expect(refused.output.contains("Cannot complete Allocation"))
            #expect(
                await coturn.logEventually(contains: "user <\(stale.username)>: incoming packet message processed, error 401: Unauthorized"),
                "\(coturn.log)"
            )
            #expect(!coturn.log.contains("user <\(stale.username)>: incoming packet ALLOCATE processed, success"))
        }
    }
}

/// A coturn `turnserver` on a loopback port, with its own configuration file and log in a
/// temporary directory (never `/etc/turnserver.conf`, the system service or its database).
struct Coturn {
    struct Executables {
        var turnserver: String
        var uclient: String
    }

    /// Whether scripts/test asked for coturn to be there.
    static var required: Bool { ProcessInfo.processInfo.environment["PARLEY_REQUIRE_COTURN"] == "1" }

    /// `turnserver` and `turnutils_uclient`, when both are installed.
    static var executables: Executables? {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? ""
        let directories = path.split(separator: ":").map(String.init) + ["/usr/bin", "/usr/sbin", "/usr/local/bin"]
        func find(_ name: String) -> String? {
            directories.map { "\($0)/\(name)" }.first { FileManager.default.isExecutableFile(atPath: $0) }
        }
        guard let turnserver = find("turnserver"), let uclient = find("turnutils_uclient") else { return nil }
        return Executables(turnserver: turnserver, uclient: uclient)
    }

    let executables: Executables
    let port: Int
    let directory: URL
    let process: Process

    var logPath: String { directory.appendingPathComponent("turnserver.log").path }
    var log: String { (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? "" }

    /// Starts coturn with TURN REST API credentials (`use-auth-secret`) and waits until it
    /// accepts TCP connections on `port` (at most 15 s; fails early if it exits).
    static func start(_ executables: Executables, port: Int, secret: String, realm: String) async throws -> Coturn {
        let directory = try temporaryDirectory()
        let config = directory.appendingPathComponent("turnserver.conf")
        let settings = [
            "listening-ip=127.0.0.1",
            "relay-ip=127.0.0.1",
            "listening-port=\(port)",
            "use-auth-secret",
            "static-auth-secret=\(secret)",
            "realm=\(realm)",
            "no-tls",
            "no-dtls",
            "no-cli",
            // turnutils_uclient -y relays between two allocations on 127.0.0.1.
            "allow-loopback-peers",
            "verbose",
            "log-file=stdout",
            "simple-log",
            "pidfile=\(directory.appendingPathComponent("turnserver.pid").path)",
            "userdb=\(directory.appendingPathComponent("turndb").path)",
        ]
        try Data((settings.joined(separator: "\n") + "\n").utf8).write(to: config)

        let process = Process()
        process.executableURL = URL(fileURLWithPath: executables.turnserver)
        process.arguments = ["-c", config.path]
        let coturn = Coturn(executables: executables, port: port, directory: directory, process: process)
        _ = FileManager.default.createFile(atPath: coturn.logPath, contents: nil)
        let log = try FileHandle(forWritingTo: URL(fileURLWithPath: coturn.logPath))
        process.standardOutput = log
        process.standardError = log
        process.standardInput = FileHandle.nullDevice
        try process.run()

        let deadline = ContinuousClock.now + .seconds(15)
        while !acceptsConnections(port: port) {
            guard process.isRunning else {
                throw CoturnError("turnserver exited with status \(process.terminationStatus) before listening:\n\(coturn.log)")
            }
            guard ContinuousClock.now < deadline else {
                coturn.stop()
                throw CoturnError("turnserver did not listen on 127.0.0.1:\(port) within 15 s:\n\(coturn.log)")
            }
            try await Task.sleep(for: .milliseconds(50))
        }
        return coturn
    }

    /// Stops coturn (SIGTERM, then SIGKILL after 5 s).
    func stop() {
        guard process.isRunning else { return }
        process.terminate()
        let deadline = Date().addingTimeInterval(5)
        while process.isRunning && Date() < deadline { usleep(20_000) }
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
    }

    /// Runs `turnutils_uclient` once: over TCP (`-t`), one client (`-m 1`) that allocates two
    /// relays and sends one message between them (`-y -c -n 1`), verbose (`-v`). It exits 0 when
    /// every allocation and message succeeded, 255 with `Cannot complete Allocation` when the
    /// server refused the credentials.
    func allocate(username: String, credential: String) async throws -> (status: Int32, output: String) {
        let output = directory.appendingPathComponent("uclient-\(UUID().uuidString).log")
        _ = FileManager.default.createFile(atPath: output.path, contents: nil)
        let handle = try FileHandle(forWritingTo: output)
        defer { try? handle.close() }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executables.uclient)
        process.arguments = ["-t", "-y", "-c", "-n", "1", "-m", "1", "-v", "-u", username, "-w", credential, "-p", "\(port)", "127.0.0.1"]
        process.standardOutput = handle
        process.standardError = handle
        process.standardInput = FileHandle.nullDevice
        try process.run()
        let deadline = ContinuousClock.now + .seconds(60)
        while process.isRunning {
            if ContinuousClock.now > deadline {
                process.terminate()
                process.waitUntilExit()
                throw CoturnError("turnutils_uclient did not finish within 60 s")
            }
            try await Task.sleep(for: .milliseconds(50))
        }
        return (process.terminationStatus, (try? String(contentsOf: output, encoding: .utf8)) ?? "")
    }

    /// Whether coturn's log has `text`, waiting up to 5 s for it to be written.
    func logEventually(contains text: String) async -> Bool {
        let deadline = ContinuousClock.now + .seconds(5)
        while ContinuousClock.now < deadline {
            if log.contains(text) { return true }
            try? await Task.sleep(for: .milliseconds(50))
        }
        return log.contains(text)
    }

    /// A port free for both TCP and UDP on 127.0.0.1, below the ephemeral range
    /// (`ip_local_port_range`), so no server of another test that binds port 0 can take it
    /// between this check and coturn's start.
    static func freeLoopbackPort() throws -> Int {
        let range = (try? String(contentsOfFile: "/proc/sys/net/ipv4/ip_local_port_range", encoding: .utf8))?
            .split(whereSeparator: \.isWhitespace).compactMap { Int($0) }
        let below = min(range?.first ?? 32_768, 32_768)
        for _ in 0..<200 {
            let port = Int.random(in: 20_000..<below)
            let tcp = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            defer { close(tcp) }
            var address = loopback(port: port)
            guard bind(tcp, &address) == 0 else { continue }
            let udp = socket(AF_INET, Int32(SOCK_DGRAM.rawValue), 0)
            defer { close(udp) }
            var same = loopback(port: port)
            if bind(udp, &same) == 0 { return port }
        }
        throw CoturnError("no free loopback port")
    }

    static func acceptsConnections(port: Int) -> Bool {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = loopback(port: port)
        return withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        } == 0
    }

    private static func loopback(port: Int) -> sockaddr_in {
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = UInt16(port).bigEndian
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        return address
    }

    private static func bind(_ fd: Int32, _ address: inout sockaddr_in) -> Int32 {
        withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
    }
}

struct CoturnError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
