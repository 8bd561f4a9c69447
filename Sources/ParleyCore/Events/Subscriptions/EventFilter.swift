import Foundation
import ParleyAPI

/// Which events a subscription receives: Event Grid's filter (event types, subject prefix and
/// suffix, advanced filters on the envelope and on `data`).
public struct EventFilter: Sendable, Equatable, Codable {
    /// nil: every event type.
    public var includedEventTypes: [String]?
    public var subjectBeginsWith: String?
    public var subjectEndsWith: String?
    public var isSubjectCaseSensitive: Bool
    /// All must match.
    public var advancedFilters: [AdvancedFilter]

    public init(
        includedEventTypes: [String]? = nil,
        subjectBeginsWith: String? = nil,
        subjectEndsWith: String? = nil,
        isSubjectCaseSensitive: Bool = false,
        advancedFilters: [AdvancedFilter] = []
    ) {
        self.includedEventTypes = includedEventTypes
        self.subjectBeginsWith = subjectBeginsWith
        self.subjectEndsWith = subjectEndsWith
        self.isSubjectCaseSensitive = isSubjectCaseSensitive
        self.advancedFilters = advancedFilters
    }

    /// Whether `event` passes. Its `data` is made JSON only when an advanced filter reads it.
    public func matches(_ event: RenderedEvent, topic: String) -> Bool {
        matchesEnvelope(event) && matchesAdvanced(event, topic: topic, data: { event.dataJSON() })
    }

    /// The checks on type and subject (cheap: made before an event is encoded).
    public func matchesEnvelope(_ event: RenderedEvent) -> Bool {
        if let types = includedEventTypes, !types.contains(where: { $0.caseInsensitiveCompare(event.eventType) == .orderedSame }) {
            return false
        }
        if let prefix = subjectBeginsWith, !prefix.isEmpty {
            guard isSubjectCaseSensitive ? event.subject.hasPrefix(prefix) : event.subject.lowercased().hasPrefix(prefix.lowercased()) else {
                return false
            }
        }
        if let suffix = subjectEndsWith, !suffix.isEmpty {
            guard isSubjectCaseSensitive ? event.subject.hasSuffix(suffix) : event.subject.lowercased().hasSuffix(suffix.lowercased()) else {
                return false
            }
        }
        return true
    }

    /// The advanced filters, reading `data` fields from the event as encoded.
    public func matchesAdvanced(_ event: RenderedEvent, topic: String, encoded payload: Data) -> Bool {
        guard !advancedFilters.isEmpty else { return true }
        return advancedFilters.allSatisfy { filter in
            let value: JSONValue?
            switch filter.key {
            case "id": value = .string(event.id)
            case "topic": value = .string(topic)
            case "subject": value = .string(event.subject)
            case "eventType": value = .string(event.eventType)
            case "dataVersion": value = .string(RenderedEvent.dataVersion)
            default: value = JSONValue.lookup(filter.key.split(separator: ".").map(String.init), in: payload)
            }
            return filter.matches(value)
        }
    }

    /// The advanced filters; `data` gives the event's `data` as JSON, asked for at most once.
    public func matchesAdvanced(_ event: RenderedEvent, topic: String, data makeData: () -> JSONValue?) -> Bool {
        guard !advancedFilters.isEmpty else { return true }
        var data: JSONValue??
        return advancedFilters.allSatisfy { filter in
            let value: JSONValue?
            switch filter.key {
            case "id": value = .string(event.id)
            case "topic": value = .string(topic)
            case "subject": value = .string(event.subject)
            case "eventType": value = .string(event.eventType)
            case "dataVersion": value = .string(RenderedEvent.dataVersion)
            default:
                if data == nil { data = .some(makeData()) }
                value = data!.flatMap { $0.value(at: filter.key.split(separator: ".").dropFirst()) }
            }
            return filter.matches(value)
        }
    }
}

