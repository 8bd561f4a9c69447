import AsyncHTTPClient
import NIOCore

/// How the SDK's clients reach the server: which CA to trust, or which `HTTPClient` to use.
public struct ChatClientOptions: Sendable {
    /// The api-version of the ACS Chat API the clients speak.
    public var apiVersion: String
    /// A PEM file of CA certificates to trust instead of the system's roots: Parley's local CA,
    /// whose path the server prints at start.
    public var caCertificatePath: String?
    /// An `HTTPClient` to use instead of one the client creates; the caller shuts it down.
    /// Its TLS trust is the caller's too (``caCertificatePath`` then applies to real-time
    /// connections only).
    public var httpClient: HTTPClient?
    /// How long a request may take.
    public var timeout: Duration

    public init(
        apiVersion: String = ChatClientOptions.defaultApiVersion,
        caCertificatePath: String? = nil,
        httpClient: HTTPClient? = nil,
        timeout: Duration = .seconds(30)
    ) {
        self.apiVersion = apiVersion
        self.caCertificatePath = caCertificatePath
        self.httpClient = httpClient
        self.timeout = timeout
    }

    /// `2024-03-07`, the newest version Parley serves.
    public static let defaultApiVersion = "2024-03-07"

    func makeTransport() throws -> HTTPTransport {
        let (seconds, attoseconds) = timeout.components
        let nanoseconds = seconds * 1_000_000_000 + attoseconds / 1_000_000_000
        return try HTTPTransport(caCertificatePath: caCertificatePath, httpClient: httpClient, timeout: .nanoseconds(nanoseconds))
    }
}
