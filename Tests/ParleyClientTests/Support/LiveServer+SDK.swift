import Foundation
import ParleyClient
import ParleyCore

@testable import ParleyServer

/// A person of the demo organization, as plain values (SDK tests do not import ParleyCore, whose
/// chat types share names with the SDK's).
struct DemoPerson: Sendable {
    var objectId: String
    var rawId: String
    var userPrincipalName: String
    var displayName: String
}

extension LiveServer {
    /// The SDK options that trust this server's CA.
    var chatOptions: ChatClientOptions { ChatClientOptions(caCertificatePath: caCertificatePath) }

    var tenantDomain: String { tenant.domain }

    var tenantId: String { tenant.id.uuidString.lowercased() }

    /// The demo person `index` (0 Adele Vance, 1 Lee Gu, 2 Megan Bowen).
    func person(_ index: Int) -> DemoPerson {
        let person = people[index]
        return DemoPerson(
            objectId: person.id.uuidString.lowercased(),
            rawId: person.rawId,
            userPrincipalName: person.userPrincipalName,
            displayName: person.displayName
        )
    }

    /// Gives the demo person `index` the password ``LiveServer/password``, so the SDK can sign
    /// it in (one PBKDF2 hash: slow in debug builds).
    func givePassword(to index: Int) async throws -> DemoPerson {
        try await environment.orgSignIn.setPassword(Self.password, of: people[index].id, in: tenant.id)
        return person(index)
    }

    /// Registers a new app in the demo organization; returns its client id and secret.
    func registerApp(_ displayName: String = "Parley SDK tests") async throws -> (clientId: String, secret: String) {
        let (app, secret) = try await environment.orgSignIn.registerApp(in: tenant.id, displayName: displayName)
        return (app.appId.uuidString.lowercased(), secret)
    }

    /// A new token for an existing app user (what an application backend's refresher fetches).
    func issueToken(for rawId: String, expiresInMinutes: Int? = nil) async throws -> String {
        try await environment.identities.issueToken(for: rawId, in: resource, scopes: ["chat", "voip"], expiresInMinutes: expiresInMinutes).token
    }

    /// The demo person `index` signed in through ``OrgSignIn`` (password grant, as MSAL does),
    /// with a Graph-shaped chat client.
    func teamsClient(_ index: Int) async throws -> (DemoPerson, TeamsChatClient) {
        let person = try await givePassword(to: index)
        let (clientId, _) = try await registerApp()
        let signIn = try OrgSignIn(endpoint: endpoint, tenant: tenantDomain, clientId: clientId, options: chatOptions)
        let credential = try signIn.credential(username: person.userPrincipalName, password: Self.password)
        return (person, try TeamsChatClient(endpoint: endpoint, credential: credential, options: chatOptions))
    }

    /// A new app user with a chat client.
    func chatClient() async throws -> (rawId: String, ChatClient) {
        let (rawId, token) = try await appUser()
        return (rawId, try ChatClient(endpoint: endpoint, credential: try CommunicationTokenCredential(token: token), options: chatOptions))
    }

    /// The server's clock.
    func now() -> Date { clock.now() }

    func advanceClock(by seconds: TimeInterval) { clock.advance(by: seconds) }
}
