import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import NIOSSL
import ParleyAPI

/// A client of Parley's operator API (`/admin`), authenticated by the admin key.
public struct AdminClient: Sendable {
    public let baseURL: String
    private let adminKey: String
    private let http: HTTPClient

    /// - Parameters:
    ///   - baseURL: the server, e.g. `https://127.0.0.1:8443`.
    ///   - adminKey: the key the server prints at start.
    ///   - caCertificatePath: a PEM CA to trust (Parley's local CA); the system's roots otherwise.
    public init(baseURL: String, adminKey: String, caCertificatePath: String? = nil) throws {
        var tls = TLSConfiguration.makeClientConfiguration()
        if let caCertificatePath {
            tls.trustRoots = .file(caCertificatePath)
        }
        var configuration = HTTPClient.Configuration(tlsConfiguration: tls)
        configuration.timeout = .init(connect: .seconds(10), read: .seconds(30))
        self.http = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
        self.baseURL = baseURL.hasSuffix("/") ? String(baseURL.dropLast()) : baseURL
        self.adminKey = adminKey
    }

    /// Closes the connection pool; call once done.
    public func shutdown() async throws {
        try await http.shutdown()
    }

    public func listResources() async throws -> [ResourceModel] {
        try await send(.GET, "/admin/resources", as: ResourceList.self).value
    }

    public func createResource(name: String) async throws -> ResourceModel {
        try await send(.POST, "/admin/resources", body: ResourceCreateRequest(name: name), as: ResourceModel.self)
    }

    public func resource(_ name: String) async throws -> ResourceModel {
        try await send(.GET, "/admin/resources/\(Self.escape(name))", as: ResourceModel.self)
    }

    public func connectionStrings(of name: String) async throws -> ConnectionStringModel {
        try await send(.GET, "/admin/resources/\(Self.escape(name))/connection-string", as: ConnectionStringModel.self)
    }

    /// Replaces a key (`primary` or `secondary`); returns the resource with its new key.
    public func regenerateKey(_ kind: String, of name: String) async throws -> ResourceModel {
        try await send(.POST, "/admin/resources/\(Self.escape(name))/keys/\(Self.escape(kind))/regenerate", as: ResourceModel.self)
    }

    func send<Result: Decodable>(
        _ method: HTTPMethod,
        _ path: String,
        body: (some Encodable)? = String?.none,
        as type: Result.Type
    ) async throws -> Result {
        var request = HTTPClientRequest(url: baseURL + path)
        request.method = method
        request.headers.add(name: "Authorization", value: "Bearer \(adminKey)")
        if let body {
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .bytes(ByteBuffer(bytes: try ParleyJSON.encoder().encode(body)))
        }
        let response = try await http.execute(request, timeout: .seconds(30))
        let bytes = try await response.body.collect(upTo: 4 << 20)
        let data = Data(bytes.readableBytesView)
        guard (200..<300).contains(response.status.code) else {
            if let envelope = try? ParleyJSON.decoder().decode(CommunicationErrorResponse.self, from: data) {
                throw AdminClientError(status: Int(response.status.code), code: envelope.error.code, message: envelope.error.message)
            }
            throw AdminClientError(status: Int(response.status.code), code: "\(response.status.code)", message: response.status.reasonPhrase)
        }
        return try ParleyJSON.decoder().decode(Result.self, from: data)
    }

    static func escape(_ segment: String) -> String {
        segment.addingPercentEncoding(withAllowedCharacters: .alphanumerics.union(.init(charactersIn: "-._~"))) ?? segment
    }
}

/// A failed admin call, with the server's error code and message.
public struct AdminClientError: Error, CustomStringConvertible {
    public var status: Int
    public var code: String
    public var message: String
    public var description: String { "\(status) \(code): \(message)" }
}
