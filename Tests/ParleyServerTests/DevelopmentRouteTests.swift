import Configuration
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import ParleyAPI
import ParleyCore
import Testing

@testable import ParleyServer

/// Development mode's routes: absent without it, admin-key authenticated and strict with it,
/// and what the clock, faults and snapshots do to the APIs.
@Suite struct DevelopmentRouteTests {
    static let version = "api-version=2023-10-01"

    /// Every tool route, as (method, path).
    static let toolRoutes: [(HTTPRequest.Method, String)] = [
        (.get, "/admin/dev/clock"), (.post, "/admin/dev/clock/freeze"), (.post, "/admin/dev/clock/advance"),
        (.post, "/admin/dev/clock/set"), (.post, "/admin/dev/clock/resume"),
        (.get, "/admin/dev/faults"), (.post, "/admin/dev/faults"), (.delete, "/admin/dev/faults"),
        (.get, "/admin/dev/faults/x"), (.delete, "/admin/dev/faults/x"),
        (.get, "/admin/dev/snapshots"), (.post, "/admin/dev/snapshots"), (.get, "/admin/dev/snapshots/x"),
        (.post, "/admin/dev/snapshots/x/restore"), (.delete, "/admin/dev/snapshots/x"),
        (.post, "/admin/dev/realtime/drop"), (.get, "/admin/dev/calls"), (.post, "/admin/dev/calls/x/end"),
        (.post, "/admin/dev/calls/endpoints/x/drop"),
    ]

    @Test func withoutDevelopmentModeEveryToolRouteIsNotFound() async throws {
        let fixture = try await ServerFixture()
        #expect(fixture.environment.development == nil)
        try await fixture.application().test(.router) { client in
            for (method, path) in Self.toolRoutes {
                let response = try await client.bearer(method, path, token: fixture.environment.adminKey, body: "{}")
                #expect(response.status == .notFound, "\(method) \(path)")
                #expect(response.errorCode == "NotFound")
            }
            let health = try await client.execute(uri: "/health", method: .get)
            #expect(String(buffer: health.body) == #"{"status":"ok"}"#)
        }
        #expect(fixture.environment.readyInfo(endpoint: "http://localhost/", port: 1).developmentMode == nil)
    }

    @Test func developmentModeSaysSoAndItsRoutesNeedTheAdminKey() async throws {
        let fixture = try await ServerFixture(development: true)
        try await fixture.application().test(.router) { client in
            let health = try await client.execute(uri: "/health", method: .get)
            #expect(String(buffer: health.body) == #"{"developmentMode":true,"status":"ok"}"#)
            for (method, path) in Self.toolRoutes {
                let response = try await client.execute(uri: path, method: method, headers: [.contentType: "application/json"])
                #expect(response.status == .unauthorized, "\(method) \(path)")
            }
        }
        #expect(fixture.environment.readyInfo(endpoint: "http://localhost/", port: 1).developmentMode == true)
    }

