import Foundation
import ParleyAPI
import Synchronization

/// Delivers one subscription's events: a cursor over the committed event log plus the events
/// waiting for a retry (docs/events.md, "Delivery").
///
/// Each ``pass()`` sends what is due: first retries whose time has come, then fresh events read
/// from the log after the cursor, rendered, filtered and batched; up to `concurrency` batches at
/// once (one while the endpoint is failing: a probe). Then it records, in one transaction, the
/// new cursor, the failed events as retries (with their payload, so they no longer need the log),
/// and the endpoint's health. Events are dead-lettered (written to the sink first) on 400/413,
/// after the last attempt, or once their time to live has passed.
///
/// A crash between a delivery and its record delivers those events again on restart
/// (at-least-once; consumers dedupe on `id`, which stays the same).
public final class SubscriptionDeliverer: Sendable {
    public struct Configuration: Sendable {
        /// Batches in flight at once for one subscription.
        public var concurrency: Int
        /// Events read from the log at a time.
        public var readPage: Int
        /// How long progress alone (the cursor moving past delivered or filtered-out events)
        /// may stay unrecorded: recording it every pass would put a commit on the path of every
        /// delivery. Failures, retries and dead letters are recorded at once. A crash loses at
        /// most this much progress, delivered again after the restart (at-least-once).
        public var progressInterval: TimeInterval
        public init(concurrency: Int = 32, readPage: Int = 512, progressInterval: TimeInterval = 0.25) {
            self.concurrency = concurrency
            self.readPage = readPage
            self.progressInterval = progressInterval
        }
    }

    /// What the caller should do after a pass.
    public enum Next: Sendable, Equatable {
        /// More is ready: pass again now.
        case again
        /// Nothing to do until a commit, or until `wakeAt` (a retry or the end of probation).
        case wait(until: Date?)
        /// The subscription is gone, not active, or held by another node.
        case stop
    }

    public let subscriptionId: UUID
    private let owner: String
    private let resourceName: String
    private let topic: String
    private let store: any ParleyStore
    private let renderer: CommunicationEventRenderer
    private let transport: any WebhookTransport
    private let policy: DeliveryPolicy
    private let clock: any WallClock
    private let sink: any DeadLetterSink
    private let tokens: (any DeliveryTokenIssuer)?
    private let observer: any DeliveryObserver
    private let configuration: Configuration
    private let state = Mutex(State())

    private struct State {
        /// The last log position read (nil: start from the stored cursor).
        var readCursor: Int64?
        /// Rendered events read but not yet sent, oldest first.
        var buffer: [FreshEvent] = []
        var token: (value: String, issuedAt: Date, refreshAt: Date)?
        /// When progress was last recorded.
        var recordedAt: Date?
        /// Bumped by ``forget()``: a pass that began before does not record what it did.
        var generation = 0
    }

    struct FreshEvent: Sendable {
        var position: Int64
        var id: String
        var payload: Data
        var publishedAt: Date
    }

    /// Events sent together in one request.
    private struct Batch: Sendable {
        var fresh: [FreshEvent] = []
        var retries: [PendingDelivery] = []
        var payloads: [Data] { fresh.map(\.payload) + retries.map(\.payload) }
        var count: Int { fresh.count + retries.count }
        var bytes: Int { payloads.reduce(0) { $0 + $1.count } }
    }

    public init(
        subscriptionId: UUID,
        owner: String,
        resourceName: String,
        topic: String,
        store: any ParleyStore,
        renderer: CommunicationEventRenderer,
        transport: any WebhookTransport,
        policy: DeliveryPolicy,
        clock: any WallClock,
        sink: any DeadLetterSink,
        tokens: (any DeliveryTokenIssuer)?,
        observer: any DeliveryObserver = NoDeliveryObserver(),
        configuration: Configuration = Configuration()
    ) {
        self.subscriptionId = subscriptionId
        self.owner = owner
        self.resourceName = resourceName
        self.topic = topic
        self.store = store
        self.renderer = renderer
        self.transport = transport
        self.policy = policy
        self.clock = clock
        self.sink = sink
        self.tokens = tokens
        self.observer = observer
        self.configuration = configuration
    }

