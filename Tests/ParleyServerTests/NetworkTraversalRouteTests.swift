import Configuration
import Foundation
import HTTPTypes
import HummingbirdTesting
import ParleyAPI
import ParleyCore
import Testing

@testable import ParleyServer

/// `POST /networkTraversal/:issueRelayConfiguration` through the router, HMAC-signed as the SDK does.
@Suite struct NetworkTraversalRouteTests {
    static let path = "/networkTraversal/:issueRelayConfiguration?api-version=2022-03-01-preview"

    @Test func issuesCredentialsForAnAppUserAsTheIssuerDoes() async throws {
        let fixture = try await ServerFixture()
        let (user, _) = try await fixture.environment.identities.createUser(in: fixture.resource, tokenScopes: nil, expiresInMinutes: nil)
        try await fixture.application().test(.router) { client in
            let body = #"{"id": "\#(user.rawId)", "routeType": "nearest", "ttl": 3600}"#
            let response = try await client.signed(.post, Self.path, body: body, fixture: fixture)
            #expect(response.status == .ok)
            let wire = try response.decode(CommunicationRelayConfiguration.self)
            let expected = try fixture.environment.relay.issue(forUser: user.rawId, routeType: .nearest, ttl: .seconds(3600))
            #expect(wire == NetworkTraversalController.wire(expected))
            #expect(wire.iceServers.map(\.routeType) == ["nearest"])
            #expect(wire.iceServers.first?.urls == RelaySettings().stunURLs + RelaySettings().turnURLs)
            #expect(wire.iceServers.first?.username == "\(Int(expected.expiresOn.timeIntervalSince1970)):\(user.rawId)")
            #expect(wire.expiresOn.hasSuffix(".0000000+00:00"))
        }
    }

    @Test func withoutABodyBothRouteTypesLiveTheDefault48Hours() async throws {
        let fixture = try await ServerFixture()
        try await fixture.application().test(.router) { client in
            let response = try await client.signed(.post, Self.path, fixture: fixture)
            #expect(response.status == .ok)
            let wire = try response.decode(CommunicationRelayConfiguration.self)
            #expect(wire.iceServers.map(\.routeType) == ["any", "nearest"])
            let expiry = (fixture.clock.now().timeIntervalSince1970 + 172_800).rounded(.up)  // never before now + ttl
            #expect(wire.expiresOn == WireTimestamp.identityExpiry(Date(timeIntervalSince1970: expiry)))
        }
    }

    @Test func theStableSpellingAndVersionWorkToo() async throws {
        let fixture = try await ServerFixture()
        try await fixture.application().test(.router) { client in
            let response = try await client.signed(
                .post,
                "/networktraversal/:issueRelayConfiguration?api-version=2022-02-01",
                body: #"{"routeType": "any"}"#,
                fixture: fixture
            )
            #expect(response.status == .ok)
            #expect(try response.decode(CommunicationRelayConfiguration.self).iceServers.map(\.routeType) == ["any"])
        }
    }

    @Test func apiVersionIsRequiredAndChecked() async throws {
        let fixture = try await ServerFixture()
        try await fixture.application().test(.router) { client in
            let missing = try await client.signed(.post, "/networkTraversal/:issueRelayConfiguration", fixture: fixture)
            #expect(missing.status == .badRequest)
            #expect(missing.errorCode == "MissingApiVersionParameter")
            let unknown = try await client.signed(.post, "/networkTraversal/:issueRelayConfiguration?api-version=2023-10-01", fixture: fixture)
            #expect(unknown.status == .badRequest)
            #expect(unknown.errorCode == "UnsupportedApiVersion")
        }
    }

    @Test func unsignedOrWronglySignedRequestsAre401() async throws {
        let fixture = try await ServerFixture()
        try await fixture.application().test(.router) { client in
            let unsigned = try await client.execute(uri: Self.path, method: .post)
            #expect(unsigned.status == .unauthorized)
            #expect(unsigned.errorCode == "Denied")
            let wrongKey = try await client.signed(.post, Self.path, fixture: fixture, key: Data(repeating: 3, count: 64).base64EncodedString())
            #expect(wrongKey.status == .unauthorized)
        }
    }

