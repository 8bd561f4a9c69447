import Foundation
import NIOCore
import ParleyAPI

/// Where a real-time connection goes: the WebSocket URL of a Parley endpoint and the name TLS
/// verifies it as. Chat notifications and calling connections both connect through it.
///
/// swift-websocket sends the URL's host as the TLS server name, which TLS forbids for IP
/// addresses, so a loopback endpoint (`https://127.0.0.1:…`, what Parley prints) is verified as
/// `localhost` (Parley's certificate names both, and loopback traffic never leaves the machine);
/// other IP addresses need a host name.
struct RealtimeEndpoint: Sendable {
    /// An endpoint given by an IP address other than loopback, over TLS.
    struct InvalidHost: Error, Sendable {
        var message: String
    }

    /// `wss://host:port/parley/v1/realtime` (`ws://` for a plain `http://` endpoint).
    let url: String
    /// The TLS server name, when it differs from the URL's host.
    let serverName: String?

    init(_ endpoint: URL) throws(InvalidHost) {
        var components = URLComponents(url: endpoint, resolvingAgainstBaseURL: false) ?? URLComponents()
        let isPlain = components.scheme == "http"
        components.scheme = isPlain ? "ws" : "wss"
        components.path = (components.path.hasSuffix("/") ? components.path : components.path + "/") + RealtimeProtocol.path
        components.query = nil
        self.url = components.string ?? ""
        self.serverName = isPlain ? nil : try Self.serverName(forHost: endpoint.host)
    }

    /// The URL resuming after `position`, when there is one.
    func url(after position: Int64?) -> String {
        guard let position else { return url }
        return url + "?\(RealtimeProtocol.afterParameter)=\(position)"
    }

    private static func serverName(forHost host: String?) throws(InvalidHost) -> String? {
        guard let host else { return nil }
        let bare = host.trimmingCharacters(in: CharacterSet(charactersIn: "[]"))
        guard (try? SocketAddress(ipAddress: bare, port: 0)) != nil else { return nil }
        guard bare.hasPrefix("127.") || bare == "::1" else {
            throw InvalidHost(
                message: "Real-time connections over TLS need a host name, not the IP address \(bare) (TLS server names cannot be IP addresses)."
            )
        }
        return "localhost"
    }
}
