import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import NIOSSL
import ParleyAPI
import Synchronization

/// The one HTTP stack of the SDK: an AsyncHTTPClient that trusts the configured CA, shut down by
/// whoever created it.
///
/// A transport made from a CA file owns its `HTTPClient` and shuts it down on ``shutdown()`` or,
/// failing that, when the last client holding it goes away; a caller's `HTTPClient` is only
/// borrowed and never shut down here.
final class HTTPTransport: Sendable {
    /// The TLS settings requests use; the real-time client connects with the same trust.
    let tlsConfiguration: TLSConfiguration
    private let client: HTTPClient
    private let ownsClient: Bool
    private let timeout: TimeAmount
    private let isShutDown = Mutex(false)

    /// The largest response body read (bigger ones fail).
    static let maxResponseBytes = 16 << 20

    init(caCertificatePath: String?, httpClient: HTTPClient?, timeout: TimeAmount) throws {
        let tls = try Self.tlsConfiguration(trusting: caCertificatePath)
        self.tlsConfiguration = tls
        self.timeout = timeout
        if let httpClient {
            self.client = httpClient
            self.ownsClient = false
        } else {
            var configuration = HTTPClient.Configuration(tlsConfiguration: tls)
            configuration.timeout = .init(connect: min(.seconds(10), timeout), read: timeout)
            self.client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
            self.ownsClient = true
        }
    }

    deinit {
        // AsyncHTTPClient must be shut down before it is released; it keeps itself alive until done.
        if ownsClient, !isShutDown.withLock({ $0 }) {
            client.shutdown { _ in }
        }
    }

    /// Closes the connection pool if this transport created it; later requests fail.
    /// Client TLS that trusts the CA certificates of a PEM file (Parley's local CA) instead of
    /// the system's roots, when one is given. REST and real-time connections share it.
    static func tlsConfiguration(trusting caCertificatePath: String?) throws -> TLSConfiguration {
        var tls = TLSConfiguration.makeClientConfiguration()
        if let caCertificatePath {
            tls.trustRoots = .certificates(try NIOSSLCertificate.fromPEMFile(caCertificatePath))
        }
        return tls
    }

    func shutdown() async throws {
        guard ownsClient else { return }
        let wasShutDown = isShutDown.withLock { state in
            defer { state = true }
            return state
        }
        if !wasShutDown { try await client.shutdown() }
    }

    /// Sends a request; a non-2xx answer throws ``ParleyClientError`` decoded from its body.
    func send(_ request: TransportRequest) async throws -> TransportResponse {
        var outgoing = HTTPClientRequest(url: request.url)
        outgoing.method = request.method
        outgoing.headers = request.headers
        if let body = request.body {
            outgoing.body = .bytes(ByteBuffer(bytes: body))
        }
        let response = try await client.execute(outgoing, timeout: timeout)
        let bytes = try await response.body.collect(upTo: Self.maxResponseBytes)
        let result = TransportResponse(status: response.status, headers: response.headers, body: Data(bytes.readableBytesView))
        guard (200..<300).contains(response.status.code) else {
            throw ParleyClientError(response: result)
        }
        return result
    }
}

/// A request as the transport sends it.
struct TransportRequest: Sendable {
    var method: HTTPMethod
    var url: String
    var headers: HTTPHeaders = [:]
    var body: Data?

    /// A request with a JSON body encoded with Parley's encoder.
    static func json(_ method: HTTPMethod, _ url: String, body: (some Encodable)?, contentType: String = "application/json") throws -> Self {
        var request = TransportRequest(method: method, url: url)
        if let body {
            request.headers.add(name: "Content-Type", value: contentType)
            request.body = try ParleyJSON.encoder().encode(body)
        }
        return request
    }
}

/// A successful response, its body read.
struct TransportResponse: Sendable {
    var status: HTTPResponseStatus
    var headers: HTTPHeaders
    var body: Data

    /// The body decoded with Parley's decoder; a body of another shape is an `InvalidResponse`.
    func decode<T: Decodable>(_ type: T.Type) throws -> T {
        do {
            return try ParleyJSON.decoder().decode(T.self, from: body)
        } catch {
            throw ParleyClientError.invalidResponse(status: Int(status.code), "The response is not a valid \(T.self): \(error)")
        }
    }
}
