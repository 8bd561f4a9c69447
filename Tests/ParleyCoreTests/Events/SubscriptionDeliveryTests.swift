import Foundation
import ParleyAPI
import ParleyCore
import ParleySQLite
import Testing

/// Delivery on the injected clock: the cursor, retries, probation, dead-lettering, batching,
/// leases and restarts.
@Suite struct SubscriptionDeliveryTests {
    @Test func eventsGoOutWithEventGridsHeadersAndTheCursorMovesPastThem() async throws {
        let harness = try await EventsHarness()
        let subscription = try await harness.subscribe { $0.deliveryHeaders = [DeliveryHeader(name: "X-Tenant", value: "contoso")] }
        let alice = try await harness.fixture.user()
        let bob = try await harness.fixture.user()
        let thread = try await harness.fixture.thread(by: alice, with: [bob])
        try await harness.fixture.send("hello", to: thread.id, by: alice.chatCaller)

        let next = try await harness.drain(harness.deliverer(for: subscription))
        #expect(next == .wait(until: nil))
        let types = harness.endpoint.events.compactMap(\.eventType)
        #expect(
            Set(types) == [
                CommunicationEventType.chatThreadCreated, CommunicationEventType.chatThreadCreatedWithUser,
                CommunicationEventType.chatMessageReceivedInThread, CommunicationEventType.chatMessageReceived,
            ]
        )
        #expect(types.count == 4, "one per-user copy each, for Bob (Alice made the changes)")
        let request = try #require(harness.endpoint.deliveries.first)
        #expect(request.header("aeg-event-type") == "Notification")
        #expect(request.header("aeg-subscription-name") == "SUB")
        #expect(request.header("aeg-delivery-count") == "0")
        #expect(request.header("aeg-data-version") == "1.0")
        #expect(request.header("X-Tenant") == "contoso")
        #expect(request.header("Content-Type") == "application/json; charset=utf-8")
        #expect(try await harness.stored(subscription).delivery.cursor == (try await harness.fixture.store.eventLogBounds())?.last)
    }

    @Test func aMessageEventCarriesTheBodyThatWasSentEvenIfItWasEditedSince() async throws {
        let harness = try await EventsHarness()
        let subscription = try await harness.subscribe {
            $0.filter.includedEventTypes = [
                "Microsoft.Communication.ChatMessageReceivedInThread", "Microsoft.Communication.ChatMessageEditedInThread",
                "Microsoft.Communication.ChatMessageDeletedInThread",
            ]
        }
        let alice = try await harness.fixture.user()
        let thread = try await harness.fixture.thread(by: alice)
        let message = try await harness.fixture.chat.sendMessage(
            to: thread.id,
            by: alice.chatCaller,
            type: .text,
            content: "as sent",
            senderDisplayName: "Alice",
            metadata: ["order": "42"]
        )
        try await harness.fixture.chat.editMessage(message.id, in: thread.id, by: alice.chatCaller, content: "as edited", metadata: nil)
        try await harness.fixture.chat.deleteMessage(message.id, in: thread.id, by: alice.chatCaller)
        // Only now does the endpoint hear of any of it.
        try await harness.drain(harness.deliverer(for: subscription))
        let events = harness.endpoint.events.sorted { ($0["eventTime"]?.stringValue ?? "") < ($1["eventTime"]?.stringValue ?? "") }
        let byType = Dictionary(events.map { ($0.eventType ?? "", $0.data) }, uniquingKeysWith: { first, _ in first })
        let received = try #require(byType["Microsoft.Communication.ChatMessageReceivedInThread"])
        #expect(received["messageBody"] == .string("as sent"))
        #expect(received["metadata"] == .object(["order": .string("42")]))
        #expect(received["senderDisplayName"] == .string("Alice"))
        #expect(received["messageId"] == .string(message.id))
        let edited = try #require(byType["Microsoft.Communication.ChatMessageEditedInThread"])
        #expect(edited["messageBody"] == .string("as edited"))
        #expect(edited["editTime"] != nil)
        let deleted = try #require(byType["Microsoft.Communication.ChatMessageDeletedInThread"])
        #expect(deleted["messageBody"] == nil)
        #expect(deleted["deleteTime"] != nil)
    }

    @Test func aFailedEventIsRetriedOnTheScheduleAndDeliveredWhenTheEndpointRecovers() async throws {
        let harness = try await EventsHarness(jitter: 0.5)
        let subscription = try await harness.subscribe { $0.filter.includedEventTypes = [CommunicationEventType.chatThreadCreated] }
        let deliverer = harness.deliverer(for: subscription)
        let alice = try await harness.fixture.user()
        harness.endpoint.answer(status: 500)
        _ = try await harness.fixture.thread(by: alice)
        let start = harness.fixture.clock.now()

        #expect(try await deliverer.pass() == .again)
        let stored = try await harness.stored(subscription)
        #expect(stored.delivery.consecutiveFailures == 1)
        #expect(stored.delivery.lastOutcome == .genericError)
        #expect(stored.delivery.probationUntil == start.addingTimeInterval(10))
        let retry = try #require(try await harness.fixture.store.dueRetries(of: subscription.id, at: .distantFuture, limit: 10).first)
        #expect(retry.attempts == 1)
        #expect(retry.nextAttemptAt == start.addingTimeInterval(11), "10 s plus half the 20 % jitter")
        // Probation: nothing is tried before its end.
        #expect(try await deliverer.pass() == .wait(until: start.addingTimeInterval(10)))
        #expect(harness.endpoint.deliveries.count == 1)

        harness.fixture.clock.advance(by: 10.5)
        #expect(try await deliverer.pass() == .wait(until: start.addingTimeInterval(11)), "the retry is not due yet")
        harness.fixture.clock.advance(by: 1)
        harness.endpoint.answer(status: 200)
        try await harness.drain(deliverer)
        #expect(harness.endpoint.deliveries.count == 2)
        #expect(harness.endpoint.deliveries.last?.header("aeg-delivery-count") == "1")
        #expect(try await harness.fixture.store.retryCount(of: subscription.id) == 0)
        let recovered = try await harness.stored(subscription)
        #expect(recovered.delivery.consecutiveFailures == 0)
        #expect(recovered.delivery.probationUntil == nil)
        #expect(Set(harness.endpoint.events.compactMap { $0["id"] }).count == 1, "the retry carries the same event id")
    }

    @Test func aForgettingDelivererStartsAgainFromTheStoredCursor() async throws {
        let harness = try await EventsHarness()
        let subscription = try await harness.subscribe { $0.filter.includedEventTypes = [CommunicationEventType.chatThreadCreated] }
        // Progress alone is recorded at most every minute: the second thread's delivery is not.
        let deliverer = harness.deliverer(for: subscription, progressInterval: 60)
        let alice = try await harness.fixture.user()
        _ = try await harness.fixture.thread(by: alice)
        try await harness.drain(deliverer)
        let recorded = try await harness.stored(subscription).delivery.cursor
        let second = try await harness.fixture.thread(by: alice)
        try await harness.drain(deliverer)
        #expect(harness.endpoint.events.count == 2)
        #expect(try await harness.stored(subscription).delivery.cursor == recorded)
        try await harness.drain(deliverer)
        #expect(harness.endpoint.events.count == 2, "what was read is not read again")

        // As after a snapshot's restore: what it held in memory is of another history.
        deliverer.forget()
        try await harness.drain(deliverer)
        #expect(harness.endpoint.events.count == 3)
        #expect(harness.endpoint.events.last?.data["threadId"]?.stringValue == second.id, "read again from the stored cursor")
    }

    @Test func onceTheEndpointRecoversEveryWaitingRetryIsDueAtOnce() async throws {
        let harness = try await EventsHarness()
        let subscription = try await harness.subscribe { $0.filter.includedEventTypes = [CommunicationEventType.chatThreadCreated] }
        let deliverer = harness.deliverer(for: subscription, concurrency: 4)
        let alice = try await harness.fixture.user()
        harness.endpoint.answer { _ in .failed(.socketError) }
        for _ in 0..<3 { _ = try await harness.fixture.thread(by: alice) }
        _ = try await deliverer.pass()  // all three fail: retries in 10 s, probation 30 s
        // A later event, while on probation, waits in the log.
        _ = try await harness.fixture.thread(by: alice)
        harness.fixture.clock.advance(by: 30)
        harness.endpoint.answer { _ in .failed(.socketError) }
        _ = try await deliverer.pass()  // one probe, fails again: its retry waits 30 s
        #expect(harness.endpoint.deliveries.count == 4)
        harness.fixture.clock.advance(by: 30)
        harness.endpoint.answer(status: 200)
        try await harness.drain(deliverer)
        #expect(try await harness.fixture.store.retryCount(of: subscription.id) == 0)
        #expect(Set(harness.endpoint.events.suffix(4).compactMap { $0["id"] }).count == 4, "every event arrived")
        #expect(harness.deadLetters.all.isEmpty)
    }

    @Test(arguments: [400, 413])
    func badRequestsAreDeadLetteredAtOnceWithEventGridsFields(status: Int) async throws {
        let harness = try await EventsHarness()
        let subscription = try await harness.subscribe { $0.filter.includedEventTypes = [CommunicationEventType.chatThreadCreated] }
        harness.endpoint.answer(status: status)
        let alice = try await harness.fixture.user()
        _ = try await harness.fixture.thread(by: alice)
        try await harness.drain(harness.deliverer(for: subscription))
        let letter = try #require(harness.deadLetters.all.first)
        #expect(harness.deadLetters.all.count == 1)
        #expect(letter["deadLetterReason"] == .string(status == 400 ? "UndeliverableDueToHttpBadRequest" : "UndeliverableDueToHttpPayloadTooLarge"))
        #expect(letter["deliveryAttempts"] == .number(1))
        #expect(letter["lastDeliveryOutcome"] == .string(status == 400 ? "BadRequest" : "PayloadTooLarge"))
        #expect(letter["lastHttpStatusCode"] == .number(Double(status)))
        #expect(letter["publishTime"] != nil)
        #expect(letter.eventType == CommunicationEventType.chatThreadCreated)
        #expect(try await harness.fixture.store.retryCount(of: subscription.id) == 0)
    }

    @Test func theLastAllowedAttemptDeadLetters() async throws {
        let harness = try await EventsHarness()
        let subscription = try await harness.subscribe {
            $0.filter.includedEventTypes = [CommunicationEventType.chatThreadCreated]
            $0.maxDeliveryAttempts = 3
        }
        let deliverer = harness.deliverer(for: subscription)
        harness.endpoint.answer(status: 503)
        let alice = try await harness.fixture.user()
        _ = try await harness.fixture.thread(by: alice)
        for _ in 0..<3 {
            _ = try await deliverer.pass()
            harness.fixture.clock.advance(by: 60)
        }
        #expect(harness.endpoint.deliveries.count == 3)
        let letter = try #require(harness.deadLetters.all.first)
        #expect(letter["deadLetterReason"] == .string("MaxDeliveryAttemptsExceeded"))
        #expect(letter["deliveryAttempts"] == .number(3))
        #expect(letter["lastDeliveryOutcome"] == .string("Busy"))
        harness.fixture.clock.advance(by: 3600)
        _ = try await deliverer.pass()
        #expect(harness.endpoint.deliveries.count == 3, "nothing is tried after the last attempt")
    }

    @Test func anEventPastItsTimeToLiveIsDeadLetteredAtItsNextAttempt() async throws {
        let harness = try await EventsHarness()
        let subscription = try await harness.subscribe {
            $0.filter.includedEventTypes = [CommunicationEventType.chatThreadCreated]
            $0.eventTimeToLiveInMinutes = 1
        }
        let deliverer = harness.deliverer(for: subscription)
        harness.endpoint.answer(status: 500)
        let alice = try await harness.fixture.user()
        _ = try await harness.fixture.thread(by: alice)
        _ = try await deliverer.pass()
        harness.fixture.clock.advance(by: 30)
        _ = try await deliverer.pass()  // second attempt at 30 s, fails: next in 30 s
        harness.fixture.clock.advance(by: 35)
        harness.endpoint.answer(status: 200)
        try await harness.drain(deliverer)
        #expect(harness.endpoint.deliveries.count == 2, "the expired event is not tried again")
        let letter = try #require(harness.deadLetters.all.first)
        #expect(letter["deadLetterReason"] == .string("TimeToLiveExceeded"))
        #expect(letter["deliveryAttempts"] == .number(2))

        // An event that expires while the endpoint is on probation never gets an attempt.
        harness.endpoint.answer(status: 500)
        _ = try await harness.fixture.thread(by: alice)
        _ = try await deliverer.pass()
        _ = try await harness.fixture.thread(by: alice)
        harness.fixture.clock.advance(by: 120)
        harness.endpoint.answer(status: 200)
        try await harness.drain(deliverer)
        #expect(harness.deadLetters.all.count == 3)
        #expect(harness.deadLetters.all.last?["deliveryAttempts"] == .number(0))
    }

    @Test func batchesHoldUpToMaxEventsPerBatchAndAboutThePreferredSize() async throws {
        let harness = try await EventsHarness()
        let subscription = try await harness.subscribe {
            $0.filter.includedEventTypes = [CommunicationEventType.chatMessageReceivedInThread]
            $0.maxEventsPerBatch = 3
        }
        let alice = try await harness.fixture.user()
        let thread = try await harness.fixture.thread(by: alice)
        for index in 0..<7 { try await harness.fixture.send("m\(index)", to: thread.id, by: alice.chatCaller) }
        try await harness.drain(harness.deliverer(for: subscription))
        #expect(harness.endpoint.deliveries.map { try! JSONDecoder().decode([JSONValue].self, from: $0.body).count }.sorted() == [1, 3, 3])

        let sized = try await harness.subscribe("sized") {
            $0.filter.includedEventTypes = [CommunicationEventType.chatMessageReceivedInThread]
            $0.maxEventsPerBatch = 100
            $0.preferredBatchSizeInKilobytes = 4
        }
        harness.endpoint.forget()
        for _ in 0..<4 { try await harness.fixture.send(String(repeating: "x", count: 700), to: thread.id, by: alice.chatCaller) }
        try await harness.drain(harness.deliverer(for: sized))
        let sizes = harness.endpoint.deliveries.map(\.body.count)
        #expect(sizes.count == 2, "two events of about 1.7 KB fit the 4 KB preference at a time: \(sizes)")
        #expect(sizes.allSatisfy { $0 <= 4 * 1024 })
    }

    @Test func cloudEventsAreDeliveredOneObjectAtATimeOrAsABatch() async throws {
        let harness = try await EventsHarness()
        let single = try await harness.subscribe("single", schema: .cloudEvents) {
            $0.filter.includedEventTypes = [CommunicationEventType.chatThreadCreated]
        }
        let batched = try await harness.subscribe("batched", schema: .cloudEvents) {
            $0.filter.includedEventTypes = [CommunicationEventType.chatThreadCreated]
            $0.maxEventsPerBatch = 10
        }
        let alice = try await harness.fixture.user()
        _ = try await harness.fixture.thread(by: alice)
        harness.endpoint.forget()
        try await harness.drain(harness.deliverer(for: single))
        let one = try #require(harness.endpoint.deliveries.first)
        #expect(one.header("Content-Type") == "application/cloudevents+json; charset=utf-8")
        let event = try JSONDecoder().decode([String: JSONValue].self, from: one.body)
        #expect(event["specversion"] == .string("1.0"))
        #expect(event["source"] == .string(EventSubscriptionService.topic(of: harness.resource)))
        #expect(one.header("aeg-data-version") == nil)
        harness.endpoint.forget()
        try await harness.drain(harness.deliverer(for: batched))
        let many = try #require(harness.endpoint.deliveries.first)
        #expect(many.header("Content-Type") == "application/cloudevents-batch+json; charset=utf-8")
        #expect(try JSONDecoder().decode([JSONValue].self, from: many.body).count == 1)
    }

    @Test func aSubscriptionHeldByAnotherNodeIsNotDeliveredHere() async throws {
        let harness = try await EventsHarness()
        let subscription = try await harness.subscribe()
        // node-a holds it (the harness leased it); node-b cannot take it before the lease ends.
        let now = harness.fixture.clock.now()
        #expect(try await harness.fixture.store.leaseSubscriptions(owner: "node-b", now: now, until: now.addingTimeInterval(30)).isEmpty)
        let alice = try await harness.fixture.user()
        _ = try await harness.fixture.thread(by: alice)
        #expect(try await harness.deliverer(for: subscription, owner: "node-b").pass() == .stop)
        #expect(harness.endpoint.deliveries.isEmpty)
        harness.fixture.clock.advance(by: 3601)
        let later = harness.fixture.clock.now()
        #expect(try await harness.fixture.store.leaseSubscriptions(owner: "node-b", now: later, until: later.addingTimeInterval(30)).count == 1)
        #expect(try await harness.deliverer(for: subscription).pass() == .stop, "node-a lost it")
        let report = DeliveryReport(subscriptionId: subscription.id, leaseOwner: "node-a")
        await #expect(throws: DeliveryLeaseLost.self) { try await harness.fixture.store.recordDeliveries(report) }
    }

    @Test func pruningWaitsForTheCursorOfEveryActiveSubscription() async throws {
        let harness = try await EventsHarness()
        let subscription = try await harness.subscribe()
        harness.endpoint.answer { _ in .failed(.socketError) }
        let alice = try await harness.fixture.user()
        let thread = try await harness.fixture.thread(by: alice)
        for index in 0..<5 { try await harness.fixture.send("m\(index)", to: thread.id, by: alice.chatCaller) }
        let cursor = try await harness.stored(subscription).delivery.cursor
        harness.fixture.clock.advance(by: 86_400 * 2)
        _ = try await harness.fixture.store.pruneEvents(before: harness.fixture.clock.now(), limit: 10_000)
        let bounds = try #require(try await harness.fixture.store.eventLogBounds())
        #expect(bounds.first <= cursor + 1, "nothing the subscription has not passed is gone")
        // Once passed (here: dead-lettered as too old), the events may go.
        harness.endpoint.answer(status: 200)
        try await harness.lease()
        try await harness.drain(harness.deliverer(for: subscription))
        _ = try await harness.fixture.store.pruneEvents(before: harness.fixture.clock.now(), limit: 10_000)
        #expect(try await harness.fixture.store.eventLogBounds()?.first == bounds.last)
    }

    @Test func aRestartResumesFromTheStoredCursorAndRetries() async throws {
        let directory = try temporaryDirectory()
        let path = directory.appendingPathComponent("parley.sqlite").path
        let first = try await EventsHarness(path: path)
        let subscription = try await first.subscribe { $0.filter.includedEventTypes = [CommunicationEventType.chatMessageReceivedInThread] }
        let alice = try await first.fixture.user()
        let thread = try await first.fixture.thread(by: alice)
        try await first.fixture.send("delivered", to: thread.id, by: alice.chatCaller)
        try await first.drain(first.deliverer(for: subscription))
        first.endpoint.answer(status: 500)
        try await first.fixture.send("failed", to: thread.id, by: alice.chatCaller)
        _ = try await first.deliverer(for: subscription).pass()
        try await first.fixture.send("committed before the stop", to: thread.id, by: alice.chatCaller)

        let second = try await EventsHarness(path: path)
        second.fixture.clock.advance(by: 60)
        try await second.lease()
        try await second.drain(second.deliverer(for: subscription))
        let bodies = second.endpoint.events.compactMap { $0.data["messageBody"]?.stringValue }
        #expect(Set(bodies) == ["failed", "committed before the stop"])
        #expect(try await second.fixture.store.retryCount(of: subscription.id) == 0)
    }
}
