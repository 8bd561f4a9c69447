import Foundation
import ParleyCore
import ParleySQLite
import Testing

/// The backend Parley ships for its web app: off by default, visitors by name, and a people
/// search that shows no organization to a resource it has not admitted.
@Suite struct WebAppServiceTests {
    func service(_ fixture: CoreFixture) -> WebAppService {
        WebAppService(store: fixture.store, identities: fixture.identities, clock: fixture.clock)
    }

    @Test func visitorsJoinOnlyWhereTheOperatorTurnedTheWebAppOn() async throws {
        let fixture = try await CoreFixture()
        let webApp = service(fixture)
        #expect(fixture.resource.webAppEnabled == false)
        let off = await #expect(throws: ParleyError.self) { try await webApp.join(resource: "default", displayName: "Alice") }
        #expect(off?.wireCode == "WebAppNotEnabled")
        let unknown = await #expect(throws: ParleyError.self) { try await webApp.join(resource: "nope", displayName: "Alice") }
        #expect(unknown?.wireCode == off?.wireCode)  // a missing resource and a closed one read the same

        #expect(try await webApp.setEnabled(true, of: "default").webAppEnabled)
        #expect(try await webApp.enabledResources().map(\.name) == ["default"])
        let (visitor, key, token) = try await webApp.join(resource: "default", displayName: "  Alice  ")
        #expect(visitor.displayName == "Alice")
        let caller = try await fixture.identities.authenticate(accessToken: token.token)
        #expect(caller.user.rawId == visitor.rawId)
        #expect(caller.scopes == [.chat, .voip])
        #expect(token.expiresOn == fixture.clock.now().addingTimeInterval(TimeInterval(WebAppService.visitorTokenMinutes * 60)))

        fixture.clock.advance(by: 3000)
        let (again, resource, fresh) = try await webApp.refresh(sessionKey: key)
        #expect(again == visitor)
        #expect(resource.name == "default")
        #expect(fresh.expiresOn > token.expiresOn)

        _ = try await webApp.setEnabled(false, of: "default")
        await #expect(throws: ParleyError.self) { try await webApp.refresh(sessionKey: key) }
        _ = try await webApp.setEnabled(true, of: "default")
        try await webApp.leave(sessionKey: key)
        let left = await #expect(throws: ParleyError.self) { try await webApp.refresh(sessionKey: key) }
        #expect(left?.code == .unauthenticated)
        // The app user stays: its chats are not lost when the visit ends.
        #expect(try await fixture.store.user(rawId: visitor.rawId) != nil)
    }

    @Test func namesMustBeShortAndPrintable() async throws {
        let fixture = try await CoreFixture()
        let webApp = service(fixture)
        _ = try await webApp.setEnabled(true, of: "default")
        for bad in ["", "   ", String(repeating: "a", count: 65), "tab\there"] {
            let error = await #expect(throws: ParleyError.self) { try await webApp.join(resource: "default", displayName: bad) }
            #expect(error?.target == "displayName")
        }
    }

