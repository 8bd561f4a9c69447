/// Wire bodies of the event subscription part of the operator API,
/// `/admin/resources/{name}/eventSubscriptions…`: shaped after an Event Grid event subscription
/// (its ARM properties, without the `properties` wrappers).

/// `POST …/eventSubscriptions` (with `name`) and `PATCH …/eventSubscriptions/{name}` (without; the
/// sections given replace the current ones, field by field).
public struct EventSubscriptionRequest: Codable, Sendable, Equatable {
    public var name: String?
    public var destination: WebhookDestinationModel?
    /// `EventGridSchema` (default) or `CloudEventSchemaV1_0`.
    public var eventDeliverySchema: String?
    public var filter: EventSubscriptionFilterModel?
    public var retryPolicy: RetryPolicyModel?

    public init(
        name: String? = nil,
        destination: WebhookDestinationModel? = nil,
        eventDeliverySchema: String? = nil,
        filter: EventSubscriptionFilterModel? = nil,
        retryPolicy: RetryPolicyModel? = nil
    ) {
        self.name = name
        self.destination = destination
        self.eventDeliverySchema = eventDeliverySchema
        self.filter = filter
        self.retryPolicy = retryPolicy
    }
}

/// Where events go: a webhook.
public struct WebhookDestinationModel: Codable, Sendable, Equatable {
    /// `WebHook` (the only kind).
    public var endpointType: String?
    public var endpointUrl: String?
    public var maxEventsPerBatch: Int?
    public var preferredBatchSizeInKilobytes: Int?
    public var azureActiveDirectoryTenantId: String?
    public var azureActiveDirectoryApplicationIdOrUri: String?
    /// Custom delivery headers (`Static` only).
    public var deliveryAttributeMappings: [DeliveryAttributeMappingModel]?

    public init(
        endpointType: String? = "WebHook",
        endpointUrl: String? = nil,
        maxEventsPerBatch: Int? = nil,
        preferredBatchSizeInKilobytes: Int? = nil,
        azureActiveDirectoryTenantId: String? = nil,
        azureActiveDirectoryApplicationIdOrUri: String? = nil,
        deliveryAttributeMappings: [DeliveryAttributeMappingModel]? = nil
    ) {
        self.endpointType = endpointType
        self.endpointUrl = endpointUrl
        self.maxEventsPerBatch = maxEventsPerBatch
        self.preferredBatchSizeInKilobytes = preferredBatchSizeInKilobytes
        self.azureActiveDirectoryTenantId = azureActiveDirectoryTenantId
        self.azureActiveDirectoryApplicationIdOrUri = azureActiveDirectoryApplicationIdOrUri
        self.deliveryAttributeMappings = deliveryAttributeMappings
    }
}

/// A custom delivery header: `{"name", "type": "Static", "properties": {"value", "isSecret"}}`.
public struct DeliveryAttributeMappingModel: Codable, Sendable, Equatable {
    public struct Properties: Codable, Sendable, Equatable {
        /// Null in answers when the header is secret.
        public var value: String?
        public var isSecret: Bool?
        public init(value: String?, isSecret: Bool? = nil) {
            self.value = value
            self.isSecret = isSecret
        }
    }

    public var name: String?
    public var type: String?
    public var properties: Properties?

    public init(name: String?, type: String? = "Static", properties: Properties?) {
        self.name = name
        self.type = type
        self.properties = properties
    }
}

public struct EventSubscriptionFilterModel: Codable, Sendable, Equatable {
    public var includedEventTypes: [String]?
    public var subjectBeginsWith: String?
    public var subjectEndsWith: String?
    public var isSubjectCaseSensitive: Bool?
    public var advancedFilters: [AdvancedFilterModel]?

    public init(
        includedEventTypes: [String]? = nil,
        subjectBeginsWith: String? = nil,
        subjectEndsWith: String? = nil,
        isSubjectCaseSensitive: Bool? = nil,
        advancedFilters: [AdvancedFilterModel]? = nil
    ) {
        self.includedEventTypes = includedEventTypes
        self.subjectBeginsWith = subjectBeginsWith
        self.subjectEndsWith = subjectEndsWith
        self.isSubjectCaseSensitive = isSubjectCaseSensitive
        self.advancedFilters = advancedFilters
    }
}

/// `{"operatorType": "StringIn", "key": "data.threadId", "values": [...]}`; single-value
/// operators (`BoolEquals`, `NumberGreaterThan`, …) take `value`.
public struct AdvancedFilterModel: Codable, Sendable, Equatable {
    public var operatorType: String?
    public var key: String?
    public var value: JSONValue?
    public var values: [JSONValue]?

