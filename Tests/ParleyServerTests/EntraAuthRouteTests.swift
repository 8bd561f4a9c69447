import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore
import ParleyAPI
import ParleyCore
import Testing

@testable import ParleyServer

/// Microsoft Entra ID bearer tokens on the resource APIs, through the router: the token endpoint
/// issues them for `https://communication.azure.com`, the operator grants roles through the admin
/// API, and Identity, Network Traversal and Call recording accept them beside HMAC, at the
/// shared endpoint and at the resource's own.
@Suite struct EntraAuthRouteTests {
    static let identity = "api-version=2023-10-01"
    static let scope = "https://communication.azure.com//.default"

    /// A tenant with an app (and its secret), in the fixture's server.
    func contosoApp(_ fixture: ServerFixture, domain: String = "contoso.com") async throws -> (Tenant, TenantApp, String) {
        let tenant = try await fixture.environment.directory.createTenant(displayName: "Contoso", domain: domain)
        let (app, secret) = try await fixture.environment.orgSignIn.registerApp(in: tenant.id, displayName: "Back end")
        return (tenant, app, secret)
    }

    var adminHeaders: (ServerFixture) -> HTTPFields {
        { fixture in [.authorization: "Bearer \(fixture.environment.adminKey)", .contentType: "application/json"] }
    }

    func admin(
        _ client: some TestClientProtocol,
        _ fixture: ServerFixture,
        _ method: HTTPRequest.Method,
        _ path: String,
        _ body: String? = nil
    )
        async throws -> TestResponse
    {
        try await client.execute(uri: path, method: method, headers: adminHeaders(fixture), body: body.map { ByteBuffer(string: $0) })
    }

    /// `POST /{tenant}/oauth2/v2.0/token` with the client-credentials grant.
    func tokenRequest(
        _ client: some TestClientProtocol,
        tenant: String,
        app: TenantApp,
        secret: String,
        scope: String = scope
    )
        async throws -> TestResponse
    {
        let form =
            "grant_type=client_credentials&client_id=\(app.appId.uuidString.lowercased())&client_secret=\(PercentEncoding.encode(secret))"
            + "&scope=\(PercentEncoding.encode(scope))"
        return try await client.execute(
            uri: "/\(tenant)/oauth2/v2.0/token",
            method: .post,
            headers: [.contentType: "application/x-www-form-urlencoded"],
            body: ByteBuffer(string: form)
        )
    }

    func token(_ client: some TestClientProtocol, tenant: Tenant, app: TenantApp, secret: String, scope: String = scope) async throws -> String {
        let response = try await tokenRequest(client, tenant: tenant.domain, app: app, secret: secret, scope: scope)
        #expect(response.status == .ok)
        return try response.decode(TokenResponse.self).accessToken
    }

    func grant(
        _ client: some TestClientProtocol,
        _ fixture: ServerFixture,
        resource: String = "default",
        tenant: String,
        app: TenantApp,
        role: String = "Contributor"
    )
        async throws -> TestResponse
    {
        try await admin(
            client,
            fixture,
            .post,
            "/admin/resources/\(resource)/role-assignments",
            #"{"tenant": "\#(tenant)", "appId": "\#(app.appId.uuidString.lowercased())", "role": "\#(role)"}"#
        )
    }

