import Foundation
import ParleyAPI

/// A scripted fault (development mode): which requests it hits, what happens to them, and for
/// how long (docs/testing-your-app.md, "Faults").
public struct FaultRule: Sendable, Equatable {
    public var id: String
    public var match: FaultMatch
    public var action: FaultAction
    /// Matches left before the rule goes; nil: until removed or expired.
    public var remaining: Int?
    /// When the rule goes, on the server's (development) clock; nil: never.
    public var expiresAt: Date?
    public var createdAt: Date
    /// How many times it was injected.
    public var injected: Int

    public init(
        id: String,
        match: FaultMatch,
        action: FaultAction,
        remaining: Int? = nil,
        expiresAt: Date? = nil,
        createdAt: Date,
        injected: Int = 0
    ) {
        self.id = id
        self.match = match
        self.action = action
        self.remaining = remaining
        self.expiresAt = expiresAt
        self.createdAt = createdAt
        self.injected = injected
    }

    func isLive(at now: Date) -> Bool {
        (remaining ?? 1) > 0 && (expiresAt.map { now < $0 } ?? true)
    }
}

/// Where a fault can strike.
public enum FaultAPI: String, Sendable, CaseIterable {
    /// Identity (`/identities`, `/teamsUser/:exchangeAccessToken`).
    case identity
    /// Chat (`/chat/threads…`).
    case chat
    /// Network Traversal (`/networkTraversal…`).
    case relay
    /// Call Automation recording (`/calling/recordings…`).
    case callRecording
    /// The organization side's Graph-shaped API (`/v1.0/…`).
    case graph
    /// The organization's sign-in (`/{tenant}/oauth2/v2.0/…`: token, authorize, discovery, keys).
    case oauth
    /// The web app's backend (`/webapp/v1/…`).
    case webApp
    /// Parley's own user endpoints (`/parley/v1/…`).
    case parley
    /// Opening a real-time WebSocket (the upgrade request).
    case realtime
    /// A calling request sent on a real-time connection (`startCall`, `acceptCall`, …).
    case calling
    /// A callee's devices being rung: ``FaultAction/noAnswer`` and ``FaultAction/decline``.
    case ringing
    /// An attempt to deliver a batch of events to a subscription's webhook: a status fails the
    /// attempt as if the webhook had answered it (retried, or dead-lettered, as Event Grid
    /// does), a delay holds it, a close fails it as a dropped connection. Matched by resource
    /// and by subscription name (`operation`).
    case eventDelivery

    /// APIs answered over HTTP (a status, a delay or a closed connection).
    public var isHTTP: Bool { self != .calling && self != .ringing && self != .eventDelivery }

    /// Whether a rule that names no API strikes here: not the ringing of devices nor deliveries
    /// to webhooks, which are no client's requests (a rule names them to strike them).
    var isMatchedWithoutName: Bool { self != .ringing && self != .eventDelivery }
}

/// Which requests a rule hits: every field given must match; an absent field matches anything.
public struct FaultMatch: Sendable, Equatable {
    public var api: FaultAPI?
    /// A calling request's name (`startCall`, `acceptCall`, `hangUp`, …).
    public var operation: String?
    /// The HTTP method (`GET`, `POST`, …).
    public var method: String?
    /// The request path, without the query: `*` stands for one segment, a final `**` for any rest
    /// (`/chat/threads/*/messages`). A resource's own endpoint prefix (`/resources/<name>`) is
    /// ignored.
    public var path: String?
    /// The communication resource: its name or immutable id.
    public var resource: String?
    /// Who makes the request (a raw id: `8:acs:…`, `8:orgid:…`); for ``FaultAPI/ringing``, the callee.
    public var identity: String?
    /// The chat thread (ACS or Graph) or, for calling and ringing, the call.
    public var thread: String?

