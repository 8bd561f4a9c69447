import Foundation
import ParleyAPI
import ParleyCore
import ParleySQLite
import Testing

/// Which events the service raises, for whom, and how app users and Teams users appear in them.
@Suite struct CommunicationEventsTests {
    /// The Event Grid events rendered for the fixture's resource from everything committed after `position`.
    func rendered(_ harness: EventsHarness, after position: Int64) async throws -> [RenderedEvent] {
        var out: [RenderedEvent] = []
        for recorded in try await harness.fixture.store.events(after: position, limit: 1000) {
            out += try await harness.renderer.render(recorded, resourceId: harness.resource.immutableIdString)
        }
        return out
    }

    func data(_ event: RenderedEvent) throws -> [String: JSONValue] {
        try require(event.dataJSON()?.objectValue, "data")
    }

    @Test func perUserEventsGoToEachOtherAppUserAndThreadEventsOnce() async throws {
        let harness = try await EventsHarness()
        let start = try await harness.fixture.store.eventLogBounds()?.last ?? 0
        let alice = try await harness.fixture.user()
        let bob = try await harness.fixture.user()
        let carol = try await harness.fixture.user()
        let thread = try await harness.fixture.thread(by: alice, with: [bob, carol])
        try await harness.fixture.send("hi", to: thread.id, by: bob.chatCaller)
        let events = try await rendered(harness, after: start)
        let received = events.filter { $0.eventType == CommunicationEventType.chatMessageReceived }
        let recipients = try received.map { try data($0)["recipientCommunicationIdentifier"]?.objectValue?["rawId"]?.stringValue ?? "" }
        #expect(Set(recipients) == [alice.user.rawId, carol.user.rawId])
        #expect(received.allSatisfy { $0.subject.hasPrefix("thread/\(thread.id)/sender/\(bob.user.rawId)/recipient/") })
        let inThread = try #require(events.first { $0.eventType == CommunicationEventType.chatMessageReceivedInThread })
        #expect(inThread.subject == "thread/\(thread.id)/sender/\(bob.user.rawId)")
        #expect(try data(inThread)["recipientCommunicationIdentifier"] == nil)
        // One transaction, one transactionId; every event its own id.
        #expect(Set(try (received + [inThread]).map { try data($0)["transactionId"] }).count == 1)
        #expect(Set(events.map(\.id)).count == events.count)
    }

