/// The two envelopes Event Grid delivers events in (reference: calling-events-teams.md §2.1).

/// An event in the Event Grid schema. Deliveries are JSON arrays of these, even of one.
public struct EventGridEvent<EventData: Sendable>: Sendable {
    public var id: String
    public var topic: String
    public var subject: String
    public var eventType: String
    public var eventTime: String
    public var data: EventData
    public var dataVersion: String
    public var metadataVersion: String

    public init(
        id: String,
        topic: String,
        subject: String,
        eventType: String,
        eventTime: String,
        data: EventData,
        dataVersion: String = "1.0",
        metadataVersion: String = "1"
    ) {
        self.id = id
        self.topic = topic
        self.subject = subject
        self.eventType = eventType
        self.eventTime = eventTime
        self.data = data
        self.dataVersion = dataVersion
        self.metadataVersion = metadataVersion
    }
}

/// An event in the CloudEvents 1.0 schema (JSON structured mode): one object per delivery, or
/// an array of them in batched mode.
public struct CloudEvent<EventData: Sendable>: Sendable {
    public var specversion: String
    public var type: String
    public var source: String
    public var id: String
    public var time: String
    public var subject: String
    public var datacontenttype: String
    public var data: EventData

    public init(id: String, source: String, subject: String, type: String, time: String, data: EventData) {
        self.specversion = "1.0"
        self.type = type
        self.source = source
        self.id = id
        self.time = time
        self.subject = subject
        self.datacontenttype = "application/json"
        self.data = data
    }
}

extension EventGridEvent: Encodable where EventData: Encodable {}
extension EventGridEvent: Decodable where EventData: Decodable {}
extension CloudEvent: Encodable where EventData: Encodable {}
extension CloudEvent: Decodable where EventData: Decodable {}

/// `data` of `Microsoft.EventGrid.SubscriptionValidationEvent`, the handshake before any
/// event is delivered to a webhook in the Event Grid schema.
public struct SubscriptionValidationEventData: Codable, Sendable, Equatable {
    public var validationCode: String
    /// Where the receiver can validate by hand (a GET within the validation window).
    public var validationUrl: String
    public init(validationCode: String, validationUrl: String) {
        self.validationCode = validationCode
        self.validationUrl = validationUrl
    }
}

/// What a receiver answers to the validation event to validate at once.
public struct SubscriptionValidationResponse: Codable, Sendable, Equatable {
    public var validationResponse: String
    public init(validationResponse: String) { self.validationResponse = validationResponse }
}

/// The header values and names of webhook deliveries, as Event Grid sends them.
public enum EventGridHeaders {
    public static let eventType = "aeg-event-type"
    public static let subscriptionName = "aeg-subscription-name"
    public static let deliveryCount = "aeg-delivery-count"
    public static let dataVersion = "aeg-data-version"
    public static let metadataVersion = "aeg-metadata-version"
    /// `aeg-event-type` of the validation handshake.
    public static let subscriptionValidation = "SubscriptionValidation"
    /// `aeg-event-type` of every other delivery.
    public static let notification = "Notification"
    /// CloudEvents abuse protection (the OPTIONS handshake).
    public static let requestOrigin = "WebHook-Request-Origin"
    public static let allowedOrigin = "WebHook-Allowed-Origin"
    public static let eventGridJSON = "application/json; charset=utf-8"
    public static let cloudEventJSON = "application/cloudevents+json; charset=utf-8"
    public static let cloudEventBatchJSON = "application/cloudevents-batch+json; charset=utf-8"
}
