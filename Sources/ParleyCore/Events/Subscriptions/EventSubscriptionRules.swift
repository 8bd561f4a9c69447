import Foundation
import ParleyAPI

/// What a subscription definition must satisfy, with errors that name the field as the admin
/// API spells it (docs/events.md, "Subscriptions").
public enum EventSubscriptionRules {
    public static let maxDeliveryHeaders = 10
    public static let maxHeaderValueBytes = 4096
    public static let maxAdvancedFilters = 25
    /// Values across all advanced filters of a subscription (Event Grid's limit).
    public static let maxAdvancedFilterValues = 25
    /// Headers Parley sets itself on every delivery.
    static let reservedHeaders: Set<String> = ["content-type", "content-length", "host", "authorization", "webhook-request-origin"]

    public static func validateName(_ name: String) throws(ParleyError) {
        guard EventSubscription.isValidName(name) else {
            throw ParleyError(.validation, "Subscription name '\(name)' is invalid: use 3-64 letters, digits and '-'.", target: "name")
        }
    }

    /// Checks everything that needs no store; ``EventSubscriptionService`` checks the app registration.
    public static func validate(_ definition: EventSubscriptionDefinition, allowPlainHttp: Bool) throws(ParleyError) {
        try validateEndpoint(definition.endpointUrl, allowPlainHttp: allowPlainHttp)
        guard (1...5000).contains(definition.maxEventsPerBatch) else {
            throw invalid("destination.maxEventsPerBatch", "maxEventsPerBatch must be between 1 and 5000.")
        }
        guard (1...1024).contains(definition.preferredBatchSizeInKilobytes) else {
            throw invalid("destination.preferredBatchSizeInKilobytes", "preferredBatchSizeInKilobytes must be between 1 and 1024.")
        }
        try validateHeaders(definition.deliveryHeaders)
        if let entra = definition.entraAuthentication {
            let value = entra.applicationIdOrUri
            guard !value.isEmpty, value.count <= 256, UUID(uuidString: value) != nil || value.hasPrefix("api://") || value.hasPrefix("https://")
            else {
                throw invalid(
                    "destination.azureActiveDirectoryApplicationIdOrUri",
                    "azureActiveDirectoryApplicationIdOrUri must be an app id (GUID) or an application id URI (api://… or https://…)."
                )
            }
        }
        guard (1...30).contains(definition.maxDeliveryAttempts) else {
            throw invalid("retryPolicy.maxDeliveryAttempts", "maxDeliveryAttempts must be between 1 and 30.")
        }
        guard (1...1440).contains(definition.eventTimeToLiveInMinutes) else {
            throw invalid("retryPolicy.eventTimeToLiveInMinutes", "eventTimeToLiveInMinutes must be between 1 and 1440.")
        }
        try validateFilter(definition.filter)
    }

    static func validateEndpoint(_ text: String, allowPlainHttp: Bool) throws(ParleyError) {
        let field = "destination.endpointUrl"
        guard let url = URL(string: text), let scheme = url.scheme?.lowercased(), let host = url.host, !host.isEmpty, url.user == nil,
            text.count <= 2048
        else {
            throw invalid(field, "endpointUrl must be an absolute https URL.")
        }
        switch scheme {
        case "https": break
        case "http" where allowPlainHttp: break
        case "http":
            throw invalid(
                field,
                "endpointUrl must use https; plain http is allowed only when the operator enables events.allowHttpWebhooks (local development)."
            )
        default:
            throw invalid(field, "endpointUrl must be an https URL.")
        }
    }

