import Configuration
import Foundation
import Logging
import ParleyCore
import ParleySQLite

/// Everything the server can be told, read once at start from a `ConfigReader` (flags, then
/// `PARLEY_*` environment variables, then an optional JSON config file, then defaults).
public struct ParleyConfiguration: Sendable {
    /// The default port: fixed and documented, so connection strings stay valid across restarts.
    public static let defaultPort = 8443

    public var host: String = "127.0.0.1"
    public var port: Int = ParleyConfiguration.defaultPort
    /// Serve plain HTTP, for deployments behind a TLS-terminating proxy. Off by default.
    public var plaintext: Bool = false
    /// The endpoint put into connection strings, when it differs from the listening address
    /// (behind a proxy). Defaults to `https://<host>:<port>/`.
    public var publicEndpoint: String?
    public var dataDirectory: String = ".parley"
    /// Keep the database in memory (TLS material still lives in the data directory).
    public var inMemory: Bool = false
    /// `full` (fsync every commit) or `normal` (survives process crashes, not power loss).
    public var durability: SQLiteParleyStore.Durability = .full
    /// Where to write the JSON ready document once the server listens.
    public var readyFile: String?
    /// How far `x-ms-date` may be from the server's clock.
    public var clockSkewSeconds: Int = 900
    /// Enforce the service's published rate limits (429 + Retry-After).
    public var enforceRateLimits: Bool = false
    /// How long a new connection may take to send its first request before it is closed.
    public var firstRequestTimeoutSeconds: Int = 30
    /// The largest request body accepted; larger ones get 413.
    public var maxBodyBytes: Int = 1 << 20
    public var logLevel: Logger.Level = .info
    /// Seed the demo organization (Contoso, interop enabled for the default resource).
    public var demo: Bool = false
    /// Whether the real service's interop limitations are enforced (`faithful`) or lifted.
    public var interopProfile: InteropProfile = .faithful
    /// Real-time delivery: retention for resumption, per-connection queues, pings.
    public var realtime = RealtimeConfiguration()
    /// Call ringing and reconnection timeouts.
    public var calling = CallingConfiguration()
    /// STUN/TURN servers handed out by ACS Network Traversal, and the TURN shared secret.
    public var relay = RelaySettings()
    /// Development mode: fault injection, a controllable clock, snapshots (off by default).
    public var development = DevelopmentConfiguration()
    /// Event Grid-style delivery of events to webhooks.
    public var events = EventsConfiguration()

    public init() {}

