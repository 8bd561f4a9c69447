/// The type of a chat message: user messages (`text`, `html`) or system messages. Open-ended,
/// so a type the SDK does not know yet still comes through.
public struct ChatMessageType: RawRepresentable, Hashable, Sendable, ExpressibleByStringLiteral, CustomStringConvertible {
    public var rawValue: String

    public init(rawValue: String) {
        self.rawValue = rawValue
    }

    public init(stringLiteral value: String) {
        self.rawValue = value
    }

    public static let text = ChatMessageType(rawValue: "text")
    public static let html = ChatMessageType(rawValue: "html")
    public static let topicUpdated = ChatMessageType(rawValue: "topicUpdated")
    public static let participantAdded = ChatMessageType(rawValue: "participantAdded")
    public static let participantRemoved = ChatMessageType(rawValue: "participantRemoved")

    public var description: String { rawValue }
}