    @Test func peopleSearchShowsOnlyOrganizationsThatAdmitTheResource() async throws {
        let fixture = try await CoreFixture()
        let webApp = service(fixture)
        _ = try await webApp.setEnabled(true, of: "default")
        let (contoso, adele) = try await fixture.contosoAllowingResource()
        let blocked = try await fixture.directory.addUser(to: contoso.id, displayName: "Adam Barr", userPrincipalName: "adam@contoso.com")
        try await fixture.directory.setPolicy(ExternalAccessPolicy(identity: "NoAcs", enableAcsFederationAccess: false), in: contoso.id)
        _ = try await fixture.directory.updateUser(blocked.id, in: contoso.id, externalAccessPolicy: "NoAcs")
        let islands = try await fixture.directory.addUser(
            to: contoso.id,
            displayName: "Adrian Skype",
            userPrincipalName: "adrian@contoso.com",
            coexistenceMode: .sfbOnly
        )
        // Fabrikam has people named alike but has not admitted this resource.
        let fabrikam = try await fixture.directory.createTenant(displayName: "Fabrikam", domain: "fabrikam.com")
        _ = try await fixture.directory.addUser(to: fabrikam.id, displayName: "Adele Other", userPrincipalName: "adele@fabrikam.com")
        _ = try await fixture.directory.setFederation(.init(enableAcsUsers: true, allowedAcsResources: []), of: fabrikam.id)

        let (_, _, token) = try await webApp.join(resource: "default", displayName: "Alice")
        let alice = try await fixture.identities.authenticate(accessToken: token.token)
        let found = try await webApp.people(matching: "ad", for: alice, resource: "default")
        #expect(found.map(\.user) == [adele])
        #expect(found.first?.organization == "Contoso")
        #expect(!found.contains { $0.user.id == blocked.id || $0.user.id == islands.id })
        #expect(try await webApp.people(matching: "VANCE", for: alice, resource: "default").map(\.user) == [adele])
        #expect(try await webApp.people(matching: "adele@contoso", for: alice, resource: "default").map(\.user) == [adele])
        #expect(try await webApp.people(matching: "adele@fabrikam", for: alice, resource: "default").isEmpty)
        #expect(try await webApp.people(matching: "a%", for: alice, resource: "default").isEmpty)  // no wildcards

        // Contoso closes the gate: nobody shows any more.
        _ = try await fixture.directory.setFederation(
            .init(enableAcsUsers: false, allowedAcsResources: [fixture.resource.immutableId]),
            of: contoso.id
        )
        #expect(try await webApp.people(matching: "ad", for: alice, resource: "default").isEmpty)
    }

    @Test func peopleSearchNeedsAChatTokenOfThatResourceAndAFewLetters() async throws {
        let fixture = try await CoreFixture()
        let webApp = service(fixture)
        _ = try await webApp.setEnabled(true, of: "default")
        let other = try await fixture.resources.create(name: "other")
        _ = try await webApp.setEnabled(true, of: "other")
        let outsider = try await fixture.user(["chat"], in: other)
        let foreign = await #expect(throws: ParleyError.self) { try await webApp.people(matching: "ad", for: outsider, resource: "default") }
        #expect(foreign?.code == .forbidden)
        let voipOnly = try await fixture.user(["voip"])
        let scope = await #expect(throws: ParleyError.self) { try await webApp.people(matching: "ad", for: voipOnly, resource: "default") }
        #expect(scope?.wireCode == "InsufficientScope")
        let short = await #expect(throws: ParleyError.self) {
            try await webApp.people(matching: "a", for: try await fixture.user(), resource: "default")
        }
        #expect(short?.target == "search")
    }

    @Test func theSignInClientIsTheAppWhoseRedirectURIsIncludeTheWebApp() async throws {
        let fixture = try await CoreFixture()
        let webApp = service(fixture)
        let (contoso, _) = try await fixture.contosoAllowingResource()
        let missing = await #expect(throws: ParleyError.self) {
            try await webApp.signInClient(domain: "contoso.com", redirectUri: "https://127.0.0.1:8443/")
        }
        #expect(missing?.wireCode == "WebAppNotRegistered")
        _ = try await fixture.orgSignIn.registerApp(in: contoso.id, displayName: "Back office")
        let (app, _) = try await fixture.orgSignIn.registerApp(in: contoso.id, displayName: "Parley web", redirectUris: ["https://127.0.0.1/"])
        let (tenant, found) = try await webApp.signInClient(domain: " Contoso.COM", redirectUri: "https://127.0.0.1:8443/")
        #expect(tenant.id == contoso.id)
        #expect(found.appId == app.appId)
        let unknown = await #expect(throws: ParleyError.self) {
            try await webApp.signInClient(domain: "fabrikam.com", redirectUri: "https://127.0.0.1:8443/")
        }
        #expect(unknown?.wireCode == "OrganizationNotFound")
    }
}