    /// Reads the configuration.
    ///
    /// - Configuration keys (environment: `PARLEY_` + the key in upper snake case, e.g.
    ///   `PARLEY_HTTP_PORT`):
    ///   - `http.host` (string, default `127.0.0.1`): address to listen on.
    ///   - `http.port` (int, default 8443; 0 picks a free port).
    ///   - `http.plaintext` (bool, default false): serve HTTP instead of HTTPS.
    ///   - `http.publicEndpoint` (string, optional): endpoint written into connection strings.
    ///   - `http.maxBodyBytes` (int, default 1048576): request body cap (413 above).
    ///   - `http.firstRequestTimeoutSeconds` (int, default 30): a connection that sends nothing
    ///     for this long after opening is closed.
    ///   - `storage.dataDirectory` (string, default `.parley`): database, keys and certificates.
    ///   - `storage.inMemory` (bool, default false): keep the database in memory.
    ///   - `storage.durability` (string, default `full`): `full` fsyncs every commit; `normal` only
    ///     survives process crashes.
    ///   - `readyFile` (string, optional): write the ready JSON document here once listening.
    ///   - `auth.clockSkewSeconds` (int, default 900): accepted `x-ms-date` skew.
    ///   - `limits.enforceRateLimits` (bool, default false): published service rate limits.
    ///   - `log.level` (string, default `info`): trace, debug, info, notice, warning, error.
    ///   - `demo` (bool, default false): seed the demo organization.
    ///   - `interop.profile` (string, default `faithful`): `faithful` or `extended` (DESIGN.md C1–C4).
    ///   - `realtime.retentionSeconds` (int, default 86400): how long clients can resume.
    ///   - `realtime.queueLimit` (int, default 1024): frames waiting per connection before it is
    ///     closed as a slow consumer.
    ///   - `realtime.pingIntervalSeconds` (int, default 30): WebSocket ping period.
    ///   - `calling.ringingTimeoutSeconds` (double, default 85): how long calls ring.
    ///   - `calling.reconnectGraceSeconds` (double, default 120): how long a dropped endpoint
    ///     stays in its calls.
    ///   - `relay.stunURLs`, `relay.turnURLs`, `relay.sharedSecret`, `relay.realm`,
    ///     `relay.defaultTtlSeconds`: see ``RelaySettings/init(reader:)``.
    ///   - `dev.enabled` (bool, default false): development mode (faults, clock, snapshots).
    ///   - `dev.allowNonLoopback` (bool, default false): allow development mode on an address
    ///     other than loopback.
    ///   - `dev.snapshotDirectory` (string, default `<data directory>/snapshots`).
    ///   - `events.allowHttpWebhooks` (bool, default false): accept plain-HTTP webhook URLs
    ///     (local development).
    ///   - `events.maxRetryDelaySeconds` (double, optional): cap on every retry delay and
    ///     probation (local development; default Event Grid's schedule).
    ///   - `events.deliveryConcurrency` (int, default 8): batches in flight per subscription.
    ///   - `events.webhookCAFile` (string, optional): extra CAs trusted for webhook endpoints.
    public init(reader: ConfigReader) throws {
        host = reader.string(forKey: "http.host", default: host)
        port = reader.int(forKey: "http.port", default: port)
        plaintext = reader.bool(forKey: "http.plaintext", default: plaintext)
        publicEndpoint = reader.string(forKey: "http.publicEndpoint")
        maxBodyBytes = reader.int(forKey: "http.maxBodyBytes", default: maxBodyBytes)
        firstRequestTimeoutSeconds = reader.int(forKey: "http.firstRequestTimeoutSeconds", default: firstRequestTimeoutSeconds)
        guard firstRequestTimeoutSeconds > 0 else { throw ConfigurationError("http.firstRequestTimeoutSeconds must be positive") }
        dataDirectory = reader.string(forKey: "storage.dataDirectory", default: dataDirectory)
        inMemory = reader.bool(forKey: "storage.inMemory", default: inMemory)
        let durabilityName = reader.string(forKey: "storage.durability", default: durability.rawValue)
        guard let parsedDurability = SQLiteParleyStore.Durability(rawValue: durabilityName.lowercased()) else {
            throw ConfigurationError("storage.durability '\(durabilityName)' is neither 'full' nor 'normal'")
        }
        durability = parsedDurability
        readyFile = reader.string(forKey: "readyFile")
        clockSkewSeconds = reader.int(forKey: "auth.clockSkewSeconds", default: clockSkewSeconds)
        enforceRateLimits = reader.bool(forKey: "limits.enforceRateLimits", default: enforceRateLimits)
        demo = reader.bool(forKey: "demo", default: demo)
        let profile = reader.string(forKey: "interop.profile", default: interopProfile.rawValue)
        guard let parsedProfile = InteropProfile(rawValue: profile.lowercased()) else {
            throw ConfigurationError("interop.profile '\(profile)' is neither 'faithful' nor 'extended'")
        }
        interopProfile = parsedProfile
        let level = reader.string(forKey: "log.level", default: "info")
        guard let parsedLevel = Logger.Level(rawValue: level.lowercased()) else {
            throw ConfigurationError("log.level '\(level)' is not one of trace, debug, info, notice, warning, error, critical")
        }
        logLevel = parsedLevel
        realtime.retentionSeconds = reader.int(forKey: "realtime.retentionSeconds", default: realtime.retentionSeconds)
        realtime.queueLimit = reader.int(forKey: "realtime.queueLimit", default: realtime.queueLimit)
        realtime.pingIntervalSeconds = reader.int(forKey: "realtime.pingIntervalSeconds", default: realtime.pingIntervalSeconds)
        guard realtime.retentionSeconds > 0, realtime.queueLimit > 0, realtime.pingIntervalSeconds > 0 else {
            throw ConfigurationError("realtime.retentionSeconds, realtime.queueLimit and realtime.pingIntervalSeconds must be positive")
        }
        calling = try CallingConfiguration(reader: reader)
        relay = try RelaySettings(reader: reader)
        development = DevelopmentConfiguration(reader: reader)
        events = try EventsConfiguration(reader: reader)
        guard (0...65535).contains(port) else { throw ConfigurationError("http.port \(port) is not a port number") }
        guard maxBodyBytes > 0 else { throw ConfigurationError("http.maxBodyBytes must be positive") }
        guard clockSkewSeconds >= 0 else { throw ConfigurationError("auth.clockSkewSeconds must not be negative") }
        try validate()
    }

    /// Checks what no single key can: development mode only on loopback unless forced.
    public func validate() throws {
        try development.check(host: host)
    }

    /// The scheme the server speaks.
    public var scheme: String { plaintext ? "http" : "https" }
}

/// A configuration value that cannot be used, with what is wrong with it.
public struct ConfigurationError: Error, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}