    @Test func anAppWithARoleUsesIdentityAndRelayAtBothEndpoints() async throws {
        let fixture = try await ServerFixture()
        let (tenant, app, secret) = try await contosoApp(fixture)
        try await fixture.application().test(.router) { client in
            let granted = try await grant(client, fixture, tenant: tenant.domain, app: app)
            #expect(granted.status == .created)
            let assignment = try granted.decode(RoleAssignmentModel.self)
            #expect(assignment.role == "Contributor")
            #expect(assignment.roleDefinitionId == ResourceRole.contributor.definitionId)
            #expect(assignment.tenantId == tenant.id.uuidString.lowercased())
            #expect(assignment.resourceEndpoint.hasSuffix("/resources/default/"))

            let token = try await token(client, tenant: tenant, app: app, secret: secret)
            for prefix in ["", "/resources/default", "/resources/\(fixture.resource.immutableIdString)"] {
                let created = try await client.bearer(
                    .post,
                    "\(prefix)/identities?\(Self.identity)",
                    token: token,
                    body: #"{"createTokenWithScopes": ["chat"]}"#
                )
                #expect(created.status == .created)
                let id = try created.decode(CommunicationIdentityAccessTokenResult.self).identity.id
                #expect(id.hasPrefix("8:acs:\(fixture.resource.immutableIdString)_"))
                let issued = try await client.bearer(
                    .post,
                    "\(prefix)/identities/\(PercentEncoding.encode(id))/:issueAccessToken?\(Self.identity)",
                    token: token,
                    body: #"{"scopes": ["voip"]}"#
                )
                #expect(issued.status == .ok)
                let revoked = try await client.bearer(
                    .post,
                    "\(prefix)/identities/\(PercentEncoding.encode(id))/:revokeAccessTokens?\(Self.identity)",
                    token: token
                )
                #expect(revoked.status == .noContent)
                let deleted = try await client.bearer(.delete, "\(prefix)/identities/\(PercentEncoding.encode(id))?\(Self.identity)", token: token)
                #expect(deleted.status == .noContent)
                let relay = try await client.bearer(
                    .post,
                    "\(prefix)/networkTraversal/:issueRelayConfiguration?api-version=2022-03-01-preview",
                    token: token
                )
                #expect(relay.status == .ok)
                #expect(try relay.decode(CommunicationRelayConfiguration.self).iceServers.count == 2)
            }
            // The api-version check still comes first.
            let noVersion = try await client.bearer(.post, "/resources/default/identities", token: token)
            #expect(noVersion.errorCode == "MissingApiVersionParameter")
        }
    }

    @Test func callRecordingAcceptsTheAppToo() async throws {
        let fixture = try await ServerFixture()
        let (tenant, app, secret) = try await contosoApp(fixture)
        let (callId, caller) = try await CallRecordingRouteTests().connectedCall(fixture)
        try await fixture.application().test(.router) { client in
            #expect(try await grant(client, fixture, tenant: tenant.id.uuidString, app: app, role: "Owner").status == .created)
            let token = try await token(client, tenant: tenant, app: app, secret: secret)
            let body = #"{"callLocator": {"kind": "serverCallLocator", "serverCallId": "\#(callId)"}}"#
            let started = try await client.bearer(.post, "/resources/default/calling/recordings?api-version=2023-10-15", token: token, body: body)
            #expect(started.status == .ok)
            #expect(caller.latest(callId)?.isRecordingActive == true)
            let recordingId = try started.decode(CallRecordingStateResponse.self).recordingId
            let stopped = try await client.bearer(.delete, "/calling/recordings/\(recordingId)?api-version=2023-10-15", token: token)
            #expect(stopped.status == .noContent)
            #expect(caller.latest(callId)?.isRecordingActive == false)
        }
    }

    @Test func refusalsAreTheAcsEnvelopeWithTheRightStatus() async throws {
        let fixture = try await ServerFixture()
        let (tenant, app, secret) = try await contosoApp(fixture)
        let (fabrikam, stranger, strangerSecret) = try await contosoApp(fixture, domain: "fabrikam.com")
        try await fixture.application().test(.router) { client in
            let path = "/identities?\(Self.identity)"
            let token = try await token(client, tenant: tenant, app: app, secret: secret)
            // No role assignment: 403, the envelope names the app.
            let forbidden = try await client.bearer(.post, path, token: token)
            #expect(forbidden.status == .forbidden)
            #expect(forbidden.errorCode == "AuthorizationFailed")
            #expect(try forbidden.decode(CommunicationErrorResponse.self).error.message.contains(app.appId.uuidString.lowercased()))

            #expect(try await grant(client, fixture, tenant: tenant.domain, app: app).status == .created)
            #expect(try await client.bearer(.post, path, token: token).status == .created)

            // Another tenant's app, with a valid token and no assignment: 403.
            let theirs = try await self.token(client, tenant: fabrikam, app: stranger, secret: strangerSecret)
            #expect(try await client.bearer(.post, path, token: theirs).status == .forbidden)
            #expect(try await client.bearer(.post, "/resources/default\(path)", token: theirs).status == .forbidden)
            // A token for Microsoft Graph: 401.
            let graph = try await self.token(client, tenant: tenant, app: app, secret: secret, scope: "https://graph.microsoft.com/.default")
            let wrongAudience = try await client.bearer(.post, path, token: graph)
            #expect(wrongAudience.status == .unauthorized)
            #expect(wrongAudience.errorCode == "InvalidAuthenticationTokenAudience")
            // Garbage, an app user's access token, the admin key: 401.
            let (_, userToken) = try await fixture.environment.identities.createUser(
                in: fixture.resource,
                tokenScopes: ["chat"],
                expiresInMinutes: nil
            )
            for other in ["not.a.token", try #require(userToken).token, fixture.environment.adminKey] {
                let refused = try await client.bearer(.post, path, token: other)
                #expect(refused.status == .unauthorized)
                #expect(refused.errorCode == "InvalidAuthenticationToken")
            }
            // Expired, by the server's clock: 401.
            fixture.clock.advance(by: OrgSignInService.tokenLifetime)
            let expired = try await client.bearer(.post, path, token: token)
            #expect(expired.status == .unauthorized)
            #expect(expired.errorCode == "ExpiredAuthenticationToken")
        }
    }

