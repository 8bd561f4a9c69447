import Foundation

/// Any JSON value. Event payloads are kept and amended as JSON (dead-lettering adds fields to
/// an event as it was delivered; advanced filters read fields of `data` by path).
public enum JSONValue: Codable, Hashable, Sendable {
    case null
    case bool(Bool)
    case number(Double)
    case string(String)
    case array([JSONValue])
    case object([String: JSONValue])

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() {
            self = .null
        } else if let value = try? container.decode(Bool.self) {
            self = .bool(value)
        } else if let value = try? container.decode(Double.self) {
            self = .number(value)
        } else if let value = try? container.decode(String.self) {
            self = .string(value)
        } else if let value = try? container.decode([JSONValue].self) {
            self = .array(value)
        } else {
            self = .object(try container.decode([String: JSONValue].self))
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .null: try container.encodeNil()
        case .bool(let value): try container.encode(value)
        case .number(let value):
            // Whole numbers are written without a fraction (versions, counts).
            if value.rounded() == value, abs(value) < 9_007_199_254_740_992 {
                try container.encode(Int64(value))
            } else {
                try container.encode(value)
            }
        case .string(let value): try container.encode(value)
        case .array(let value): try container.encode(value)
        case .object(let value): try container.encode(value)
        }
    }

    /// The value at a dotted path of object keys (`data.threadId`), if there is one.
    public func value(at path: some Collection<Substring>) -> JSONValue? {
        var current = self
        for key in path {
            guard case .object(let object) = current, let next = object[String(key)] else { return nil }
            current = next
        }
        return current
    }

    /// The value of a `JSONSerialization` result (parsing with it is several times faster than
    /// decoding into this enum through `Decodable`, whose failed type probes throw).
    public init(jsonObject: Any) {
        switch jsonObject {
        case let value as String: self = .string(value)
        case let value as NSNumber:
            self = type(of: value) == Self.booleanType ? .bool(value.boolValue) : .number(value.doubleValue)
        case let value as [Any]: self = .array(value.map(JSONValue.init(jsonObject:)))
        case let value as [String: Any]: self = .object(value.mapValues(JSONValue.init(jsonObject:)))
        default: self = .null
        }
    }

    /// The class `JSONSerialization` gives booleans (a subclass of `NSNumber`).
    private static let booleanType = type(of: NSNumber(value: true))

    public var stringValue: String? {
        if case .string(let value) = self { return value }
        return nil
    }

    public var objectValue: [String: JSONValue]? {
        if case .object(let value) = self { return value }
        return nil
    }
}