    /// One round of delivery (see the type's documentation). Errors leave nothing half-done:
    /// what was not recorded is read and sent again by the next pass.
    public func pass() async throws -> Next {
        do {
            return try await deliver()
        } catch is DeliveryLeaseLost {
            reset()
            return .stop
        } catch {
            reset()
            throw error
        }
    }

    /// Forgets everything held in memory (what was read, the delivery token, when progress was
    /// recorded), and makes a pass under way drop what it did instead of recording it: the
    /// store was replaced by a snapshot (development mode), so it belongs to another history.
    public func forget() {
        state.withLock {
            $0 = State(generation: $0.generation + 1)
        }
    }

    /// Forgets what was read but not recorded: the next pass starts from the stored cursor.
    private func reset() {
        state.withLock {
            $0.readCursor = nil
            $0.buffer = []
        }
    }

    private func deliver() async throws -> Next {
        let now = clock.now()
        let generation = state.withLock { $0.generation }
        guard let subscription = try await store.subscription(id: subscriptionId), subscription.state == .succeeded,
            subscription.delivery.leaseOwner == owner, (subscription.delivery.leaseExpiresAt ?? .distantPast) > now
        else {
            reset()
            return .stop
        }
        if let until = subscription.delivery.probationUntil, until > now { return .wait(until: until) }
        let definition = subscription.definition
        let timeToLive = TimeInterval(definition.eventTimeToLiveInMinutes * 60)
        let window = subscription.delivery.consecutiveFailures > 0 ? 1 : max(1, configuration.concurrency)
        let maxEvents = max(1, definition.maxEventsPerBatch)
        let maxBytes = definition.preferredBatchSizeInKilobytes * 1024

        var (readCursor, buffer) = state.withLock { ($0.readCursor ?? subscription.delivery.cursor, $0.buffer) }
        if readCursor < subscription.delivery.cursor {
            (readCursor, buffer) = (subscription.delivery.cursor, [])
        }
        var deadLetters: [DeadLetterEntry] = []
        var report = DeliveryReport(subscriptionId: subscriptionId, leaseOwner: owner)
        var batches: [Batch] = []

        // Retries whose time has come; those past their time to live are dead-lettered, however
        // many (a probe sends one batch, but expiring is not held up by the endpoint).
        let retryLimit = max(window * maxEvents, 512)
        let due = try await store.dueRetries(of: subscriptionId, at: now, limit: retryLimit)
        var waiting: [PendingDelivery] = []
        for retry in due {
            if DeliveryPolicy.isExpired(publishedAt: retry.publishedAt, now: now, timeToLive: timeToLive) {
                deadLetters.append(DeadLetterEntry(retry, reason: DeadLetterReason.timeToLive))
                report.removed.append(retry.eventId)
            } else {
                waiting.append(retry)
            }
        }
        while !waiting.isEmpty, batches.count < window {
            var batch = Batch()
            while let next = waiting.first, batch.count < maxEvents, batch.count == 0 || batch.bytes + next.payload.count <= maxBytes {
                batch.retries.append(waiting.removeFirst())
            }
            batches.append(batch)
        }

        let resourceKey = subscription.resourceId.uuidString.lowercased()
        let encoder = ParleyJSON.frameEncoder()
        // Fresh events from the log, topped up a page at a time. Those past their time to live
        // are dead-lettered as they come to the head, even when no batch is left to send them in.
        var pages = 0
        var logExhausted = false
        while true {
            while let first = buffer.first, DeliveryPolicy.isExpired(publishedAt: first.publishedAt, now: now, timeToLive: timeToLive) {
                deadLetters.append(DeadLetterEntry(buffer.removeFirst(), lastOutcome: subscription.delivery.lastOutcome))
            }
            if buffer.isEmpty {
                guard pages < 8, !logExhausted else { break }
                pages += 1
                let events = try await store.events(after: readCursor, limit: configuration.readPage)
                guard let last = events.last else {
                    logExhausted = true
                    break
                }
                for recorded in events {
                    for event in try await renderer.render(recorded, resourceId: resourceKey) where definition.filter.matchesEnvelope(event) {
                        let payload = try event.encoded(definition.schema, topic: topic, encoder: encoder)
                        guard definition.filter.matchesAdvanced(event, topic: topic, encoded: payload) else {
                            continue
                        }
                        let fresh = FreshEvent(position: recorded.position, id: event.id, payload: payload, publishedAt: event.time)
                        if DeliveryPolicy.isExpired(publishedAt: event.time, now: now, timeToLive: timeToLive) {
                            deadLetters.append(DeadLetterEntry(fresh, lastOutcome: subscription.delivery.lastOutcome))
                        } else {
                            buffer.append(fresh)
                        }
                    }
                }
                readCursor = last.position
                if events.count < configuration.readPage { logExhausted = true }
                continue
            }
            guard batches.count < window else { break }
            var batch = Batch()
            while let next = buffer.first, batch.count < maxEvents, batch.count == 0 || batch.bytes + next.payload.count <= maxBytes {
                batch.fresh.append(buffer.removeFirst())
            }
            batches.append(batch)
        }

        // Send, all batches at once.
        let results = await send(batches, subscription: subscription, now: now)
        // Stopping: what was sent is not recorded, and is sent again after the restart.
        try Task.checkCancellation()
        let finished = clock.now()
        var failure: AttemptResult?
        var latencies: [TimeInterval] = []
        var failedEvents = 0
        for (batch, result) in zip(batches, results) {
            if result.succeeded {
                report.removed += batch.retries.map(\.eventId)
                latencies += batch.fresh.map { finished.timeIntervalSince($0.publishedAt) }
                latencies += batch.retries.map { finished.timeIntervalSince($0.publishedAt) }
                continue
            }
            failure = failure ?? result
            failedEvents += batch.count
            let attempted = batch.fresh.map { (PendingDelivery(fresh: $0, now: now), true) } + batch.retries.map { ($0, false) }
            for (var pending, isNew) in attempted {
                pending.attempts += 1
                pending.lastOutcome = result.outcome
                pending.lastStatus = result.status
                pending.lastAttemptAt = now
                switch policy.afterFailure(attempts: pending.attempts, result: result, now: now, maxAttempts: definition.maxDeliveryAttempts) {
                case .retry(let at):
                    pending.nextAttemptAt = at
                    report.retries.append(pending)
                case .deadLetter(let reason):
                    deadLetters.append(DeadLetterEntry(pending, reason: reason))
                    if !isNew { report.removed.append(pending.eventId) }
                }
            }
        }
        if let failure {
            report.health = .init(
                probationUntil: now.addingTimeInterval(policy.probation(after: failure)),
                consecutiveFailures: subscription.delivery.consecutiveFailures + 1,
                lastOutcome: failure.outcome,
                lastAttemptAt: now
            )
        } else if !batches.isEmpty {
            report.health = .init(probationUntil: nil, consecutiveFailures: 0, lastOutcome: .delivered, lastAttemptAt: now)
            // The endpoint is back: what waits for a retry need not wait for its schedule.
            if subscription.delivery.consecutiveFailures > 0 { report.retryAllAt = now }
        }
        let healthy = subscription.delivery.consecutiveFailures == 0 && subscription.delivery.probationUntil == nil
        // Everything before the first unsent event is handled.
        let cursor = (buffer.first?.position).map { $0 - 1 } ?? readCursor
        if cursor > subscription.delivery.cursor { report.cursor = cursor }

        // Forgotten meanwhile (a snapshot was restored): nothing of this pass is of the store now.
        guard state.withLock({ $0.generation }) == generation else { return .again }
        if !deadLetters.isEmpty {
            let documents = deadLetters.map { $0.document(schema: definition.schema) }
            try await sink.write(documents, subscription: subscription, resourceName: resourceName, at: now)
        }
        // Progress alone (a healthy endpoint's cursor) is recorded at most every progressInterval.
        let recordedAt = state.withLock { $0.recordedAt }
        let progressOnly =
            report.retries.isEmpty && report.removed.isEmpty && report.retryAllAt == nil && failure == nil && healthy
            && subscription.delivery.lastOutcome == (batches.isEmpty ? subscription.delivery.lastOutcome : .delivered)
        let progressDue = recordedAt.map { now.timeIntervalSince($0) >= configuration.progressInterval } ?? true
        var unrecorded = false
        if report.cursor != nil || !report.retries.isEmpty || !report.removed.isEmpty || report.health != nil {
            if progressOnly && !progressDue {
                unrecorded = true
            } else {
                try await store.recordDeliveries(report)
                state.withLock { $0.recordedAt = now }
            }
        }
        state.withLock {
            guard $0.generation == generation else { return }
            $0.readCursor = readCursor
            $0.buffer = buffer
        }
        let delivered = latencies.count
        if delivered > 0 { observer.delivered(latencies: latencies, subscription: subscription) }
        if failedEvents > 0, let failure { observer.failed(count: failedEvents, outcome: failure.outcome, subscription: subscription) }
        if !deadLetters.isEmpty { observer.deadLettered(count: deadLetters.count, subscription: subscription) }

        if failure != nil { return .again }  // the next pass finds the probation and waits it out
        if !buffer.isEmpty || !logExhausted || due.count == retryLimit || report.retryAllAt != nil { return .again }
        let nextRetry = try await store.nextRetry(of: subscriptionId)
        guard unrecorded, let recordedAt else { return .wait(until: nextRetry) }
        // Come back to record the progress once its interval has passed.
        let flush = recordedAt.addingTimeInterval(configuration.progressInterval)
        return .wait(until: nextRetry.map { min($0, flush) } ?? flush)
    }

