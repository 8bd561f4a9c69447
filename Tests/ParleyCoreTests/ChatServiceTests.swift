import Foundation
import ParleyCore
import ParleySQLite
import Testing

@Suite struct ChatServiceTests {
    // MARK: Threads

    @Test func creatingAThreadAddsTheCreatorAndWritesTheSystemMessages() async throws {
        let fixture = try await CoreFixture()
        let alice = try await fixture.user()
        let bob = try await fixture.user()
        let (thread, invalid) = try await fixture.chat.createThread(
            by: alice.chatCaller,
            topic: "Lunch",
            participants: [ChatParticipant(rawId: bob.user.rawId, displayName: "Bob")],
            idempotencyKey: nil
        )
        #expect(invalid.isEmpty)
        #expect(thread.id.hasPrefix("19:") && thread.id.hasSuffix("@thread.v2"))
        let page = try await fixture.chat.participants(in: thread.id, for: alice.chatCaller, skip: nil, pageSize: nil)
        #expect(page.items.map(\.rawId) == [alice.user.rawId, bob.user.rawId])
        #expect(page.items[0].shareHistoryTime == Date(timeIntervalSince1970: 0))

        let messages = try await fixture.allMessages(in: thread.id, for: bob.chatCaller)
        #expect(messages.map(\.sequenceId) == [2, 1])
        #expect(messages.map(\.type) == [.topicUpdated, .participantAdded])
        #expect(messages[0].content.topic == "Lunch")
        #expect(messages[1].content.participants?.map(\.rawId) == [alice.user.rawId, bob.user.rawId])
        #expect(messages.allSatisfy { $0.senderRawId == nil && $0.content.initiator == alice.user.rawId })
        #expect(try await fixture.send("hi", to: thread.id, by: bob.chatCaller).sequenceId == 3)
    }

    @Test func invalidParticipantsAreReportedAndTheThreadIsCreatedAnyway() async throws {
        let fixture = try await CoreFixture()
        let alice = try await fixture.user()
        let other = try await fixture.resources.create(name: "other")
        let stranger = try await fixture.user(in: other)
        let missing = AcsUserId.make(resource: fixture.resource.immutableId, id: UUID())
        let (thread, invalid) = try await fixture.chat.createThread(
            by: alice.chatCaller,
            topic: "t",
            participants: [
                ChatParticipant(rawId: stranger.user.rawId),
                ChatParticipant(rawId: missing),
                ChatParticipant(rawId: "8:orgid:\(UUID().uuidString.lowercased())"),
                ChatParticipant(rawId: "4:+14255550123"),
            ],
            idempotencyKey: nil
        )
        #expect(invalid.map(\.code) == ["403", "403", "404", "400"])
        #expect(invalid[0].message == "Permissions check failed")
        #expect(try await fixture.chat.participants(in: thread.id, for: alice.chatCaller, skip: nil, pageSize: nil).items.count == 1)
    }

    @Test func theSameIdempotencyKeyGivesTheSameThread() async throws {
        let fixture = try await CoreFixture()
        let alice = try await fixture.user()
        let bob = try await fixture.user()
        let first = try await fixture.chat.createThread(by: alice.chatCaller, topic: "t", participants: [], idempotencyKey: "k1").0
        fixture.clock.advance(by: 5)
        let again = try await fixture.chat.createThread(by: alice.chatCaller, topic: "t2", participants: [], idempotencyKey: "k1").0
        #expect(again == first)
        // Keys are per creator: another user's request with the same key is another thread.
        let bobs = try await fixture.chat.createThread(by: bob.chatCaller, topic: "t", participants: [], idempotencyKey: "k1").0
        #expect(bobs.id != first.id)
    }

