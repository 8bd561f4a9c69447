import Foundation
import Logging
import ParleyCore
import ServiceLifecycle
import Synchronization

/// Delivers every active event subscription this node holds (docs/events.md, "Delivery").
///
/// A supervisor takes and renews the subscriptions' leases in the store (one node delivers a
/// subscription), starts one task per subscription, fails manual validations whose window has
/// closed, and records the backlog metric. Each subscription's task runs its
/// ``SubscriptionDeliverer`` whenever something commits (woken, never polling) or a retry or the
/// end of a probation is due; a slow or dead endpoint only ever holds up its own task.
final class EventDeliveryService: Service, Sendable {
    private struct Worker: Sendable {
        let deliverer: SubscriptionDeliverer
        let wakeup: Wakeup
        let metrics: EventMetrics
    }

    /// How long a lease lasts; it is renewed every ``superviseInterval``.
    static let leaseDuration: TimeInterval = 30
    static let superviseInterval = Duration.seconds(5)

    private let store: any ParleyStore
    private let subscriptions: EventSubscriptionService
    private let renderer: CommunicationEventRenderer
    private let transport: WebhookHTTPTransport
    private let tokens: any DeliveryTokenIssuer
    private let sink: DeadLetterDirectory
    private let policy: DeliveryPolicy
    private let clock: any WallClock
    /// This node, as lease owner (kept in the data directory, so a restart takes its leases back at once).
    private let owner: String
    private let concurrency: Int
    private let logger: Logger
    /// Development mode's fault rules, which may strike deliveries (API `eventDelivery`).
    private let faults: FaultInjector?
    private let workers = Mutex<[UUID: Worker]>([:])
    private let supervisorWakeup = Wakeup()

    init(
        store: any ParleyStore,
        subscriptions: EventSubscriptionService,
        renderer: CommunicationEventRenderer,
        transport: WebhookHTTPTransport,
        tokens: any DeliveryTokenIssuer,
        sink: DeadLetterDirectory,
        policy: DeliveryPolicy,
        clock: any WallClock,
        owner: String,
        concurrency: Int,
        faults: FaultInjector? = nil,
        logger: Logger
    ) {
        self.store = store
        self.subscriptions = subscriptions
        self.renderer = renderer
        self.transport = transport
        self.tokens = tokens
        self.sink = sink
        self.policy = policy
        self.clock = clock
        self.owner = owner
        self.concurrency = concurrency
        self.faults = faults
        self.logger = logger
    }

    func run() async throws {
        let commits = store.commits.subscribe()
        let changes = subscriptions.changeNotifications.subscribe()
        await withDiscardingTaskGroup { group in
            group.addTask {
                for await _ in commits.cancelOnGracefulShutdown() { self.wakeWorkers() }
            }
            group.addTask {
                for await _ in changes.cancelOnGracefulShutdown() {
                    self.supervisorWakeup.wake()
                    self.wakeWorkers()
                }
            }
            while !Task.isCancelled && !Task.isShuttingDownGracefully {
                for (subscription, resourceName) in await supervise() {
                    let worker = makeWorker(subscription, resourceName: resourceName)
                    group.addTask { await self.work(subscription.id, worker) }
                }
                await withGracefulShutdownHandler {
                    await supervisorWakeup.wait(timeout: Self.superviseInterval)
                } onGracefulShutdown: {
                    self.supervisorWakeup.wake()
                }
            }
            group.cancelAll()
        }
        try? await transport.shutdown()
    }

    private func wakeWorkers() {
        for worker in workers.withLock({ Array($0.values) }) { worker.wakeup.wake() }
    }

    /// The development clock moved: retries, probations, times to live and validation windows
    /// that came due on the moved clock are handled now, not when real time gets there.
    func clockMoved() {
        supervisorWakeup.wake()
        wakeWorkers()
    }

    /// A snapshot replaced the store (development mode): every deliverer forgets what it read
    /// of the history that is gone and starts again from the restored cursors.
    func stateRestored() {
        for worker in workers.withLock({ Array($0.values) }) {
            worker.deliverer.forget()
            worker.wakeup.wake()
        }
        supervisorWakeup.wake()
    }

    /// One round of supervision; returns the subscriptions that need a task (leased, none yet).
    private func supervise() async -> [(EventSubscription, String)] {
        let now = clock.now()
        do {
            try await subscriptions.failExpiredValidations()
        } catch {
            logger.error("Failing expired validations failed: \(error)")
        }
        let leased: [EventSubscription]
        do {
            leased = try await store.leaseSubscriptions(owner: owner, now: now, until: now.addingTimeInterval(Self.leaseDuration))
        } catch {
            logger.error("Leasing event subscriptions failed: \(error)")
            return []
        }
        let last = (try? await store.eventLogBounds())?.last ?? 0
        var starting: [(EventSubscription, String)] = []
        for subscription in leased {
            if let worker = workers.withLock({ $0[subscription.id] }) {
                let retries = (try? await store.retryCount(of: subscription.id)) ?? 0
                worker.metrics.recordBacklog(retries + Int(max(0, last - subscription.delivery.cursor)))
                continue
            }
            guard let resource = try? await store.resource(immutableId: subscription.resourceId) else { continue }
            starting.append((subscription, resource.name))
        }
        return starting
    }

    private func makeWorker(_ subscription: EventSubscription, resourceName: String) -> Worker {
        let metrics = EventMetrics(resource: resourceName, subscription: subscription.name)
        let deliverer = SubscriptionDeliverer(
            subscriptionId: subscription.id,
            owner: owner,
            resourceName: resourceName,
            topic: EventSubscriptionService.topic(ofResourceNamed: resourceName),
            store: store,
            renderer: renderer,
            transport: faults.map {
                FaultingWebhookTransport(
                    base: transport,
                    faults: $0,
                    resource: [resourceName, subscription.resourceId.uuidString.lowercased()],
                    subscription: subscription.name
                )
            } ?? transport,
            policy: policy,
            clock: clock,
            sink: sink,
            tokens: tokens,
            observer: metrics,
            configuration: .init(concurrency: concurrency)
        )
        let worker = Worker(deliverer: deliverer, wakeup: Wakeup(), metrics: metrics)
        workers.withLock { $0[subscription.id] = worker }
        return worker
    }

    /// Delivers one subscription until it stops being active here, or the server stops.
    private func work(_ id: UUID, _ worker: Worker) async {
        defer { _ = workers.withLock { $0.removeValue(forKey: id) } }
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            do {
                switch try await worker.deliverer.pass() {
                case .stop:
                    return
                case .again:
                    await Task.yield()
                case .wait(let until):
                    let timeout = until.map { Duration.milliseconds(max(1, Int64($0.timeIntervalSince(clock.now()) * 1000))) }
                    await worker.wakeup.wait(timeout: timeout)
                }
            } catch is CancellationError {
                return
            } catch {
                logger.error("Delivering event subscription \(id) failed; trying again in a second: \(error)")
                await worker.wakeup.wait(timeout: .seconds(1))
            }
        }
    }
}