    /// Sends each batch; results in the same order.
    private func send(_ batches: [Batch], subscription: EventSubscription, now: Date) async -> [AttemptResult] {
        guard !batches.isEmpty else { return [] }
        var headers: [(String, String)]
        do {
            headers = try await deliveryHeaders(subscription, now: now)
        } catch {
            // No token could be had (the tenant is gone): as Event Grid's authentication failure.
            return batches.map { _ in AttemptResult(outcome: .unauthorized, status: nil) }
        }
        let schema = subscription.definition.schema
        let batched = subscription.definition.maxEventsPerBatch > 1
        return await withTaskGroup(of: (Int, AttemptResult).self) { group in
            for (index, batch) in batches.enumerated() {
                var requestHeaders = headers
                let deliveryCount = batch.retries.map(\.attempts).max() ?? 0
                requestHeaders.append((EventGridHeaders.deliveryCount, String(deliveryCount)))
                let body: Data
                switch schema {
                case .eventGrid:
                    requestHeaders.append(("Content-Type", EventGridHeaders.eventGridJSON))
                    body = Self.array(batch.payloads)
                case .cloudEvents where batched:
                    requestHeaders.append(("Content-Type", EventGridHeaders.cloudEventBatchJSON))
                    body = Self.array(batch.payloads)
                case .cloudEvents:
                    requestHeaders.append(("Content-Type", EventGridHeaders.cloudEventJSON))
                    body = batch.payloads.first ?? Data()
                }
                let request = WebhookRequest(method: .post, url: subscription.definition.endpointUrl, headers: requestHeaders, body: body)
                group.addTask { (index, await self.transport.send(request).result) }
            }
            var results = [AttemptResult](repeating: AttemptResult(outcome: .socketError, status: nil), count: batches.count)
            for await (index, result) in group { results[index] = result }
            return results
        }
    }