    @Test func deletedThreadsAreGoneButStillListed() async throws {
        let fixture = try await CoreFixture()
        let alice = try await fixture.user()
        let bob = try await fixture.user()
        let thread = try await fixture.thread(by: alice, with: [bob])
        try await fixture.chat.deleteThread(thread.id, by: alice.chatCaller)
        for caller in [alice, bob] {
            let error = await #expect(throws: ParleyError.self) { try await fixture.chat.thread(thread.id, for: caller.chatCaller) }
            #expect(error?.code == .notFound)
            let listed = try await fixture.chat.threads(for: caller.chatCaller, startTime: nil, after: nil, pageSize: nil).items
            #expect(listed.map(\.id) == [thread.id])
            #expect(listed[0].deletedAt != nil)
        }
        await #expect(throws: ParleyError.self) { try await fixture.send("late", to: thread.id, by: bob.chatCaller) }
        try await fixture.chat.deleteThread(thread.id, by: alice.chatCaller)  // idempotent
    }

    @Test func threadsArePagedMostRecentlyActiveFirst() async throws {
        let fixture = try await CoreFixture()
        let alice = try await fixture.user()
        var ids: [String] = []
        for index in 0..<5 {
            ids.append(try await fixture.chat.createThread(by: alice.chatCaller, topic: "t\(index)", participants: [], idempotencyKey: nil).0.id)
            fixture.clock.advance(by: 1)
        }
        try await fixture.send("bump", to: ids[1], by: alice.chatCaller)
        var seen: [String] = []
        var cursor: ThreadCursor?
        repeat {
            let page = try await fixture.chat.threads(for: alice.chatCaller, startTime: nil, after: cursor, pageSize: 2)
            seen += page.items.map(\.id)
            cursor = page.next
        } while cursor != nil
        #expect(seen == [ids[1], ids[4], ids[3], ids[2], ids[0]])
        let recent = try await fixture.chat.threads(
            for: alice.chatCaller,
            startTime: fixture.clock.now().addingTimeInterval(-1.5),
            after: nil,
            pageSize: nil
        )
        #expect(recent.items.map(\.id) == [ids[1], ids[4]])
    }

    // MARK: Messages

    @Test func concurrentSendersGetGaplessIncreasingSequenceIds() async throws {
        let fixture = try await CoreFixture(path: try temporaryDirectory().appendingPathComponent("db.sqlite").path)
        let alice = try await fixture.user()
        var senders = [alice]
        for _ in 0..<7 { senders.append(try await fixture.user()) }
        let (thread, _) = try await fixture.chat.createThread(
            by: alice.chatCaller,
            topic: "busy",
            participants: senders.dropFirst().map { ChatParticipant(rawId: $0.user.rawId) },
            idempotencyKey: nil
        )
        try await withThrowingTaskGroup(of: Void.self) { group in
            for sender in senders {
                group.addTask {
                    for index in 0..<40 { try await fixture.send("\(index)", to: thread.id, by: sender.chatCaller) }
                }
            }
            try await group.waitForAll()
        }
        let messages = try await fixture.allMessages(in: thread.id, for: alice.chatCaller, pageSize: 50)
        #expect(messages.count == 2 + 8 * 40)
        #expect(messages.map(\.sequenceId) == Array((1...Int64(2 + 8 * 40)).reversed()))
        let ids = messages.reversed().map { Int64($0.id)! }
        #expect(zip(ids, ids.dropFirst()).allSatisfy { $0 < $1 })
        for sender in senders {
            #expect(messages.filter { $0.senderRawId == sender.user.rawId }.map(\.content.message) == (0..<40).reversed().map(String.init))
        }
    }

