import Foundation
import NIOCore
import ParleyAPI
import ParleyCore
import Synchronization

/// One open WebSocket of a user, as the rest of the server sees it: a bounded outbox of frames
/// that anyone may fill without waiting, the reason it must close once there is one, and the
/// client's requests served one at a time.
///
/// The connection's ``RealtimeChannelHandler`` empties the outbox on the channel's event loop:
/// frames go out with no task and no hop per frame, and an idle connection costs no task at all.
final class RealtimeConnection: Sendable {
    private struct State {
        /// Frames waiting for the event loop.
        var outbox: [RealtimeFrame] = []
        /// Whether a drain is already scheduled on the event loop.
        var drainScheduled = false
        /// Why the connection must close; the first reason wins.
        var closeCode: RealtimeCloseCode?
        /// It must go without a close frame (a fault: the network dropped).
        var aborted = false
        /// The channel closed: nothing more is queued or served.
        var ended = false
        /// Client requests not served yet, and whether a task is serving them.
        var requests: [RealtimeClientMessage] = []
        var serving = false
        /// Whether the handler stopped reading because requests piled up.
        var readsHeld = false
        /// The connection's part in calling, when its token allows calling.
        var callSession: CallSession?
    }

    let id: String
    let identity: RealtimeIdentity
    /// `identity`'s identifier as per-recipient events carry it.
    let recipient: [UInt8]
    private let queueLimit: Int
    private let state = Mutex(State())
    private let writer: NIOLoopBound<RealtimeChannelHandler>
    private let serve: @Sendable (RealtimeConnection, RealtimeClientMessage) async -> Void
    private let onEnd: @Sendable (RealtimeConnection, CallSession?) -> Void

    /// Requests waiting beyond this stop reading from the socket until they are served.
    static let requestBacklogLimit = 32

    /// - Parameters:
    ///   - queueLimit: frames waiting beyond this close the connection as a slow consumer.
    ///   - writer: the channel handler that writes the frames, on its event loop.
    ///   - serve: serves one message from the client.
    ///   - onEnd: called once, when the channel has closed, with the call session it had.
    init(
        id: String,
        identity: RealtimeIdentity,
        queueLimit: Int,
        writer: NIOLoopBound<RealtimeChannelHandler>,
        serve: @escaping @Sendable (RealtimeConnection, RealtimeClientMessage) async -> Void,
        onEnd: @escaping @Sendable (RealtimeConnection, CallSession?) -> Void
    ) {
        self.id = id
        self.identity = identity
        self.recipient = identity.recipientJSON()
        self.queueLimit = queueLimit
        self.writer = writer
        self.serve = serve
        self.onEnd = onEnd
        if let agent = identity.callAgent {
            let session = CallSession(agent: agent, sink: self)
            state.withLock { $0.callSession = session }
        }
    }

    /// The connection's part in calling, while it is open and its token allows calling.
    var callSession: CallSession? { state.withLock { $0.callSession } }

    // MARK: Frames out

    /// Queues `frame`; a full queue closes the connection instead (the client resumes).
    func enqueue(_ frame: RealtimeFrame) {
        let schedule = state.withLock { state -> Bool in
            guard state.closeCode == nil, !state.aborted, !state.ended else { return false }
            if state.outbox.count >= queueLimit {
                state.closeCode = .slowConsumer
                state.outbox = []
            } else {
                state.outbox.append(frame)
            }
            return Self.claimDrain(&state)
        }
        if schedule { scheduleDrain() }
    }

    /// Asks the connection to close with `code` (the first reason wins). Queued frames are not
    /// sent any more: a client resumes from the last position it received.
    ///
    /// - Parameter afterQueuedFrames: frames already waiting go out before the close (a restore
    ///   tells each party its call ended, then closes); otherwise they are dropped.
    func requestClose(_ code: RealtimeCloseCode, afterQueuedFrames: Bool = false) {
        let schedule = state.withLock { state -> Bool in
            guard state.closeCode == nil, !state.ended else { return false }
            state.closeCode = code
            if !afterQueuedFrames { state.outbox = [] }
            return Self.claimDrain(&state)
        }
        if schedule { scheduleDrain() }
    }

