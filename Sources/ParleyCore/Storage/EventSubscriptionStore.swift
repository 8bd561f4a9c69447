import Foundation

/// The event subscriptions part of the store: the subscriptions, their cursors over the event
/// log, and the events waiting for a retry. Methods are atomic; the delivery methods take the
/// node that holds the subscription's lease, so that only one node delivers a subscription
/// (PostgreSQL: a lease column updated under `FOR UPDATE SKIP LOCKED`).
public protocol EventSubscriptionStore: Sendable {
    /// Inserts a subscription; throws ``ParleyError/Code/conflict`` if its resource has one of
    /// that name.
    func insertSubscription(_ subscription: EventSubscription, event: DomainEvent) async throws
    /// Replaces the subscription's definition (no handshake needed); returns the stored
    /// subscription, or nil if it does not exist.
    func updateDefinition(
        of id: UUID,
        to definition: EventSubscriptionDefinition,
        at time: Date,
        event: DomainEvent
    ) async throws -> EventSubscription?
    /// Starts a validation handshake: the code it carries, until when a manual validation is
    /// accepted, and the definition that takes effect once validated (nil: the current one).
    /// Returns false if the subscription does not exist.
    func beginValidation(of id: UUID, code: String, expiresAt: Date, pendingDefinition: EventSubscriptionDefinition?) async throws -> Bool
    /// Ends the validation that carried `code`, if it is still the pending one (else `.stale`):
    /// validated, the subscription succeeds with its pending definition and, if it was not
    /// active, its cursor moves to the end of the event log (it receives what commits from now
    /// on); awaiting manual action, it waits with its pending definition; failed, a subscription
    /// being created is deleted and one being updated stays as it was.
    func resolveValidation(
        of id: UUID,
        code: String,
        outcome: ValidationOutcome,
        at time: Date,
        event: DomainEvent
    ) async throws -> ValidationResolution
    /// Deletes the subscription and its waiting retries; returns whether it existed.
    func deleteSubscription(id: UUID, event: DomainEvent) async throws -> Bool
    func subscription(id: UUID) async throws -> EventSubscription?
    func subscription(resourceId: UUID, name: String) async throws -> EventSubscription?
    /// The resource's subscriptions (every one when nil), by name.
    func subscriptions(resourceId: UUID?) async throws -> [EventSubscription]
    /// Subscriptions awaiting manual validation whose window has closed become failed; returns them.
    func failExpiredValidations(at now: Date, event: @escaping @Sendable (EventSubscription) -> DomainEvent) async throws -> [EventSubscription]

    // MARK: Delivery

    /// Takes (or renews) the lease of every succeeded subscription that nobody else holds
    /// unexpired, for `owner` until `until`; returns the subscriptions `owner` now holds.
    func leaseSubscriptions(owner: String, now: Date, until: Date) async throws -> [EventSubscription]
    /// Retries of the subscription due at `now`, oldest event first.
    func dueRetries(of subscriptionId: UUID, at now: Date, limit: Int) async throws -> [PendingDelivery]
    /// When the subscription's next retry is due, if it has any.
    func nextRetry(of subscriptionId: UUID) async throws -> Date?
    func retryCount(of subscriptionId: UUID) async throws -> Int
    /// Records what a delivery pass did, in one transaction. Throws ``DeliveryLeaseLost`` (and
    /// changes nothing) unless `report.leaseOwner` holds the subscription.
    func recordDeliveries(_ report: DeliveryReport) async throws
}

/// How a validation handshake ended.
public enum ValidationOutcome: Sendable, Equatable {
    case validated
    case awaitingManualAction(until: Date)
    case failed
}

public enum ValidationResolution: Sendable, Equatable {
    /// Applied; the subscription as it now is (nil: deleted).
    case applied(EventSubscription?)
    /// Another validation (or a manual one) got there first, or the subscription is gone.
    case stale
}

/// A delivery pass ran on a node that no longer holds the subscription.
public struct DeliveryLeaseLost: Error, Sendable {
    public init() {}
}

/// An event that failed at least once and waits for its next attempt, as it was rendered for
/// the subscription (so it no longer needs the event log).
public struct PendingDelivery: Sendable, Equatable {
    public var eventId: String
    public var position: Int64
    /// The event (one JSON object, in the subscription's schema).
    public var payload: Data
    public var publishedAt: Date
    public var attempts: Int
    public var nextAttemptAt: Date
    public var lastOutcome: DeliveryOutcome
    public var lastStatus: Int?
    public var lastAttemptAt: Date?

    public init(
        eventId: String,
        position: Int64,
        payload: Data,
        publishedAt: Date,
        attempts: Int,
        nextAttemptAt: Date,
        lastOutcome: DeliveryOutcome,
        lastStatus: Int?,
        lastAttemptAt: Date?
    ) {
        self.eventId = eventId
        self.position = position
        self.payload = payload
        self.publishedAt = publishedAt
        self.attempts = attempts
        self.nextAttemptAt = nextAttemptAt
        self.lastOutcome = lastOutcome
        self.lastStatus = lastStatus
        self.lastAttemptAt = lastAttemptAt
    }
}

/// What one delivery pass changed.
public struct DeliveryReport: Sendable, Equatable {
    public struct Health: Sendable, Equatable {
        public var probationUntil: Date?
        public var consecutiveFailures: Int
        public var lastOutcome: DeliveryOutcome
        public var lastAttemptAt: Date
        public init(probationUntil: Date?, consecutiveFailures: Int, lastOutcome: DeliveryOutcome, lastAttemptAt: Date) {
            self.probationUntil = probationUntil
            self.consecutiveFailures = consecutiveFailures
            self.lastOutcome = lastOutcome
            self.lastAttemptAt = lastAttemptAt
        }
    }

    public var subscriptionId: UUID
    public var leaseOwner: String
    /// The new cursor (it only moves forward).
    public var cursor: Int64?
    /// Retries to insert or update (by event id).
    public var retries: [PendingDelivery] = []
    /// Retries done with (delivered or dead-lettered).
    public var removed: [String] = []
    public var health: Health?
    /// The endpoint recovered: every waiting retry becomes due at this time.
    public var retryAllAt: Date?

    public init(subscriptionId: UUID, leaseOwner: String) {
        self.subscriptionId = subscriptionId
        self.leaseOwner = leaseOwner
    }
}