    /// The headers of every delivery of the subscription, as Event Grid sends them.
    private func deliveryHeaders(_ subscription: EventSubscription, now: Date) async throws -> [(String, String)] {
        var headers: [(String, String)] = [
            (EventGridHeaders.eventType, EventGridHeaders.notification),
            (EventGridHeaders.subscriptionName, subscription.name.uppercased()),
        ]
        if subscription.definition.schema == .eventGrid {
            headers.append((EventGridHeaders.dataVersion, RenderedEvent.dataVersion))
            headers.append((EventGridHeaders.metadataVersion, "1"))
        } else {
            headers.append((EventGridHeaders.requestOrigin, EventGridOrigin.name))
        }
        for header in subscription.definition.deliveryHeaders { headers.append((header.name, header.value)) }
        if let entra = subscription.definition.entraAuthentication, let tokens {
            headers.append(("Authorization", "Bearer " + (try await token(entra, issuer: tokens, now: now))))
        }
        return headers
    }

    private func token(_ entra: EntraDeliveryAuthentication, issuer: any DeliveryTokenIssuer, now: Date) async throws -> String {
        // A token issued later than now (the development clock was set back) is issued again.
        if let cached = state.withLock({ $0.token }), cached.refreshAt > now, cached.issuedAt <= now { return cached.value }
        let (token, expiresAt) = try await issuer.deliveryToken(for: entra, at: now)
        state.withLock { $0.token = (token, now, expiresAt.addingTimeInterval(-300)) }
        return token
    }

