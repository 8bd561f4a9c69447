/// The real-time protocol's paths, query parameters and close codes. See `docs/realtime.md`.
public enum RealtimeProtocol {
    /// The one WebSocket endpoint, for app users and organization users alike.
    public static let path = "parley/v1/realtime"
    /// The access token, for clients that cannot set an `Authorization` header (browsers).
    public static let accessTokenParameter = "access_token"
    /// The last position the client has seen: events after it are replayed first.
    public static let afterParameter = "after"
    /// The largest frame a client may send (an SDP offer is a few KB).
    public static let maxClientFrameBytes = 1 << 16
}

/// Why the server closed a real-time connection. Codes 4000–4999 are Parley's; on any of them
/// except ``tokenExpired``, ``tokenRevoked`` and ``userDeleted`` a client reconnects and resumes.
public enum RealtimeCloseCode: UInt16, Sendable, CaseIterable {
    /// The server is shutting down (standard WebSocket "going away"): reconnect and resume.
    case goingAway = 1001
    /// The connection's token expired: reconnect with a fresh token and resume.
    case tokenExpired = 4001
    /// The connection's token was revoked: get a new token before reconnecting.
    case tokenRevoked = 4003
    /// The user was deleted: do not reconnect.
    case userDeleted = 4004
    /// The client did not read its events fast enough and its queue overflowed: reconnect and
    /// resume from the last position received.
    case slowConsumer = 4008
    /// The server's data was replaced by a snapshot (development mode): reconnect; a resumed
    /// position from before is answered with `resyncRequired`.
    case stateRestored = 4009
}

/// What the server tells a connection first.
public struct RealtimeHello: Codable, Sendable, Equatable {
    /// Identifies the connection in the server's logs.
    public var connectionId: String
    /// Who the connection belongs to.
    public var identity: CommunicationIdentifierModel
    /// The newest position committed when the connection opened: where a client with no
    /// position of its own resumes from.
    public var position: Int64
    /// How long the server keeps events for resumption, in seconds.
    public var retentionSeconds: Int
    /// How often the server pings, in seconds; a connection that does not answer is closed.
    public var pingIntervalSeconds: Int

    public init(connectionId: String, identity: CommunicationIdentifierModel, position: Int64, retentionSeconds: Int, pingIntervalSeconds: Int) {
        self.connectionId = connectionId
        self.identity = identity
        self.position = position
        self.retentionSeconds = retentionSeconds
        self.pingIntervalSeconds = pingIntervalSeconds
    }
}

/// The requested position is no longer (or was never) held: the client must reload the state it
/// shows through REST, then continue from ``position``.
public struct RealtimeResync: Codable, Sendable, Equatable {
    public var position: Int64
    public var reason: String
    public init(position: Int64, reason: String) {
        self.position = position
        self.reason = reason
    }
}

/// A chat event, by its ACS JavaScript SDK name.
public enum ChatRealtimeEvent: Sendable, Equatable {
    case chatMessageReceived(ChatMessageEvent)
    case chatMessageEdited(ChatMessageEvent)
    case chatMessageDeleted(ChatMessageDeletedEvent)
    case typingIndicatorReceived(TypingIndicatorReceivedEvent)
    case readReceiptReceived(ReadReceiptReceivedEvent)
    case chatThreadCreated(ChatThreadCreatedEvent)
    case chatThreadDeleted(ChatThreadDeletedEvent)
    case chatThreadPropertiesUpdated(ChatThreadPropertiesUpdatedEvent)
    case participantsAdded(ParticipantsAddedEvent)
    case participantsRemoved(ParticipantsRemovedEvent)
    /// An event this version of the protocol types does not know (a newer server's).
    case unknown(type: String)

    /// The event's name on the wire.
    public var name: String {
        switch self {
        case .chatMessageReceived: "chatMessageReceived"
        case .chatMessageEdited: "chatMessageEdited"
        case .chatMessageDeleted: "chatMessageDeleted"
        case .typingIndicatorReceived: "typingIndicatorReceived"
        case .readReceiptReceived: "readReceiptReceived"
        case .chatThreadCreated: "chatThreadCreated"
        case .chatThreadDeleted: "chatThreadDeleted"
        case .chatThreadPropertiesUpdated: "chatThreadPropertiesUpdated"
        case .participantsAdded: "participantsAdded"
        case .participantsRemoved: "participantsRemoved"
        case .unknown(let type): type
        }
    }

    /// The thread the event is about (nil for unknown events).
    public var threadId: String? {
        switch self {
        case .chatMessageReceived(let event), .chatMessageEdited(let event): event.threadId
        case .chatMessageDeleted(let event): event.threadId
        case .typingIndicatorReceived(let event): event.threadId
        case .readReceiptReceived(let event): event.threadId
        case .chatThreadCreated(let event): event.threadId
        case .chatThreadDeleted(let event): event.threadId
        case .chatThreadPropertiesUpdated(let event): event.threadId
        case .participantsAdded(let event): event.threadId
        case .participantsRemoved(let event): event.threadId
        case .unknown: nil
        }
    }
}

