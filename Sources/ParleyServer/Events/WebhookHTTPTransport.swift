import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix
import NIOSSL
import ParleyCore

/// Sends webhook requests with one shared AsyncHTTPClient: the system's CA roots plus the
/// installation's own CA (and any configured), no redirects, Event Grid's 30 s answer wait.
final class WebhookHTTPTransport: WebhookTransport {
    /// The most of a response body kept (handshake answers are tiny).
    static let maxResponseBytes = 64 * 1024
    private let client: HTTPClient

    /// - Parameter caFiles: PEM files of CA certificates trusted besides the system's roots.
    init(trusting caFiles: [String]) throws {
        var tls = TLSConfiguration.makeClientConfiguration()
        tls.additionalTrustRoots = try caFiles.map { .certificates(try NIOSSLCertificate.fromPEMFile($0)) }
        var configuration = HTTPClient.Configuration(tlsConfiguration: tls, redirectConfiguration: .disallow)
        configuration.timeout = .init(connect: .seconds(10), read: .seconds(30))
        configuration.connectionPool = .init(idleTimeout: .seconds(60), concurrentHTTP1ConnectionsPerHostSoftLimit: 64)
        configuration.decompression = .disabled
        self.client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
    }

    /// An environment that is built but never run (a start-up that fails later, tests) still lets
    /// its client go: the client stays alive until its shutdown completes. After ``shutdown()``
    /// this does nothing.
    deinit {
        client.shutdown { _ in }
    }

    func shutdown() async throws {
        try await client.shutdown()
    }

    func send(_ request: WebhookRequest) async -> WebhookResponse {
        var outgoing = HTTPClientRequest(url: request.url)
        outgoing.method = HTTPMethod(rawValue: request.method.rawValue)
        for (name, value) in request.headers { outgoing.headers.add(name: name, value: value) }
        if !request.body.isEmpty { outgoing.body = .bytes(ByteBuffer(bytes: request.body)) }
        do {
            let response = try await client.execute(outgoing, timeout: .milliseconds(Int64(request.timeout * 1000)))
            var body = Data()
            for try await chunk in response.body {
                body.append(contentsOf: chunk.readableBytesView.prefix(Self.maxResponseBytes - body.count))
                if body.count >= Self.maxResponseBytes { break }
            }
            return WebhookResponse(status: Int(response.status.code), headers: response.headers.map { ($0.name, $0.value) }, body: body)
        } catch {
            return .failed(Self.outcome(of: error))
        }
    }

    /// Event Grid's outcome names for a request that got no status.
    static func outcome(of error: any Error) -> DeliveryOutcome {
        if let error = error as? HTTPClientError,
            [HTTPClientError.deadlineExceeded, .readTimeout, .connectTimeout, .writeTimeout].contains(error)
        {
            return .timedOut
        }
        if let error = error as? NIOConnectionError, error.connectionErrors.isEmpty, error.dnsAError != nil || error.dnsAAAAError != nil {
            return .resolutionError
        }
        if error is ChannelError, case .connectTimeout = error as? ChannelError {
            return .timedOut
        }
        return .socketError
    }
}