    @Test(arguments: [
        (#"{"ttl": "long"}"#, "BadRequest", "ttl"),  // a body of the wrong type names its field
        (#"{"ttl": 1.5}"#, "BadRequest", nil),
        (#"{"ttl": -1}"#, "ValidationError", "ttl"),
        (#"{"routeType": "closest"}"#, "ValidationError", "routeType"),
        (#"{"id": "8:orgid:45ab2481-1c1c-4005-be24-0ffb879b1130"}"#, "InvalidIdentifier", "id"),
        (#"{"id": "8:acs:00000000-0000-0000-0000-000000000000_00000000-0000-0000-0000-000000000001"}"#, "ValidationError", "id"),
        (#"{"id": "#, "BadRequest", nil),
    ])
    func badBodiesAre400s(body: String, code: String, target: String?) async throws {
        let fixture = try await ServerFixture()
        try await fixture.application().test(.router) { client in
            let response = try await client.signed(.post, Self.path, body: body, fixture: fixture)
            #expect(response.status == .badRequest)
            let error = try response.decode(CommunicationErrorResponse.self).error
            #expect(error.code == code)
            #expect(error.target == target)
        }
    }

    @Test func otherOperationsAre404() async throws {
        let fixture = try await ServerFixture()
        try await fixture.application().test(.router) { client in
            let response = try await client.signed(.post, "/networkTraversal/:issueTurnCredentials?api-version=2022-03-01-preview", fixture: fixture)
            #expect(response.status == .notFound)
        }
    }

    @Test func aGeneratedSecretIsKeptInTheDataDirectoryAndReported() async throws {
        let directory = try temporaryDirectory().path
        let first = try await ServerFixture(dataDirectory: directory)
        let path = directory + "/relay-secret"
        let secret = try String(contentsOfFile: path, encoding: .utf8)
        #expect(secret.count == 64)
        #expect(first.environment.relay.sharedSecret == secret)
        let permissions = try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int
        #expect(permissions == 0o600)

        let relay = try #require(first.environment.readyInfo(endpoint: "http://localhost:1/", port: 1).relay)
        #expect(
            relay
                == .init(
                    stunURLs: RelaySettings().stunURLs,
                    turnURLs: RelaySettings().turnURLs,
                    realm: "parley",
                    sharedSecret: secret,
                    sharedSecretFile: path
                )
        )
        let second = try await ServerFixture(dataDirectory: directory)
        #expect(second.environment.relay.sharedSecret == secret)
    }

    @Test func aConfiguredSecretIsUsedAndNoneIsGenerated() async throws {
        let directory = try temporaryDirectory().path
        var configuration = ParleyConfiguration()
        configuration.dataDirectory = directory
        configuration.inMemory = true
        configuration.plaintext = true
        configuration.relay.sharedSecret = "north"
        let environment = try await ParleyEnvironment.bootstrap(configuration: configuration, clock: ManualWallClock())
        #expect(environment.relay.sharedSecret == "north")
        #expect(environment.relayReadyInfo.sharedSecretFile == nil)
        #expect(!FileManager.default.fileExists(atPath: directory + "/relay-secret"))
    }

    @Test func relaySettingsAreReadAndChecked() throws {
        func read(_ values: [String: ConfigContent]) throws -> RelaySettings {
            let pairs = values.map { (AbsoluteConfigKey($0.key.split(separator: ".").map(String.init)), ConfigValue($0.value, isSecret: false)) }
            return try ParleyConfiguration(reader: ConfigReader(provider: InMemoryProvider(values: Dictionary(uniqueKeysWithValues: pairs)))).relay
        }
        #expect(try read([:]) == RelaySettings())
        let configured = try read([
            "relay.stunURLs": .stringArray(["stun:turn.example.com:3478"]),
            "relay.turnURLs": .stringArray(["turns:turn.example.com:5349?transport=tcp"]),
            "relay.sharedSecret": .string("north"),
            "relay.realm": .string("example.com"),
            "relay.defaultTtlSeconds": .int(600),
        ])
        #expect(configured.stunURLs == ["stun:turn.example.com:3478"])
        #expect(configured.turnURLs == ["turns:turn.example.com:5349?transport=tcp"])
        #expect(configured.sharedSecret == "north")
        #expect(configured.realm == "example.com")
        #expect(configured.defaultTtlSeconds == 600)

        for bad: [String: ConfigContent] in [
            ["relay.stunURLs": .stringArray(["turn:a:3478"])],
            ["relay.turnURLs": .stringArray(["http://a"])],
            ["relay.stunURLs": .stringArray([]), "relay.turnURLs": .stringArray([])],
            ["relay.sharedSecret": .string("")],
            ["relay.sharedSecret": .string("two words")],
            ["relay.realm": .string("")],
            ["relay.defaultTtlSeconds": .int(0)],
            ["relay.defaultTtlSeconds": .int(172_801)],
        ] {
            #expect(throws: ConfigurationError.self) { try read(bad) }
        }
    }
}
