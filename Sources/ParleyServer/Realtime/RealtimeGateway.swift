import Foundation
import Logging
import ParleyAPI
import ParleyCore
import ServiceLifecycle
import Synchronization

/// Fans committed events out to the real-time connections of their audience.
///
/// One task tails the store's event log (woken by commits, never polling) and hands each event,
/// in position order, to the connections of the users it concerns. Handing over never waits: each
/// connection has its own bounded queue, so a slow client cannot slow anyone else. Typing
/// indicators, which are not stored, come from the chat service's ``EventHub`` instead.
final class RealtimeGateway: Service, Sendable {
    private struct Registry {
        /// Open connections by user raw id, then connection id.
        var connections: [String: [String: RealtimeConnection]] = [:]
        /// The position of the last event handed to connections.
        var dispatched: Int64 = 0
        var count = 0
        /// Positions before this one are of a history a restored snapshot replaced: a client
        /// resuming from one reloads.
        var resyncFloor: Int64 = 0
    }

    let configuration: RealtimeConfiguration
    /// How often expired tokens are looked for.
    private let expirySweepInterval = Duration.seconds(1)
    /// How often events beyond the retention window are deleted.
    private let pruneInterval = Duration.seconds(600)
    private let store: any ParleyStore
    private let renderer: RealtimeEventRenderer
    private let ephemeral: EventHub
    private let clock: any WallClock
    private let logger: Logger
    private let registry = Mutex(Registry())

    /// - Parameters:
    ///   - startPosition: where tailing starts: the log's last position at start-up.
    ///   - resyncFloor: the position of the last snapshot restore, if any (positions before it
    ///     are of another history).
    init(
        store: any ParleyStore,
        renderer: RealtimeEventRenderer,
        ephemeral: EventHub,
        clock: any WallClock,
        configuration: RealtimeConfiguration,
        startPosition: Int64,
        resyncFloor: Int64 = 0,
        logger: Logger
    ) {
        self.store = store
        self.renderer = renderer
        self.ephemeral = ephemeral
        self.clock = clock
        self.configuration = configuration
        self.logger = logger
        registry.withLock { registry in
            registry.dispatched = startPosition
            registry.resyncFloor = resyncFloor
        }
    }

    // MARK: Service

    /// Connections are closed at shutdown by their channel handlers (1001), which the HTTP
    /// server asks to quiesce; the gateway only stops tailing.
    func run() async throws {
        let commits = store.commits.subscribe()
        let typing = ephemeral.subscribe()
        try await withThrowingDiscardingTaskGroup { group in
            group.addTask { try await self.tail(commits) }
            group.addTask { await self.forward(typing) }
            group.addTask { try await self.housekeeping() }
        }
    }

    /// Hands every committed event to its audience, in position order. A failed read is logged
    /// and retried at the next commit: the position only moves past delivered events.
    private func tail(_ commits: AsyncStream<Void>) async throws {
        await drainLogging()
        for await _ in commits.cancelOnGracefulShutdown() {
            await drainLogging()
        }
    }

    private func drainLogging() async {
        do {
            try await drain()
        } catch {
            logger.error("Reading the event log failed; retrying at the next commit: \(error)")
        }
    }

    /// Dispatches every event after the last dispatched one, a page at a time. Only events
    /// someone connected hears of are rendered (most sends have no listener when clients poll).
    func drain() async throws {
        let page = 512
        while true {
            // Nobody to tell: read nothing. The first connection to open moves the position to
            // the end of the log (see ``open(_:id:)``).
            if registry.withLock({ $0.count == 0 }) { return }
            let after = registry.withLock { $0.dispatched }
            let events = try await store.events(after: after, limit: page)
            guard !events.isEmpty else { return }
            for recorded in events {
                switch recorded.event.kind {
                case .userTokensRevoked: await closeRevoked(recorded.event.subject)
                case .userDeleted: close(recorded.event.subject, .userDeleted)
                default: break
                }
            }
            let heard = registry.withLock { registry in events.filter { Self.hasListeners($0.event, in: registry) } }
            var deliveries: [Int64: RealtimeEventRenderer.Delivery?] = [:]
            do {
                for (recorded, delivery) in zip(heard, try await renderer.render(heard)) { deliveries[recorded.position] = delivery }
            } catch {
                logger.error("Could not render events \(events.first?.position ?? 0)–\(events.last?.position ?? 0): \(error)")
                for recorded in heard { deliveries[recorded.position] = .some(nil) }
            }
            for recorded in events {
                // A listener connected since the check: read the page again from here.
                guard dispatch(recorded, rendered: deliveries[recorded.position]) else { break }
            }
            if events.count < page, registry.withLock({ $0.dispatched }) == events.last?.position { return }
        }
    }

