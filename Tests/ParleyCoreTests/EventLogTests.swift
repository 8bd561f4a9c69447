import Foundation
import ParleyCore
import ParleySQLite
import Testing

/// The event log as real-time delivery reads it: who hears of each chat change, and how long
/// events are kept.
@Suite struct EventLogTests {
    @Test func chatEventsNameTheirAudienceAsCommitted() async throws {
        let fixture = try await CoreFixture()
        let alice = try await fixture.user()
        let bob = try await fixture.user()
        let carol = try await fixture.user()
        let start = try await fixture.store.eventLogBounds()?.last ?? 0
        let thread = try await fixture.thread(by: alice, with: [bob])
        _ = try await fixture.send("before carol", to: thread.id, by: alice.chatCaller)
        _ = try await fixture.chat.addParticipants([ChatParticipant(rawId: carol.user.rawId)], to: thread.id, by: alice.chatCaller)
        try await fixture.chat.removeParticipant(bob.user.rawId, from: thread.id, by: alice.chatCaller)
        _ = try await fixture.send("after bob", to: thread.id, by: alice.chatCaller)

        let events = try await fixture.store.events(after: start, limit: 100).filter { $0.event.chat != nil }
        #expect(
            events.map(\.event.kind) == [
                .chatThreadCreated, .chatMessageReceived, .chatParticipantsAdded, .chatParticipantRemoved, .chatMessageReceived,
            ]
        )
        let audiences = events.map { Set($0.event.chat?.audience ?? []) }
        let (a, b, c) = (alice.user.rawId, bob.user.rawId, carol.user.rawId)
        #expect(audiences == [[a, b], [a, b], [a, b, c], [a, b, c], [a, c]])
        #expect(events[0].event.chat?.participants?.map(\.rawId).sorted() == [a, b].sorted())
        #expect(events[2].event.chat?.participants?.map(\.rawId) == [c])
        #expect(events[3].event.chat?.participants?.map(\.rawId) == [b])
        #expect(events[1].event.data["messageId"] != nil)
        // Positions only grow.
        #expect(zip(events, events.dropFirst()).allSatisfy { $0.position < $1.position })
    }

    @Test func typingIsPublishedToEveryoneButTheTypist() async throws {
        let fixture = try await CoreFixture()
        let alice = try await fixture.user()
        let bob = try await fixture.user()
        let thread = try await fixture.thread(by: alice, with: [bob])
        let typing = fixture.chat.ephemeralEvents.subscribe()
        try await fixture.chat.sendTypingNotification(in: thread.id, by: alice.chatCaller, senderDisplayName: "Alice")
        var iterator = typing.makeAsyncIterator()
        let event = try #require(await iterator.next())
        #expect(event.kind == .chatTypingIndicatorReceived)
        #expect(event.chat?.audience == [bob.user.rawId])
        #expect(event.data["senderDisplayName"] == "Alice")
    }

    @Test func pruningKeepsRecentEventsAndAlwaysTheLatest() async throws {
        let fixture = try await CoreFixture()
        let alice = try await fixture.user()
        let thread = try await fixture.thread(by: alice)
        for index in 0..<5 { _ = try await fixture.send("old \(index)", to: thread.id, by: alice.chatCaller) }
        fixture.clock.advance(by: 3600)
        let cutoff = fixture.clock.now()
        _ = try await fixture.send("new", to: thread.id, by: alice.chatCaller)
        let before = try #require(try await fixture.store.eventLogBounds())

        // A limit prunes in batches, oldest first.
        let first = try await fixture.store.pruneEvents(before: cutoff, limit: 2)
        #expect(first == 2)
        let rest = try await fixture.store.pruneEvents(before: cutoff, limit: 1000)
        let after = try #require(try await fixture.store.eventLogBounds())
        #expect(first + rest == Int(after.first - before.first))
        #expect(after.last == before.last)
        let kept = try await fixture.store.events(after: 0, limit: 100)
        #expect(kept.count == 1)
        #expect(kept.allSatisfy { $0.event.occurredAt >= cutoff })

        // Even when everything is old, the latest event stays, so positions never go back.
        fixture.clock.advance(by: 3600)
        _ = try await fixture.store.pruneEvents(before: fixture.clock.now(), limit: 1000)
        #expect(try await fixture.store.eventLogBounds() == EventLogBounds(first: before.last, last: before.last))
        _ = try await fixture.send("next", to: thread.id, by: alice.chatCaller)
        #expect(try await fixture.store.eventLogBounds()?.last == before.last + 1)
    }

    @Test func commitsWakeTheTail() async throws {
        let fixture = try await CoreFixture()
        let alice = try await fixture.user()
        let commits = fixture.store.commits.subscribe()
        _ = try await fixture.thread(by: alice)
        var iterator = commits.makeAsyncIterator()
        #expect(await iterator.next() != nil)
    }
}

/// The writer's cache of thread participants must never outlive a rolled-back batch: each
/// message's audience is exactly the participants when it committed.
@Suite struct AudienceConsistencyTests {
    @Test func audiencesStayExactWhenSharedTransactionsRollBack() async throws {
        let fixture = try await CoreFixture(path: try temporaryDirectory().appendingPathComponent("db.sqlite").path)
        let alice = try await fixture.user()
        let thread = try await fixture.thread(by: alice)
        var newcomers: [AuthenticatedUser] = []
        for _ in 0..<20 { newcomers.append(try await fixture.user()) }
        let start = try await fixture.store.eventLogBounds()?.last ?? 0

        // Joins, messages and failing writes (duplicate resource names) share transactions.
        try await withThrowingTaskGroup(of: Void.self) { group in
            for (index, newcomer) in newcomers.enumerated() {
                group.addTask {
                    _ = try await fixture.chat.addParticipants([ChatParticipant(rawId: newcomer.user.rawId)], to: thread.id, by: alice.chatCaller)
                }
                for _ in 0..<3 { group.addTask { _ = try await fixture.send("hello", to: thread.id, by: alice.chatCaller) } }
                group.addTask { _ = try? await fixture.resources.create(name: "dup\(index / 2)") }
            }
            try await group.waitForAll()
        }

        // Replay the log: every message's audience is the membership at its position.
        var members: Set<String> = [alice.user.rawId]
        var messages = 0
        for recorded in try await fixture.store.events(after: start, limit: 10_000) {
            guard let detail = recorded.event.chat else { continue }
            switch recorded.event.kind {
            case .chatParticipantsAdded:
                members.formUnion(detail.participants?.map(\.rawId) ?? [])
                #expect(Set(detail.audience) == members)
            case .chatMessageReceived:
                messages += 1
                #expect(Set(detail.audience) == members, "message at \(recorded.position)")
            default: break
            }
        }
        #expect(messages == 60)
        #expect(members.count == 21)
    }
}