    @Test func shareHistoryTimeHidesEarlierMessages() async throws {
        let fixture = try await CoreFixture()
        let alice = try await fixture.user()
        let bob = try await fixture.user()
        let carol = try await fixture.user()
        let thread = try await fixture.thread(by: alice)
        let old = try await fixture.send("before", to: thread.id, by: alice.chatCaller)
        fixture.clock.advance(by: 10)
        let joinTime = fixture.clock.now()
        try await fixture.send("after", to: thread.id, by: alice.chatCaller)
        _ = try await fixture.chat.addParticipants(
            [ChatParticipant(rawId: bob.user.rawId, shareHistoryTime: joinTime), ChatParticipant(rawId: carol.user.rawId)],
            to: thread.id,
            by: alice.chatCaller
        )
        let bobSees = try await fixture.allMessages(in: thread.id, for: bob.chatCaller).compactMap(\.content.message)
        #expect(bobSees == ["after"])
        let carolSees = try await fixture.allMessages(in: thread.id, for: carol.chatCaller).compactMap(\.content.message)
        #expect(carolSees == ["after", "before"])
        await #expect(throws: ParleyError.self) { try await fixture.chat.message(old.id, in: thread.id, for: bob.chatCaller) }
    }

    @Test func onlyTheSenderEditsOrDeletesAMessage() async throws {
        let fixture = try await CoreFixture()
        let alice = try await fixture.user()
        let bob = try await fixture.user()
        let thread = try await fixture.thread(by: alice, with: [bob])
        let message = try await fixture.send("hello", to: thread.id, by: alice.chatCaller)
        for attempt in ["edit", "delete"] {
            let error = await #expect(throws: ParleyError.self) {
                if attempt == "edit" {
                    try await fixture.chat.editMessage(message.id, in: thread.id, by: bob.chatCaller, content: "hacked", metadata: nil)
                } else {
                    try await fixture.chat.deleteMessage(message.id, in: thread.id, by: bob.chatCaller)
                }
            }
            #expect(error?.code == .forbidden)
        }
        fixture.clock.advance(by: 1)
        try await fixture.chat.editMessage(message.id, in: thread.id, by: alice.chatCaller, content: "hello!", metadata: ["k": "v"])
        let edited = try await fixture.chat.message(message.id, in: thread.id, for: bob.chatCaller)
        #expect(edited.content.message == "hello!")
        #expect(edited.metadata == ["k": "v"])
        #expect(edited.editedAt == fixture.clock.now())
        #expect(edited.version != message.version)