    /// Drops the connection with no close frame, as a lost network would (a fault; the client
    /// sees 1006 and reconnects).
    func abort() {
        let schedule = state.withLock { state -> Bool in
            guard state.closeCode == nil, !state.aborted, !state.ended else { return false }
            state.aborted = true
            state.outbox = []
            return Self.claimDrain(&state)
        }
        if schedule { scheduleDrain() }
    }

    /// What the handler's drain takes: the frames to write, or the close to send.
    enum Drained {
        case frames([RealtimeFrame])
        /// The close to send, after the frames still to be written (when it was asked for after them).
        case close(RealtimeCloseCode, after: [RealtimeFrame])
        case abort
    }

    /// Takes what waits for the event loop (called by the handler, on it). With `writable`
    /// false only a close is taken: frames wait, and count towards the limit, until the client
    /// reads again.
    func drain(writable: Bool) -> Drained {
        state.withLock { state in
            state.drainScheduled = false
            if state.aborted { return .abort }
            if let code = state.closeCode {
                defer { state.outbox = [] }
                return .close(code, after: writable ? state.outbox : [])
            }
            guard writable else { return .frames([]) }
            defer { state.outbox = [] }
            return .frames(state.outbox)
        }
    }

    /// Writes the frames that open the connection (hello, the replay, caughtUp), before any
    /// live frame; completes once they are written, so a long replay waits for the client.
    func sendOpening(_ frames: [RealtimeFrame]) async throws {
        guard !frames.isEmpty else { return }
        try await writer.eventLoop.flatSubmit { [writer] in
            writer.value.writeOpening(frames) ?? writer.eventLoop.makeFailedFuture(ChannelError.ioOnClosedChannel)
        }.get()
    }

    /// Ends the opening: live frames flow from now on, skipping durable events up to
    /// `position` (the replay sent them).
    func goLive(after position: Int64) {
        writer.eventLoop.execute { [writer] in writer.value.goLive(after: position) }
    }

    /// Has the handler drain the outbox on its event loop.
    private func scheduleDrain() {
        writer.eventLoop.execute { [writer] in writer.value.drain() }
    }

    private static func claimDrain(_ state: inout State) -> Bool {
        guard !state.drainScheduled else { return false }
        state.drainScheduled = true
        return true
    }

    // MARK: Frames in

    /// A complete message from the client. Requests are served one at a time and in order,
    /// by a task that exists only while there are requests. Returns whether the handler should
    /// stop reading until ``resumeReading`` (too many requests waiting).
    func received(_ request: RealtimeClientMessage) -> Bool {
        let (start, hold) = state.withLock { state -> (Bool, Bool) in
            guard !state.ended else { return (false, false) }
            state.requests.append(request)
            let start = !state.serving
            state.serving = true
            if state.requests.count >= Self.requestBacklogLimit { state.readsHeld = true }
            return (start, state.readsHeld)
        }
        if start { Task { await self.serveRequests() } }
        return hold
    }

    private func serveRequests() async {
        while true {
            let (next, resume) = state.withLock { state -> (RealtimeClientMessage?, Bool) in
                guard !state.requests.isEmpty, !state.ended else {
                    state.serving = false
                    return (nil, false)
                }
                let next = state.requests.removeFirst()
                let resume = state.readsHeld && state.requests.count < Self.requestBacklogLimit / 2
                if resume { state.readsHeld = false }
                return (next, resume)
            }
            if resume { writer.eventLoop.execute { [writer] in writer.value.resumeReading() } }
            guard let next else { return }
            await serve(self, next)
        }
    }

    // MARK: Ending

    /// The channel closed (called by the handler): nothing more is queued or served.
    func ended() {
        let (first, session) = state.withLock { state -> (Bool, CallSession?) in
            guard !state.ended else { return (false, nil) }
            state.ended = true
            state.outbox = []
            state.requests = []
            defer { state.callSession = nil }
            return (true, state.callSession)
        }
        if first { onEnd(self, session) }
    }

    var hasEnded: Bool { state.withLock { $0.ended } }
}

extension RealtimeConnection: CallFrameSink {
    /// Calling frames and replies share the connection's queue with events.
    func deliver(_ frame: RealtimeServerFrame) {
        enqueue(RealtimeFrame(deferring: frame))
    }
}

/// A complete message a client sent: calling requests are JSON text.
enum RealtimeClientMessage: Sendable {
    case text(Data)
    case binary
}
