import Foundation
import ParleySQLite
import Testing

@testable import ParleyCore

/// The authorization code flow with PKCE and rotating refresh tokens, against the real store and
/// a manual clock.
@Suite struct AuthorizationCodeFlowTests {
    static let issuer = "https://127.0.0.1:8443/tenant/v2.0"
    static let redirect = "https://127.0.0.1:8443/"
    static let verifier = String(repeating: "verifier-0123456789_", count: 3)

    struct Setup {
        var fixture: CoreFixture
        var tenant: Tenant
        var adele: OrgUser
        var app: TenantApp
        var secret: String
    }

    func setup() async throws -> Setup {
        let fixture = try await CoreFixture()
        let tenant = try await fixture.directory.createTenant(displayName: "Contoso", domain: "contoso.com")
        let adele = try await fixture.directory.addUser(
            to: tenant.id,
            displayName: "Adele Vance",
            userPrincipalName: "adele@contoso.com",
            password: "correct horse"
        )
        let (app, secret) = try await fixture.orgSignIn.registerApp(in: tenant.id, displayName: "Parley web", redirectUris: ["https://127.0.0.1/"])
        return Setup(fixture: fixture, tenant: tenant, adele: adele, app: app, secret: secret)
    }

    func parameters(_ setup: Setup, _ extra: [String: String] = [:]) -> [String: String] {
        [
            "client_id": setup.app.appId.uuidString.lowercased(),
            "redirect_uri": Self.redirect,
            "response_type": "code",
            "scope": "openid profile offline_access User.Read",
            "state": "s-1",
            "nonce": "n-1",
            "code_challenge": OrgSignInService.challenge(of: Self.verifier),
            "code_challenge_method": "S256",
        ].merging(extra) { $1 }
    }

    /// A code for Adele, issued through a checked request.
    func code(_ setup: Setup, _ extra: [String: String] = [:]) async throws -> String {
        let request = try await setup.fixture.orgSignIn.authorizationRequest(tenant: setup.tenant, parameters: parameters(setup, extra))
        return try await setup.fixture.orgSignIn.issueAuthorizationCode(for: request, username: "Adele@Contoso.com", password: "correct horse")
    }

    func redeem(
        _ setup: Setup,
        _ code: String,
        verifier: String? = verifier,
        redirect: String = redirect,
        clientId: String? = nil,
        secret: String? = nil
    ) async throws -> OrgTokens {
        try await setup.fixture.orgSignIn.redeemAuthorizationCode(
            tenant: setup.tenant,
            clientId: clientId ?? setup.app.appId.uuidString,
            clientSecret: secret,
            code: code,
            redirectUri: redirect,
            codeVerifier: verifier,
            issuer: Self.issuer
        )
    }

    func refresh(_ setup: Setup, _ refreshToken: String?) async throws -> OrgTokens {
        try await setup.fixture.orgSignIn.refresh(
            tenant: setup.tenant,
            clientId: setup.app.appId.uuidString,
            clientSecret: nil,
            refreshToken: try #require(refreshToken),
            issuer: Self.issuer
        )
    }

    func claims(_ jwt: String) throws -> [String: Any] {
        var part = String(jwt.split(separator: ".")[1]).replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while part.count % 4 != 0 { part += "=" }
        let data = try #require(Data(base64Encoded: part))
        return try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
    }

    // MARK: Tests

