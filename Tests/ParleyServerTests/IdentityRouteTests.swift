import Foundation
import Hummingbird
import HummingbirdTesting
import NIOCore
import ParleyAPI
import ParleyCore
import Testing

@testable import ParleyServer

@Suite struct IdentityRouteTests {
    static let version = "api-version=2023-10-01"

    @Test func createIssueRevokeDeleteLifecycle() async throws {
        let fixture = try await ServerFixture()
        try await fixture.application().test(.router) { client in
            let created = try await client.signed(
                .post,
                "/identities?\(Self.version)",
                body: #"{"createTokenWithScopes": ["chat", "voip"]}"#,
                fixture: fixture
            )
            #expect(created.status == .created)
            let result = try created.decode(CommunicationIdentityAccessTokenResult.self)
            let id = result.identity.id
            #expect(id.hasPrefix("8:acs:\(fixture.resource.immutableIdString)_"))
            let first = try #require(result.accessToken)
            #expect(first.expiresOn.hasSuffix("+00:00"))

            let me = try await client.execute(uri: "/parley/v1/me", method: .get, headers: [.authorization: "Bearer \(first.token)"])
            #expect(me.status == .ok)
            #expect(try me.decode(TokenIntrospection.self).communicationUser.rawId == id)
            #expect(try me.decode(TokenIntrospection.self).scopes == ["chat", "voip"])

            let encoded = id.addingPercentEncoding(withAllowedCharacters: .alphanumerics)!
            let issued = try await client.signed(
                .post,
                "/identities/\(encoded)/:issueAccessToken?\(Self.version)",
                body: #"{"scopes": ["chat"], "expiresInMinutes": 60}"#,
                fixture: fixture
            )
            #expect(issued.status == .ok)
            _ = try issued.decode(CommunicationIdentityAccessToken.self)

            let revoked = try await client.signed(.post, "/identities/\(encoded)/:revokeAccessTokens?\(Self.version)", fixture: fixture)
            #expect(revoked.status == .noContent)
            let afterRevoke = try await client.execute(uri: "/parley/v1/me", method: .get, headers: [.authorization: "Bearer \(first.token)"])
            #expect(afterRevoke.status == .unauthorized)
            #expect(afterRevoke.errorCode == "InvalidAccessToken")

            // The async SDK sends the id decoded.
            let deleted = try await client.signed(.delete, "/identities/\(id)?\(Self.version)", fixture: fixture)
            #expect(deleted.status == .noContent)
            let again = try await client.signed(.delete, "/identities/\(id)?\(Self.version)", fixture: fixture)
            #expect(again.status == .notFound)
        }
    }

    @Test func createWithoutBodyReturnsOnlyTheIdentity() async throws {
        let fixture = try await ServerFixture()
        try await fixture.application().test(.router) { client in
            let created = try await client.signed(.post, "/identities?\(Self.version)", fixture: fixture)
            #expect(created.status == .created)
            #expect(try created.decode(CommunicationIdentityAccessTokenResult.self).accessToken == nil)
        }
    }

    @Test func unsignedOrBadlySignedRequestsAre401WithTheEnvelope() async throws {
        let fixture = try await ServerFixture()
        try await fixture.application().test(.router) { client in
            let unsigned = try await client.execute(uri: "/identities?\(Self.version)", method: .post)
            #expect(unsigned.status == .unauthorized)
            #expect(unsigned.errorCode == "Denied")
            let wrongKey = try await client.signed(
                .post,
                "/identities?\(Self.version)",
                fixture: fixture,
                key: Data(repeating: 3, count: 64).base64EncodedString()
            )
            #expect(wrongKey.status == .unauthorized)
        }
    }