    public init(
        api: FaultAPI? = nil,
        operation: String? = nil,
        method: String? = nil,
        path: String? = nil,
        resource: String? = nil,
        identity: String? = nil,
        thread: String? = nil
    ) {
        self.api = api
        self.operation = operation
        self.method = method
        self.path = path
        self.resource = resource
        self.identity = identity
        self.thread = thread
    }

    func matches(_ request: FaultRequest) -> Bool {
        if let api, api != request.api { return false }
        if api == nil, !request.api.isMatchedWithoutName { return false }
        if let operation, operation.lowercased() != request.operation?.lowercased() { return false }
        if let method, method.uppercased() != request.method { return false }
        if let path, !(request.path.map { PathPattern.matches(pattern: path, path: $0) } ?? false) { return false }
        if let resource, !request.resources.contains(where: { $0.caseInsensitiveCompare(resource) == .orderedSame }) { return false }
        if let identity, request.identity?.caseInsensitiveCompare(identity) != .orderedSame { return false }
        if let thread, request.thread?.caseInsensitiveCompare(thread) != .orderedSame { return false }
        return true
    }
}

/// What a fault does to a request it hits.
public enum FaultAction: Sendable, Equatable {
    /// Answers with `status` and the service's error envelope (`Retry-After` when given), instead
    /// of serving the request; a calling request gets an error reply with that status.
    case respond(status: Int, code: String, message: String, retryAfterSeconds: Int?)
    /// Serves the request `milliseconds` later (real time, not the development clock).
    case delay(milliseconds: Int)
    /// Closes the connection without an answer (a calling request: its WebSocket, with no close frame).
    case close
    /// A calling request ends its call for everyone with this reason instead of being served.
    case endCall(CallEndReason)
    /// The callee's devices never ring: the call rings out (487/10004) unless someone else answers.
    case noAnswer
    /// The callee declines at once (603).
    case decline

    /// The action's name on the wire and on `/metrics`.
    public var kind: String {
        switch self {
        case .respond: "status"
        case .delay: "delay"
        case .close: "close"
        case .endCall: "endCall"
        case .noAnswer: "noAnswer"
        case .decline: "decline"
        }
    }

    /// Whether the action can strike `request`: an `endCall` needs a request about a call.
    func applies(to request: FaultRequest) -> Bool {
        applies(to: request.api) && (!isEndCall || request.thread != nil)
    }

    private var isEndCall: Bool {
        if case .endCall = self { return true }
        return false
    }

    /// Whether the action can strike requests of `api`.
    func applies(to api: FaultAPI?) -> Bool {
        switch self {
        case .respond, .delay, .close: api != .ringing
        case .endCall: api == .calling
        case .noAnswer, .decline: api == .ringing
        }
    }
}

/// What a fault rule is matched against: what the adapter knows of a request.
public struct FaultRequest: Sendable, Equatable {
    public var api: FaultAPI
    public var operation: String?
    /// Upper case.
    public var method: String?
    public var path: String?
    /// The resource's name and immutable id, when known.
    public var resources: [String]
    public var identity: String?
    public var thread: String?

    public init(
        api: FaultAPI,
        operation: String? = nil,
        method: String? = nil,
        path: String? = nil,
        resources: [String] = [],
        identity: String? = nil,
        thread: String? = nil
    ) {
        self.api = api
        self.operation = operation
        self.method = method?.uppercased()
        self.path = path
        self.resources = resources
        self.identity = identity
        self.thread = thread
    }
}

/// Path patterns of fault rules: segments compared without case, `*` for one segment, a final
/// `**` for any number.
enum PathPattern {
    static func matches(pattern: String, path: String) -> Bool {
        let wanted = segments(pattern)
        let actual = segments(path)
        for (index, segment) in wanted.enumerated() {
            if segment == "**", index == wanted.count - 1 { return true }
            guard index < actual.count else { return false }
            if segment != "*", segment.lowercased() != actual[index].lowercased() { return false }
        }
        return wanted.count == actual.count
    }

    private static func segments(_ path: String) -> [Substring] {
        path.split(separator: "/", omittingEmptySubsequences: true)
    }
}