        try await fixture.chat.deleteMessage(message.id, in: thread.id, by: alice.chatCaller)
        let tombstone = try await fixture.chat.message(message.id, in: thread.id, for: bob.chatCaller)
        #expect(tombstone.deletedAt != nil)
        #expect(tombstone.content.message == nil)
        try await fixture.chat.deleteMessage(message.id, in: thread.id, by: alice.chatCaller)
        await #expect(throws: ParleyError.self) {
            try await fixture.chat.editMessage(message.id, in: thread.id, by: alice.chatCaller, content: "zombie", metadata: nil)
        }
    }

    // MARK: Permissions

    @Test(arguments: [
        (["chat"], true, true, true),
        (["chat.join"], true, true, false),
        (["chat.join.limited"], true, false, false),
        (["voip"], false, false, false),
    ])
    func scopesDecideWhatATokenMayDo(scopes: [String], read: Bool, manageParticipants: Bool, manageThreads: Bool) async throws {
        let fixture = try await CoreFixture()
        let owner = try await fixture.user()
        let caller = try await fixture.user(scopes)
        let newcomer = try await fixture.user()
        let (thread, _) = try await fixture.chat.createThread(
            by: owner.chatCaller,
            topic: "t",
            participants: [ChatParticipant(rawId: caller.user.rawId)],
            idempotencyKey: nil
        )

        func allowed(_ operation: () async throws -> Void) async throws -> Bool {
            do {
                try await operation()
                return true
            } catch let error as ParleyError where error.wireCode == "InsufficientScope" {
                return false
            }
        }
        #expect(try await allowed { _ = try await fixture.send("hi", to: thread.id, by: caller.chatCaller) } == read)
        #expect(try await allowed { _ = try await fixture.chat.thread(thread.id, for: caller.chatCaller) } == read)
        #expect(
            try await allowed {
                _ = try await fixture.chat.addParticipants([ChatParticipant(rawId: newcomer.user.rawId)], to: thread.id, by: caller.chatCaller)
            }
                == manageParticipants
        )
        #expect(try await allowed { try await fixture.chat.updateTopic(thread.id, topic: "new", by: caller.chatCaller) } == manageThreads)
        #expect(
            try await allowed { _ = try await fixture.chat.createThread(by: caller.chatCaller, topic: "mine", participants: [], idempotencyKey: nil) }
                == manageThreads
        )
    }

    @Test func nonParticipantsAreForbiddenAndOtherResourcesSeeNothing() async throws {
        let fixture = try await CoreFixture()
        let alice = try await fixture.user()
        let mallory = try await fixture.user()
        let outsider = try await fixture.user(in: try await fixture.resources.create(name: "other"))
        let thread = try await fixture.thread(by: alice)
        let message = try await fixture.send("secret", to: thread.id, by: alice.chatCaller)

        let forbidden = await #expect(throws: ParleyError.self) { try await fixture.chat.thread(thread.id, for: mallory.chatCaller) }
        #expect(forbidden?.code == .forbidden)
        await #expect(throws: ParleyError.self) { try await fixture.send("hi", to: thread.id, by: mallory.chatCaller) }
        await #expect(throws: ParleyError.self) { try await fixture.chat.message(message.id, in: thread.id, for: mallory.chatCaller) }

        let hidden = await #expect(throws: ParleyError.self) { try await fixture.chat.thread(thread.id, for: outsider.chatCaller) }
        #expect(hidden?.code == .notFound)
        let hiddenSend = await #expect(throws: ParleyError.self) { try await fixture.send("hi", to: thread.id, by: outsider.chatCaller) }
        #expect(hiddenSend?.code == .notFound)
        #expect(try await fixture.chat.threads(for: outsider.chatCaller, startTime: nil, after: nil, pageSize: nil).items.isEmpty)
    }

    @Test func aRemovedParticipantLosesAccess() async throws {
        let fixture = try await CoreFixture()
        let alice = try await fixture.user()
        let bob = try await fixture.user()
        let thread = try await fixture.thread(by: alice, with: [bob])
        try await fixture.chat.removeParticipant(bob.user.rawId, from: thread.id, by: alice.chatCaller)
        let error = await #expect(throws: ParleyError.self) { try await fixture.send("still here?", to: thread.id, by: bob.chatCaller) }
        #expect(error?.code == .forbidden)
        #expect(try await fixture.chat.threads(for: bob.chatCaller, startTime: nil, after: nil, pageSize: nil).items.isEmpty)
        let last = try await fixture.allMessages(in: thread.id, for: alice.chatCaller).first
        #expect(last?.type == .participantRemoved)
        #expect(last?.content.participants?.map(\.rawId) == [bob.user.rawId])
    }

    @Test func removingSomeoneWhoIsNotInTheThreadIsDoneAlreadyAndChangesNothing() async throws {
        let fixture = try await CoreFixture()
        let alice = try await fixture.user()
        let bob = try await fixture.user()
        let thread = try await fixture.thread(by: alice)
        let never = AcsUserId.make(resource: fixture.resource.immutableId, id: UUID())
        let teams = "8:orgid:\(UUID().uuidString.lowercased())"
        let start = try await fixture.store.eventLogBounds()?.last ?? 0
        let messages = try await fixture.allMessages(in: thread.id, for: alice.chatCaller)
        // Someone never added (an existing user, an id that exists nowhere, a Teams user, a phone).
        for rawId in [bob.user.rawId, never, teams, "4:+14255550123"] {
            #expect(try await fixture.chat.removeParticipant(rawId, from: thread.id, by: alice.chatCaller) == false)
        }
        // Someone removed already.
        _ = try await fixture.chat.addParticipants([ChatParticipant(rawId: bob.user.rawId)], to: thread.id, by: alice.chatCaller)
        #expect(try await fixture.chat.removeParticipant(bob.user.rawId, from: thread.id, by: alice.chatCaller))
        let afterRemoval = try await fixture.store.eventLogBounds()?.last ?? 0
        let removedMessages = try await fixture.allMessages(in: thread.id, for: alice.chatCaller)
        #expect(try await fixture.chat.removeParticipant(bob.user.rawId, from: thread.id, by: alice.chatCaller) == false)
        #expect(try await fixture.store.eventLogBounds()?.last == afterRemoval)
        #expect(try await fixture.allMessages(in: thread.id, for: alice.chatCaller) == removedMessages)
        // Only the add and the one real removal were events.
        let kinds = try await fixture.store.events(after: start, limit: 100).map(\.event.kind)
        #expect(kinds == [.chatParticipantsAdded, .chatParticipantRemoved])
        #expect(removedMessages.count == messages.count + 2)
    }

    @Test func removeNamesAParticipantInAnyCaseAndRefusesMalformedOrForeignIds() async throws {
        let fixture = try await CoreFixture()
        let alice = try await fixture.user()
        let bob = try await fixture.user()
        let thread = try await fixture.thread(by: alice, with: [bob])
        // Participants are stored canonical (lower case): an upper-case id names the same one.
        #expect(
            try await fixture.chat.removeParticipant(
                bob.user.rawId.uppercased().replacingOccurrences(of: "8:ACS:", with: "8:acs:"),
                from: thread.id,
                by: alice.chatCaller
            )
        )
        let other = try await fixture.resources.create(name: "other")
        let stranger = AcsUserId.make(resource: other.immutableId, id: UUID())
        for rawId in ["8:acs:fakeid", "8:orgid:not-a-guid", "8:spool:x_y", "hello", stranger] {
            let error = await #expect(throws: ParleyError.self) {
                try await fixture.chat.removeParticipant(rawId, from: thread.id, by: alice.chatCaller)
            }
            #expect(error?.code == .badRequest, "\(rawId)")
            #expect(error?.wireCode == "InvalidIdentifier", "\(rawId)")
            #expect(error?.target == "communicationIdentifier")
        }
        // A caller who is not a participant is refused, whether or not the target is in the thread.
        let carol = try await fixture.user()
        for rawId in [alice.user.rawId, bob.user.rawId] {
            let error = await #expect(throws: ParleyError.self) {
                try await fixture.chat.removeParticipant(rawId, from: thread.id, by: carol.chatCaller)
            }
            #expect(error?.code == .forbidden)
        }
        #expect(
            try await fixture.chat.participants(in: thread.id, for: alice.chatCaller, skip: nil, pageSize: nil).items.map(\.rawId) == [
                alice.user.rawId
            ]
        )
    }

    // MARK: Limits

    @Test func oversizedMessagesAreRefusedAndStoreNothing() async throws {
        let fixture = try await CoreFixture()
        let alice = try await fixture.user()
        let thread = try await fixture.thread(by: alice)
        let before = try await fixture.store.events(after: 0, limit: 1000).count
        try await fixture.send(String(repeating: "a", count: 28 * 1024), to: thread.id, by: alice.chatCaller)
        let error = await #expect(throws: ParleyError.self) {
            try await fixture.send(String(repeating: "é", count: 14 * 1024 + 1), to: thread.id, by: alice.chatCaller)
        }
        #expect(error?.wireCode == "MessageTooLarge")
        #expect(try await fixture.allMessages(in: thread.id, for: alice.chatCaller).count == 3)
        #expect(try await fixture.store.events(after: 0, limit: 1000).count == before + 1)
    }

    @Test func participantLimits() async throws {
        let fixture = try await CoreFixture()
        let alice = try await fixture.user()
        var users: [ChatParticipant] = []
        for _ in 0..<250 {
            let (user, _) = try await fixture.identities.createUser(in: fixture.resource, tokenScopes: nil, expiresInMinutes: nil)
            users.append(ChatParticipant(rawId: user.rawId))
        }
        let tooMany = await #expect(throws: ParleyError.self) {
            try await fixture.chat.createThread(by: alice.chatCaller, topic: "t", participants: Array(users.prefix(201)), idempotencyKey: nil)
        }
        #expect(tooMany?.wireCode == "TooManyParticipants")

        let (thread, _) = try await fixture.chat.createThread(
            by: alice.chatCaller,
            topic: "t",
            participants: Array(users.prefix(200)),
            idempotencyKey: nil
        )
        // 201 members; 49 more fit, 50 do not, and a refused batch adds no one.
        let overflow = await #expect(throws: ParleyError.self) {
            try await fixture.chat.addParticipants(Array(users.suffix(50)), to: thread.id, by: alice.chatCaller)
        }
        #expect(overflow?.wireCode == "TooManyParticipants")
        #expect(try await fixture.store.participantCount(in: thread.id) == 201)
        _ = try await fixture.chat.addParticipants(Array(users.suffix(49)), to: thread.id, by: alice.chatCaller)
        #expect(try await fixture.store.participantCount(in: thread.id) == 250)
    }

    @Test func typingAndReceiptsNeedSmallThreads() async throws {
        let fixture = try await CoreFixture()
        let alice = try await fixture.user()
        var others: [ChatParticipant] = []
        for _ in 0..<20 {
            let (user, _) = try await fixture.identities.createUser(in: fixture.resource, tokenScopes: nil, expiresInMinutes: nil)
            others.append(ChatParticipant(rawId: user.rawId))
        }
        let (thread, _) = try await fixture.chat.createThread(
            by: alice.chatCaller,
            topic: "t",
            participants: Array(others.prefix(19)),
            idempotencyKey: nil
        )
        let message = try await fixture.send("hi", to: thread.id, by: alice.chatCaller)
        try await fixture.chat.sendTypingNotification(in: thread.id, by: alice.chatCaller, senderDisplayName: nil)
        try await fixture.chat.sendReadReceipt(for: message.id, in: thread.id, by: alice.chatCaller)

        _ = try await fixture.chat.addParticipants([others[19]], to: thread.id, by: alice.chatCaller)
        let typing = await #expect(throws: ParleyError.self) {
            try await fixture.chat.sendTypingNotification(in: thread.id, by: alice.chatCaller, senderDisplayName: nil)
        }
        #expect(typing?.wireCode == "ThreadTooLarge")
        let receipt = await #expect(throws: ParleyError.self) {
            try await fixture.chat.sendReadReceipt(for: message.id, in: thread.id, by: alice.chatCaller)
        }
        #expect(receipt?.code == .forbidden)
    }

    // MARK: Typing and receipts

    @Test func readReceiptsKeepTheLatestMessagePerReader() async throws {
        let fixture = try await CoreFixture()
        let alice = try await fixture.user()
        let bob = try await fixture.user()
        let thread = try await fixture.thread(by: alice, with: [bob])
        let first = try await fixture.send("1", to: thread.id, by: alice.chatCaller)
        let second = try await fixture.send("2", to: thread.id, by: alice.chatCaller)
        try await fixture.chat.sendReadReceipt(for: second.id, in: thread.id, by: bob.chatCaller)
        try await fixture.chat.sendReadReceipt(for: first.id, in: thread.id, by: bob.chatCaller)  // older: no regression
        try await fixture.chat.sendReadReceipt(for: first.id, in: thread.id, by: alice.chatCaller)
        let receipts = try await fixture.chat.readReceipts(in: thread.id, for: alice.chatCaller, skip: nil, pageSize: nil).items
        #expect(Set(receipts.map { "\($0.senderRawId)=\($0.messageId)" }) == ["\(bob.user.rawId)=\(second.id)", "\(alice.user.rawId)=\(first.id)"])
        let missing = await #expect(throws: ParleyError.self) {
            try await fixture.chat.sendReadReceipt(for: "123", in: thread.id, by: bob.chatCaller)
        }
        #expect(missing?.code == .notFound)
    }

    @Test func typingIsPublishedAndNotStored() async throws {
        let fixture = try await CoreFixture()
        let alice = try await fixture.user()
        let thread = try await fixture.thread(by: alice)
        let events = fixture.chat.ephemeralEvents.subscribe()
        let stored = try await fixture.store.events(after: 0, limit: 1000).count
        try await fixture.chat.sendTypingNotification(in: thread.id, by: alice.chatCaller, senderDisplayName: "Alice")
        var iterator = events.makeAsyncIterator()
        let event = try #require(await iterator.next())
        #expect(event.kind == .chatTypingIndicatorReceived)
        #expect(event.subject == thread.id)
        #expect(event.data["senderDisplayName"] == "Alice")
        #expect(try await fixture.store.events(after: 0, limit: 1000).count == stored)
    }

    @Test func everyChangeCommitsItsEvent() async throws {
        let fixture = try await CoreFixture()
        let alice = try await fixture.user()
        let bob = try await fixture.user()
        let start = try await fixture.store.events(after: 0, limit: 1000).last?.position ?? 0
        let thread = try await fixture.thread(by: alice)
        _ = try await fixture.chat.addParticipants([ChatParticipant(rawId: bob.user.rawId)], to: thread.id, by: alice.chatCaller)
        let message = try await fixture.send("hi", to: thread.id, by: alice.chatCaller)
        try await fixture.chat.editMessage(message.id, in: thread.id, by: alice.chatCaller, content: "hey", metadata: nil)
        try await fixture.chat.sendReadReceipt(for: message.id, in: thread.id, by: bob.chatCaller)
        try await fixture.chat.deleteMessage(message.id, in: thread.id, by: alice.chatCaller)
        try await fixture.chat.updateTopic(thread.id, topic: "u", by: alice.chatCaller)
        try await fixture.chat.removeParticipant(bob.user.rawId, from: thread.id, by: alice.chatCaller)
        try await fixture.chat.deleteThread(thread.id, by: alice.chatCaller)
        let kinds = try await fixture.store.events(after: start, limit: 1000).map(\.event.kind)
        #expect(
            kinds == [
                .chatThreadCreated, .chatParticipantsAdded, .chatMessageReceived, .chatMessageEdited, .chatReadReceiptReceived,
                .chatMessageDeleted, .chatThreadPropertiesUpdated, .chatParticipantRemoved, .chatThreadDeleted,
            ]
        )
    }
}