    @Test func apiVersionIsRequiredAndChecked() async throws {
        let fixture = try await ServerFixture()
        try await fixture.application().test(.router) { client in
            let missing = try await client.signed(.post, "/identities", fixture: fixture)
            #expect(missing.status == .badRequest)
            #expect(missing.errorCode == "MissingApiVersionParameter")
            let unknown = try await client.signed(.post, "/identities?api-version=2099-01-01", fixture: fixture)
            #expect(unknown.status == .badRequest)
            #expect(unknown.errorCode == "UnsupportedApiVersion")
            #expect(try unknown.decode(CommunicationErrorResponse.self).error.message.contains("2099-01-01"))
        }
    }

    @Test(arguments: [
        (#"{"createTokenWithScopes": "chat"}"#, "BadRequest"),
        (#"{"createTokenWithScopes": ["chat"], "expiresInMinutes": "sixty"}"#, "BadRequest"),
        (#"{"createTokenWithScopes": ["#, "BadRequest"),
        (#"{"createTokenWithScopes": ["chat"], "expiresInMinutes": 30}"#, "ValidationError"),
        (#"{"createTokenWithScopes": ["teleport"]}"#, "ValidationError"),
    ])
    func badBodiesAre400AndCreateNothing(body: String, code: String) async throws {
        let fixture = try await ServerFixture()
        let eventsBefore = try await fixture.environment.store.events(after: 0, limit: 1000).count
        try await fixture.application().test(.router) { client in
            let response = try await client.signed(.post, "/identities?\(Self.version)", body: body, fixture: fixture)
            #expect(response.status == .badRequest)
            #expect(response.errorCode == code)
        }
        #expect(try await fixture.environment.store.events(after: 0, limit: 1000).count == eventsBefore)
    }

    @Test func wrongContentTypeIs415() async throws {
        let fixture = try await ServerFixture()
        try await fixture.application().test(.router) { client in
            let target = "/identities?\(Self.version)"
            let body = #"{"createTokenWithScopes": ["chat"]}"#
            var headers = fixture.signedHeaders(.post, target, body: body)
            headers[.contentType] = "text/plain"
            let response = try await client.execute(uri: target, method: .post, headers: headers, body: ByteBuffer(string: body))
            #expect(response.status == .unsupportedMediaType)
        }
    }

    @Test func oversizedBodiesAre413() async throws {
        let fixture = try await ServerFixture(maxBodyBytes: 1024)
        try await fixture.application().test(.router) { client in
            let body = #"{"createTokenWithScopes": ["chat"], "pad": ""# + String(repeating: "x", count: 2000) + #""}"#
            let response = try await client.signed(.post, "/identities?\(Self.version)", body: body, fixture: fixture)
            #expect(response.status == .contentTooLarge)
            #expect(response.errorCode != nil)
        }
    }

    @Test func unknownRoutesAre404WithTheEnvelope() async throws {
        let fixture = try await ServerFixture()
        try await fixture.application().test(.router) { client in
            let response = try await client.execute(uri: "/nothing/here", method: .get)
            #expect(response.status == .notFound)
            #expect(response.errorCode == "NotFound")
            let action = try await client.signed(.post, "/identities/8:acs:x/:teleport?\(Self.version)", fixture: fixture)
            #expect(action.status == .notFound)
        }
    }

    @Test func rateLimitedRequestsGet429WithRetryAfter() async throws {
        let fixture = try await ServerFixture(rateLimits: true)
        try await fixture.application().test(.router) { client in
            for _ in 0..<1000 {
                let created = try await client.signed(.post, "/identities?\(Self.version)", fixture: fixture)
                try #require(created.status == .created)
            }
            let limited = try await client.signed(.post, "/identities?\(Self.version)", fixture: fixture)
            #expect(limited.status == .tooManyRequests)
            #expect(limited.headers[.retryAfter] == "30")
            #expect(limited.errorCode == "TooManyRequests")
            fixture.clock.advance(by: 30)
            #expect(try await client.signed(.post, "/identities?\(Self.version)", fixture: fixture).status == .created)
        }
    }

    @Test func malformedIdentityIdsAre400() async throws {
        let fixture = try await ServerFixture()
        try await fixture.application().test(.router) { client in
            let response = try await client.signed(.delete, "/identities/8%3Aacs%3Afakeid%3D%3D%3D?\(Self.version)", fixture: fixture)
            #expect(response.status == .badRequest)
        }
    }
}

@Suite struct AdminAndOperationsRouteTests {
    @Test func adminRoutesNeedTheAdminKey() async throws {
        let fixture = try await ServerFixture()
        try await fixture.application().test(.router) { client in
            let anonymous = try await client.execute(uri: "/admin/resources", method: .get)
            #expect(anonymous.status == .unauthorized)
            let wrong = try await client.execute(uri: "/admin/resources", method: .get, headers: [.authorization: "Bearer nope"])
            #expect(wrong.status == .unauthorized)
            let listed = try await client.execute(
                uri: "/admin/resources",
                method: .get,
                headers: [.authorization: "Bearer \(fixture.environment.adminKey)"]
            )
            #expect(listed.status == .ok)
            #expect(try listed.decode(ResourceList.self).value.map(\.name) == ["default"])
        }
    }

    @Test func createsResourcesAndRegeneratesKeys() async throws {
        let fixture = try await ServerFixture()
        let admin: HTTPFields = [.authorization: "Bearer \(fixture.environment.adminKey)", .contentType: "application/json"]
        try await fixture.application().test(.router) { client in
            let created = try await client.execute(
                uri: "/admin/resources",
                method: .post,
                headers: admin,
                body: ByteBuffer(string: #"{"name": "second"}"#)
            )
            #expect(created.status == .created)
            let second = try created.decode(ResourceModel.self)
            #expect(second.connectionString.contains("accesskey=\(second.primaryKey)"))

            let duplicate = try await client.execute(
                uri: "/admin/resources",
                method: .post,
                headers: admin,
                body: ByteBuffer(string: #"{"name": "second"}"#)
            )
            #expect(duplicate.status == .conflict)
            let invalid = try await client.execute(
                uri: "/admin/resources",
                method: .post,
                headers: admin,
                body: ByteBuffer(string: #"{"name": "Bad Name"}"#)
            )
            #expect(invalid.status == .badRequest)
            let unknownField = try await client.execute(
                uri: "/admin/resources",
                method: .post,
                headers: admin,
                body: ByteBuffer(string: #"{"name": "third", "region": "moon"}"#)
            )
            #expect(unknownField.status == .badRequest)
            #expect(try unknownField.decode(CommunicationErrorResponse.self).error.target == "region")

            let regenerated = try await client.execute(uri: "/admin/resources/second/keys/primary/regenerate", method: .post, headers: admin)
            #expect(regenerated.status == .ok)
            let updated = try regenerated.decode(ResourceModel.self)
            #expect(updated.primaryKey != second.primaryKey)
            #expect(updated.secondaryKey == second.secondaryKey)

            let byImmutableId = try await client.execute(uri: "/admin/resources/\(second.immutableResourceId)", method: .get, headers: admin)
            #expect(try byImmutableId.decode(ResourceModel.self).name == "second")
            let missing = try await client.execute(uri: "/admin/resources/nope", method: .get, headers: admin)
            #expect(missing.status == .notFound)
            let badKind = try await client.execute(uri: "/admin/resources/second/keys/tertiary/regenerate", method: .post, headers: admin)
            #expect(badKind.status == .badRequest)
        }
    }

    @Test func healthAndMetrics() async throws {
        let fixture = try await ServerFixture()
        try await fixture.application().test(.router) { client in
            #expect(try await client.execute(uri: "/health", method: .get).status == .ok)
            let metrics = try await client.execute(uri: "/metrics", method: .get)
            #expect(metrics.status == .ok)
            #expect(String(buffer: metrics.body).contains("# TYPE"))
        }
    }
}
