import Foundation
import ParleyAPI
import ParleyCore
import ParleySQLite
import Synchronization

/// A webhook endpoint for domain tests: answers each request as `respond` says, and keeps every
/// request it got. (The real HTTP client and receivers are exercised by the conformance suite.)
final class ScriptedEndpoint: WebhookTransport {
    private struct State {
        var requests: [WebhookRequest] = []
        var respond: @Sendable (WebhookRequest) -> WebhookResponse = { _ in WebhookResponse(status: 200) }
    }
    private let state = Mutex(State())

    /// Answers from now on.
    func answer(_ respond: @escaping @Sendable (WebhookRequest) -> WebhookResponse) {
        state.withLock { $0.respond = respond }
    }

    /// Answers every delivery with `status` (the validation handshakes are echoed, as a receiver does).
    func answer(status: Int) {
        answer { request in Self.handshake(request) ?? WebhookResponse(status: status) }
    }

    func send(_ request: WebhookRequest) async -> WebhookResponse {
        state.withLock { state in
            state.requests.append(request)
            return state.respond(request)
        }
    }

    var requests: [WebhookRequest] { state.withLock { $0.requests } }

    /// Deliveries only (not handshakes).
    var deliveries: [WebhookRequest] {
        requests.filter { $0.header(EventGridHeaders.eventType) == EventGridHeaders.notification }
    }

    /// The events of every delivery so far, in the order received.
    var events: [[String: JSONValue]] {
        deliveries.flatMap { request -> [[String: JSONValue]] in
            guard let value = try? JSONDecoder().decode(JSONValue.self, from: request.body) else { return [] }
            switch value {
            case .array(let items): return items.compactMap(\.objectValue)
            case .object(let object): return [object]
            default: return []
            }
        }
    }

    func forget() { state.withLock { $0.requests.removeAll() } }

    /// The answer of a receiver that validates at once: the code echoed, the origin granted.
    static func handshake(_ request: WebhookRequest) -> WebhookResponse? {
        if request.method == .options {
            return WebhookResponse(status: 200, headers: [(EventGridHeaders.allowedOrigin, request.header(EventGridHeaders.requestOrigin) ?? "")])
        }
        guard request.header(EventGridHeaders.eventType) == EventGridHeaders.subscriptionValidation,
            let events = try? JSONDecoder().decode([EventGridEvent<SubscriptionValidationEventData>].self, from: request.body),
            let code = events.first?.data.validationCode
        else { return nil }
        return WebhookResponse(status: 200, body: try! JSONEncoder().encode(SubscriptionValidationResponse(validationResponse: code)))
    }
}

/// Dead letters kept in memory.
final class CollectedDeadLetters: DeadLetterSink {
    private let documents = Mutex<[[String: JSONValue]]>([])

    func write(_ events: [Data], subscription: EventSubscription, resourceName: String, at time: Date) async throws {
        let decoded = events.compactMap { try? JSONDecoder().decode([String: JSONValue].self, from: $0) }
        documents.withLock { $0 += decoded }
    }

    var all: [[String: JSONValue]] { documents.withLock { $0 } }
}

/// Jitter fixed at one value.
struct FixedRandom: RandomSource {
    var value: Double
    func unit() -> Double { value }
}

/// Subscriptions, a deliverer and a scripted endpoint over a real (in-memory or file) store
/// with a manual clock.
struct EventsHarness {
    static let owner = "node-a"
    let fixture: CoreFixture
    let endpoint = ScriptedEndpoint()
    let deadLetters = CollectedDeadLetters()
    let service: EventSubscriptionService
    let renderer: CommunicationEventRenderer
    let policy: DeliveryPolicy
    let contexts: IncomingCallContextSigner

    init(path: String? = nil, allowPlainHttp: Bool = false, jitter: Double = 0) async throws {
        try await self.init(fixture: try await CoreFixture(path: path), allowPlainHttp: allowPlainHttp, jitter: jitter)
    }

    init(fixture: CoreFixture, allowPlainHttp: Bool = false, jitter: Double = 0) async throws {
        self.fixture = fixture
        endpoint.answer(status: 200)
        service = EventSubscriptionService(
            store: fixture.store,
            clock: fixture.clock,
            transport: endpoint,
            tokens: WebhookTokenIssuer(signIn: fixture.orgSignIn, baseURL: { "https://parley.test/" }),
            allowPlainHttp: allowPlainHttp,
            validationURL: { id, code in "https://parley.test/eventGrid/validate?id=\(id)&code=\(code)" }
        )
        contexts = await IncomingCallContextSigner(secret: "context-key")
        renderer = CommunicationEventRenderer(identity: EventIdentity(namespace: "test"), contexts: contexts)
        policy = DeliveryPolicy(random: FixedRandom(value: jitter))
    }

    var resource: CommunicationResource { fixture.resource }

    /// A validated subscription of the fixture's resource, leased to ``owner``.
    @discardableResult
    func subscribe(
        _ name: String = "sub",
        schema: EventDeliverySchema = .eventGrid,
        _ change: (inout EventSubscriptionDefinition) -> Void = { _ in }
    ) async throws -> EventSubscription {
        var definition = EventSubscriptionDefinition(endpointUrl: "https://receiver.test/hook", schema: schema)
        change(&definition)
        let subscription = try await service.create(name, of: resource, definition: definition)
        try await lease()
        return subscription
    }

    func lease(_ owner: String = EventsHarness.owner) async throws {
        let now = fixture.clock.now()
        _ = try await fixture.store.leaseSubscriptions(owner: owner, now: now, until: now.addingTimeInterval(3600))
    }

    func deliverer(
        for subscription: EventSubscription,
        owner: String = EventsHarness.owner,
        concurrency: Int = 8,
        progressInterval: TimeInterval = 0
    ) -> SubscriptionDeliverer {
        SubscriptionDeliverer(
            subscriptionId: subscription.id,
            owner: owner,
            resourceName: resource.name,
            topic: EventSubscriptionService.topic(of: resource),
            store: fixture.store,
            renderer: renderer,
            transport: endpoint,
            policy: policy,
            clock: fixture.clock,
            sink: deadLetters,
            tokens: WebhookTokenIssuer(signIn: fixture.orgSignIn, baseURL: { "https://parley.test/" }),
            configuration: .init(concurrency: concurrency, progressInterval: progressInterval)
        )
    }

    /// Passes until the deliverer has nothing more to do now.
    @discardableResult
    func drain(_ deliverer: SubscriptionDeliverer) async throws -> SubscriptionDeliverer.Next {
        for _ in 0..<100 {
            let next = try await deliverer.pass()
            if next != .again { return next }
        }
        return .again
    }

    func stored(_ subscription: EventSubscription) async throws -> EventSubscription {
        try require(try await fixture.store.subscription(id: subscription.id), "subscription")
    }
}

extension [String: JSONValue] {
    var eventType: String? { self["eventType"]?.stringValue ?? self["type"]?.stringValue }
    var data: [String: JSONValue] { self["data"]?.objectValue ?? [:] }
}

/// `#require` for use in non-throwing helpers.
func require<T>(_ value: T?, _ what: String = "value") throws -> T {
    guard let value else { throw ParleyError(.internal, "missing \(what)") }
    return value
}