    static func validateHeaders(_ headers: [DeliveryHeader]) throws(ParleyError) {
        let field = "destination.deliveryAttributeMappings"
        guard headers.count <= maxDeliveryHeaders else {
            throw invalid(field, "At most \(maxDeliveryHeaders) delivery headers.")
        }
        var seen: Set<String> = []
        for header in headers {
            let name = header.name.lowercased()
            let token = CharacterSet(charactersIn: "!#$%&'*+-.^_`|~0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ")
            guard !name.isEmpty, name.count <= 256, header.name.unicodeScalars.allSatisfy(token.contains) else {
                throw invalid(field, "Delivery header name '\(header.name)' is not an HTTP header name.")
            }
            guard !reservedHeaders.contains(name), !name.hasPrefix("aeg-") else {
                throw invalid(field, "Delivery header '\(header.name)' is set by Parley itself.")
            }
            guard seen.insert(name).inserted else { throw invalid(field, "Delivery header '\(header.name)' appears twice.") }
            guard header.value.utf8.count <= maxHeaderValueBytes, !header.value.contains(where: { $0 == "\r" || $0 == "\n" }) else {
                throw invalid(field, "Delivery header '\(header.name)' has a value longer than 4096 bytes or with a line break.")
            }
        }
    }

    static func validateFilter(_ filter: EventFilter) throws(ParleyError) {
        if let types = filter.includedEventTypes {
            guard !types.isEmpty else {
                throw invalid("filter.includedEventTypes", "includedEventTypes must not be empty (leave it out for every type).")
            }
            for type in types where !CommunicationEventType.all.contains(where: { $0.caseInsensitiveCompare(type) == .orderedSame }) {
                throw invalid(
                    "filter.includedEventTypes",
                    "Event type '\(type)' is not one Parley raises; see docs/events.md for the Microsoft.Communication.* types it does."
                )
            }
        }
        for (field, value) in [("filter.subjectBeginsWith", filter.subjectBeginsWith), ("filter.subjectEndsWith", filter.subjectEndsWith)] {
            if let value, value.count > 1024 { throw invalid(field, "A subject filter is at most 1024 characters.") }
        }
        guard filter.advancedFilters.count <= maxAdvancedFilters else {
            throw invalid("filter.advancedFilters", "At most \(maxAdvancedFilters) advanced filters.")
        }
        guard filter.advancedFilters.reduce(0, { $0 + $1.values.count }) <= maxAdvancedFilterValues else {
            throw invalid("filter.advancedFilters", "At most \(maxAdvancedFilterValues) values across all advanced filters.")
        }
        for (index, advanced) in filter.advancedFilters.enumerated() {
            let field = "filter.advancedFilters[\(index)]"
            let envelopeKeys: Set<String> = ["id", "topic", "subject", "eventType", "dataVersion"]
            let segments = advanced.key.split(separator: ".", omittingEmptySubsequences: false)
            guard
                envelopeKeys.contains(advanced.key)
                    || (segments.count >= 2 && segments.count <= 10 && segments[0] == "data" && !segments.contains(where: \.isEmpty))
            else {
                throw invalid(field + ".key", "key must be id, topic, subject, eventType, dataVersion or data.<field>[.<field>…].")
            }
            let op = advanced.operatorType
            if op.takesNoValue {
                guard advanced.values.isEmpty else { throw invalid(field + ".values", "\(op.rawValue) takes no value.") }
                continue
            }
            if op.takesSingleValue {
                guard advanced.values.count == 1 else { throw invalid(field + ".value", "\(op.rawValue) takes one 'value'.") }
            } else {
                guard !advanced.values.isEmpty else { throw invalid(field + ".values", "\(op.rawValue) needs 'values'.") }
            }
            let wanted: (JSONValue) -> Bool
            switch op {
            case .boolEquals: wanted = { if case .bool = $0 { true } else { false } }
            case .numberIn, .numberNotIn, .numberGreaterThan, .numberGreaterThanOrEquals, .numberLessThan, .numberLessThanOrEquals:
                wanted = { if case .number = $0 { true } else { false } }
            default: wanted = { if case .string(let text) = $0 { text.count <= 512 } else { false } }
            }
            guard advanced.values.allSatisfy(wanted) else {
                let kind = op == .boolEquals ? "a boolean" : op.rawValue.hasPrefix("Number") ? "numbers" : "strings of at most 512 characters"
                throw invalid(field + (op.takesSingleValue ? ".value" : ".values"), "\(op.rawValue) compares with \(kind).")
            }
        }
    }

    static func invalid(_ field: String, _ message: String) -> ParleyError {
        ParleyError(.validation, wireCode: "InvalidEventSubscription", message, target: field)
    }
}
