/// Wire bodies of the development tools (`/admin/dev/...`, development mode only): the clock,
/// fault rules, snapshots, real-time drops and calls. See docs/api.md, "Development tools".

// MARK: Clock

/// `GET /admin/dev/clock`, and the answer to every move.
public struct DevClockModel: Codable, Sendable, Equatable {
    /// The server's time now (RFC 3339 with milliseconds).
    public var now: String
    public var frozen: Bool
    /// How far the server's clock is from real time, in seconds (positive: ahead).
    public var offsetSeconds: Double
    public init(now: String, frozen: Bool, offsetSeconds: Double) {
        self.now = now
        self.frozen = frozen
        self.offsetSeconds = offsetSeconds
    }
}

/// `POST /admin/dev/clock/advance`
public struct DevClockAdvanceRequest: Codable, Sendable, Equatable {
    /// How far forward, in seconds (0 or more; fractions allowed).
    public var seconds: Double
    public init(seconds: Double) { self.seconds = seconds }
}

/// `POST /admin/dev/clock/set`
public struct DevClockSetRequest: Codable, Sendable, Equatable {
    /// RFC 3339 (`2030-01-01T00:00:00Z`), earlier or later than now.
    public var time: String
    public init(time: String) { self.time = time }
}

// MARK: Faults

/// Which requests a fault rule hits; every field given must match.
public struct DevFaultMatchModel: Codable, Sendable, Equatable {
    /// `identity`, `chat`, `relay`, `callRecording`, `graph`, `oauth`, `parley`, `realtime`,
    /// `calling` or `ringing`.
    public var api: String?
    /// A calling request (`startCall`, `acceptCall`, `hangUp`, …).
    public var operation: String?
    public var method: String?
    /// A path pattern: `*` for one segment, a final `**` for the rest.
    public var path: String?
    /// A resource name or immutable id.
    public var resource: String?
    /// A raw id: who makes the request (for `ringing`, the callee).
    public var identity: String?
    /// A chat thread id, or a call id.
    public var thread: String?

    public init(
        api: String? = nil,
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
}

/// What a fault does.
public struct DevFaultActionModel: Codable, Sendable, Equatable {
    /// `status`, `delay`, `close`, `endCall`, `noAnswer` or `decline`.
    public var type: String
    /// `status`: the HTTP status (400–599).
    public var status: Int?
    /// `status`: the error envelope's code (default: the status's usual one, e.g. `TooManyRequests`).
    public var code: String?
    /// `status`: the error envelope's message.
    public var message: String?
    /// `status`: the `Retry-After` header, in seconds.
    public var retryAfterSeconds: Int?
    /// `delay`: how long, in milliseconds.
    public var milliseconds: Int?
    /// `endCall`: the reason every party sees.
    public var endReason: CallEndReason?