    /// Hands one event to its audience's connections and moves the position past it. Returns
    /// false, moving nothing, when the event was not rendered but now has listeners.
    private func dispatch(_ recorded: RecordedEvent, rendered: RealtimeEventRenderer.Delivery??) -> Bool {
        // Moving the position and picking the connections happen together, so a connection
        // opening meanwhile either gets the event here or replays it from the log.
        let targets = registry.withLock { registry -> [RealtimeConnection]? in
            guard let rendered else {
                if Self.hasListeners(recorded.event, in: registry) { return nil }
                registry.dispatched = recorded.position
                return []
            }
            registry.dispatched = recorded.position
            return rendered.map { Self.connections(of: $0.audience, in: registry) } ?? []
        }
        guard let targets else { return false }
        if let frame = rendered??.frame {
            for connection in targets where connection.identity.hearsChat { connection.enqueue(frame) }
        }
        return true
    }

    private static func hasListeners(_ event: DomainEvent, in registry: Registry) -> Bool {
        event.chat?.audience.contains { registry.connections[$0] != nil } ?? false
    }

    /// Forwards typing indicators (not stored, so never replayed) to connections open now.
    private func forward(_ typing: AsyncStream<DomainEvent>) async {
        for await event in typing.cancelOnGracefulShutdown() {
            guard let delivery = try? await renderer.render(event, position: nil) else { continue }
            let targets = registry.withLock { Self.connections(of: delivery.audience, in: $0) }
            for connection in targets where connection.identity.hearsChat { connection.enqueue(delivery.frame) }
        }
    }

    private static func connections(of audience: [String], in registry: Registry) -> [RealtimeConnection] {
        audience.flatMap { registry.connections[$0].map { Array($0.values) } ?? [] }
    }

    // MARK: Connections

    /// Registers a connection; events dispatched from now on are queued for it. Returns the
    /// last position dispatched before it: older events come from ``replay(to:after:upTo:send:)``.
    func register(_ connection: RealtimeConnection) async throws -> Int64 {
        // While nobody was connected the tail read nothing: events up to the end of the log as
        // read here need no delivery (the connection replays what it asks for); later ones are
        // dispatched to it, as it is registered before the tail is woken.
        let last = registry.withLock { $0.count == 0 } ? try await store.eventLogBounds()?.last : nil
        let dispatched = registry.withLock { registry in
            if let last, registry.count == 0 { registry.dispatched = max(registry.dispatched, last) }
            registry.connections[connection.identity.rawId, default: [:]][connection.id] = connection
            registry.count += 1
            return registry.dispatched
        }
        store.commits.notify()
        ParleyMetrics.recordRealtimeConnections(openConnectionCount)
        return dispatched
    }

    func remove(_ connection: RealtimeConnection) {
        registry.withLock { registry in
            if registry.connections[connection.identity.rawId]?.removeValue(forKey: connection.id) != nil { registry.count -= 1 }
            if registry.connections[connection.identity.rawId]?.isEmpty == true {
                registry.connections.removeValue(forKey: connection.identity.rawId)
            }
        }
        ParleyMetrics.recordRealtimeConnections(openConnectionCount)
    }

    var openConnectionCount: Int { registry.withLock { $0.count } }

    /// What a connection resuming after `position` gets before live events.
    enum Resumption: Equatable {
        /// Replay the events in `(after, upTo]`.
        case replay(after: Int64, upTo: Int64)
        /// Nothing to replay.
        case live
        /// The position is not held (pruned, or not from this server): reload through REST.
        case resync(reason: String)
    }

    /// How a connection that last saw `position` catches up, given what was `dispatched` when
    /// it opened.
    func resumption(after position: Int64, dispatched: Int64) async throws -> Resumption {
        let floor = registry.withLock { $0.resyncFloor }
        if position < floor {
            return .resync(reason: "The server's data was restored from a snapshot after position \(position).")
        }
        let bounds = try await store.eventLogBounds()
        if position >= dispatched {
            guard position == dispatched || (bounds.map { position <= $0.last } ?? false) else {
                return .resync(reason: "Position \(position) is ahead of this server's event log.")
            }
            return .live
        }
        guard let bounds, position + 1 >= bounds.first else {
            return .resync(reason: "Events after position \(position) are older than the retention window.")
        }
        return .replay(after: position, upTo: dispatched)
    }

