import Foundation
import GRDB
import ParleyCore

extension SQLiteParleyStore {
    // MARK: Subscriptions

    public func insertSubscription(_ subscription: EventSubscription, event: DomainEvent) async throws {
        let definition = try Self.json(subscription.definition)
        try await writer.write { db in
            if try db.fetchOne(
                Bool.self,
                cached: "SELECT 1 FROM event_subscriptions WHERE resource_id = ? AND name = ?",
                arguments: [subscription.resourceId.uuidString.lowercased(), subscription.name]
            ) == true {
                throw ParleyError(.conflict, "The resource already has an event subscription named '\(subscription.name)'.", target: "name")
            }
            try db.execute(
                cached: """
                    INSERT INTO event_subscriptions
                        (id, resource_id, name, definition, state, validation_code, validation_expires_at, cursor, created_at, updated_at)
                    VALUES (?, ?, ?, ?, ?, ?, ?, (SELECT coalesce(max(position), 0) FROM domain_events), ?, ?)
                    """,
                arguments: [
                    subscription.id.uuidString.lowercased(), subscription.resourceId.uuidString.lowercased(), subscription.name, definition,
                    subscription.state.rawValue, subscription.validationCode, subscription.validationExpiresAt.map(Self.millis),
                    Self.millis(subscription.createdAt), Self.millis(subscription.updatedAt),
                ]
            )
            try Self.append(event, to: db)
        }
    }

    public func updateDefinition(
        of id: UUID,
        to definition: EventSubscriptionDefinition,
        at time: Date,
        event: DomainEvent
    ) async throws -> EventSubscription? {
        let text = try Self.json(definition)
        return try await writer.write { db in
            try db.execute(
                cached: "UPDATE event_subscriptions SET definition = ?, updated_at = ? WHERE id = ?",
                arguments: [text, Self.millis(time), id.uuidString.lowercased()]
            )
            guard db.changesCount == 1 else { return nil }
            try Self.append(event, to: db)
            return try Self.subscription(id: id, db)
        }
    }

    public func beginValidation(of id: UUID, code: String, expiresAt: Date, pendingDefinition: EventSubscriptionDefinition?) async throws -> Bool {
        let pending = try pendingDefinition.map(Self.json)
        return try await writer.write { db in
            try db.execute(
                cached: "UPDATE event_subscriptions SET validation_code = ?, validation_expires_at = ?, pending_definition = ? WHERE id = ?",
                arguments: [code, Self.millis(expiresAt), pending, id.uuidString.lowercased()]
            )
            return db.changesCount == 1
        }
    }

    public func resolveValidation(
        of id: UUID,
        code: String,
        outcome: ValidationOutcome,
        at time: Date,
        event: DomainEvent
    ) async throws -> ValidationResolution {
        try await writer.write { db in
            guard let current = try Self.subscription(id: id, db), current.validationCode == code else { return .stale }
            let key = id.uuidString.lowercased()
            let now = Self.millis(time)
            switch outcome {
            case .validated:
                // Activation: the subscription receives what commits from now on.
                let activate = current.state != .succeeded
                try db.execute(
                    cached: """
                        UPDATE event_subscriptions SET state = 'Succeeded', definition = coalesce(pending_definition, definition),
                            pending_definition = NULL, validation_code = NULL, validation_expires_at = NULL, updated_at = ?,
                            cursor = CASE WHEN ? THEN (SELECT coalesce(max(position), 0) FROM domain_events) ELSE cursor END
                        WHERE id = ?
                        """,
                    arguments: [now, activate, key]
                )
            case .awaitingManualAction(let until):
                try db.execute(
                    cached: """
                        UPDATE event_subscriptions SET state = 'AwaitingManualAction', definition = coalesce(pending_definition, definition),
                            pending_definition = NULL, validation_expires_at = ?, updated_at = ?
                        WHERE id = ?
                        """,
                    arguments: [Self.millis(until), now, key]
                )
            case .failed:
                if current.state == .creating {
                    try db.execute(cached: "DELETE FROM event_subscriptions WHERE id = ?", arguments: [key])
                    try Self.append(event, to: db)
                    return .applied(nil)
                }
                try db.execute(
                    cached: """
                        UPDATE event_subscriptions SET pending_definition = NULL, validation_code = NULL, validation_expires_at = NULL
                        WHERE id = ?
                        """,
                    arguments: [key]
                )
                return .applied(try Self.subscription(id: id, db))
            }
            try Self.append(event, to: db)
            return .applied(try Self.subscription(id: id, db))
        }
    }

