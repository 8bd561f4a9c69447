import Foundation
import ParleySQLite
import Testing

@testable import ParleyCore

/// Microsoft Entra ID access to the resource APIs: role assignments (the operator's grants) and
/// what a bearer token lets its app do (``ResourceAccess``).
@Suite struct ResourceAccessTests {
    static let communicationScope = "https://communication.azure.com//.default"

    /// The fixture plus what these tests need around it.
    struct Setup {
        let fixture: CoreFixture
        let assignments: RoleAssignmentService
        let access: ResourceAccess
        let contoso: Tenant
        let app: TenantApp
        let secret: String

        init() async throws {
            fixture = try await CoreFixture()
            assignments = RoleAssignmentService(store: fixture.store, resources: fixture.resources, clock: fixture.clock)
            access = ResourceAccess(store: fixture.store, tokens: fixture.orgSignIn.authority, clock: fixture.clock)
            contoso = try await fixture.directory.createTenant(displayName: "Contoso", domain: "contoso.com")
            (app, secret) = try await fixture.orgSignIn.registerApp(in: contoso.id, displayName: "Back end")
        }

        /// An app token from the token endpoint's use case, for `scope`.
        func token(
            _ app: TenantApp? = nil,
            secret: String? = nil,
            in tenant: Tenant? = nil,
            scope: String = communicationScope
        ) async throws -> String {
            let tenant = tenant ?? contoso
            return try await fixture.orgSignIn.signIn(
                tenant: tenant,
                clientId: (app ?? self.app).appId.uuidString,
                clientSecret: secret ?? self.secret,
                scope: scope,
                issuer: "https://127.0.0.1:8443/\(tenant.id.uuidString.lowercased())/v2.0"
            ).accessToken
        }

        @discardableResult
        func grant(_ role: String = "Contributor", on resource: String = "default", app: TenantApp? = nil) async throws -> RoleAssignment {
            let app = app ?? self.app
            return try await assignments.grant(on: resource, tenant: app.tenantId.uuidString, appId: app.appId.uuidString, role: role).assignment
        }

        /// Claims like the token endpoint's, to sign with any key.
        func claims(
            tid: String? = nil,
            iss: String? = nil,
            appId: UUID? = nil,
            aud: String = "https://communication.azure.com"
        ) -> OrgAccessTokenClaims {
            let now = Int(fixture.clock.now().timeIntervalSince1970)
            let tid = tid ?? contoso.id.uuidString.lowercased()
            let appId = (appId ?? app.appId).uuidString.lowercased()
            return OrgAccessTokenClaims(
                aud: aud,
                iss: iss ?? "https://127.0.0.1:8443/\(tid)/v2.0",
                iat: now,
                nbf: now,
                exp: now + 3600,
                tid: tid,
                oid: appId,
                sub: appId,
                appid: appId,
                azp: appId,
                idtyp: "app",
                ver: "2.0",
                uti: UUID().uuidString,
                scp: nil,
                roles: nil,
                upn: nil,
                preferred_username: nil,
                name: nil
            )
        }
    }

    func refusal(_ setup: Setup, _ token: String, resource: String? = nil) async -> ParleyError? {
        await #expect(throws: ParleyError.self) { try await setup.access.caller(bearerToken: token, resourceName: resource) }
    }

    // MARK: Grants

