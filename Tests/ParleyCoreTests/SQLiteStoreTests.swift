import Foundation
import ParleyCore
import ParleySQLite
import Testing

@Suite struct SQLiteStoreTests {
    @Test func aFileDatabaseUsesWALAndKeepsEverythingAcrossReopening() async throws {
        let path = try temporaryDirectory().appendingPathComponent("parley.sqlite").path
        let rawId: String
        let token: String
        let signingKey: String
        do {
            let fixture = try await CoreFixture(path: path)
            #expect(try await fixture.store.journalMode() == "wal")
            let (user, issued) = try await fixture.identities.createUser(in: fixture.resource, tokenScopes: ["chat"], expiresInMinutes: nil)
            rawId = user.rawId
            token = try #require(issued).token
            signingKey = try await fixture.store.secret(named: "token-signing-key") { "unused" }
        }
        let reopened = try await CoreFixture(path: path)
        #expect(try await reopened.store.secret(named: "token-signing-key") { "unused" } == signingKey)
        #expect(try await reopened.store.user(rawId: rawId) != nil)
        #expect(try await reopened.resources.list().count == 1)
        #expect(try await reopened.identities.authenticate(accessToken: token).user.rawId == rawId)
    }

    @Test func changesCommitTheirEvents() async throws {
        let fixture = try await CoreFixture()
        let (user, _) = try await fixture.identities.createUser(in: fixture.resource, tokenScopes: nil, expiresInMinutes: nil)
        try await fixture.identities.revokeTokens(of: user.rawId, in: fixture.resource)
        try await fixture.identities.deleteUser(user.rawId, in: fixture.resource)
        let events = try await fixture.store.events(after: 0, limit: 100)
        #expect(events.map(\.event.kind) == [.resourceCreated, .userCreated, .userTokensRevoked, .userDeleted])
        #expect(events.map(\.position) == events.map(\.position).sorted())
        #expect(events.dropFirst().allSatisfy { $0.event.subject == user.rawId })
    }

    @Test func aFailedChangeCommitsNothing() async throws {
        let fixture = try await CoreFixture()
        let before = try await fixture.store.events(after: 0, limit: 100).count
        await #expect(throws: ParleyError.self) { try await fixture.resources.create(name: "default") }
        await #expect(throws: ParleyError.self) { try await fixture.resources.create(name: "Not Valid") }
        #expect(try await fixture.store.events(after: 0, limit: 100).count == before)
        #expect(try await fixture.resources.list().count == 1)
    }

    @Test func secretsAreCreatedOnce() async throws {
        let fixture = try await CoreFixture()
        let values = try await withThrowingTaskGroup(of: String.self) { group in
            for index in 0..<20 {
                group.addTask { try await fixture.store.secret(named: "k") { "value-\(index)" } }
            }
            return try await group.reduce(into: Set<String>()) { $0.insert($1) }
        }
        #expect(values.count == 1)
    }

    @Test func regeneratingAKeyReplacesOnlyThatKey() async throws {
        let fixture = try await CoreFixture()
        let updated = try await fixture.resources.regenerateKey(.primary, of: "default")
        #expect(updated.primaryKey != fixture.resource.primaryKey)
        #expect(updated.secondaryKey == fixture.resource.secondaryKey)
        #expect(Data(base64Encoded: updated.primaryKey)?.count == 64)
    }
}

@Suite struct EventDataTests {
    @Test func eventDataSurvivesTheStoreWhateverItContains() async throws {
        let fixture = try await CoreFixture()
        let awkward = ["quote": "say \"hi\"", "slash": "a\\b", "control": "line\nbreak\t\u{01}", "unicode": "héllo ✓ 🎉", "": "empty key"]
        let event = DomainEvent(kind: .userCreated, resourceId: "r", subject: "s", occurredAt: fixture.clock.now(), data: awkward)
        let user = AcsUser(
            rawId: AcsUserId.make(resource: fixture.resource.immutableId, id: UUID()),
            resourceId: fixture.resource.immutableId,
            createdAt: fixture.clock.now()
        )
        try await fixture.store.insertUser(user, event: event)
        let stored = try #require(try await fixture.store.events(after: 0, limit: 100).last)
        #expect(stored.event.data == awkward)
    }
}

@Suite struct GroupCommitTests {
    /// Writes that share a transaction fail alone: concurrent creations where half collide leave
    /// exactly the other half, each with its event, and nothing of the failed ones.
    @Test func aFailingWriteInASharedTransactionFailsAlone() async throws {
        let fixture = try await CoreFixture(path: try temporaryDirectory().appendingPathComponent("db.sqlite").path)
        let before = try await fixture.store.events(after: 0, limit: 10_000).count
        let outcomes = try await withThrowingTaskGroup(of: Bool.self) { group in
            for index in 0..<60 {
                // Every name appears twice: one of each pair must fail.
                group.addTask { (try? await fixture.resources.create(name: "r\(index / 2)")) != nil }
            }
            return try await group.reduce(into: [Bool]()) { $0.append($1) }
        }
        #expect(outcomes.filter { $0 }.count == 30)
        #expect(try await fixture.resources.list().count == 31)  // with `default`
        #expect(try await fixture.store.events(after: 0, limit: 10_000).count == before + 30)
    }
}