    public func deleteSubscription(id: UUID, event: DomainEvent) async throws -> Bool {
        try await writer.write { db in
            try db.execute(cached: "DELETE FROM event_retries WHERE subscription_id = ?", arguments: [id.uuidString.lowercased()])
            try db.execute(cached: "DELETE FROM event_subscriptions WHERE id = ?", arguments: [id.uuidString.lowercased()])
            guard db.changesCount == 1 else { return false }
            try Self.append(event, to: db)
            return true
        }
    }

    public func subscription(id: UUID) async throws -> EventSubscription? {
        try await database.read { db in try Self.subscription(id: id, db) }
    }

    public func subscription(resourceId: UUID, name: String) async throws -> EventSubscription? {
        try await database.read { db in
            try db.fetchOneRow(
                cached: "SELECT * FROM event_subscriptions WHERE resource_id = ? AND name = ?",
                arguments: [resourceId.uuidString.lowercased(), name]
            ).map(Self.subscription(from:))
        }
    }

    public func subscriptions(resourceId: UUID?) async throws -> [EventSubscription] {
        try await database.read { db in
            if let resourceId {
                return try db.fetchAllRows(
                    cached: "SELECT * FROM event_subscriptions WHERE resource_id = ? ORDER BY name",
                    arguments: [resourceId.uuidString.lowercased()]
                ).map(Self.subscription(from:))
            }
            return try db.fetchAllRows(cached: "SELECT * FROM event_subscriptions ORDER BY resource_id, name").map(Self.subscription(from:))
        }
    }

    public func failExpiredValidations(
        at now: Date,
        event: @escaping @Sendable (EventSubscription) -> DomainEvent
    ) async throws -> [EventSubscription] {
        try await writer.write { db in
            let expired = try db.fetchAllRows(
                cached: """
                    SELECT * FROM event_subscriptions
                    WHERE state IN ('AwaitingManualAction', 'Creating') AND validation_expires_at <= ?
                    """,
                arguments: [Self.millis(now)]
            ).map(Self.subscription(from:))
            var failed: [EventSubscription] = []
            for var subscription in expired {
                try db.execute(
                    cached: """
                        UPDATE event_subscriptions SET state = 'Failed', validation_code = NULL, validation_expires_at = NULL,
                            pending_definition = NULL, updated_at = ?
                        WHERE id = ?
                        """,
                    arguments: [Self.millis(now), subscription.id.uuidString.lowercased()]
                )
                try Self.append(event(subscription), to: db)
                subscription.state = .failed
                failed.append(subscription)
            }
            return failed
        }
    }

    // MARK: Delivery

    public func leaseSubscriptions(owner: String, now: Date, until: Date) async throws -> [EventSubscription] {
        try await writer.write { db in
            try db.execute(
                cached: """
                    UPDATE event_subscriptions SET lease_owner = ?, lease_expires_at = ?
                    WHERE state = 'Succeeded' AND (lease_owner IS NULL OR lease_owner = ? OR lease_expires_at <= ?)
                    """,
                arguments: [owner, Self.millis(until), owner, Self.millis(now)]
            )
            return try db.fetchAllRows(
                cached: "SELECT * FROM event_subscriptions WHERE state = 'Succeeded' AND lease_owner = ? ORDER BY id",
                arguments: [owner]
            ).map(Self.subscription(from:))
        }
    }

    public func dueRetries(of subscriptionId: UUID, at now: Date, limit: Int) async throws -> [PendingDelivery] {
        try await database.read { db in
            try db.fetchAllRows(
                cached: """
                    SELECT * FROM event_retries WHERE subscription_id = ? AND next_attempt_at <= ?
                    ORDER BY position, event_id LIMIT ?
                    """,
                arguments: [subscriptionId.uuidString.lowercased(), Self.millis(now), limit]
            ).map(Self.pendingDelivery(from:))
        }
    }

    public func nextRetry(of subscriptionId: UUID) async throws -> Date? {
        try await database.read { db in
            try db.fetchOne(
                Int64.self,
                cached: "SELECT min(next_attempt_at) FROM event_retries WHERE subscription_id = ?",
                arguments: [subscriptionId.uuidString.lowercased()]
            ).map(Self.date)
        }
    }

    public func retryCount(of subscriptionId: UUID) async throws -> Int {
        try await database.read { db in
            try db.fetchOne(
                Int.self,
                cached: "SELECT count(*) FROM event_retries WHERE subscription_id = ?",
                arguments: [subscriptionId.uuidString.lowercased()]
            )
                ?? 0
        }
    }