    public init(operatorType: String?, key: String?, value: JSONValue? = nil, values: [JSONValue]? = nil) {
        self.operatorType = operatorType
        self.key = key
        self.value = value
        self.values = values
    }
}

public struct RetryPolicyModel: Codable, Sendable, Equatable {
    public var maxDeliveryAttempts: Int?
    public var eventTimeToLiveInMinutes: Int?
    public init(maxDeliveryAttempts: Int? = nil, eventTimeToLiveInMinutes: Int? = nil) {
        self.maxDeliveryAttempts = maxDeliveryAttempts
        self.eventTimeToLiveInMinutes = eventTimeToLiveInMinutes
    }
}

/// An event subscription as the operator sees it.
public struct EventSubscriptionModel: Codable, Sendable, Equatable {
    public var id: String
    public var name: String
    public var resource: String
    public var topic: String
    /// `Creating`, `AwaitingManualAction`, `Succeeded` or `Failed`.
    public var provisioningState: String
    public var destination: WebhookDestinationModel
    public var eventDeliverySchema: String
    public var filter: EventSubscriptionFilterModel
    public var retryPolicy: RetryPolicyModel
    /// Where dead-lettered events are written.
    public var deadLetterDirectory: String
    public var createdOn: String
    public var updatedOn: String
    /// While awaiting manual validation: until when a GET of the validation URL is accepted.
    public var validationExpiresOn: String?
    public var deliveryState: DeliveryStateModel

    public init(
        id: String,
        name: String,
        resource: String,
        topic: String,
        provisioningState: String,
        destination: WebhookDestinationModel,
        eventDeliverySchema: String,
        filter: EventSubscriptionFilterModel,
        retryPolicy: RetryPolicyModel,
        deadLetterDirectory: String,
        createdOn: String,
        updatedOn: String,
        validationExpiresOn: String?,
        deliveryState: DeliveryStateModel
    ) {
        self.id = id
        self.name = name
        self.resource = resource
        self.topic = topic
        self.provisioningState = provisioningState
        self.destination = destination
        self.eventDeliverySchema = eventDeliverySchema
        self.filter = filter
        self.retryPolicy = retryPolicy
        self.deadLetterDirectory = deadLetterDirectory
        self.createdOn = createdOn
        self.updatedOn = updatedOn
        self.validationExpiresOn = validationExpiresOn
        self.deliveryState = deliveryState
    }
}

/// How delivery to the endpoint is going.
public struct DeliveryStateModel: Codable, Sendable, Equatable {
    /// The event log position every earlier event has been handled up to.
    public var cursor: Int64
    /// Log positions committed after the cursor (events not yet delivered or filtered out,
    /// whatever their resource): 0 when the subscription has caught up.
    public var logPositionsBehind: Int64
    /// Events that failed and wait for their next attempt.
    public var pendingRetries: Int
    public var consecutiveFailures: Int
    public var lastDeliveryOutcome: String?
    public var lastDeliveryAttemptTime: String?
    /// While the endpoint is on probation: when deliveries resume.
    public var probationUntil: String?

    public init(
        cursor: Int64,
        logPositionsBehind: Int64,
        pendingRetries: Int,
        consecutiveFailures: Int,
        lastDeliveryOutcome: String?,
        lastDeliveryAttemptTime: String?,
        probationUntil: String?
    ) {
        self.cursor = cursor
        self.logPositionsBehind = logPositionsBehind
        self.pendingRetries = pendingRetries
        self.consecutiveFailures = consecutiveFailures
        self.lastDeliveryOutcome = lastDeliveryOutcome
        self.lastDeliveryAttemptTime = lastDeliveryAttemptTime
        self.probationUntil = probationUntil
    }
}

/// `GET …/eventSubscriptions`
public struct EventSubscriptionList: Codable, Sendable, Equatable {
    public var value: [EventSubscriptionModel]
    public init(value: [EventSubscriptionModel]) { self.value = value }
}

/// `GET …/eventSubscriptions/{name}/deadLetters`: dead-lettered events, newest first, each the
/// event as delivered plus `deadLetterReason`, `deliveryAttempts`, `lastDeliveryOutcome`,
/// `publishTime` (lower case in CloudEvents).
public struct DeadLetterList: Codable, Sendable, Equatable {
    public var value: [JSONValue]
    public init(value: [JSONValue]) { self.value = value }
}