    @Test func hmacWorksAtTheResourcesOwnEndpointWithItsOwnKeysOnly() async throws {
        let fixture = try await ServerFixture()
        let other = try await fixture.environment.resources.create(name: "other")
        try await fixture.application().test(.router) { client in
            let own = try await client.signed(.post, "/resources/default/identities?\(Self.identity)", fixture: fixture)
            #expect(own.status == .created)
            // The SDKs sign their endpoint without the scheme as the host: here with its path.
            func headers(_ target: String, host: String) -> HTTPFields {
                var headers: HTTPFields = [.contentType: "application/json"]
                let signed = TestSigner.headers(
                    method: "POST",
                    target: target,
                    host: host,
                    body: Data(),
                    key: fixture.resource.primaryKey,
                    date: fixture.clock.now()
                )
                for (name, value) in signed { headers[HTTPField.Name(name)!] = value }
                return headers
            }
            for host in ["localhost/resources/default/", "localhost/resources/default"] {
                let target = "/resources/default/identities?\(Self.identity)"
                #expect(try await client.execute(uri: target, method: .post, headers: headers(target, host: host)).status == .created, "\(host)")
                // That host is good only where the path is the resource's endpoint.
                let root = "/identities?\(Self.identity)"
                #expect(try await client.execute(uri: root, method: .post, headers: headers(root, host: host)).status == .unauthorized)
            }
            let theirs = try await client.signed(.post, "/resources/other/identities?\(Self.identity)", fixture: fixture, key: other.secondaryKey)
            #expect(theirs.status == .created)
            #expect(try theirs.decode(CommunicationIdentityAccessTokenResult.self).identity.id.hasPrefix("8:acs:\(other.immutableIdString)_"))
            // The default resource's key does not sign for "other", nor for a resource that does not exist.
            for path in ["/resources/other/identities?\(Self.identity)", "/resources/nowhere/identities?\(Self.identity)"] {
                let refused = try await client.signed(.post, path, fixture: fixture)
                #expect(refused.status == .unauthorized)
                #expect(refused.errorCode == "Denied")
            }
        }
    }

    @Test func theTokenEndpointRefusesUnknownApisAsEntraDoes() async throws {
        let fixture = try await ServerFixture()
        let (tenant, app, secret) = try await contosoApp(fixture)
        try await fixture.application().test(.router) { client in
            for (scope, error) in [
                ("https://storage.azure.com/.default", "invalid_resource"), ("https://communication.azure.com/Read", "invalid_scope"),
            ] {
                let response = try await tokenRequest(client, tenant: tenant.domain, app: app, secret: secret, scope: scope)
                #expect(response.status == .badRequest)
                let body = try response.decode(OAuthErrorResponse.self)
                #expect(body.error == error)
            }
            // The single-slash form is the same API.
            let single = try await tokenRequest(
                client,
                tenant: tenant.domain,
                app: app,
                secret: secret,
                scope: "https://communication.azure.com/.default"
            )
            #expect(single.status == .ok)
            #expect(try single.decode(TokenResponse.self).scope == "https://communication.azure.com/.default")
        }
    }