    public func recordDeliveries(_ report: DeliveryReport) async throws {
        try await writer.write { db in
            let key = report.subscriptionId.uuidString.lowercased()
            guard
                try db.fetchOne(
                    String.self,
                    cached: "SELECT lease_owner FROM event_subscriptions WHERE id = ?",
                    arguments: [key]
                ) == report.leaseOwner
            else { throw DeliveryLeaseLost() }
            if let cursor = report.cursor {
                try db.execute(cached: "UPDATE event_subscriptions SET cursor = max(cursor, ?) WHERE id = ?", arguments: [cursor, key])
            }
            for eventId in report.removed {
                try db.execute(cached: "DELETE FROM event_retries WHERE subscription_id = ? AND event_id = ?", arguments: [key, eventId])
            }
            for retry in report.retries {
                try db.execute(
                    cached: """
                        INSERT INTO event_retries
                            (subscription_id, event_id, position, payload, published_at, attempts, next_attempt_at, last_outcome, last_status, last_attempt_at)
                        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                        ON CONFLICT (subscription_id, event_id) DO UPDATE SET
                            attempts = excluded.attempts, next_attempt_at = excluded.next_attempt_at, last_outcome = excluded.last_outcome,
                            last_status = excluded.last_status, last_attempt_at = excluded.last_attempt_at
                        """,
                    arguments: [
                        key, retry.eventId, retry.position, retry.payload, Self.millis(retry.publishedAt), retry.attempts,
                        Self.millis(retry.nextAttemptAt), retry.lastOutcome.rawValue, retry.lastStatus, retry.lastAttemptAt.map(Self.millis),
                    ]
                )
            }
            if let health = report.health {
                try db.execute(
                    cached: """
                        UPDATE event_subscriptions SET probation_until = ?, consecutive_failures = ?, last_outcome = ?, last_attempt_at = ?
                        WHERE id = ?
                        """,
                    arguments: [
                        health.probationUntil.map(Self.millis), health.consecutiveFailures, health.lastOutcome.rawValue,
                        Self.millis(health.lastAttemptAt), key,
                    ]
                )
            }
            if let at = report.retryAllAt {
                try db.execute(
                    cached: "UPDATE event_retries SET next_attempt_at = ? WHERE subscription_id = ? AND next_attempt_at > ?",
                    arguments: [Self.millis(at), key, Self.millis(at)]
                )
            }
        }
    }

    // MARK: Rows

    private static func subscription(id: UUID, _ db: Database) throws -> EventSubscription? {
        try db.fetchOneRow(cached: "SELECT * FROM event_subscriptions WHERE id = ?", arguments: [id.uuidString.lowercased()])
            .map(subscription(from:))
    }

    private static func subscription(from row: Row) throws -> EventSubscription {
        guard let id = UUID(uuidString: row["id"]), let resourceId = UUID(uuidString: row["resource_id"]),
            let state = EventSubscription.State(rawValue: row["state"])
        else { throw ParleyError(.internal, "Stored event subscription is malformed.") }
        let decoder = JSONDecoder()
        let pending: String? = row["pending_definition"]
        return EventSubscription(
            id: id,
            resourceId: resourceId,
            name: row["name"],
            definition: try decoder.decode(EventSubscriptionDefinition.self, from: Data((row["definition"] as String).utf8)),
            state: state,
            validationCode: row["validation_code"],
            validationExpiresAt: (row["validation_expires_at"] as Int64?).map(date),
            pendingDefinition: try pending.map { try decoder.decode(EventSubscriptionDefinition.self, from: Data($0.utf8)) },
            createdAt: date(row["created_at"]),
            updatedAt: date(row["updated_at"]),
            delivery: DeliveryState(
                cursor: row["cursor"],
                probationUntil: (row["probation_until"] as Int64?).map(date),
                consecutiveFailures: row["consecutive_failures"],
                lastOutcome: (row["last_outcome"] as String?).flatMap(DeliveryOutcome.init(rawValue:)),
                lastAttemptAt: (row["last_attempt_at"] as Int64?).map(date),
                leaseOwner: row["lease_owner"],
                leaseExpiresAt: (row["lease_expires_at"] as Int64?).map(date)
            )
        )
    }

    private static func pendingDelivery(from row: Row) -> PendingDelivery {
        PendingDelivery(
            eventId: row["event_id"],
            position: row["position"],
            payload: row["payload"],
            publishedAt: date(row["published_at"]),
            attempts: row["attempts"],
            nextAttemptAt: date(row["next_attempt_at"]),
            lastOutcome: DeliveryOutcome(rawValue: row["last_outcome"]) ?? .genericError,
            lastStatus: row["last_status"],
            lastAttemptAt: (row["last_attempt_at"] as Int64?).map(date)
        )
    }

    private static func json(_ definition: EventSubscriptionDefinition) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        return String(decoding: try encoder.encode(definition), as: UTF8.self)
    }
}
