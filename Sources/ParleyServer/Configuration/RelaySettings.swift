import Configuration
import Crypto
import Foundation
import ParleyAPI
import ParleyCore

/// The STUN/TURN servers Parley hands out through ACS Network Traversal, and what it shares
/// with the TURN server (docs/relay.md). The defaults fit a coturn on this machine's port 3478.
public struct RelaySettings: Sendable, Equatable {
    /// `stun:` URLs handed out.
    public var stunURLs: [String] = ["stun:127.0.0.1:3478"]
    /// `turn:`/`turns:` URLs handed out.
    public var turnURLs: [String] = ["turn:127.0.0.1:3478?transport=udp", "turn:127.0.0.1:3478?transport=tcp"]
    /// coturn's `static-auth-secret`. Nil: generated on first start and kept in the data
    /// directory (`relay-secret`).
    public var sharedSecret: String?
    /// coturn's `realm`; printed for the operator, not part of the credentials.
    public var realm: String = "parley"
    /// Credential lifetime when a request names none (1 … 172800).
    public var defaultTtlSeconds: Int = 172_800

    public init() {}

    /// Reads the `relay.*` keys.
    ///
    /// - Configuration keys (environment: `PARLEY_RELAY_STUN_URLS`, … ; lists comma-separated):
    ///   - `relay.stunURLs` (string list, default `stun:127.0.0.1:3478`).
    ///   - `relay.turnURLs` (string list, default `turn:127.0.0.1:3478?transport=udp`,
    ///     `turn:127.0.0.1:3478?transport=tcp`).
    ///   - `relay.sharedSecret` (string, optional): the TURN server's `static-auth-secret`;
    ///     absent: generated into `<data dir>/relay-secret` on first start.
    ///   - `relay.realm` (string, default `parley`): the TURN server's `realm`.
    ///   - `relay.defaultTtlSeconds` (int, default 172800): lifetime of credentials when the
    ///     request names none.
    public init(reader: ConfigReader) throws {
        stunURLs = reader.stringArray(forKey: "relay.stunURLs", default: stunURLs)
        turnURLs = reader.stringArray(forKey: "relay.turnURLs", default: turnURLs)
        sharedSecret = reader.string(forKey: "relay.sharedSecret", isSecret: true)
        realm = reader.string(forKey: "relay.realm", default: realm)
        defaultTtlSeconds = reader.int(forKey: "relay.defaultTtlSeconds", default: defaultTtlSeconds)
        try validate()
    }

    /// Refuses settings a TURN server or client could not use.
    func validate() throws {
        func schemes(_ urls: [String], _ allowed: [String], _ key: String) throws {
            if let bad = urls.first(where: { url in !allowed.contains { url.lowercased().hasPrefix($0) } }) {
                throw ConfigurationError("\(key) '\(bad)' does not start with \(allowed.joined(separator: " or "))")
            }
        }
        try schemes(stunURLs, ["stun:", "stuns:"], "relay.stunURLs")
        try schemes(turnURLs, ["turn:", "turns:"], "relay.turnURLs")
        guard !(stunURLs + turnURLs).isEmpty else { throw ConfigurationError("relay.stunURLs and relay.turnURLs are both empty") }
        if let sharedSecret, sharedSecret.isEmpty || sharedSecret.contains(where: \.isWhitespace) {
            throw ConfigurationError("relay.sharedSecret must be non-empty and without white space")
        }
        guard !realm.isEmpty, !realm.contains(where: \.isWhitespace) else {
            throw ConfigurationError("relay.realm must be non-empty and without white space")
        }
        let maximum = Int(RelayCredentialIssuer.maximumTTL.components.seconds)
        guard (1...maximum).contains(defaultTtlSeconds) else {
            throw ConfigurationError("relay.defaultTtlSeconds \(defaultTtlSeconds) is not within 1 … \(maximum)")
        }
    }

    /// The issuer for these settings, with the configured secret or the data directory's.
    func issuer(files: DataDirectory, clock: any WallClock, ids: any IdentifierGenerator) throws -> RelayCredentialIssuer {
        RelayCredentialIssuer(
            sharedSecret: try sharedSecret ?? Self.generatedSecret(in: files),
            stunURLs: stunURLs,
            turnURLs: turnURLs,
            defaultTTL: .seconds(defaultTtlSeconds),
            clock: clock,
            ids: ids
        )
    }

    /// The secret kept in the data directory, created (32 random bytes, hex) if there is none.
    static func generatedSecret(in files: DataDirectory) throws -> String {
        let path = files.relaySecretPath
        if let data = FileManager.default.contents(atPath: path),
            let kept = String(data: data, encoding: .utf8)?.trimmingCharacters(in: .whitespacesAndNewlines), !kept.isEmpty
        {
            return kept
        }
        let secret = SymmetricKey(size: .bits256).withUnsafeBytes { $0.map { String(format: "%02x", $0) }.joined() }
        try DataDirectory.write(Data(secret.utf8), to: path, secret: true)
        return secret
    }
}

extension DataDirectory {
    /// The generated TURN shared secret (when `relay.sharedSecret` is not configured).
    var relaySecretPath: String { root.appendingPathComponent("relay-secret").path }
}

extension ParleyEnvironment {
    /// The relay part of the ready document: what to put into coturn's configuration.
    var relayReadyInfo: ServerReadyInfo.Relay {
        ServerReadyInfo.Relay(
            stunURLs: relay.stunURLs,
            turnURLs: relay.turnURLs,
            realm: configuration.relay.realm,
            sharedSecret: relay.sharedSecret,
            sharedSecretFile: configuration.relay.sharedSecret == nil ? files.relaySecretPath : nil
        )
    }
}