    public init(
        type: String,
        status: Int? = nil,
        code: String? = nil,
        message: String? = nil,
        retryAfterSeconds: Int? = nil,
        milliseconds: Int? = nil,
        endReason: CallEndReason? = nil
    ) {
        self.type = type
        self.status = status
        self.code = code
        self.message = message
        self.retryAfterSeconds = retryAfterSeconds
        self.milliseconds = milliseconds
        self.endReason = endReason
    }
}

/// `POST /admin/dev/faults`
public struct DevFaultCreateRequest: Codable, Sendable, Equatable {
    public var match: DevFaultMatchModel?
    public var action: DevFaultActionModel
    /// Strike this many times, then go (default: until removed or expired).
    public var times: Int?
    /// Go after this many seconds of the server's clock (default: until removed or used up).
    public var durationSeconds: Double?
    public init(match: DevFaultMatchModel? = nil, action: DevFaultActionModel, times: Int? = nil, durationSeconds: Double? = nil) {
        self.match = match
        self.action = action
        self.times = times
        self.durationSeconds = durationSeconds
    }
}

/// A fault rule.
public struct DevFaultRuleModel: Codable, Sendable, Equatable {
    public var id: String
    public var match: DevFaultMatchModel
    public var action: DevFaultActionModel
    /// Strikes left; absent: no limit.
    public var remaining: Int?
    /// When it goes (server clock); absent: never.
    public var expiresAt: String?
    public var createdAt: String
    /// How many times it struck.
    public var injected: Int
    public init(
        id: String,
        match: DevFaultMatchModel,
        action: DevFaultActionModel,
        remaining: Int?,
        expiresAt: String?,
        createdAt: String,
        injected: Int
    ) {
        self.id = id
        self.match = match
        self.action = action
        self.remaining = remaining
        self.expiresAt = expiresAt
        self.createdAt = createdAt
        self.injected = injected
    }
}

/// `GET /admin/dev/faults`
public struct DevFaultRuleList: Codable, Sendable, Equatable {
    public var value: [DevFaultRuleModel]
    public init(value: [DevFaultRuleModel]) { self.value = value }
}

/// `DELETE /admin/dev/faults`
public struct DevFaultsCleared: Codable, Sendable, Equatable {
    public var removed: Int
    public init(removed: Int) { self.removed = removed }
}

// MARK: Snapshots

/// `POST /admin/dev/snapshots`
public struct DevSnapshotCreateRequest: Codable, Sendable, Equatable {
    /// Letters, digits, `.`, `_` and `-`; 1 to 64 characters, not starting with `.`.
    public var name: String
    /// Replace a snapshot of that name (default: a 409).
    public var replace: Bool?
    public init(name: String, replace: Bool? = nil) {
        self.name = name
        self.replace = replace
    }
}

/// A saved snapshot.
public struct DevSnapshotModel: Codable, Sendable, Equatable {
    public var name: String
    /// When it was saved (real time).
    public var createdAt: String
    /// The server's clock when it was saved (differs in development mode when the clock was moved).
    public var clockTime: String
    /// The size of its database file.
    public var databaseBytes: Int64
    public init(name: String, createdAt: String, clockTime: String, databaseBytes: Int64) {
        self.name = name
        self.createdAt = createdAt
        self.clockTime = clockTime
        self.databaseBytes = databaseBytes
    }
}

/// `GET /admin/dev/snapshots`
public struct DevSnapshotList: Codable, Sendable, Equatable {
    public var value: [DevSnapshotModel]
    public init(value: [DevSnapshotModel]) { self.value = value }
}

/// `POST /admin/dev/snapshots/{name}/restore`
public struct DevSnapshotRestoreResult: Codable, Sendable, Equatable {
    public var snapshot: DevSnapshotModel
    /// How long the restore took, in milliseconds.
    public var milliseconds: Double
    /// Calls that were running and ended (0/7000).
    public var callsEnded: Int
    /// Real-time connections closed (4009).
    public var connectionsClosed: Int
    public init(snapshot: DevSnapshotModel, milliseconds: Double, callsEnded: Int, connectionsClosed: Int) {
        self.snapshot = snapshot
        self.milliseconds = milliseconds
        self.callsEnded = callsEnded
        self.connectionsClosed = connectionsClosed
    }
}

// MARK: Real-time connections and calls

/// `POST /admin/dev/realtime/drop`
public struct DevRealtimeDropRequest: Codable, Sendable, Equatable {
    /// The user (raw id) whose connections drop.
    public var identity: String
    /// A close code Parley sends (1001, 4001, 4003, 4004, 4008, 4009); absent: no close frame at
    /// all, as when the network drops (the client sees 1006).
    public var closeCode: Int?
    public init(identity: String, closeCode: Int? = nil) {
        self.identity = identity
        self.closeCode = closeCode
    }
}

/// How many connections a drop closed.
public struct DevDropResult: Codable, Sendable, Equatable {
    public var dropped: Int
    public init(dropped: Int) { self.dropped = dropped }
}

/// `POST /admin/dev/calls/endpoints/{endpointId}/drop` (optional body)
public struct DevEndpointDropRequest: Codable, Sendable, Equatable {
    /// As in ``DevRealtimeDropRequest``.
    public var closeCode: Int?
    public init(closeCode: Int? = nil) { self.closeCode = closeCode }
}

/// A running call.
public struct DevCallModel: Codable, Sendable, Equatable {
    public struct Participant: Codable, Sendable, Equatable {
        public var rawId: String
        /// `ringing` or `connected`.
        public var state: String
        public var endpointId: String?
        /// Its connection is gone; the grace period runs.
        public var connectionLost: Bool
        public init(rawId: String, state: String, endpointId: String?, connectionLost: Bool) {
            self.rawId = rawId
            self.state = state
            self.endpointId = endpointId
            self.connectionLost = connectionLost
        }
    }

    public var id: String
    public var resourceId: String?
    public var startedAt: String
    public var isGroupCall: Bool
    public var participants: [Participant]
    public init(id: String, resourceId: String?, startedAt: String, isGroupCall: Bool, participants: [Participant]) {
        self.id = id
        self.resourceId = resourceId
        self.startedAt = startedAt
        self.isGroupCall = isGroupCall
        self.participants = participants
    }
}

/// `GET /admin/dev/calls`
public struct DevCallList: Codable, Sendable, Equatable {
    public var value: [DevCallModel]
    public init(value: [DevCallModel]) { self.value = value }
}

/// `POST /admin/dev/calls/{callId}/end`
public struct DevCallEndRequest: Codable, Sendable, Equatable {
    /// The end reason every party sees: `{code, subCode}` (e.g. 0/7000, 500/…).
    public var code: Int
    public var subCode: Int
    public init(code: Int, subCode: Int) {
        self.code = code
        self.subCode = subCode
    }
}

extension DevFaultActionModel {
    /// Answer with `status` and the error envelope (`Retry-After: retryAfterSeconds` when given).
    public static func status(_ status: Int, code: String? = nil, message: String? = nil, retryAfterSeconds: Int? = nil) -> Self {
        Self(type: "status", status: status, code: code, message: message, retryAfterSeconds: retryAfterSeconds)
    }

    /// Serve the request `milliseconds` later.
    public static func delay(milliseconds: Int) -> Self { Self(type: "delay", milliseconds: milliseconds) }
    /// Close the connection without an answer.
    public static var close: Self { Self(type: "close") }
    /// A calling request ends its call for every party with `reason`.
    public static func endCall(_ reason: CallEndReason) -> Self { Self(type: "endCall", endReason: reason) }
    /// The callee's devices never ring.
    public static var noAnswer: Self { Self(type: "noAnswer") }
    /// The callee declines at once (603).
    public static var decline: Self { Self(type: "decline") }
}
