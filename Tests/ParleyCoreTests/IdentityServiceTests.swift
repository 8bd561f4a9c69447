import Foundation
import ParleyCore
import Testing

@Suite struct IdentityServiceTests {
    @Test func createsUsersWithRawIdsOfTheResource() async throws {
        let fixture = try await CoreFixture()
        let (user, token) = try await fixture.identities.createUser(in: fixture.resource, tokenScopes: nil, expiresInMinutes: nil)
        #expect(user.rawId.hasPrefix("8:acs:\(fixture.resource.immutableIdString)_"))
        #expect(try AcsUserId.resource(of: user.rawId) == fixture.resource.immutableId)
        #expect(token == nil)
    }

    @Test func createWithScopesIssuesADefaultDayLongToken() async throws {
        let fixture = try await CoreFixture()
        let (user, token) = try await fixture.identities.createUser(in: fixture.resource, tokenScopes: ["chat", "voip"], expiresInMinutes: nil)
        let issued = try #require(token)
        #expect(issued.expiresOn == fixture.clock.now().addingTimeInterval(1440 * 60))
        let caller = try await fixture.identities.authenticate(accessToken: issued.token)
        #expect(caller.user.rawId == user.rawId)
        #expect(caller.scopes == [.chat, .voip])
    }

    @Test func tokensExpire() async throws {
        let fixture = try await CoreFixture()
        let (_, token) = try await fixture.identities.createUser(in: fixture.resource, tokenScopes: ["chat"], expiresInMinutes: 60)
        let issued = try #require(token)
        fixture.clock.advance(by: 59 * 60)
        _ = try await fixture.identities.authenticate(accessToken: issued.token)
        fixture.clock.advance(by: 60)
        await #expect(throws: ParleyError.self) { try await fixture.identities.authenticate(accessToken: issued.token) }
    }

    @Test func revocationInvalidatesEarlierTokensOnly() async throws {
        let fixture = try await CoreFixture()
        let (user, token) = try await fixture.identities.createUser(in: fixture.resource, tokenScopes: ["chat"], expiresInMinutes: nil)
        let before = try #require(token)
        try await fixture.identities.revokeTokens(of: user.rawId, in: fixture.resource)
        let error = await #expect(throws: ParleyError.self) { try await fixture.identities.authenticate(accessToken: before.token) }
        #expect(error?.code == .unauthenticated)

        // Issued in the same second as the revocation, and still valid: revocation is exact.
        let after = try await fixture.identities.issueToken(for: user.rawId, in: fixture.resource, scopes: ["chat"], expiresInMinutes: nil)
        #expect(try await fixture.identities.authenticate(accessToken: after.token).user.rawId == user.rawId)
    }

