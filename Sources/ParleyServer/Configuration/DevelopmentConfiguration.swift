import Configuration
import Foundation

/// Development mode: fault injection, a controllable clock and snapshots for testing
/// applications against Parley (docs/testing-your-app.md). Off by default; off, its routes do
/// not exist.
public struct DevelopmentConfiguration: Sendable, Equatable {
    /// Turns the development tools on.
    public var enabled = false
    /// Lets development mode listen on an address other than loopback (anyone who reaches it
    /// with the admin key can then stop time and break requests).
    public var allowNonLoopback = false
    /// Where snapshots are kept; nil: `snapshots/` in the data directory.
    public var snapshotDirectory: String?

    public init() {}

    /// Reads `dev.enabled`, `dev.allowNonLoopback` and `dev.snapshotDirectory`.
    init(reader: ConfigReader) {
        enabled = reader.bool(forKey: "dev.enabled", default: enabled)
        allowNonLoopback = reader.bool(forKey: "dev.allowNonLoopback", default: allowNonLoopback)
        snapshotDirectory = reader.string(forKey: "dev.snapshotDirectory")
    }

    /// Refuses development mode on a listening address that is not loopback, unless forced.
    func check(host: String) throws {
        guard enabled, !allowNonLoopback, !Self.isLoopback(host) else { return }
        throw ConfigurationError(
            """
            development mode (--dev, dev.enabled) listens on loopback only, and http.host is '\(host)': anyone reaching \
            it with the admin key could freeze its clock, inject faults and replace its data. Listen on 127.0.0.1 or \
            ::1, or force it with --dev-allow-non-loopback (dev.allowNonLoopback).
            """
        )
    }

    /// `localhost`, `127.0.0.0/8` and `::1`.
    static func isLoopback(_ host: String) -> Bool {
        let host = host.trimmingCharacters(in: CharacterSet(charactersIn: "[]")).lowercased()
        if host == "localhost" || host == "::1" || host == "0:0:0:0:0:0:0:1" { return true }
        let octets = host.split(separator: ".", omittingEmptySubsequences: false)
        return octets.count == 4 && octets.first == "127" && octets.allSatisfy { UInt8($0) != nil }
    }
}