    @Test func aCodeBecomesTokensOnceAndItsRefreshTokenRotates() async throws {
        let setup = try await setup()
        let tokens = try await redeem(setup, try await code(setup))
        let principal = try await setup.fixture.orgSignIn.authenticate(accessToken: tokens.accessToken)
        #expect(principal.user == setup.adele)
        let id = try claims(try #require(tokens.idToken))
        #expect(id["nonce"] as? String == "n-1")
        #expect(id["aud"] as? String == setup.app.appId.uuidString.lowercased())
        let sid = try #require(id["sid"] as? String)
        let first = try #require(tokens.refreshToken)

        let refreshed = try await refresh(setup, first)
        let second = try #require(refreshed.refreshToken)
        #expect(second != first)
        #expect(try claims(try #require(refreshed.idToken))["sid"] as? String == sid)
        #expect(try await setup.fixture.orgSignIn.authenticate(accessToken: refreshed.accessToken).user == setup.adele)

        // The first one again: a replay ends the session, so the second stops working too.
        let replay = await #expect(throws: OAuthError.self) {
            try await refresh(setup, first)
        }
        #expect(replay?.error == "invalid_grant")
        let ended = await #expect(throws: OAuthError.self) {
            try await refresh(setup, second)
        }
        #expect(ended?.error == "invalid_grant")
        #expect(try await setup.fixture.store.signInSession(id: sid)?.revokedAt != nil)
    }

    @Test func aRedeemedCodeIsRefusedAndItsSessionEnds() async throws {
        let setup = try await setup()
        let code = try await code(setup)
        let tokens = try await redeem(setup, code)
        let reused = await #expect(throws: OAuthError.self) { try await redeem(setup, code) }
        #expect(reused?.error == "invalid_grant")
        #expect(reused?.description.contains("AADSTS54005") == true)
        await #expect(throws: OAuthError.self) {
            try await refresh(setup, tokens.refreshToken)
        }
    }

    @Test func theCodeIsBoundToTheVerifierTheClientAndTheRedirectURI() async throws {
        let setup = try await setup()
        let (other, _) = try await setup.fixture.orgSignIn.registerApp(in: setup.tenant.id, displayName: "Other", redirectUris: [Self.redirect])
        let code = try await code(setup)
        let attempts: [(String?, String, String?)] = [
            (String(repeating: "x", count: 43), Self.redirect, nil),  // wrong verifier
            ("short", Self.redirect, nil),  // not a PKCE verifier at all
            (Self.verifier, "https://127.0.0.1:8443/other", nil),  // another redirect URI
            (Self.verifier, Self.redirect, other.appId.uuidString),  // another client
        ]
        for (verifier, redirect, client) in attempts {
            let error = await #expect(throws: OAuthError.self) {
                try await redeem(setup, code, verifier: verifier, redirect: redirect, clientId: client)
            }
            #expect(error?.error == "invalid_grant")
        }
        let missing = await #expect(throws: OAuthError.self) { try await redeem(setup, code, verifier: nil) }
        #expect(missing?.error == "invalid_request")
        // None of these spent the code: the client that holds the verifier still gets its tokens.
        #expect(try await redeem(setup, code).refreshToken != nil)
    }

    @Test func aConfidentialClientsSecretIsChecked() async throws {
        let setup = try await setup()
        let code = try await code(setup)
        let wrong = await #expect(throws: OAuthError.self) { try await redeem(setup, code, secret: "not the secret") }
        #expect(wrong?.error == "invalid_client")
        #expect(try await redeem(setup, code, secret: setup.secret).idToken != nil)
    }

    @Test func codesExpireAfterTwoMinutesAndSessionsAfterADay() async throws {
        let setup = try await setup()
        let stale = try await code(setup)
        setup.fixture.clock.advance(by: OrgSignInService.authorizationCodeLifetime)
        let expired = await #expect(throws: OAuthError.self) { try await redeem(setup, stale) }
        #expect(expired?.description.contains("AADSTS70008") == true)

        var refreshToken = try #require(try await redeem(setup, try await code(setup)).refreshToken)
        setup.fixture.clock.advance(by: OrgSignInService.sessionLifetime - 60)
        refreshToken = try #require(
            try await refresh(setup, refreshToken)
                .refreshToken
        )
        setup.fixture.clock.advance(by: 60)
        let over = await #expect(throws: OAuthError.self) {
            try await refresh(setup, refreshToken)
        }
        #expect(over?.description.contains("24 hours") == true)
    }

    @Test func aWrongPasswordIssuesNoCode() async throws {
        let setup = try await setup()
        let request = try await setup.fixture.orgSignIn.authorizationRequest(tenant: setup.tenant, parameters: parameters(setup))
        let before = try await setup.fixture.store.eventLogBounds()?.last
        let error = await #expect(throws: OAuthError.self) {
            try await setup.fixture.orgSignIn.issueAuthorizationCode(for: request, username: "adele@contoso.com", password: "wrong horse")
        }
        #expect(error?.error == "invalid_grant")
        #expect(try await setup.fixture.store.eventLogBounds()?.last == before)
    }

    @Test func requestsThatCannotBeVerifiedAreNotRedirected() async throws {
        let setup = try await setup()
        let cases: [[String: String]] = [
            ["client_id": UUID().uuidString],
            ["redirect_uri": "https://evil.example/"],
            ["redirect_uri": ""],
        ]
        for extra in cases {
            do {
                _ = try await setup.fixture.orgSignIn.authorizationRequest(tenant: setup.tenant, parameters: parameters(setup, extra))
                Issue.record("accepted \(extra)")
            } catch AuthorizationRequestError.cannotRedirect(let message) {
                #expect(!message.isEmpty)
            }
        }
    }

    @Test func otherRefusalsGoBackToTheClientWithTheState() async throws {
        let setup = try await setup()
        let cases: [([String: String], String)] = [
            (["code_challenge_method": "plain"], "invalid_request"),
            (["code_challenge": "too-short"], "invalid_request"),
            (["response_type": "token"], "unsupported_response_type"),
            (["prompt": "none"], "login_required"),
            (["scope": ""], "invalid_request"),
        ]
        for (extra, expected) in cases {
            do {
                _ = try await setup.fixture.orgSignIn.authorizationRequest(tenant: setup.tenant, parameters: parameters(setup, extra))
                Issue.record("accepted \(extra)")
            } catch AuthorizationRequestError.redirect(let error, let response) {
                #expect(error.error == expected)
                #expect(response.state == "s-1")
                #expect(response.redirectUri == Self.redirect)
            }
        }
    }

    @Test func signingOutWithTheIdTokenEndsTheSession() async throws {
        let setup = try await setup()
        let tokens = try await redeem(setup, try await code(setup))
        setup.fixture.clock.advance(by: OrgSignInService.tokenLifetime * 2)  // an expired id token still names its session
        let app = try await setup.fixture.orgSignIn.endSession(tenant: setup.tenant, idTokenHint: tokens.idToken)
        #expect(app?.appId == setup.app.appId)
        await #expect(throws: OAuthError.self) {
            try await refresh(setup, tokens.refreshToken)
        }
        #expect(try await setup.fixture.orgSignIn.endSession(tenant: setup.tenant, idTokenHint: "not.a.token") == nil)
    }

    @Test func redirectURIsAreCheckedAndLoopbackOnesMatchAnyPort() throws {
        for bad in ["http://example.com/", "https://", "/relative", "https://example.com/#frag", "https://user:pw@example.com/", "ftp://x.example/"] {
            #expect(throws: ParleyError.self) { try RedirectURI.validate(bad) }
        }
        for good in ["https://app.example/callback", "http://localhost:3000/", "http://127.0.0.1/", "https://[::1]/"] {
            try RedirectURI.validate(good)
        }
        #expect(RedirectURI.matches("https://127.0.0.1:45123/", anyOf: ["https://127.0.0.1/"]))
        #expect(RedirectURI.matches("https://localhost:8443/", anyOf: ["https://localhost/"]))
        #expect(!RedirectURI.matches("https://127.0.0.1:45123/other", anyOf: ["https://127.0.0.1/"]))
        #expect(!RedirectURI.matches("https://app.example:444/", anyOf: ["https://app.example/"]))
        #expect(!RedirectURI.matches("http://127.0.0.1:45123/", anyOf: ["https://127.0.0.1/"]))
        #expect(throws: ParleyError.self) { try RedirectURI.validate(list: Array(repeating: "https://a.example/", count: 257)) }
        #expect(try RedirectURI.validate(list: ["https://a.example/", "https://a.example/"]) == ["https://a.example/"])
    }
}
