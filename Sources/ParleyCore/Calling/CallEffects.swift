import ParleyAPI

/// What one transition of a call produces, for an adapter to carry out: frames addressed to
/// endpoints or users (resolved to connections by whoever knows where those are), the reply to
/// the request, and whether the call's record changed, with the domain events to commit with it.
struct CallEffects: Sendable {
    /// Who a frame is for.
    enum Recipient: Sendable, Hashable {
        /// One endpoint: a device's connection, or a server-side agent.
        case endpoint(String)
        /// Every registered endpoint of a user, but the one named.
        case user(String, except: String?)
    }

    var frames: [(Recipient, RealtimeServerFrame)] = []
    /// The answer to the request, for the requesting endpoint.
    var reply: (endpointId: String, reply: RealtimeReply)?
    /// Whether the reply goes before the frames (it starts a call on the client: `startCall`,
    /// `acceptCall`), or after them (a client whose request returned sees its effect already).
    var replyFirst = false
    /// The record must be written, with ``events`` in order.
    var recordChanged = false
    var events: [DomainEvent] = []

    mutating func send(_ frame: RealtimeServerFrame, to recipient: Recipient) {
        frames.append((recipient, frame))
    }

    mutating func reply(to actor: CallMachine.Actor, call: CallSnapshot? = nil, first: Bool = false) {
        reply = (actor.endpointId, RealtimeReply(requestId: actor.requestId, call: call))
        replyFirst = first
    }

    /// Marks the record changed, with these events after any already collected.
    mutating func record(_ events: [DomainEvent] = []) {
        recordChanged = true
        self.events += events
    }
}
