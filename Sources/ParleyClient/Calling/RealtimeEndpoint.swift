import Foundation
import NIOCore
import ParleyAPI

/// Where a calling connection goes: the WebSocket URL of a Parley endpoint and the name TLS
/// verifies it as.
///
/// swift-websocket sends the URL's host as the TLS server name, which TLS forbids for IP
/// addresses, so a loopback endpoint (`https://127.0.0.1:…`, what Parley prints) is verified as
/// `localhost` (Parley's certificate names both, and loopback traffic never leaves the machine);
/// other IP addresses need a host name. The same rule as ``ChatNotifications``.
struct RealtimeEndpoint: Sendable {
    /// `wss://host:port/parley/v1/realtime` (`ws://` for a plain `http://` endpoint).
    let url: String
    /// The TLS server name, when it differs from the URL's host.
    let serverName: String?

    init(_ endpoint: URL) throws {
        var components = URLComponents(url: endpoint, resolvingAgainstBaseURL: false) ?? URLComponents()
        let isPlain = components.scheme == "http"
        components.scheme = isPlain ? "ws" : "wss"
        components.path = (components.path.hasSuffix("/") ? components.path : components.path + "/") + RealtimeProtocol.path
        components.query = nil
        self.url = components.string ?? ""
        self.serverName = isPlain ? nil : try Self.serverName(forHost: endpoint.host)
    }

    private static func serverName(forHost host: String?) throws -> String? {
        guard let host else { return nil }
        let bare = host.trimmingCharacters(in: CharacterSet(charactersIn: "[]"))
        guard (try? SocketAddress(ipAddress: bare, port: 0)) != nil else { return nil }
        guard bare.hasPrefix("127.") || bare == "::1" else {
            throw CallingError(
                status: 0,
                code: "InvalidEndpoint",
                message: "Calling connections over TLS need a host name, not the IP address \(bare) (TLS server names cannot be IP addresses)."
            )
        }
        return "localhost"
    }
}