    @Test func aGrantIsIdempotentAndEveryChangeIsAnEvent() async throws {
        let setup = try await Setup()
        let before = try await setup.fixture.store.eventLogBounds()?.last ?? 0
        let (first, created) = try await setup.assignments.grant(
            on: "default",
            tenant: "CONTOSO.com",
            appId: setup.app.appId.uuidString.uppercased(),
            role: "contributor"
        )
        #expect(created)
        #expect(first.role == .contributor)
        #expect(first.tenantId == setup.contoso.id && first.appId == setup.app.appId && first.resourceId == setup.fixture.resource.immutableId)
        // Again, by the role definition id this time: the same assignment, nothing new.
        let (again, createdAgain) = try await setup.assignments.grant(
            on: setup.fixture.resource.immutableIdString,
            tenant: setup.contoso.id.uuidString,
            appId: setup.app.appId.uuidString,
            role: ResourceRole.contributor.definitionId
        )
        #expect(!createdAgain)
        #expect(again == first)
        let owner = try await setup.grant("Owner")
        #expect(try await setup.assignments.assignments(on: "default") == [first, owner])

        try await setup.assignments.revoke(first.id.uuidString, on: "default")
        #expect(try await setup.assignments.assignments(on: "default") == [owner])

        let events = try await setup.fixture.store.events(after: before, limit: 10).map(\.event)
        #expect(events.map(\.kind) == [.roleAssignmentCreated, .roleAssignmentCreated, .roleAssignmentDeleted])
        #expect(events.allSatisfy { $0.resourceId == setup.fixture.resource.immutableIdString })
        #expect(events[0].subject == first.id.uuidString.lowercased())
        #expect(
            events[0].data == [
                "tenantId": setup.contoso.id.uuidString.lowercased(), "appId": setup.app.appId.uuidString.lowercased(), "role": "Contributor",
            ]
        )
    }

    @Test func badGrantsNameWhatIsWrongAndChangeNothing() async throws {
        let setup = try await Setup()
        let fabrikam = try await setup.fixture.directory.createTenant(displayName: "Fabrikam", domain: "fabrikam.com")
        let app = setup.app.appId.uuidString
        let cases: [(resource: String, tenant: String, app: String, role: String, code: ParleyError.Code, target: String)] = [
            ("default", "contoso.com", app, "Reader", .validation, "role"),
            ("default", "contoso.com", "not-a-guid", "Owner", .badRequest, "appId"),
            ("nowhere", "contoso.com", app, "Owner", .notFound, "name"),
            ("default", "nowhere.example", app, "Owner", .notFound, "tenant"),
            ("default", "contoso.com", UUID().uuidString, "Owner", .notFound, "appId"),
            // The app exists, but in another tenant than the one named.
            ("default", fabrikam.domain, app, "Owner", .notFound, "appId"),
        ]
        let before = try await setup.fixture.store.eventLogBounds()?.last
        for bad in cases {
            let error = await #expect(throws: ParleyError.self) {
                try await setup.assignments.grant(on: bad.resource, tenant: bad.tenant, appId: bad.app, role: bad.role)
            }
            #expect(error?.code == bad.code)
            #expect(error?.target == bad.target)
        }
        #expect(try await setup.assignments.assignments(on: "default").isEmpty)
        #expect(try await setup.fixture.store.eventLogBounds()?.last == before)
        let unknown = await #expect(throws: ParleyError.self) { try await setup.assignments.revoke(UUID().uuidString, on: "default") }
        #expect(unknown?.code == .notFound)
    }

    // MARK: Bearer tokens

    @Test func anAppWithARoleActsOnItsResource() async throws {
        let setup = try await Setup()
        try await setup.grant("Communication and Email Service Owner")
        let caller = try await setup.access.caller(bearerToken: try await setup.token(), resourceName: nil)
        #expect(caller.resource == setup.fixture.resource)
        #expect(caller.credential == .app(tenantId: setup.contoso.id, appId: setup.app.appId, roles: [.communicationAndEmailServiceOwner]))
        for operation in ResourceOperation.allCases { #expect(try caller.authorize(operation) == setup.fixture.resource) }
        // Named by its own endpoint, by name or immutable id: the same.
        #expect(try await setup.access.caller(bearerToken: try await setup.token(), resourceName: "default") == caller)
        #expect(try await setup.access.caller(bearerToken: try await setup.token(), resourceName: setup.fixture.resource.immutableIdString) == caller)
    }

    @Test func withoutARoleTheAppIsForbiddenAndARevokedRoleStopsAtOnce() async throws {
        let setup = try await Setup()
        let token = try await setup.token()
        #expect(await refusal(setup, token)?.wireCode == "AuthorizationFailed")
        #expect(await refusal(setup, token, resource: "default")?.code == .forbidden)
        let assignment = try await setup.grant()
        _ = try await setup.access.caller(bearerToken: token, resourceName: nil)
        try await setup.assignments.revoke(assignment.id.uuidString, on: "default")
        let revoked = await refusal(setup, token)
        #expect(revoked?.code == .forbidden)
        #expect(revoked?.wireCode == "AuthorizationFailed")
    }

    @Test func theResourceIsTheOneTheAppHoldsARoleOnOrTheOneItsEndpointNames() async throws {
        let setup = try await Setup()
        let other = try await setup.fixture.resources.create(name: "other")
        try await setup.grant(on: "other")
        let token = try await setup.token()
        #expect(try await setup.access.caller(bearerToken: token, resourceName: nil).resource == other)
        // A role on "other" is none on "default", and a resource that does not exist reads the same.
        #expect(await refusal(setup, token, resource: "default")?.wireCode == "AuthorizationFailed")
        let unknown = await refusal(setup, token, resource: "nowhere")
        #expect(unknown?.wireCode == "AuthorizationFailed")
        #expect(unknown?.message.contains("nowhere") == true)

        // Roles on two resources: the shared endpoint cannot tell which one is meant.
        try await setup.grant(on: "default")
        let ambiguous = await refusal(setup, token)
        #expect(ambiguous?.code == .forbidden)
        #expect(ambiguous?.message.contains("default, other") == true)
        #expect(try await setup.access.caller(bearerToken: token, resourceName: "other").resource == other)
        #expect(try await setup.access.caller(bearerToken: token, resourceName: "default").resource == setup.fixture.resource)
    }

    @Test func tenantsAreIsolated() async throws {
        let setup = try await Setup()
        try await setup.grant()
        let fabrikam = try await setup.fixture.directory.createTenant(displayName: "Fabrikam", domain: "fabrikam.com")
        let (stranger, strangerSecret) = try await setup.fixture.orgSignIn.registerApp(in: fabrikam.id, displayName: "Fabrikam app")
        // An app of another tenant with a valid token but no assignment: 403.
        let theirs = try await setup.token(stranger, secret: strangerSecret, in: fabrikam)
        #expect(await refusal(setup, theirs)?.code == .forbidden)
        #expect(await refusal(setup, theirs, resource: "default")?.code == .forbidden)
        // A token that claims Contoso's tenant for Fabrikam's app is not one of Contoso's apps (401),
        // even signed with the server's key.
        let crossed = try await setup.fixture.orgSignIn.authority.sign(setup.claims(appId: stranger.appId))
        #expect(await refusal(setup, crossed)?.code == .unauthenticated)
        // And the Contoso app's grant does not follow it into Fabrikam's name.
        let moved = try await setup.fixture.orgSignIn.authority.sign(setup.claims(tid: fabrikam.id.uuidString.lowercased()))
        #expect(await refusal(setup, moved)?.code == .unauthenticated)
    }

    @Test func tokensForAnotherAudienceAreRefused() async throws {
        let setup = try await Setup()
        try await setup.grant()
        let graph = try await setup.token(scope: "https://graph.microsoft.com/.default")
        let error = await refusal(setup, graph)
        #expect(error?.code == .unauthenticated)
        #expect(error?.wireCode == "InvalidAuthenticationTokenAudience")
        #expect(error?.message.contains("https://graph.microsoft.com") == true)
        // A person's Graph token is no better.
        let adele = try await setup.fixture.directory.addUser(
            to: setup.contoso.id,
            displayName: "Adele",
            userPrincipalName: "adele@contoso.com",
            password: "correct horse"
        )
        let person = try await setup.fixture.orgSignIn.signIn(
            tenant: setup.contoso,
            clientId: setup.app.appId.uuidString,
            username: adele.userPrincipalName,
            password: "correct horse",
            scope: "User.Read",
            issuer: "https://127.0.0.1:8443/x/v2.0"
        )
        #expect(await refusal(setup, person.accessToken)?.wireCode == "InvalidAuthenticationTokenAudience")
    }

    @Test func expiredTokensAreRefusedByTheInjectedClock() async throws {
        let setup = try await Setup()
        try await setup.grant()
        let token = try await setup.token()
        setup.fixture.clock.advance(by: OrgSignInService.tokenLifetime - 1)
        _ = try await setup.access.caller(bearerToken: token, resourceName: nil)
        setup.fixture.clock.advance(by: 1)
        let error = await refusal(setup, token)
        #expect(error?.code == .unauthenticated)
        #expect(error?.wireCode == "ExpiredAuthenticationToken")
    }

    @Test func forgedSignaturesOtherIssuersAndGarbageAreRefused() async throws {
        let setup = try await Setup()
        try await setup.grant()
        // The same claims signed with a key that is not the server's.
        let impostor = try await OrgTokenAuthority(signingKeyPEM: TokenAuthority.generateSigningKeyPEM())
        let forged = try await impostor.sign(setup.claims())
        #expect(await refusal(setup, forged)?.wireCode == "InvalidAuthenticationToken")
        // A payload edited after signing.
        let genuine = try await setup.token()
        let parts = genuine.split(separator: ".")
        let edited = [parts[0], parts[1].dropLast(2) + "AA", parts[2]].joined(separator: ".")
        #expect(await refusal(setup, edited)?.code == .unauthenticated)
        // Signed by the server, but naming another issuer than the tenant's authority.
        let tid = setup.contoso.id.uuidString.lowercased()
        for iss in ["https://login.microsoftonline.com/\(UUID().uuidString.lowercased())/v2.0", "https://127.0.0.1:8443/\(tid)", "not a url"] {
            let token = try await setup.fixture.orgSignIn.authority.sign(setup.claims(iss: iss))
            #expect(await refusal(setup, token)?.wireCode == "InvalidAuthenticationTokenTenant")
        }
        // A tenant that does not exist.
        let ghost = UUID().uuidString.lowercased()
        let ghostToken = try await setup.fixture.orgSignIn.authority.sign(setup.claims(tid: ghost))
        #expect(await refusal(setup, ghostToken)?.wireCode == "InvalidAuthenticationTokenTenant")
        for garbage in ["", "abc", "a.b.c"] {
            #expect(await refusal(setup, garbage)?.code == .unauthenticated)
        }
        // And the genuine token still works: nothing above changed anything.
        #expect(try await setup.access.caller(bearerToken: genuine, resourceName: nil).resource == setup.fixture.resource)
    }

    @Test func anAccessKeyMayDoEverything() throws {
        let resource = CommunicationResource(name: "r", immutableId: UUID(), primaryKey: "a", secondaryKey: "b", createdAt: Date())
        let caller = ResourceCaller(resource: resource, credential: .accessKey)
        for operation in ResourceOperation.allCases { #expect(try caller.authorize(operation) == resource) }
    }

    @Test func rolesAreNamedAsAzureNamesThem() {
        #expect(ResourceRole(named: "communication and email service owner") == .communicationAndEmailServiceOwner)
        #expect(ResourceRole(named: " Owner ") == .owner)
        #expect(ResourceRole(named: "b24988ac-6180-42a0-ab88-20f7382dd24c") == .contributor)
        #expect(ResourceRole(named: "Reader") == nil)
        #expect(ResourceRole(named: "Communication Services Owner") == nil)
    }
}