    @Test func grantsThroughTheAdminApiAreStrictIdempotentAndRevocable() async throws {
        let fixture = try await ServerFixture()
        let (tenant, app, secret) = try await contosoApp(fixture)
        let path = "/admin/resources/default/role-assignments"
        let appId = app.appId.uuidString.lowercased()
        try await fixture.application().test(.router) { client in
            let bad: [(body: String?, status: HTTPResponse.Status, target: String?)] = [
                (nil, .badRequest, nil),
                (#"{"appId": "\#(appId)", "role": "Owner"}"#, .badRequest, "tenant"),
                (#"{"tenant": "contoso.com", "role": "Owner"}"#, .badRequest, "appId"),
                (#"{"tenant": "contoso.com", "appId": "\#(appId)"}"#, .badRequest, "role"),
                (#"{"tenant": "contoso.com", "appId": "\#(appId)", "role": "Owner", "scope": "/"}"#, .badRequest, "scope"),
                (#"{"tenant": "contoso.com", "appId": "\#(appId)", "role": "Reader"}"#, .badRequest, "role"),
                (#"{"tenant": "contoso.com", "appId": "x", "role": "Owner"}"#, .badRequest, "appId"),
                (#"{"tenant": 7, "appId": "\#(appId)", "role": "Owner"}"#, .badRequest, "tenant"),
                (#"{"tenant": "nowhere.example", "appId": "\#(appId)", "role": "Owner"}"#, .notFound, "tenant"),
                (#"{"tenant": "contoso.com", "appId": "\#(UUID().uuidString)", "role": "Owner"}"#, .notFound, "appId"),
            ]
            for request in bad {
                let response = try await admin(client, fixture, .post, path, request.body)
                #expect(response.status == request.status, "\(request.body ?? "no body")")
                #expect(try response.decode(CommunicationErrorResponse.self).error.target == request.target, "\(request.body ?? "no body")")
            }
            let unknownResource = try await grant(client, fixture, resource: "nowhere", tenant: "contoso.com", app: app)
            #expect(unknownResource.status == .notFound)
            #expect(try await admin(client, fixture, .get, path).decode(RoleAssignmentList.self).value.isEmpty)
            let withoutKey = try await client.execute(uri: path, method: .get)
            #expect(withoutKey.status == .unauthorized)

            let first = try await grant(client, fixture, tenant: "contoso.com", app: app)
            #expect(first.status == .created)
            let again = try await grant(client, fixture, tenant: tenant.id.uuidString, app: app, role: "contributor")
            #expect(again.status == .ok)
            #expect(try again.decode(RoleAssignmentModel.self) == first.decode(RoleAssignmentModel.self))
            let list = try await admin(client, fixture, .get, path).decode(RoleAssignmentList.self).value
            #expect(list == [try first.decode(RoleAssignmentModel.self)])

            let token = try await token(client, tenant: tenant, app: app, secret: secret)
            #expect(try await client.bearer(.post, "/identities?\(Self.identity)", token: token).status == .created)
            let id = try first.decode(RoleAssignmentModel.self).id
            #expect(try await admin(client, fixture, .delete, "\(path)/\(id)").status == .noContent)
            #expect(try await admin(client, fixture, .delete, "\(path)/\(id)").status == .notFound)
            #expect(try await client.bearer(.post, "/identities?\(Self.identity)", token: token).status == .forbidden)
        }
    }

    @Test func theAdminApiTellsTheEndpointForTokenCredentials() async throws {
        let fixture = try await ServerFixture()
        try await fixture.application().test(.router) { client in
            let resource = try await admin(client, fixture, .get, "/admin/resources/default").decode(ResourceModel.self)
            #expect(resource.resourceEndpoint == resource.endpoint + "resources/default/")
            let strings = try await admin(client, fixture, .get, "/admin/resources/default/connection-string").decode(ConnectionStringModel.self)
            #expect(strings.resourceEndpoint == resource.resourceEndpoint)
        }
    }
}
