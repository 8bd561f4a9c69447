import Foundation
import HummingbirdTesting
import Logging
import ParleyAPI
import ParleyClient
import ParleyCore
import Testing

@testable import ParleyServer

/// A real server on a socket, with TLS from the generated CA, and restarts on one data directory.
@Suite struct LiveServerTests {
    @Test func servesTLSThatTheGeneratedCAVerifies() async throws {
        let fixture = try await ServerFixture(plaintext: false)
        let ready = ReadyBox()
        let app = try buildApplication(environment: fixture.environment, logger: Logger(label: "test")) { info in await ready.set(info) }
        try await app.test(.live) { client in
            let info = try #require(await ready.value)
            let port = try #require(client.port)
            #expect(info.port == port)
            #expect(info.url == "https://127.0.0.1:\(port)")
            let caPath = try #require(info.caCertificatePath)
            let admin = try AdminClient(baseURL: "https://localhost:\(port)", adminKey: info.adminKey, caCertificatePath: caPath)
            let resources = try await admin.listResources()
            #expect(resources.map(\.name) == ["default"])
            #expect(resources.first?.connectionString == info.connectionString)
            try await admin.shutdown()

            // Without trusting the CA, the certificate is refused.
            let untrusting = try AdminClient(baseURL: "https://localhost:\(port)", adminKey: info.adminKey)
            await #expect(throws: (any Error).self) { try await untrusting.listResources() }
            try await untrusting.shutdown()
        }
    }

    @Test func aRestartOnTheSameDataDirectoryKeepsKeysResourcesAndUsers() async throws {
        let directory = try temporaryDirectory().path
        let first = try await ServerFixture(inMemory: false, plaintext: false, dataDirectory: directory)
        let (user, token) = try await first.environment.identities.createUser(in: first.resource, tokenScopes: ["chat"], expiresInMinutes: nil)
        let ca = try String(contentsOfFile: directory + "/ca.pem", encoding: .utf8)

        let second = try await ServerFixture(inMemory: false, plaintext: false, dataDirectory: directory)
        #expect(second.environment.adminKey == first.environment.adminKey)
        #expect(second.resource == first.resource)
        #expect(try String(contentsOfFile: directory + "/ca.pem", encoding: .utf8) == ca)
        let caller = try await second.environment.identities.authenticate(accessToken: try #require(token).token)
        #expect(caller.user.rawId == user.rawId)
    }

    @Test func theDemoOrganizationSignsInAtOnceAndSurvivesRestarts() async throws {
        let directory = try temporaryDirectory().path
        let first = try await ServerFixture(inMemory: false, demo: true, dataDirectory: directory)
        let demo = try #require(first.environment.demo)
        #expect(demo.users.count == 3)
        let adele = try #require(demo.users.first { $0.userPrincipalName == "adele@contoso.com" })
        let tokens = try await first.environment.orgSignIn.signIn(
            tenant: demo.tenant,
            clientId: demo.clientId,
            username: adele.userPrincipalName,
            password: demo.password,
            scope: "User.Read",
            issuer: "https://localhost/x/v2.0"
        )
        #expect(try await first.environment.orgSignIn.authenticate(accessToken: tokens.accessToken).user == adele)
        #expect(demo.tenant.federation.allowedAcsResources == [first.resource.immutableId])

        let again = try #require(try await ServerFixture(inMemory: false, demo: true, dataDirectory: directory).environment.demo)
        #expect(again.password == demo.password)
        #expect(again.clientId == demo.clientId)
    }

    @Test func inMemoryRunsForgetEverything() async throws {
        let directory = try temporaryDirectory().path
        let first = try await ServerFixture(inMemory: true, dataDirectory: directory)
        let second = try await ServerFixture(inMemory: true, dataDirectory: directory)
        #expect(first.resource.immutableId != second.resource.immutableId)
        #expect(!FileManager.default.fileExists(atPath: directory + "/parley.sqlite"))
    }
}

/// Holds the ready document once the server reports it.
actor ReadyBox {
    private(set) var value: ServerReadyInfo?
    func set(_ info: ServerReadyInfo) { value = info }
}
