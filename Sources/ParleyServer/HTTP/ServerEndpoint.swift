import Synchronization

/// The endpoint clients use (`https://127.0.0.1:8443/`), known for sure only once the server is
/// bound (with port 0 the system picks the port). Connection strings are built from it.
final class ServerEndpoint: Sendable {
    private let value: Mutex<String>

    init(_ initial: String) { self.value = Mutex(initial) }

    var url: String { value.withLock { $0 } }

    func set(_ url: String) { value.withLock { $0 = url } }

    /// `scheme://host:port/`, with IPv6 hosts bracketed and wildcard hosts shown as loopback.
    static func format(scheme: String, host: String, port: Int) -> String {
        let shown = (host == "0.0.0.0" ? "127.0.0.1" : host == "::" ? "::1" : host)
        let bracketed = shown.contains(":") ? "[\(shown)]" : shown
        return "\(scheme)://\(bracketed):\(port)/"
    }
}