    @Test func aTeamsUserAppearsAsMicrosoftTeamsUserAndIsNeverARecipient() async throws {
        let harness = try await EventsHarness()
        let (_, adele) = try await harness.fixture.contosoAllowingResource()
        let start = try await harness.fixture.store.eventLogBounds()?.last ?? 0
        let alice = try await harness.fixture.user()
        let (thread, _) = try await harness.fixture.chat.createThread(
            by: alice.chatCaller,
            topic: "interop",
            participants: [ChatParticipant(rawId: adele.rawId)],
            idempotencyKey: nil
        )
        let adeleCaller = ChatCaller(rawId: adele.rawId, home: .tenant(adele.tenantId), scopes: [.chat])
        try await harness.fixture.send("from Teams", to: thread.id, by: adeleCaller)
        let events = try await rendered(harness, after: start)
        // Adele's message is the resource's event (its thread is), with her as a Teams user.
        let fromTeams = try #require(events.first { $0.eventType == CommunicationEventType.chatMessageReceivedInThread })
        let sender = try #require(try data(fromTeams)["senderCommunicationIdentifier"]?.objectValue)
        #expect(sender["rawId"] == .string(adele.rawId))
        #expect(sender["kind"] == .string("microsoftTeamsUser"))
        #expect(sender["microsoftTeamsUser"]?.objectValue?["userId"] == .string(adele.id.uuidString.lowercased()))
        let perUser = events.filter { $0.eventType == CommunicationEventType.chatMessageReceived }
        #expect(try perUser.map { try data($0)["recipientCommunicationIdentifier"]?.objectValue?["rawId"] } == [.string(alice.user.rawId)])
        // The thread's creation names both participants; Adele gets no per-user copy.
        let created = try #require(events.first { $0.eventType == CommunicationEventType.chatThreadCreated })
        let participants = try #require(
            try data(created)["participants"].map { value -> [JSONValue] in if case .array(let a) = value { a } else { [] } }
        )
        #expect(participants.count == 2)
        #expect(events.filter { $0.eventType == CommunicationEventType.chatThreadCreatedWithUser }.isEmpty, "Alice created it; Adele is no app user")
    }

    @Test func chatsWithoutAnAppUserRaiseNothing() async throws {
        let harness = try await EventsHarness()
        let (tenant, adele) = try await harness.fixture.contosoAllowingResource()
        let megan = try await harness.fixture.directory.addUser(to: tenant.id, displayName: "Megan Bowen", userPrincipalName: "megan@contoso.com")
        let start = try await harness.fixture.store.eventLogBounds()?.last ?? 0
        let adeleCaller = ChatCaller(rawId: adele.rawId, home: .tenant(tenant.id), scopes: [.chat])
        let (thread, _) = try await harness.fixture.chat.createThread(
            by: adeleCaller,
            topic: "org only",
            participants: [ChatParticipant(rawId: megan.rawId)],
            idempotencyKey: nil
        )
        try await harness.fixture.send("internal", to: thread.id, by: adeleCaller)
        #expect(try await rendered(harness, after: start).isEmpty)
    }

    @Test func anAppToTeamsCallRaisesCallingEventsForBothSides() async throws {
        let calls = try await CallHarness()
        let harness = try await EventsHarness(fixture: calls.fixture)
        let (_, adele) = try await calls.contoso()
        let start = try await calls.fixture.store.eventLogBounds()?.last ?? 0
        let alice = try await calls.appUser("Alice")
        let teams = try await calls.person(adele)
        let callId = try await alice.call(teams)
        try await teams.accept(callId)
        calls.fixture.clock.advance(by: 42)
        try await teams.hangUp(callId)
        await calls.calls.flushRecords()

        let events = try await rendered(harness, after: start)
        #expect(
            events.map(\.eventType) == [
                CommunicationEventType.callStarted, CommunicationEventType.callParticipantAdded, CommunicationEventType.callParticipantAdded,
                CommunicationEventType.callParticipantRemoved, CommunicationEventType.callParticipantRemoved, CommunicationEventType.callEnded,
            ]
        )
        #expect(events.allSatisfy { $0.eventType != CommunicationEventType.incomingCall }, "IncomingCall is raised for app-user callees only")
        let added = try events.filter { $0.eventType == CommunicationEventType.callParticipantAdded }.map { try data($0) }
        let adeleAdded = try #require(
            added.first { $0["user"]?.objectValue?["communicationIdentifier"]?.objectValue?["rawId"] == .string(adele.rawId) }
        )
        #expect(adeleAdded["user"]?.objectValue?["communicationIdentifier"]?.objectValue?["kind"] == .string("microsoftTeamsUser"))
        #expect(adeleAdded["displayName"] == .string("Adele Vance"))
        #expect(adeleAdded["participantId"] != nil)
        let started = try data(events[0])
        #expect(started["serverCallId"] == .string(callId))
        #expect(started["isTwoParty"] == .bool(true))
        #expect(events[0].subject == "call/\(callId)/startedBy/\(alice.rawId)")
        let ended = try data(try #require(events.last))
        #expect(ended["callDurationInSeconds"] == .number(42))
        #expect(ended["endedBy"]?.objectValue?["communicationIdentifier"]?.objectValue?["rawId"] == .string(adele.rawId))
        #expect(ended["endedBy"]?.objectValue?["type"] == .string("Participant"))
        #expect(ended["reason"]?.objectValue?["code"] == .number(0))
    }

    @Test func aCallRingingAnAppUserRaisesIncomingCallWithAContextThatVerifies() async throws {
        let calls = try await CallHarness()
        let harness = try await EventsHarness(fixture: calls.fixture)
        let start = try await calls.fixture.store.eventLogBounds()?.last ?? 0
        let alice = try await calls.appUser("Alice")
        let bob = try await calls.appUser("Bob")
        let callId = try await alice.call(bob)
        await calls.calls.flushRecords()

        let events = try await rendered(harness, after: start)
        let incoming = try #require(events.first { $0.eventType == CommunicationEventType.incomingCall })
        #expect(incoming.subject == "/caller/\(alice.rawId)/recipient/\(bob.rawId)")
        let payload = try data(incoming)
        #expect(payload["to"]?.objectValue?["rawId"] == .string(bob.rawId))
        #expect(payload["from"]?.objectValue?["rawId"] == .string(alice.rawId))
        #expect(payload["callerDisplayName"] == .string("Alice"))
        #expect(payload["serverCallId"] == .string(callId))
        let token = try #require(payload["incomingCallContext"]?.stringValue)
        let context = try await harness.contexts.verify(token, now: calls.fixture.clock.now())
        #expect(context.serverCallId == callId)
        #expect(context.callee == bob.rawId)
        #expect(context.resourceId == harness.resource.immutableId)
        #expect(context.expiresAt == calls.fixture.clock.now().addingTimeInterval(calls.calls.timeouts.ringingSeconds))
        // It is worth nothing once the call stops ringing, or when changed.
        await #expect(throws: ParleyError.self) {
            try await harness.contexts.verify(token, now: calls.fixture.clock.now().addingTimeInterval(calls.calls.timeouts.ringingSeconds + 1))
        }
        await #expect(throws: ParleyError.self) { try await harness.contexts.verify(token + "x", now: calls.fixture.clock.now()) }
        // Rendering again (a retry, a restart) gives the same event.
        let again = try await rendered(harness, after: start).first { $0.eventType == CommunicationEventType.incomingCall }
        #expect(again?.id == incoming.id)
        #expect(try again.map { try data($0)["incomingCallContext"] } == .string(token))
    }

    @Test func aCallThatNobodyAnswersEndsByThePlatform() async throws {
        let calls = try await CallHarness()
        let harness = try await EventsHarness(fixture: calls.fixture)
        let start = try await calls.fixture.store.eventLogBounds()?.last ?? 0
        let alice = try await calls.appUser("Alice")
        let bob = try await calls.appUser("Bob")
        _ = try await alice.call(bob)
        calls.fixture.clock.advance(by: calls.calls.timeouts.ringingSeconds + 1)
        calls.calls.sweep()
        await calls.calls.flushRecords()
        let ended = try #require(try await rendered(harness, after: start).last { $0.eventType == CommunicationEventType.callEnded })
        let payload = try data(ended)
        #expect(payload["endedBy"]?.objectValue?["type"] == .string("MicrosoftInternal"))
        #expect(payload["callDurationInSeconds"] == .number(0))
    }
}