    @Test(arguments: ["0.0.0.0", "192.168.1.10", "::", "example.com"])
    func developmentModeIsRefusedOnANonLoopbackAddressUnlessForced(host: String) throws {
        let refused = #expect(throws: ConfigurationError.self) {
            try ParleyConfiguration(
                reader: ConfigReader(provider: InMemoryProvider(values: ["dev.enabled": true, "http.host": .init(stringLiteral: host)]))
            )
        }
        #expect(refused?.description.contains("dev.allowNonLoopback") == true)
        let forced = try ParleyConfiguration(
            reader: ConfigReader(
                provider: InMemoryProvider(values: ["dev.enabled": true, "dev.allowNonLoopback": true, "http.host": .init(stringLiteral: host)])
            )
        )
        #expect(forced.development.enabled)
        // Without development mode any address is fine.
        _ = try ParleyConfiguration(reader: ConfigReader(provider: InMemoryProvider(values: ["http.host": .init(stringLiteral: host)])))
    }

    @Test(arguments: ["127.0.0.1", "127.0.0.2", "localhost", "::1", "[::1]"])
    func loopbackAddressesNeedNoForce(host: String) throws {
        let configuration = try ParleyConfiguration(
            reader: ConfigReader(provider: InMemoryProvider(values: ["dev.enabled": true, "http.host": .init(stringLiteral: host)]))
        )
        #expect(configuration.development.enabled)
    }

    // MARK: Clock

    @Test func theClockIsFrozenMovedSetAndResumed() async throws {
        let fixture = try await ServerFixture(development: true)
        try await fixture.application().test(.router) { client in
            let frozen = try await client.bearer(.post, "/admin/dev/clock/freeze", token: fixture.environment.adminKey)
            let start = try frozen.decode(DevClockModel.self)
            #expect(start.frozen)
            let moved = try await client.bearer(.post, "/admin/dev/clock/advance", token: fixture.environment.adminKey, body: #"{"seconds": 90.5}"#)
            let after = try moved.decode(DevClockModel.self)
            #expect(WireTimestamp.parse(after.now) == WireTimestamp.parse(start.now)!.addingTimeInterval(90.5))
            let set = try await client.bearer(
                .post,
                "/admin/dev/clock/set",
                token: fixture.environment.adminKey,
                body: #"{"time": "2020-02-29T12:00:00Z"}"#
            )
            #expect(try set.decode(DevClockModel.self).now == "2020-02-29T12:00:00.000Z")
            #expect(fixture.environment.clock.now() == WireTimestamp.parse("2020-02-29T12:00:00Z"))
            let resumed = try await client.bearer(.post, "/admin/dev/clock/resume", token: fixture.environment.adminKey)
            #expect(
                try resumed.decode(DevClockModel.self)
                    == DevClockModel(now: WireTimestamp.rfc3339Milliseconds(fixture.clock.now()), frozen: false, offsetSeconds: 0)
            )
        }
    }

    @Test(arguments: [
        ("/admin/dev/clock/advance", #"{"seconds": -5}"#, "seconds"),
        ("/admin/dev/clock/advance", #"{"seconds": 5, "minutes": 1}"#, "minutes"),
        ("/admin/dev/clock/advance", #"{"seconds": "5"}"#, "seconds"),
        ("/admin/dev/clock/set", #"{"time": "tomorrow"}"#, "time"),
        ("/admin/dev/snapshots", #"{"name": "../etc"}"#, "name"),
        ("/admin/dev/snapshots", #"{"name": "a", "overwrite": true}"#, "overwrite"),
        ("/admin/dev/realtime/drop", #"{"identity": "8:acs:x", "closeCode": 1006}"#, "closeCode"),
        ("/admin/dev/calls/c/end", #"{"code": 0}"#, "subCode"),
        ("/admin/dev/faults", #"{"action": {"type": "status", "status": 503}, "tiems": 2}"#, "tiems"),
        ("/admin/dev/faults", #"{"match": {"apii": "chat"}, "action": {"type": "close"}}"#, "match.apii"),
        ("/admin/dev/faults", #"{"match": {"api": "email"}, "action": {"type": "close"}}"#, "match.api"),
        ("/admin/dev/faults", #"{"action": {"type": "explode"}}"#, "action.type"),
        ("/admin/dev/faults", #"{"action": {"type": "status"}}"#, "action.status"),
        ("/admin/dev/faults", #"{"action": {"type": "delay", "status": 503, "milliseconds": 5}}"#, "action.status"),
        ("/admin/dev/faults", #"{"action": {"type": "endCall", "endReason": {"code": 0, "subCode": 1, "x": 1}}}"#, "action.endReason.x"),
        ("/admin/dev/faults", #"{"match": {"api": "ringing"}, "action": {"type": "status", "status": 503}}"#, "match.api"),
        ("/admin/dev/faults", #"{"action": {"type": "status", "status": 503}, "times": 0}"#, "times"),
    ])
    func aBadBodyIsA400NamingTheFieldAndChangesNothing(path: String, body: String, field: String) async throws {
        let fixture = try await ServerFixture(development: true)
        let before = fixture.environment.clock.now()
        try await fixture.application().test(.router) { client in
            let response = try await client.bearer(.post, path, token: fixture.environment.adminKey, body: body)
            #expect(response.status == .badRequest)
            #expect(try response.decode(CommunicationErrorResponse.self).error.target == field)
        }
        #expect(fixture.environment.clock.now() == before)
        #expect(fixture.environment.development?.faults.rules().isEmpty == true)
    }

    @Test func aTokenIssuedForAnHourStopsWorkingWhenTheClockMoves61Minutes() async throws {
        let fixture = try await ServerFixture(development: true)
        try await fixture.application().test(.router) { client in
            let token = try await self.token(client, fixture)
            #expect(try await client.bearer(.get, "/parley/v1/me", token: token).status == .ok)
            try await advance(client, fixture, seconds: 59 * 60)
            #expect(try await client.bearer(.get, "/parley/v1/me", token: token).status == .ok)
            try await advance(client, fixture, seconds: 2 * 60)
            let expired = try await client.bearer(.get, "/parley/v1/me", token: token)
            #expect(expired.status == .unauthorized)
            // HMAC requests are still signed with the real time, and keep working.
            let fresh = try await self.token(client, fixture)
            #expect(try await client.bearer(.get, "/parley/v1/me", token: fresh).status == .ok)
        }
    }

    // MARK: Faults

    @Test func aStatusFaultAnswersWithTheEnvelopeAndRetryAfterThenGoes() async throws {
        let fixture = try await ServerFixture(development: true)
        try await fixture.application().test(.router) { client in
            let rule429 =
                #"{"match": {"api": "identity", "method": "POST"}, "action": {"type": "status", "status": 429, "retryAfterSeconds": 2}, "times": 1}"#
            let added = try await client.bearer(.post, "/admin/dev/faults", token: fixture.environment.adminKey, body: rule429)
            #expect(added.status == .created)
            let rule = try added.decode(DevFaultRuleModel.self)
            #expect(rule.action.code == "TooManyRequests")
            #expect(rule.remaining == 1)

            let faulted = try await client.signed(.post, "/identities?\(Self.version)", body: "{}", fixture: fixture)
            #expect(faulted.status == .tooManyRequests)
            #expect(faulted.headers[.retryAfter] == "2")
            #expect(faulted.errorCode == "TooManyRequests")
            let served = try await client.signed(.post, "/identities?\(Self.version)", body: "{}", fixture: fixture)
            #expect(served.status == .created)

            let rules = try await client.bearer(.get, "/admin/dev/faults", token: fixture.environment.adminKey)
            #expect(try rules.decode(DevFaultRuleList.self).value.isEmpty)
            let metrics = try await client.execute(uri: "/metrics", method: .get)
            #expect(String(buffer: metrics.body).contains(#"parley_dev_faults_injected_total{api="identity",action="status"} 1"#))
        }
    }

    @Test func aFaultCanAimAtOneUserAndOneThread() async throws {
        let fixture = try await ServerFixture(development: true)
        try await fixture.application().test(.router) { client in
            let token = try await self.token(client, fixture)
            let other = try await self.token(client, fixture)
            let me = try #require(
                try await client.bearer(.get, "/parley/v1/me", token: token).decode(TokenIntrospection.self).communicationUser.rawId
            )
            let created = try await client.bearer(.post, "/chat/threads?api-version=2021-09-07", token: token, body: #"{"topic": "t"}"#)
            let object = try JSONSerialization.jsonObject(with: Data(String(buffer: created.body).utf8)) as? [String: Any]
            let threadId = try #require((object?["chatThread"] as? [String: Any])?["id"] as? String)
            let rule = #"{"match": {"api": "chat", "identity": "\#(me)", "thread": "\#(threadId)"}, "action": {"type": "status", "status": 403}}"#
            #expect(
                try await client.bearer(.post, "/admin/dev/faults", token: fixture.environment.adminKey, body: rule).status
                    == .created
            )

            let thread = threadId.addingPercentEncoding(withAllowedCharacters: .alphanumerics)!
            let faulted = try await client.bearer(.get, "/chat/threads/\(thread)?api-version=2021-09-07", token: token)
            #expect(faulted.status == .forbidden)
            #expect(faulted.errorCode == "Forbidden")
            // Another user, or another route of this user, is served as usual.
            #expect(try await client.bearer(.get, "/chat/threads?api-version=2021-09-07", token: token).status == .ok)
            #expect(try await client.bearer(.get, "/chat/threads/\(thread)?api-version=2021-09-07", token: other).status == .forbidden)
            #expect(try await client.bearer(.get, "/parley/v1/me", token: other).status == .ok)
            let cleared = try await client.bearer(.delete, "/admin/dev/faults", token: fixture.environment.adminKey)
            #expect(try cleared.decode(DevFaultsCleared.self).removed == 1)
            #expect(try await client.bearer(.get, "/chat/threads/\(thread)?api-version=2021-09-07", token: token).status == .ok)
        }
    }

    @Test func aRuleIsListedAndRemoved() async throws {
        let fixture = try await ServerFixture(development: true)
        try await fixture.application().test(.router) { client in
            let body =
                #"{"match": {"api": "chat", "path": "/chat/threads/*/messages"}, "action": {"type": "delay", "milliseconds": 10}, "durationSeconds": 30}"#
            let rule = try await client.bearer(.post, "/admin/dev/faults", token: fixture.environment.adminKey, body: body)
                .decode(DevFaultRuleModel.self)
            #expect(rule.expiresAt != nil)
            let shown = try await client.bearer(.get, "/admin/dev/faults/\(rule.id)", token: fixture.environment.adminKey)
            #expect(try shown.decode(DevFaultRuleModel.self) == rule)
            #expect(try await client.bearer(.delete, "/admin/dev/faults/\(rule.id)", token: fixture.environment.adminKey).status == .noContent)
            let gone = try await client.bearer(.delete, "/admin/dev/faults/\(rule.id)", token: fixture.environment.adminKey)
            #expect(gone.status == .notFound)
            #expect(gone.errorCode == "FaultRuleNotFound")
        }
    }

    // MARK: Snapshots

    @Test func aSnapshotBringsBackTheStateItSaved() async throws {
        let fixture = try await ServerFixture(inMemory: false, development: true)
        try await fixture.application().test(.router) { client in
            let before = try await self.token(client, fixture)
            let saved = try await client.bearer(.post, "/admin/dev/snapshots", token: fixture.environment.adminKey, body: #"{"name": "clean"}"#)
            #expect(saved.status == .created)
            #expect(try saved.decode(DevSnapshotModel.self).databaseBytes > 0)
            let again = try await client.bearer(.post, "/admin/dev/snapshots", token: fixture.environment.adminKey, body: #"{"name": "clean"}"#)
            #expect(again.status == .conflict)
            #expect(again.errorCode == "SnapshotExists")

            let after = try await self.token(client, fixture)
            #expect(try await client.bearer(.get, "/parley/v1/me", token: after).status == .ok)
            let restored = try await client.bearer(.post, "/admin/dev/snapshots/clean/restore", token: fixture.environment.adminKey)
            #expect(restored.status == .ok)
            #expect(try restored.decode(DevSnapshotRestoreResult.self).snapshot.name == "clean")
            // The user made after the snapshot is gone; the one before is back.
            #expect(try await client.bearer(.get, "/parley/v1/me", token: after).status == .unauthorized)
            #expect(try await client.bearer(.get, "/parley/v1/me", token: before).status == .ok)

            let listed = try await client.bearer(.get, "/admin/dev/snapshots", token: fixture.environment.adminKey)
            #expect(try listed.decode(DevSnapshotList.self).value.map(\.name) == ["clean"])
            #expect(try await client.bearer(.delete, "/admin/dev/snapshots/clean", token: fixture.environment.adminKey).status == .noContent)
            let missing = try await client.bearer(.post, "/admin/dev/snapshots/clean/restore", token: fixture.environment.adminKey)
            #expect(missing.status == .notFound)
            #expect(missing.errorCode == "SnapshotNotFound")
        }
    }

    @Test func aSnapshotOfAnotherInstallationIsRefused() async throws {
        let snapshots = try temporaryDirectory()
        let first = try await ServerFixture(inMemory: false, development: true, snapshotDirectory: snapshots.path)
        try await first.application().test(.router) { client in
            let saved = try await client.bearer(.post, "/admin/dev/snapshots", token: first.environment.adminKey, body: #"{"name": "theirs"}"#)
            #expect(saved.status == .created)
        }
        let second = try await ServerFixture(inMemory: false, development: true, snapshotDirectory: snapshots.path)
        try await second.application().test(.router) { client in
            let token = try await self.token(client, second)
            let refused = try await client.bearer(.post, "/admin/dev/snapshots/theirs/restore", token: second.environment.adminKey)
            #expect(refused.status == .conflict)
            #expect(refused.errorCode == "SnapshotOfAnotherInstallation")
            #expect(try await client.bearer(.get, "/parley/v1/me", token: token).status == .ok)
        }
    }

    // MARK: Helpers

    func token(_ client: some TestClientProtocol, _ fixture: ServerFixture) async throws -> String {
        let created = try await client.signed(
            .post,
            "/identities?\(Self.version)",
            body: #"{"createTokenWithScopes": ["chat", "voip"], "expiresInMinutes": 60}"#,
            fixture: fixture
        )
        return try #require(try created.decode(CommunicationIdentityAccessTokenResult.self).accessToken).token
    }

    func advance(_ client: some TestClientProtocol, _ fixture: ServerFixture, seconds: Double) async throws {
        let moved = try await client.bearer(
            .post,
            "/admin/dev/clock/advance",
            token: fixture.environment.adminKey,
            body: #"{"seconds": \#(seconds)}"#
        )
        #expect(moved.status == .ok)
    }
}
