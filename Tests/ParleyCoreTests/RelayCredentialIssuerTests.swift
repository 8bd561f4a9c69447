import Foundation
import ParleyCore
import Testing

@Suite struct RelayCredentialIssuerTests {
    static let start = Date(timeIntervalSince1970: 1_800_000_000)
    static let acsUser = "8:acs:2dee53b4-368b-45b4-ab52-8493fb117652_00000005-14a2-493b-8a72-5a3a0d000081"
    static let stun = ["stun:relay.example:3478"]
    static let turn = ["turn:relay.example:3478?transport=udp", "turns:relay.example:5349?transport=tcp"]

    /// Ids that count up, so anonymous usernames are predictable.
    final class CountingIds: IdentifierGenerator, @unchecked Sendable {
        private let lock = NSLock()
        private var next = 7
        func uuid() -> UUID {
            lock.withLock {
                defer { next += 1 }
                return UUID(uuidString: String(format: "00000000-0000-0000-0000-%012d", next))!
            }
        }
    }

    func issuer(clock: ManualWallClock = ManualWallClock(start), defaultTTL: Duration = RelayCredentialIssuer.maximumTTL) -> RelayCredentialIssuer {
        RelayCredentialIssuer(
            sharedSecret: "north",
            stunURLs: Self.stun,
            turnURLs: Self.turn,
            defaultTTL: defaultTTL,
            clock: clock,
            ids: CountingIds()
        )
    }

    // The expected credentials were computed outside Swift:
    //   printf '%s' "$username" | openssl dgst -sha1 -hmac north -binary | base64
    @Test func issuesTheTurnRestApiSchemeForAKnownSecretAndTime() throws {
        let configuration = try issuer().issue(forUser: Self.acsUser, routeType: .any, ttl: .seconds(3600))
        #expect(configuration.expiresOn == Date(timeIntervalSince1970: 1_800_003_600))
        #expect(
            configuration.iceServers == [
                .init(
                    routeType: .any,
                    urls: Self.stun + Self.turn,
                    username: "1800003600:\(Self.acsUser)",
                    credential: "nSV0ssShkb9z/Yahvx1bVgUslU4="
                )
            ]
        )
    }

    @Test func withoutAUserOrRouteTypeItGivesARandomUserAndBothRouteTypes() throws {
        let configuration = try issuer().issue()
        #expect(configuration.expiresOn == Date(timeIntervalSince1970: 1_800_172_800))
        #expect(configuration.iceServers.map(\.routeType) == [.any, .nearest])
        for server in configuration.iceServers {
            #expect(server.username == "1800172800:00000000-0000-0000-0000-000000000007")
            #expect(server.credential == "Bd0Mezgd3+bGGJWL1w4huiRHz2o=")
        }
    }

    @Test func expiryIsNowPlusTtlRoundedUpToWholeSeconds() throws {
        let clock = ManualWallClock(Self.start.addingTimeInterval(0.013))
        let issuer = issuer(clock: clock)
        // 0.013 + 60: a client that computed now + 60 before asking must not see an earlier expiry.
        let first = try issuer.issue(forUser: Self.acsUser, routeType: .nearest, ttl: .seconds(60))
        #expect(first.expiresOn == Self.start.addingTimeInterval(61))
        #expect(first.iceServers.first?.username.hasPrefix("1800000061:") == true)
        // A fraction of the ttl counts too: 0.013 + 60.9 ends in second 61.
        let fractional = try issuer.issue(forUser: Self.acsUser, routeType: .nearest, ttl: .milliseconds(60_900))
        #expect(fractional.expiresOn == Self.start.addingTimeInterval(61))
        // Exactly on a second: nothing to round.
        let later = try self.issuer(clock: ManualWallClock(Self.start.addingTimeInterval(10))).issue(
            forUser: Self.acsUser,
            routeType: .nearest,
            ttl: .seconds(60)
        )
        #expect(later.expiresOn == Self.start.addingTimeInterval(70))
        #expect(later.iceServers.first?.username.hasPrefix("1800000070:") == true)
        #expect(later.iceServers.first?.credential != first.iceServers.first?.credential)
    }

    @Test(arguments: [
        (ttl: Duration?.none, expected: 172_800),
        (ttl: .seconds(0), expected: 0),
        (ttl: .seconds(1), expected: 1),
        (ttl: .seconds(172_800), expected: 172_800),
        (ttl: .seconds(172_801), expected: 172_800),  // above the maximum: the default, as ACS does
        (ttl: .seconds(Int64.max), expected: 172_800),
    ])
    func ttlBounds(ttl: Duration?, expected: Int) throws {
        let configuration = try issuer().issue(ttl: ttl)
        #expect(configuration.expiresOn == Self.start.addingTimeInterval(TimeInterval(expected)))
    }

    @Test func aConfiguredDefaultAppliesToAbsentAndTooLongTtls() throws {
        let issuer = issuer(defaultTTL: .seconds(600))
        #expect(try issuer.issue().expiresOn == Self.start.addingTimeInterval(600))
        #expect(try issuer.issue(ttl: .seconds(7200)).expiresOn == Self.start.addingTimeInterval(7200))
        #expect(try issuer.issue(ttl: .seconds(200_000)).expiresOn == Self.start.addingTimeInterval(600))
    }

    @Test func aNegativeTtlIsA400AndIssuesNothing() throws {
        let error = #expect(throws: ParleyError.self) { try issuer().issue(forUser: Self.acsUser, ttl: .seconds(-1)) }
        #expect(error?.code == .validation)
        #expect(error?.target == "ttl")
    }

    @Test(arguments: ["", " ", "8:acs:a b", "8:acs:x\n", String(repeating: "x", count: 257)])
    func anUnusableUserIdIsA400(rawId: String) throws {
        let error = #expect(throws: ParleyError.self) { try issuer().issue(forUser: rawId) }
        #expect(error?.code == .badRequest)
        #expect(error?.wireCode == "InvalidIdentifier")
        #expect(error?.target == "id")
    }

    @Test func anyRawIdIsAcceptedByThePlainMethod() throws {
        let configuration = try issuer().issue(forUser: "8:orgid:45ab2481-1c1c-4005-be24-0ffb879b1130", routeType: .any, ttl: .seconds(5))
        #expect(configuration.iceServers.first?.username == "1800000005:8:orgid:45ab2481-1c1c-4005-be24-0ffb879b1130")
    }

    @Test func routeTypesParseWithoutRegardToCase() throws {
        #expect(try RelayRouteType.parse(nil) == nil)
        #expect(try RelayRouteType.parse("any") == .any)
        #expect(try RelayRouteType.parse("Nearest") == .nearest)
        let error = #expect(throws: ParleyError.self) { try RelayRouteType.parse("closest") }
        #expect(error?.code == .validation)
        #expect(error?.target == "routeType")
    }

    @Test func theDefaultTtlIsClampedToTheServiceRange() {
        #expect(issuer(defaultTTL: .seconds(500_000)).defaultTTL == .seconds(172_800))
        #expect(issuer(defaultTTL: .zero).defaultTTL == .seconds(1))
    }
}

