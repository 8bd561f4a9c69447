import Foundation
import ParleyAPI

/// An Event Grid-style event subscription of one communication resource: which events go where,
/// in which schema, with which retry policy. Its delivery progress (``DeliveryState``) is kept
/// beside it in the same store.
public struct EventSubscription: Sendable, Equatable {
    /// Event Grid's provisioning states, as far as they apply here.
    public enum State: String, Sendable, Codable, CaseIterable {
        /// The validation handshake is under way.
        case creating = "Creating"
        /// The endpoint answered the validation event without the code; a GET of the
        /// validation URL within the window activates the subscription.
        case awaitingManualAction = "AwaitingManualAction"
        /// Validated: events are delivered.
        case succeeded = "Succeeded"
        /// The validation window passed; nothing is delivered. Updating the subscription
        /// validates it again.
        case failed = "Failed"
    }

    public var id: UUID
    public var resourceId: UUID
    public var name: String
    public var definition: EventSubscriptionDefinition
    public var state: State
    /// The code of the pending validation handshake (``State/creating`` or awaiting manual action).
    public var validationCode: String?
    /// When manual validation is no longer accepted.
    public var validationExpiresAt: Date?
    /// The definition an update waiting for its validation will put in place.
    public var pendingDefinition: EventSubscriptionDefinition?
    public var createdAt: Date
    public var updatedAt: Date
    public var delivery: DeliveryState

    public init(
        id: UUID,
        resourceId: UUID,
        name: String,
        definition: EventSubscriptionDefinition,
        state: State,
        validationCode: String? = nil,
        validationExpiresAt: Date? = nil,
        pendingDefinition: EventSubscriptionDefinition? = nil,
        createdAt: Date,
        updatedAt: Date,
        delivery: DeliveryState = DeliveryState()
    ) {
        self.id = id
        self.resourceId = resourceId
        self.name = name
        self.definition = definition
        self.state = state
        self.validationCode = validationCode
        self.validationExpiresAt = validationExpiresAt
        self.pendingDefinition = pendingDefinition
        self.createdAt = createdAt
        self.updatedAt = updatedAt
        self.delivery = delivery
    }

    /// Subscription names, as Event Grid takes them: 3–64 letters, digits and hyphens.
    public static func isValidName(_ name: String) -> Bool {
        (3...64).contains(name.count)
            && name.unicodeScalars.allSatisfy { $0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0) || $0 == "-") }
    }
}

/// Where a subscription's events go and how: what the operator sets.
public struct EventSubscriptionDefinition: Sendable, Equatable, Codable {
    public var endpointUrl: String
    public var schema: EventDeliverySchema
    public var filter: EventFilter
    /// Events per delivery: 1 (no batching, the default) to 5,000.
    public var maxEventsPerBatch: Int
    /// The size a batch aims at (a single larger event still goes alone), 1–1,024 KB.
    public var preferredBatchSizeInKilobytes: Int
    public var deliveryHeaders: [DeliveryHeader]
    /// Deliver with a bearer token for an app registration (Event Grid's Entra-protected webhooks).
    public var entraAuthentication: EntraDeliveryAuthentication?
    /// 1–30, default 30.
    public var maxDeliveryAttempts: Int
    /// 1–1,440, default 1,440 (a day).
    public var eventTimeToLiveInMinutes: Int

    public init(
        endpointUrl: String,
        schema: EventDeliverySchema = .eventGrid,
        filter: EventFilter = EventFilter(),
        maxEventsPerBatch: Int = 1,
        preferredBatchSizeInKilobytes: Int = 64,
        deliveryHeaders: [DeliveryHeader] = [],
        entraAuthentication: EntraDeliveryAuthentication? = nil,
        maxDeliveryAttempts: Int = 30,
        eventTimeToLiveInMinutes: Int = 1440
    ) {
        self.endpointUrl = endpointUrl
        self.schema = schema
        self.filter = filter
        self.maxEventsPerBatch = maxEventsPerBatch
        self.preferredBatchSizeInKilobytes = preferredBatchSizeInKilobytes
        self.deliveryHeaders = deliveryHeaders
        self.entraAuthentication = entraAuthentication
        self.maxDeliveryAttempts = maxDeliveryAttempts
        self.eventTimeToLiveInMinutes = eventTimeToLiveInMinutes
    }
}

/// The envelope events are delivered in.
public enum EventDeliverySchema: String, Sendable, Codable, CaseIterable {
    case eventGrid = "EventGridSchema"
    case cloudEvents = "CloudEventSchemaV1_0"
}

/// A custom header sent with every delivery (Event Grid's static delivery attribute).
public struct DeliveryHeader: Sendable, Equatable, Codable {
    public var name: String
    public var value: String
    /// Secret values are never shown again (the admin API shows them as null).
    public var isSecret: Bool
    public init(name: String, value: String, isSecret: Bool = false) {
        self.name = name
        self.value = value
        self.isSecret = isSecret
    }
}

/// The app registration whose token deliveries carry: the receiver validates it as an Entra
/// access token of `tenantId` for `applicationIdOrUri`.
public struct EntraDeliveryAuthentication: Sendable, Equatable, Codable {
    public var tenantId: UUID
    public var applicationIdOrUri: String
    public init(tenantId: UUID, applicationIdOrUri: String) {
        self.tenantId = tenantId
        self.applicationIdOrUri = applicationIdOrUri
    }
}

/// How far a subscription's delivery has come, and how its endpoint has been doing.
public struct DeliveryState: Sendable, Equatable {
    /// Every event of the log up to here has been delivered, filtered out, dead-lettered or
    /// put aside for a retry.
    public var cursor: Int64
    /// No delivery is tried before this (the endpoint failed recently).
    public var probationUntil: Date?
    public var consecutiveFailures: Int
    public var lastOutcome: DeliveryOutcome?
    public var lastAttemptAt: Date?
    /// The node delivering this subscription, and until when it holds it.
    public var leaseOwner: String?
    public var leaseExpiresAt: Date?

    public init(
        cursor: Int64 = 0,
        probationUntil: Date? = nil,
        consecutiveFailures: Int = 0,
        lastOutcome: DeliveryOutcome? = nil,
        lastAttemptAt: Date? = nil,
        leaseOwner: String? = nil,
        leaseExpiresAt: Date? = nil
    ) {
        self.cursor = cursor
        self.probationUntil = probationUntil
        self.consecutiveFailures = consecutiveFailures
        self.lastOutcome = lastOutcome
        self.lastAttemptAt = lastAttemptAt
        self.leaseOwner = leaseOwner
        self.leaseExpiresAt = leaseExpiresAt
    }
}