/// A frame the server sends: a JSON text message `{"type": …, "position": …, "data": …}`.
public enum RealtimeServerFrame: Sendable, Equatable {
    case hello(RealtimeHello)
    /// A chat event; durable events have a position, ephemeral ones (typing) do not.
    case event(position: Int64?, ChatRealtimeEvent)
    /// Every event after the requested position has been replayed; live events follow.
    case caughtUp(position: Int64)
    case resyncRequired(RealtimeResync)
    /// The answer to a client request.
    case reply(RealtimeReply)
    /// A call rings at this endpoint.
    case incomingCall(IncomingCallInfo)
    /// An incoming call stopped ringing here without being accepted here.
    case incomingCallEnded(IncomingCallEnded)
    /// The new state of a call this endpoint is in.
    case call(CallSnapshot)
    /// Media negotiation from another participant.
    case signal(CallSignal)

    /// The state of a call this frame shows: a `call` frame's, or the call a reply returns.
    public var callSnapshot: CallSnapshot? {
        switch self {
        case .call(let snapshot): snapshot
        case .reply(let reply): reply.call
        default: nil
        }
    }
}

extension RealtimeServerFrame: Codable {
    private enum CodingKeys: String, CodingKey {
        case type, position, data
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let type = try container.decode(String.self, forKey: .type)
        let position = try container.decodeIfPresent(Int64.self, forKey: .position)
        func data<T: Decodable>(_: T.Type) throws -> T { try container.decode(T.self, forKey: .data) }
        switch type {
        case "hello": self = .hello(try data(RealtimeHello.self))
        case "caughtUp": self = .caughtUp(position: position ?? 0)
        case "resyncRequired": self = .resyncRequired(try data(RealtimeResync.self))
        case "reply": self = .reply(try data(RealtimeReply.self))
        case "incomingCall": self = .incomingCall(try data(IncomingCallInfo.self))
        case "incomingCallEnded": self = .incomingCallEnded(try data(IncomingCallEnded.self))
        case "call": self = .call(try data(CallSnapshot.self))
        case "signal": self = .signal(try data(CallSignal.self))
        case "chatMessageReceived": self = .event(position: position, .chatMessageReceived(try data(ChatMessageEvent.self)))
        case "chatMessageEdited": self = .event(position: position, .chatMessageEdited(try data(ChatMessageEvent.self)))
        case "chatMessageDeleted": self = .event(position: position, .chatMessageDeleted(try data(ChatMessageDeletedEvent.self)))
        case "typingIndicatorReceived":
            self = .event(position: position, .typingIndicatorReceived(try data(TypingIndicatorReceivedEvent.self)))
        case "readReceiptReceived": self = .event(position: position, .readReceiptReceived(try data(ReadReceiptReceivedEvent.self)))
        case "chatThreadCreated": self = .event(position: position, .chatThreadCreated(try data(ChatThreadCreatedEvent.self)))
        case "chatThreadDeleted": self = .event(position: position, .chatThreadDeleted(try data(ChatThreadDeletedEvent.self)))
        case "chatThreadPropertiesUpdated":
            self = .event(position: position, .chatThreadPropertiesUpdated(try data(ChatThreadPropertiesUpdatedEvent.self)))
        case "participantsAdded": self = .event(position: position, .participantsAdded(try data(ParticipantsAddedEvent.self)))
        case "participantsRemoved": self = .event(position: position, .participantsRemoved(try data(ParticipantsRemovedEvent.self)))
        default: self = .event(position: position, .unknown(type: type))
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        switch self {
        case .hello(let hello):
            try container.encode("hello", forKey: .type)
            try container.encode(hello, forKey: .data)
        case .caughtUp(let position):
            try container.encode("caughtUp", forKey: .type)
            try container.encode(position, forKey: .position)
        case .resyncRequired(let resync):
            try container.encode("resyncRequired", forKey: .type)
            try container.encode(resync.position, forKey: .position)
            try container.encode(resync, forKey: .data)
        case .reply(let reply):
            try container.encode("reply", forKey: .type)
            try container.encode(reply, forKey: .data)
        case .incomingCall(let call):
            try container.encode("incomingCall", forKey: .type)
            try container.encode(call, forKey: .data)
        case .incomingCallEnded(let ended):
            try container.encode("incomingCallEnded", forKey: .type)
            try container.encode(ended, forKey: .data)
        case .call(let snapshot):
            try container.encode("call", forKey: .type)
            try container.encode(snapshot, forKey: .data)
        case .signal(let signal):
            try container.encode("signal", forKey: .type)
            try container.encode(signal, forKey: .data)
        case .event(let position, let event):
            try container.encode(event.name, forKey: .type)
            try container.encodeIfPresent(position, forKey: .position)
            switch event {
            case .chatMessageReceived(let data), .chatMessageEdited(let data): try container.encode(data, forKey: .data)
            case .chatMessageDeleted(let data): try container.encode(data, forKey: .data)
            case .typingIndicatorReceived(let data): try container.encode(data, forKey: .data)
            case .readReceiptReceived(let data): try container.encode(data, forKey: .data)
            case .chatThreadCreated(let data): try container.encode(data, forKey: .data)
            case .chatThreadDeleted(let data): try container.encode(data, forKey: .data)
            case .chatThreadPropertiesUpdated(let data): try container.encode(data, forKey: .data)
            case .participantsAdded(let data): try container.encode(data, forKey: .data)
            case .participantsRemoved(let data): try container.encode(data, forKey: .data)
            case .unknown: break
            }
        }
    }
}