@Suite struct RelayServiceTests {
    func service(_ fixture: CoreFixture) -> RelayService {
        RelayService(
            issuer: RelayCredentialIssuer(sharedSecret: "north", stunURLs: ["stun:a:3478"], turnURLs: ["turn:a:3478"], clock: fixture.clock),
            store: fixture.store
        )
    }

    @Test func issuesForAnExistingAppUserOfTheResource() async throws {
        let fixture = try await CoreFixture()
        let (user, _) = try await fixture.identities.createUser(in: fixture.resource, tokenScopes: nil, expiresInMinutes: nil)
        let configuration = try await service(fixture).issueRelayConfiguration(
            in: fixture.resource,
            forUser: user.rawId,
            routeType: "nearest",
            ttlSeconds: 100
        )
        #expect(configuration.iceServers.map(\.routeType) == [.nearest])
        #expect(configuration.iceServers.first?.username.hasSuffix(":" + user.rawId) == true)
        #expect(configuration.expiresOn.timeIntervalSince1970 == (fixture.clock.now().timeIntervalSince1970 + 100).rounded(.up))
    }

    @Test func anUnknownUserOrAnotherResourcesUserIsA400() async throws {
        let fixture = try await CoreFixture()
        let other = try await fixture.resources.create(name: "other")
        let (stranger, _) = try await fixture.identities.createUser(in: other, tokenScopes: nil, expiresInMinutes: nil)
        let unknown = AcsUserId.make(resource: fixture.resource.immutableId, id: UUID())
        for rawId in [stranger.rawId, unknown] {
            let error = await #expect(throws: ParleyError.self) {
                try await service(fixture).issueRelayConfiguration(in: fixture.resource, forUser: rawId, routeType: nil, ttlSeconds: nil)
            }
            #expect(error?.code == .validation)
            #expect(error?.target == "id")
        }
    }

    @Test func aTeamsUserOrAMalformedIdIsAnInvalidIdentifier() async throws {
        let fixture = try await CoreFixture()
        for rawId in ["8:orgid:45ab2481-1c1c-4005-be24-0ffb879b1130", "8:acs:nope", "alice"] {
            let error = await #expect(throws: ParleyError.self) {
                try await service(fixture).issueRelayConfiguration(in: fixture.resource, forUser: rawId, routeType: "any", ttlSeconds: 60)
            }
            #expect(error?.wireCode == "InvalidIdentifier")
        }
    }

    @Test func badRouteTypesAndTtlsAre400s() async throws {
        let fixture = try await CoreFixture()
        let badRoute = await #expect(throws: ParleyError.self) {
            try await service(fixture).issueRelayConfiguration(in: fixture.resource, forUser: nil, routeType: "far", ttlSeconds: nil)
        }
        #expect(badRoute?.target == "routeType")
        let badTtl = await #expect(throws: ParleyError.self) {
            try await service(fixture).issueRelayConfiguration(in: fixture.resource, forUser: nil, routeType: nil, ttlSeconds: -5)
        }
        #expect(badTtl?.target == "ttl")
    }
}
