import Foundation
import ParleyCore
import ParleySQLite
import Testing

@Suite struct OrgSignInTests {
    static let issuer = "https://127.0.0.1:8443/tenant/v2.0"

    /// Contoso with Adele (password set) and a registered app.
    func contoso(_ fixture: CoreFixture) async throws -> (Tenant, OrgUser, TenantApp, String) {
        let tenant = try await fixture.directory.createTenant(displayName: "Contoso", domain: "contoso.com")
        let adele = try await fixture.directory.addUser(to: tenant.id, displayName: "Adele Vance", userPrincipalName: "adele@contoso.com")
        try await fixture.orgSignIn.setPassword("correct horse", of: adele.id, in: tenant.id)
        let (app, secret) = try await fixture.orgSignIn.registerApp(in: tenant.id, displayName: "Portal")
        return (tenant, adele, app, secret)
    }

    @Test func aPersonSignsInWithTheirPasswordAndTheTokenAuthenticates() async throws {
        let fixture = try await CoreFixture()
        let (tenant, adele, app, _) = try await contoso(fixture)
        let tokens = try await fixture.orgSignIn.signIn(
            tenant: tenant,
            clientId: app.appId.uuidString,
            username: "Adele@Contoso.com",
            password: "correct horse",
            issuer: Self.issuer
        )
        #expect(tokens.idToken != nil)
        let principal = try await fixture.orgSignIn.authenticate(accessToken: tokens.accessToken)
        #expect(principal.user == adele)
        #expect(principal.permissions.contains("Chat.ReadWrite"))

        fixture.clock.advance(by: OrgSignInService.tokenLifetime)
        let expired = await #expect(throws: ParleyError.self) { try await fixture.orgSignIn.authenticate(accessToken: tokens.accessToken) }
        #expect(expired?.wireCode == "InvalidAuthenticationToken")
    }

    @Test func wrongPasswordsUnknownPeopleAndOtherTenantsAreRefusedAlike() async throws {
        let fixture = try await CoreFixture()
        let (tenant, _, app, _) = try await contoso(fixture)
        let fabrikam = try await fixture.directory.createTenant(displayName: "Fabrikam", domain: "fabrikam.com")
        let noPassword = try await fixture.directory.addUser(to: tenant.id, displayName: "Lee", userPrincipalName: "lee@contoso.com")
        let attempts: [(Tenant, String, String)] = [
            (tenant, "adele@contoso.com", "wrong horse"),
            (tenant, "nobody@contoso.com", "correct horse"),
            (tenant, noPassword.userPrincipalName, ""),
            (fabrikam, "adele@contoso.com", "correct horse"),
        ]
        for (target, username, password) in attempts {
            let error = await #expect(throws: OAuthError.self) {
                try await fixture.orgSignIn.signIn(
                    tenant: target,
                    clientId: app.appId.uuidString,
                    username: username,
                    password: password,
                    issuer: Self.issuer
                )
            }
            #expect(error?.error == (target == fabrikam ? "unauthorized_client" : "invalid_grant"))
        }
    }

    @Test func appsSignInWithTheirSecretOnly() async throws {
        let fixture = try await CoreFixture()
        let (tenant, _, app, secret) = try await contoso(fixture)
        let tokens = try await fixture.orgSignIn.signIn(tenant: tenant, clientId: app.appId.uuidString, clientSecret: secret, issuer: Self.issuer)
        #expect(tokens.idToken == nil)
        let principal = try await fixture.orgSignIn.authenticate(accessToken: tokens.accessToken)
        #expect(principal.user == nil)
        #expect(principal.permissions.contains("User.Read.All"))
        let error = await #expect(throws: OAuthError.self) {
            try await fixture.orgSignIn.signIn(tenant: tenant, clientId: app.appId.uuidString, clientSecret: secret + "x", issuer: Self.issuer)
        }
        #expect(error?.status == 401)
    }

    @Test func tenantsAreFoundByIdOrDomain() async throws {
        let fixture = try await CoreFixture()
        let (tenant, _, _, _) = try await contoso(fixture)
        #expect(try await fixture.orgSignIn.tenant(named: tenant.id.uuidString) == tenant)
        #expect(try await fixture.orgSignIn.tenant(named: "CONTOSO.com") == tenant)
        await #expect(throws: OAuthError.self) { try await fixture.orgSignIn.tenant(named: "fabrikam.com") }
    }

    @Test func passwordsAreHashedAndChecked() throws {
        let hash = try PasswordHasher.hash("s3cret-pass")
        #expect(!hash.contains("s3cret-pass"))
        #expect(PasswordHasher.verify("s3cret-pass", against: hash))
        #expect(!PasswordHasher.verify("s3cret-pasS", against: hash))
        #expect(!PasswordHasher.verify("s3cret-pass", against: "garbage"))
        #expect(try PasswordHasher.hash("s3cret-pass") != hash)  // salted
    }

    @Test func shortPasswordsAreRefusedAndCreateNoUser() async throws {
        let fixture = try await CoreFixture()
        let tenant = try await fixture.directory.createTenant(displayName: "Contoso", domain: "contoso.com")
        let error = await #expect(throws: ParleyError.self) {
            try await fixture.directory.addUser(to: tenant.id, displayName: "A", userPrincipalName: "a@contoso.com", password: "short")
        }
        #expect(error?.target == "password")
        #expect(try await fixture.directory.users(in: tenant.id).isEmpty)
    }
}

@Suite struct TeamsTokenExchangeTests {
    @Test func anExchangedTokenIdentifiesTheTeamsUserInTheResourceUntilTheOrgTokenExpires() async throws {
        let fixture = try await CoreFixture()
        let tenant = try await fixture.directory.createTenant(displayName: "Contoso", domain: "contoso.com")
        let adele = try await fixture.directory.addUser(
            to: tenant.id,
            displayName: "Adele",
            userPrincipalName: "adele@contoso.com",
            password: "correct horse"
        )
        let (app, _) = try await fixture.orgSignIn.registerApp(in: tenant.id, displayName: "Portal")
        let org = try await fixture.orgSignIn.signIn(
            tenant: tenant,
            clientId: app.appId.uuidString,
            username: "adele@contoso.com",
            password: "correct horse",
            issuer: "x"
        )
        let signingKey = try await fixture.store.secret(named: "token-signing-key") { "unused" }
        let exchange = TeamsTokenExchange(
            orgSignIn: fixture.orgSignIn,
            tokens: try await TokenAuthority(signingKeyPEM: signingKey),
            clock: fixture.clock
        )

        let token = try await exchange.exchange(
            in: fixture.resource,
            orgToken: org.accessToken,
            appId: app.appId.uuidString,
            userId: adele.id.uuidString
        )
        let caller = try await fixture.identities.authenticate(accessToken: token.token)
        #expect(caller.user.rawId == adele.rawId)
        #expect(caller.user.resourceId == fixture.resource.immutableId)
        #expect(caller.scopes == [.voip])
        #expect(token.expiresOn == fixture.clock.now().addingTimeInterval(OrgSignInService.tokenLifetime))

        let wrongApp = await #expect(throws: ParleyError.self) {
            try await exchange.exchange(in: fixture.resource, orgToken: org.accessToken, appId: UUID().uuidString, userId: adele.id.uuidString)
        }
        #expect(wrongApp?.target == "appId")
        fixture.clock.advance(by: OrgSignInService.tokenLifetime)
        await #expect(throws: ParleyError.self) { try await fixture.identities.authenticate(accessToken: token.token) }
    }
}