/// One of Event Grid's advanced filters: an operator, the key it reads (`subject`, `eventType`,
/// `data.threadId`, …) and the values it compares with.
public struct AdvancedFilter: Sendable, Equatable, Codable {
    public enum Operator: String, Sendable, Codable, CaseIterable {
        case stringIn = "StringIn"
        case stringNotIn = "StringNotIn"
        case stringBeginsWith = "StringBeginsWith"
        case stringNotBeginsWith = "StringNotBeginsWith"
        case stringEndsWith = "StringEndsWith"
        case stringNotEndsWith = "StringNotEndsWith"
        case stringContains = "StringContains"
        case stringNotContains = "StringNotContains"
        case boolEquals = "BoolEquals"
        case numberIn = "NumberIn"
        case numberNotIn = "NumberNotIn"
        case numberGreaterThan = "NumberGreaterThan"
        case numberGreaterThanOrEquals = "NumberGreaterThanOrEquals"
        case numberLessThan = "NumberLessThan"
        case numberLessThanOrEquals = "NumberLessThanOrEquals"
        case isNullOrUndefined = "IsNullOrUndefined"
        case isNotNull = "IsNotNull"

        /// Operators that take one `value` rather than `values`.
        public var takesSingleValue: Bool {
            [.boolEquals, .numberGreaterThan, .numberGreaterThanOrEquals, .numberLessThan, .numberLessThanOrEquals].contains(self)
        }

        /// Operators that take no value.
        public var takesNoValue: Bool { self == .isNullOrUndefined || self == .isNotNull }

        /// The negative operators match an event that lacks the key (as Event Grid's do).
        var matchesMissingKey: Bool {
            [.stringNotIn, .stringNotBeginsWith, .stringNotEndsWith, .stringNotContains, .numberNotIn, .isNullOrUndefined].contains(self)
        }
    }

    public var operatorType: Operator
    public var key: String
    /// The compared values (one for the single-value operators, none for the null checks).
    public var values: [JSONValue]

    public init(operatorType: Operator, key: String, values: [JSONValue]) {
        self.operatorType = operatorType
        self.key = key
        self.values = values
    }

    /// Whether the value found at ``key`` (nil when the event lacks it) passes. String
    /// comparisons ignore case, as Event Grid's do.
    func matches(_ found: JSONValue?) -> Bool {
        guard let found, found != .null else { return operatorType.matchesMissingKey }
        switch operatorType {
        case .isNullOrUndefined: return false
        case .isNotNull: return true
        case .boolEquals:
            guard case .bool(let actual) = found, case .bool(let wanted)? = values.first else { return false }
            return actual == wanted
        case .numberIn, .numberNotIn, .numberGreaterThan, .numberGreaterThanOrEquals, .numberLessThan, .numberLessThanOrEquals:
            guard case .number(let actual) = found else { return operatorType == .numberNotIn }
            let numbers = values.compactMap { if case .number(let n) = $0 { n } else { nil } }
            switch operatorType {
            case .numberIn: return numbers.contains(actual)
            case .numberNotIn: return !numbers.contains(actual)
            case .numberGreaterThan: return numbers.first.map { actual > $0 } ?? false
            case .numberGreaterThanOrEquals: return numbers.first.map { actual >= $0 } ?? false
            case .numberLessThan: return numbers.first.map { actual < $0 } ?? false
            default: return numbers.first.map { actual <= $0 } ?? false
            }
        default:
            let text: String
            switch found {
            case .string(let value): text = value.lowercased()
            case .number(let value): text = value.rounded() == value ? String(Int64(value)) : String(value)
            case .bool(let value): text = String(value)
            default: return operatorType.matchesMissingKey
            }
            let wanted = values.compactMap(\.stringValue).map { $0.lowercased() }
            switch operatorType {
            case .stringIn: return wanted.contains(text)
            case .stringNotIn: return !wanted.contains(text)
            case .stringBeginsWith: return wanted.contains { text.hasPrefix($0) }
            case .stringNotBeginsWith: return !wanted.contains { text.hasPrefix($0) }
            case .stringEndsWith: return wanted.contains { text.hasSuffix($0) }
            case .stringNotEndsWith: return !wanted.contains { text.hasSuffix($0) }
            case .stringContains: return wanted.contains { text.contains($0) }
            default: return !wanted.contains { text.contains($0) }
            }
        }
    }
}