@Suite struct ChatRateLimitTests {
    @Test func sendsPerThreadAreLimitedWhenEnforced() async throws {
        let fixture = try await CoreFixture(rateLimits: true)
        let alice = try await fixture.user()
        let thread = try await fixture.thread(by: alice)
        for index in 0..<10 { try await fixture.send("\(index)", to: thread.id, by: alice.chatCaller) }
        let error = await #expect(throws: ParleyError.self) { try await fixture.send("eleventh", to: thread.id, by: alice.chatCaller) }
        #expect(error?.code == .tooManyRequests)
        #expect(error?.retryAfterSeconds == 10)
        #expect(try await fixture.allMessages(in: thread.id, for: alice.chatCaller).count == 12)

        // 10 per 10 s, but also 30 per minute.
        for _ in 0..<2 {
            fixture.clock.advance(by: 10)
            for index in 0..<10 { try await fixture.send("\(index)", to: thread.id, by: alice.chatCaller) }
        }
        fixture.clock.advance(by: 10)
        let perMinute = await #expect(throws: ParleyError.self) { try await fixture.send("31st", to: thread.id, by: alice.chatCaller) }
        #expect(perMinute?.code == .tooManyRequests)
    }

    @Test func limitsAreOffByDefault() async throws {
        let fixture = try await CoreFixture()
        let alice = try await fixture.user()
        let thread = try await fixture.thread(by: alice)
        for index in 0..<50 { try await fixture.send("\(index)", to: thread.id, by: alice.chatCaller) }
    }
}