    /// Sends the events in `(after, upTo]` that `connection` is in the audience of, in order,
    /// a page at a time.
    func replay(
        to connection: RealtimeConnection,
        after: Int64,
        upTo: Int64,
        send: ([RealtimeFrame]) async throws -> Void
    ) async throws {
        guard connection.identity.hearsChat else { return }
        var cursor = after
        while cursor < upTo {
            let page = try await store.events(after: cursor, limit: 256)
            guard let last = page.last?.position else { return }
            cursor = last
            let mine = page.filter { $0.position <= upTo && $0.event.chat?.audience.contains(connection.identity.rawId) == true }
            try await send(try await renderer.render(mine).compactMap { $0?.frame })
        }
    }

    // MARK: Closing

    /// Closes connections whose token has expired by now.
    func closeExpired() {
        let now = clock.now()
        let expired = registry.withLock { registry in
            registry.connections.values.flatMap(\.values).filter { $0.identity.expiresOn <= now }
        }
        for connection in expired { connection.requestClose(.tokenExpired) }
    }

    /// Closes the user's connections opened with tokens older than its current generation.
    private func closeRevoked(_ rawId: String) async {
        let current = (try? await store.user(rawId: rawId))?.tokenGeneration ?? Int.max
        let revoked = registry.withLock { $0.connections[rawId].map { Array($0.values) } ?? [] }
        for connection in revoked where (connection.identity.tokenGeneration ?? Int.max) < current {
            connection.requestClose(.tokenRevoked)
        }
    }

    private func close(_ rawId: String, _ code: RealtimeCloseCode) {
        let connections = registry.withLock { $0.connections[rawId].map { Array($0.values) } ?? [] }
        for connection in connections { connection.requestClose(code) }
    }

    /// Closes every connection with `code`, after the frames already waiting for it (the calls
    /// a restore ended tell their parties first); returns how many.
    @discardableResult
    func closeAll(_ code: RealtimeCloseCode) -> Int {
        let all = registry.withLock { $0.connections.values.flatMap(\.values) }
        for connection in all { connection.requestClose(code, afterQueuedFrames: true) }
        return all.count
    }

    // MARK: Development tools

    /// Drops the user's connections: with `code`, or with no close frame at all (a lost network).
    /// Returns how many.
    func drop(_ rawId: String, code: RealtimeCloseCode?) -> Int {
        let connections = registry.withLock { $0.connections[rawId].map { Array($0.values) } ?? [] }
        for connection in connections { Self.drop(connection, code) }
        return connections.count
    }

    /// Drops the connection a call endpoint is registered on; false when it has none now.
    func dropEndpoint(_ endpointId: String, code: RealtimeCloseCode?) -> Bool {
        let connection = registry.withLock { registry in
            registry.connections.values.lazy.flatMap(\.values).first { $0.callSession?.endpointId == endpointId }
        }
        guard let connection else { return false }
        Self.drop(connection, code)
        return true
    }

    private static func drop(_ connection: RealtimeConnection, _ code: RealtimeCloseCode?) {
        if let code { connection.requestClose(code) } else { connection.abort() }
    }

    /// A snapshot replaced the store, and appended its marker at `position`: the connections
    /// close (4009), and clients resuming from before the marker reload. Returns how many
    /// connections closed.
    @discardableResult
    func restored(at position: Int64) -> Int {
        registry.withLock { registry in
            registry.dispatched = position
            registry.resyncFloor = position
        }
        return closeAll(.stateRestored)
    }

    // MARK: Housekeeping

    /// Deletes events older than the retention window; returns how many.
    @discardableResult
    func pruneEvents() async throws -> Int {
        let cutoff = clock.now().addingTimeInterval(-TimeInterval(configuration.retentionSeconds))
        var total = 0
        while true {
            let deleted = try await store.pruneEvents(before: cutoff, limit: 10_000)
            total += deleted
            if deleted < 10_000 { return total }
        }
    }

    private func housekeeping() async throws {
        var sincePrune = Duration.zero
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            try await Task.sleep(for: expirySweepInterval)
            closeExpired()
            sincePrune += expirySweepInterval
            if sincePrune >= pruneInterval {
                sincePrune = .zero
                do {
                    try await pruneEvents()
                } catch {
                    logger.error("Pruning the event log failed: \(error)")
                }
            }
        }
    }
}
