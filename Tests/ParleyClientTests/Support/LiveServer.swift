import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import ParleyAPI
import ParleyCore

@testable import ParleyServer

/// A Parley server running in-process on an ephemeral loopback port, over real TLS with its own
/// local CA, with the demo organization (Contoso, interop enabled for the default resource) and
/// a manual clock.
struct LiveServer: Sendable {
    let environment: ParleyEnvironment
    let clock: ManualWallClock
    /// `https://localhost:<port>/`
    let endpoint: URL
    /// The PEM file of the server's local CA, which clients must trust.
    let caCertificatePath: String
    /// The demo organization's tenant.
    let tenant: Tenant
    /// The demo organization's people.
    let people: [OrgUser]

    /// The password `givePassword(to:)` gives the people tests sign in.
    static let password = "correct horse battery staple"

    /// Starts a server, runs `body` against it, and stops it.
    static func run<T: Sendable>(
        configure: (inout ParleyConfiguration) -> Void = { _ in },
        _ body: @Sendable (LiveServer) async throws -> T
    ) async throws -> T {
        var configuration = ParleyConfiguration()
        configuration.dataDirectory = try Self.temporaryDirectory().path
        configuration.inMemory = true
        configuration.plaintext = false
        configuration.host = "127.0.0.1"
        configuration.port = 0
        configure(&configuration)
        let clock = ManualWallClock(Date())
        let environment = try await ParleyEnvironment.bootstrap(configuration: configuration, clock: clock)
        let (tenant, people) = try await environment.directory.seedDemo(for: environment.defaultResource)
        let app = try buildApplication(environment: environment, logger: Logger(label: "parley-test"))
        return try await app.test(.live) { client in
            guard let port = client.port, let caPath = environment.tls?.caCertificatePath else {
                throw LiveServerError("the live server has no port or no CA")
            }
            let server = LiveServer(
                environment: environment,
                clock: clock,
                endpoint: URL(string: "https://localhost:\(port)/")!,
                caCertificatePath: caPath,
                tenant: tenant,
                people: people
            )
            return try await body(server)
        }
    }

    var resource: CommunicationResource { environment.defaultResource }

    /// A new app user of the default resource and a token for it (chat and voip scopes).
    func appUser(expiresInMinutes: Int? = nil) async throws -> (rawId: String, token: String) {
        let (user, token) = try await environment.identities.createUser(
            in: resource,
            tokenScopes: ["chat", "voip"],
            expiresInMinutes: expiresInMinutes
        )
        guard let token else { throw LiveServerError("no token was issued") }
        return (user.rawId, token.token)
    }

    private static func temporaryDirectory() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("parley-client-tests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }
}

struct LiveServerError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