    @Test func deletingAUserStopsItsTokensAndForgetsIt() async throws {
        let fixture = try await CoreFixture()
        let (user, token) = try await fixture.identities.createUser(in: fixture.resource, tokenScopes: ["voip"], expiresInMinutes: nil)
        try await fixture.identities.deleteUser(user.rawId, in: fixture.resource)
        await #expect(throws: ParleyError.self) { try await fixture.identities.authenticate(accessToken: try #require(token).token) }
        let error = await #expect(throws: ParleyError.self) {
            try await fixture.identities.issueToken(for: user.rawId, in: fixture.resource, scopes: ["chat"], expiresInMinutes: nil)
        }
        #expect(error?.code == .notFound)
    }

    @Test(arguments: [59, 1441, 0, -5])
    func rejectsLifetimesOutsideTheRange(minutes: Int) async throws {
        let fixture = try await CoreFixture()
        let (user, _) = try await fixture.identities.createUser(in: fixture.resource, tokenScopes: nil, expiresInMinutes: nil)
        let error = await #expect(throws: ParleyError.self) {
            try await fixture.identities.issueToken(for: user.rawId, in: fixture.resource, scopes: ["chat"], expiresInMinutes: minutes)
        }
        #expect(error?.code == .validation)
        #expect(error?.target == "ExpiresInMinutes")
        #expect(error?.message == "ExpiresInMinutes value \(minutes) is invalid. Value must be within the [60, 1440] interval.")
    }

    @Test(arguments: [nil, [], ["chat", "email"]] as [[String]?])
    func rejectsMissingOrUnknownScopes(scopes: [String]?) async throws {
        let fixture = try await CoreFixture()
        let (user, _) = try await fixture.identities.createUser(in: fixture.resource, tokenScopes: nil, expiresInMinutes: nil)
        let error = await #expect(throws: ParleyError.self) {
            try await fixture.identities.issueToken(for: user.rawId, in: fixture.resource, scopes: scopes, expiresInMinutes: nil)
        }
        #expect(error?.code == .validation)
    }

    @Test func acceptsEveryScope() async throws {
        let fixture = try await CoreFixture()
        let (user, _) = try await fixture.identities.createUser(in: fixture.resource, tokenScopes: nil, expiresInMinutes: nil)
        let all = TokenScope.allCases.map(\.rawValue)
        let token = try await fixture.identities.issueToken(for: user.rawId, in: fixture.resource, scopes: all, expiresInMinutes: 60)
        #expect(try await fixture.identities.authenticate(accessToken: token.token).scopes == Set(TokenScope.allCases))
    }

    @Test func anotherResourcesUserIsNotFound() async throws {
        let fixture = try await CoreFixture()
        let other = try await fixture.resources.create(name: "other")
        let (user, _) = try await fixture.identities.createUser(in: other, tokenScopes: nil, expiresInMinutes: nil)
        for operation in ["issue", "revoke", "delete"] {
            let error = await #expect(throws: ParleyError.self) {
                switch operation {
                case "issue":
                    _ = try await fixture.identities.issueToken(for: user.rawId, in: fixture.resource, scopes: ["chat"], expiresInMinutes: nil)
                case "revoke": try await fixture.identities.revokeTokens(of: user.rawId, in: fixture.resource)
                default: try await fixture.identities.deleteUser(user.rawId, in: fixture.resource)
                }
            }
            #expect(error?.code == .notFound)
        }
        // The user is untouched in its own resource.
        _ = try await fixture.identities.issueToken(for: user.rawId, in: other, scopes: ["chat"], expiresInMinutes: nil)
    }

    @Test(arguments: ["8:acs:fakeid===", "8:orgid:abc", "", "8:acs:\(UUID().uuidString)_not-a-uuid"])
    func malformedIdsAreBadRequests(rawId: String) async throws {
        let fixture = try await CoreFixture()
        let error = await #expect(throws: ParleyError.self) { try await fixture.identities.revokeTokens(of: rawId, in: fixture.resource) }
        #expect(error?.code == .badRequest)
    }

    @Test func everyMintedTokenIsParseableByThePythonSDK() async throws {
        let fixture = try await CoreFixture()
        let scopeSets: [[String]] = [["chat"], ["voip"], ["chat", "voip"], TokenScope.allCases.map(\.rawValue), ["chat.join.limited"]]
        for index in 0..<400 {
            let scopes = scopeSets[index % scopeSets.count]
            let (_, token) = try await fixture.identities.createUser(in: fixture.resource, tokenScopes: scopes, expiresInMinutes: 60 + index % 1381)
            let issued = try #require(token)
            #expect(!issued.token.split(separator: ".")[1].contains { $0 == "-" || $0 == "_" })
            #expect(pythonSDKExpiry(of: issued.token) == Int(issued.expiresOn.timeIntervalSince1970))
            fixture.clock.advance(by: 1.37)
        }
    }

    @Test func tamperedTokensAreRejected() async throws {
        let fixture = try await CoreFixture()
        let (_, token) = try await fixture.identities.createUser(in: fixture.resource, tokenScopes: ["chat"], expiresInMinutes: nil)
        // Change the first character of the signature (the last one may carry only padding bits).
        let parts = try #require(token).token.split(separator: ".").map(String.init)
        let signature = parts[2]
        let flipped = (signature.first == "A" ? "B" : "A") + signature.dropFirst()
        let tampered = [parts[0], parts[1], flipped].joined(separator: ".")
        await #expect(throws: ParleyError.self) { try await fixture.identities.authenticate(accessToken: tampered) }
        await #expect(throws: ParleyError.self) { try await fixture.identities.authenticate(accessToken: "not.a.token") }
    }

    @Test func rateLimitsWhenEnforced() async throws {
        let fixture = try await CoreFixture(rateLimits: true)
        let (user, _) = try await fixture.identities.createUser(in: fixture.resource, tokenScopes: nil, expiresInMinutes: nil)
        for _ in 0..<1000 {
            _ = try await fixture.identities.issueToken(for: user.rawId, in: fixture.resource, scopes: ["chat"], expiresInMinutes: nil)
        }
        let error = await #expect(throws: ParleyError.self) {
            try await fixture.identities.issueToken(for: user.rawId, in: fixture.resource, scopes: ["chat"], expiresInMinutes: nil)
        }
        #expect(error?.code == .tooManyRequests)
        #expect(error?.retryAfterSeconds == 30)
        fixture.clock.advance(by: 30)
        _ = try await fixture.identities.issueToken(for: user.rawId, in: fixture.resource, scopes: ["chat"], expiresInMinutes: nil)
    }
}