    private static func array(_ payloads: [Data]) -> Data {
        var body = Data("[".utf8)
        for (index, payload) in payloads.enumerated() {
            if index > 0 { body.append(UInt8(ascii: ",")) }
            body.append(payload)
        }
        body.append(UInt8(ascii: "]"))
        return body
    }
}

/// The origin Parley names in the CloudEvents abuse-protection handshake and deliveries: Event
/// Grid's, which receivers written for Event Grid expect.
public enum EventGridOrigin {
    public static let name = "eventgrid.azure.net"
}

/// Issues the bearer tokens of Entra-authenticated deliveries.
public protocol DeliveryTokenIssuer: Sendable {
    func deliveryToken(for authentication: EntraDeliveryAuthentication, at now: Date) async throws -> (token: String, expiresAt: Date)
}

/// Told what deliveries did (metrics).
public protocol DeliveryObserver: Sendable {
    /// Events delivered, with the time from their commit to their delivery.
    func delivered(latencies: [TimeInterval], subscription: EventSubscription)
    func failed(count: Int, outcome: DeliveryOutcome, subscription: EventSubscription)
    func deadLettered(count: Int, subscription: EventSubscription)
}

public struct NoDeliveryObserver: DeliveryObserver {
    public init() {}
    public func delivered(latencies: [TimeInterval], subscription: EventSubscription) {}
    public func failed(count: Int, outcome: DeliveryOutcome, subscription: EventSubscription) {}
    public func deadLettered(count: Int, subscription: EventSubscription) {}
}

extension PendingDelivery {
    /// A fresh event about to be recorded after its first attempt.
    init(fresh: SubscriptionDeliverer.FreshEvent, now: Date) {
        self.init(
            eventId: fresh.id,
            position: fresh.position,
            payload: fresh.payload,
            publishedAt: fresh.publishedAt,
            attempts: 0,
            nextAttemptAt: now,
            lastOutcome: .delivered,
            lastStatus: nil,
            lastAttemptAt: nil
        )
    }
}

/// An event on its way to the dead letters, with what Event Grid adds to it.
struct DeadLetterEntry: Sendable {
    var payload: Data
    var reason: String
    var attempts: Int
    var lastOutcome: DeliveryOutcome?
    var lastStatus: Int?
    var lastAttemptAt: Date?
    var publishedAt: Date

    init(_ pending: PendingDelivery, reason: String) {
        self.payload = pending.payload
        self.reason = reason
        self.attempts = pending.attempts
        self.lastOutcome = pending.attempts > 0 ? pending.lastOutcome : nil
        self.lastStatus = pending.lastStatus
        self.lastAttemptAt = pending.lastAttemptAt
        self.publishedAt = pending.publishedAt
    }

    /// A fresh event that outlived its time to live before any attempt.
    init(_ fresh: SubscriptionDeliverer.FreshEvent, lastOutcome: DeliveryOutcome?) {
        self.payload = fresh.payload
        self.reason = DeadLetterReason.timeToLive
        self.attempts = 0
        self.lastOutcome = lastOutcome == .delivered ? nil : lastOutcome
        self.publishedAt = fresh.publishedAt
    }

    /// The event object with the dead-letter fields: camel case in the Event Grid schema,
    /// lower case (CloudEvents extension attributes) in CloudEvents.
    func document(schema: EventDeliverySchema) -> Data {
        var object = (try? ParleyJSON.decoder().decode([String: JSONValue].self, from: payload)) ?? [:]
        func set(_ name: String, _ value: JSONValue?) {
            guard let value else { return }
            object[schema == .eventGrid ? name : name.lowercased()] = value
        }
        set("deadLetterReason", .string(reason))
        set("deliveryAttempts", .number(Double(attempts)))
        set("lastDeliveryOutcome", lastOutcome.map { .string($0.rawValue) })
        set("lastHttpStatusCode", lastStatus.map { .number(Double($0)) })
        set("publishTime", .string(WireTimestamp.rfc3339Milliseconds(publishedAt)))
        set("lastDeliveryAttemptTime", lastAttemptAt.map { .string(WireTimestamp.rfc3339Milliseconds($0)) })
        return (try? ParleyJSON.encoder().encode(object)) ?? payload
    }
}
