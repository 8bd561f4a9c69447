import Crypto
import Foundation
import ParleyAPI

/// One Event Grid event made from a domain event, before it is put in an envelope: every
/// subscription of the resource gets the same id, type, subject, time and data.
public struct RenderedEvent: Sendable {
    /// `dataVersion` of every Communication Services event.
    public static let dataVersion = "1.0"

    public var id: String
    public var eventType: String
    public var subject: String
    /// When the change happened (`eventTime`, `time`).
    public var time: Date
    public var data: any Encodable & Sendable

    public init(id: String, eventType: String, subject: String, time: Date, data: any Encodable & Sendable) {
        self.id = id
        self.eventType = eventType
        self.subject = subject
        self.time = time
        self.data = data
    }

    /// `data` as a JSON value (for advanced filters).
    public func dataJSON() -> JSONValue? {
        guard let bytes = try? ParleyJSON.frameEncoder().encode(EncodableBox(data)) else { return nil }
        return Self.json(bytes)
    }

    private static func json(_ bytes: Data) -> JSONValue? {
        (try? JSONSerialization.jsonObject(with: bytes, options: [.fragmentsAllowed])).map(JSONValue.init(jsonObject:))
    }

    /// The event in the envelope of `schema`, as the JSON bytes of one event.
    public func encoded(_ schema: EventDeliverySchema, topic: String, encoder: JSONEncoder) throws -> Data {
        let time = WireTimestamp.rfc3339Milliseconds(time)
        switch schema {
        case .eventGrid:
            return try encoder.encode(
                EventGridEvent(id: id, topic: topic, subject: subject, eventType: eventType, eventTime: time, data: EncodableBox(data))
            )
        case .cloudEvents:
            return try encoder.encode(CloudEvent(id: id, source: topic, subject: subject, type: eventType, time: time, data: EncodableBox(data)))
        }
    }
}

/// An existential encodable, for the generic envelopes.
struct EncodableBox: Encodable, Sendable {
    let value: any Encodable & Sendable
    init(_ value: any Encodable & Sendable) { self.value = value }
    func encode(to encoder: any Encoder) throws { try value.encode(to: encoder) }
}

/// Ids of events that stay the same however often an event is rendered (retries, restarts,
/// several subscriptions): a name-based UUID from the installation's namespace and the event's
/// place in the log.
public struct EventIdentity: Sendable {
    private let namespace: String

    /// - Parameter namespace: a secret of the installation, so ids do not repeat across installations.
    public init(namespace: String) {
        self.namespace = namespace
    }

    /// The id of the `index`th Event Grid event made from the domain event at `position`.
    public func eventId(position: Int64, index: Int) -> String {
        uuid("event|\(position)|\(index)")
    }

    /// The `transactionId` of chat events: one per committed change.
    public func transactionId(position: Int64) -> String {
        uuid("transaction|\(position)")
    }

    private func uuid(_ name: String) -> String {
        var bytes = Array(SHA256.hash(data: Data((namespace + "|" + name).utf8)).prefix(16))
        bytes[6] = (bytes[6] & 0x0F) | 0x80  // version 8 (custom)
        bytes[8] = (bytes[8] & 0x3F) | 0x80  // RFC 4122 variant
        let uuid = UUID(
            uuid: (
                bytes[0], bytes[1], bytes[2], bytes[3], bytes[4], bytes[5], bytes[6], bytes[7],
                bytes[8], bytes[9], bytes[10], bytes[11], bytes[12], bytes[13], bytes[14], bytes[15]
            )
        )
        return uuid.uuidString.lowercased()
    }
}
