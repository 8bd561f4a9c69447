import Foundation
import ParleyCore
import ParleySQLite
import Testing

@Suite struct OrgSignInTests {
    static let issuer = "https://127.0.0.1:8443/tenant/v2.0"
    static let graphDefault = "https://graph.microsoft.com/.default"

    /// Contoso with Adele (password set, unless `password` is false: hashing takes a while) and
    /// a registered app.
    func contoso(_ fixture: CoreFixture, password: Bool = true) async throws -> (Tenant, OrgUser, TenantApp, String) {
        let tenant = try await fixture.directory.createTenant(displayName: "Contoso", domain: "contoso.com")
        let adele = try await fixture.directory.addUser(to: tenant.id, displayName: "Adele Vance", userPrincipalName: "adele@contoso.com")
        if password { try await fixture.orgSignIn.setPassword("correct horse", of: adele.id, in: tenant.id) }
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
            scope: "openid profile offline_access User.Read",
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
                    scope: "User.Read",
                    issuer: Self.issuer
                )
            }
            #expect(error?.error == (target == fabrikam ? "unauthorized_client" : "invalid_grant"))
        }
    }

    @Test func appsSignInWithTheirSecretOnly() async throws {
        let fixture = try await CoreFixture()
        let (tenant, _, app, secret) = try await contoso(fixture)
        let tokens = try await fixture.orgSignIn.signIn(
            tenant: tenant,
            clientId: app.appId.uuidString,
            clientSecret: secret,
            scope: Self.graphDefault,
            issuer: Self.issuer
        )
        #expect(tokens.idToken == nil)
        let principal = try await fixture.orgSignIn.authenticate(accessToken: tokens.accessToken)
        #expect(principal.user == nil)
        #expect(principal.permissions.contains("User.Read.All"))
        let error = await #expect(throws: OAuthError.self) {
            try await fixture.orgSignIn.signIn(
                tenant: tenant,
                clientId: app.appId.uuidString,
                clientSecret: secret + "x",
                scope: Self.graphDefault,
                issuer: Self.issuer
            )
        }
        #expect(error?.status == 401)
    }

    @Test(arguments: [
        // The Communication SDKs ask for exactly this (double slash); the single slash names the same API.
        ("https://communication.azure.com//.default", "https://communication.azure.com"),
        ("https://communication.azure.com/.default", "https://communication.azure.com"),
        ("HTTPS://Communication.Azure.com//.default", "https://communication.azure.com"),
        ("https://graph.microsoft.com/.default", "https://graph.microsoft.com"),
        ("00000003-0000-0000-c000-000000000000/.default", "https://graph.microsoft.com"),
    ])
    func appTokensAreForTheOneApiTheScopeNames(scope: String, audience: String) async throws {
        let fixture = try await CoreFixture()
        let (tenant, _, app, secret) = try await contoso(fixture, password: false)
        let tokens = try await fixture.orgSignIn.signIn(
            tenant: tenant,
            clientId: app.appId.uuidString,
            clientSecret: secret,
            scope: scope,
            issuer: Self.issuer
        )
        #expect(tokens.scope == scope)  // as asked: MSAL caches the token under it
        let claims = try Self.claims(of: tokens.accessToken)
        #expect(claims["aud"] as? String == audience)
        #expect(claims["idtyp"] as? String == "app")
        // Graph roles only in Graph tokens; access to a resource is decided by role assignments.
        #expect(((claims["roles"] as? [String]) ?? []).contains("User.Read.All") == (audience == "https://graph.microsoft.com"))
        if audience != "https://graph.microsoft.com" {
            // A Graph API does not take it.
            await #expect(throws: ParleyError.self) { try await fixture.orgSignIn.authenticate(accessToken: tokens.accessToken) }
        }
    }

    @Test(arguments: [
        // (grant, scope, OAuth error, AADSTS code)
        ("client_credentials", "https://storage.azure.com/.default", "invalid_resource", "AADSTS500011"),
        ("client_credentials", "api://unknown-app/.default", "invalid_resource", "AADSTS500011"),
        ("client_credentials", "https://communication.azure.com/Identity.Manage", "invalid_scope", "AADSTS1002012"),
        ("client_credentials", "User.Read", "invalid_scope", "AADSTS1002012"),
        ("client_credentials", "openid", "invalid_scope", "AADSTS1002012"),
        ("client_credentials", "https://graph.microsoft.com/.default https://communication.azure.com//.default", "invalid_scope", "AADSTS28000"),
        ("client_credentials", "", "invalid_request", "AADSTS900144"),
        ("password", "https://communication.azure.com//.default", "invalid_scope", "AADSTS70011"),
        ("client_credentials", "https://auth.msft.communication.azure.com/.default", "invalid_scope", "AADSTS70011"),
        ("password", "https://auth.msft.communication.azure.com/Teams.ManageEverything", "invalid_scope", "AADSTS65005"),
        ("password", "https://vault.azure.net/user_impersonation", "invalid_resource", "AADSTS500011"),
        ("password", " ", "invalid_request", "AADSTS900144"),
    ])
    func unknownApisAndMalformedScopesGetEntrasErrorAndNoToken(grant: String, scope: String, error: String, code: String) async throws {
        // The scope is refused before credentials are looked at: no password needed.
        let fixture = try await CoreFixture()
        let (tenant, _, app, secret) = try await contoso(fixture, password: false)
        let refusal = await #expect(throws: OAuthError.self) {
            if grant == "password" {
                _ = try await fixture.orgSignIn.signIn(
                    tenant: tenant,
                    clientId: app.appId.uuidString,
                    username: "adele@contoso.com",
                    password: "correct horse",
                    scope: scope,
                    issuer: Self.issuer
                )
            } else {
                _ = try await fixture.orgSignIn.signIn(
                    tenant: tenant,
                    clientId: app.appId.uuidString,
                    clientSecret: secret,
                    scope: scope,
                    issuer: Self.issuer
                )
            }
        }
        #expect(refusal?.error == error)
        #expect(refusal?.status == 400)
        #expect(refusal?.description.hasPrefix(code) == true)
    }

    @Test(arguments: [
        (
            "https://auth.msft.communication.azure.com/Teams.ManageCalls https://auth.msft.communication.azure.com/Teams.ManageChats offline_access",
            ["Teams.ManageCalls", "Teams.ManageChats"]
        ),
        ("https://auth.msft.communication.azure.com/Teams.ManageCalls", ["Teams.ManageCalls"]),
        ("https://auth.msft.communication.azure.com/.default", ["Teams.ManageCalls", "Teams.ManageChats"]),
    ])
    func peopleGetTeamsTokensForTheExchangeWithThePermissionsAsked(scope: String, permissions: [String]) async throws {
        let fixture = try await CoreFixture()
        let (tenant, adele, app, _) = try await contoso(fixture)
        let tokens = try await fixture.orgSignIn.signIn(
            tenant: tenant,
            clientId: app.appId.uuidString,
            username: adele.userPrincipalName,
            password: "correct horse",
            scope: scope,
            issuer: Self.issuer
        )
        let claims = try Self.claims(of: tokens.accessToken)
        #expect(claims["aud"] as? String == "https://auth.msft.communication.azure.com")
        #expect(claims["scp"] as? String == permissions.joined(separator: " "))
        #expect(tokens.scope == permissions.joined(separator: " "))
        // Not a Graph token: the organization API refuses it.
        await #expect(throws: ParleyError.self) { try await fixture.orgSignIn.authenticate(accessToken: tokens.accessToken) }
        #expect(try await fixture.orgSignIn.authenticate(accessToken: tokens.accessToken, for: [.teams]).user == adele)
    }

    /// The payload of a JWT, unverified.
    static func claims(of token: String) throws -> [String: Any] {
        let parts = token.split(separator: ".")
        var payload = String(parts[1]).replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while payload.count % 4 != 0 { payload += "=" }
        let data = try #require(Data(base64Encoded: payload))
        return try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
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
        // As the ACS quickstart signs Teams users in; Parley's own Graph tokens are exchanged too.
        let org = try await fixture.orgSignIn.signIn(
            tenant: tenant,
            clientId: app.appId.uuidString,
            username: "adele@contoso.com",
            password: "correct horse",
            scope: "https://auth.msft.communication.azure.com/Teams.ManageCalls https://auth.msft.communication.azure.com/Teams.ManageChats",
            issuer: "x"
        )
        let graph = try await fixture.orgSignIn.signIn(
            tenant: tenant,
            clientId: app.appId.uuidString,
            username: "adele@contoso.com",
            password: "correct horse",
            scope: "User.Read",
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

        let fromGraph = try await exchange.exchange(
            in: fixture.resource,
            orgToken: graph.accessToken,
            appId: app.appId.uuidString,
            userId: adele.id.uuidString
        )
        #expect(try await fixture.identities.authenticate(accessToken: fromGraph.token).user.rawId == adele.rawId)
        // An app's token (for any API) is nobody's to exchange.
        let (_, secret) = try await fixture.orgSignIn.registerApp(in: tenant.id, displayName: "Back end")
        let apps = try await fixture.orgSignIn.apps(in: tenant.id)
        let backEnd = try #require(apps.first { $0.displayName == "Back end" })
        for scope in ["https://graph.microsoft.com/.default", "https://communication.azure.com//.default"] {
            let appToken = try await fixture.orgSignIn.signIn(
                tenant: tenant,
                clientId: backEnd.appId.uuidString,
                clientSecret: secret,
                scope: scope,
                issuer: "x"
            )
            let refused = await #expect(throws: ParleyError.self) {
                try await exchange.exchange(
                    in: fixture.resource,
                    orgToken: appToken.accessToken,
                    appId: backEnd.appId.uuidString,
                    userId: adele.id.uuidString
                )
            }
            #expect(refused?.wireCode == "InvalidAccessToken")
        }

        let wrongApp = await #expect(throws: ParleyError.self) {
            try await exchange.exchange(in: fixture.resource, orgToken: org.accessToken, appId: UUID().uuidString, userId: adele.id.uuidString)
        }
        #expect(wrongApp?.target == "appId")
        fixture.clock.advance(by: OrgSignInService.tokenLifetime)
        await #expect(throws: ParleyError.self) { try await fixture.identities.authenticate(accessToken: token.token) }
    }
}
