import Configuration
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import NIOCore
import ParleyAPI
import ParleyCore

@testable import ParleyServer

/// A bootstrapped environment in a temporary data directory, with a manual clock.
struct ServerFixture {
    /// The authority HummingbirdTesting gives router-test requests.
    static let host = "localhost"
    let environment: ParleyEnvironment
    let clock: ManualWallClock

    init(
        inMemory: Bool = true,
        plaintext: Bool = true,
        maxBodyBytes: Int? = nil,
        rateLimits: Bool = false,
        demo: Bool = false,
        dataDirectory: String? = nil
    ) async throws {
        var configuration = ParleyConfiguration()
        configuration.dataDirectory = try dataDirectory ?? temporaryDirectory().path
        configuration.inMemory = inMemory
        configuration.plaintext = plaintext
        configuration.port = 0
        if let maxBodyBytes { configuration.maxBodyBytes = maxBodyBytes }
        configuration.enforceRateLimits = rateLimits
        configuration.demo = demo
        let clock = ManualWallClock(Date())
        self.clock = clock
        self.environment = try await ParleyEnvironment.bootstrap(configuration: configuration, clock: clock)
    }

    var resource: CommunicationResource { environment.defaultResource }

    func application() throws -> some ApplicationProtocol {
        try buildApplication(environment: environment, logger: Logger(label: "test"))
    }

    /// HMAC-signed headers for a request to `target` with `body`.
    func signedHeaders(_ method: HTTPRequest.Method, _ target: String, body: String = "", key: String? = nil) -> HTTPFields {
        var fields = HTTPFields()
        fields[.contentType] = "application/json"
        let signed = TestSigner.headers(
            method: method.rawValue,
            target: target,
            host: Self.host,
            body: Data(body.utf8),
            key: key ?? resource.primaryKey,
            date: clock.now()
        )
        for (name, value) in signed { fields[HTTPField.Name(name)!] = value }
        return fields
    }
}

func temporaryDirectory() throws -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("parley-tests-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
}

extension TestResponse {
    func decode<T: Decodable>(_ type: T.Type) throws -> T {
        try ParleyJSON.decoder().decode(T.self, from: Data(body.readableBytesView))
    }

    var errorCode: String? { (try? decode(CommunicationErrorResponse.self))?.error.code }
}

extension TestClientProtocol {
    /// Sends an HMAC-signed request.
    @discardableResult
    func signed(
        _ method: HTTPRequest.Method,
        _ target: String,
        body: String = "",
        fixture: ServerFixture,
        key: String? = nil
    ) async throws -> TestResponse {
        try await execute(
            uri: target,
            method: method,
            headers: fixture.signedHeaders(method, target, body: body, key: key),
            body: body.isEmpty ? nil : ByteBuffer(string: body)
        )
    }
}

extension TestClientProtocol {
    /// Sends a request with `Authorization: Bearer <token>` (and a JSON body, if any).
    func bearer(_ method: HTTPRequest.Method, _ path: String, token: String, body: String? = nil) async throws -> TestResponse {
        try await execute(
            uri: path,
            method: method,
            headers: [.authorization: "Bearer \(token)", .contentType: "application/json"],
            body: body.map { ByteBuffer(string: $0) }
        )
    }
}
