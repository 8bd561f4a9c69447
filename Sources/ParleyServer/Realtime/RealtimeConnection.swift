import Foundation
import ParleyAPI
import ParleyCore
import Synchronization

/// One open WebSocket of a user: a bounded queue of frames the gateway fills without ever
/// waiting, and the reason it must close, once there is one.
final class RealtimeConnection: Sendable {
    let id: String
    let identity: RealtimeIdentity
    /// `identity`'s identifier as per-recipient events carry it.
    let recipient: [UInt8]
    /// Frames in order; the connection's writer drains it.
    let frames: AsyncStream<RealtimeFrame>
    private let continuation: AsyncStream<RealtimeFrame>.Continuation
    private let closeCode = Mutex<RealtimeCloseCode?>(nil)

    /// - Parameter queueLimit: frames waiting beyond this close the connection as a slow consumer.
    init(id: String, identity: RealtimeIdentity, queueLimit: Int) {
        self.id = id
        self.identity = identity
        self.recipient = identity.recipientJSON()
        (frames, continuation) = AsyncStream.makeStream(of: RealtimeFrame.self, bufferingPolicy: .bufferingOldest(queueLimit))
    }

    /// Queues `frame`; a full queue closes the connection instead (the client resumes).
    func enqueue(_ frame: RealtimeFrame) {
        if case .dropped = continuation.yield(frame) {
            requestClose(.slowConsumer)
        }
    }

    /// Asks the connection to close with `code` (the first reason wins). Queued frames are not
    /// sent any more: a client resumes from the last position it received.
    func requestClose(_ code: RealtimeCloseCode) {
        let first = closeCode.withLock { current -> Bool in
            guard current == nil else { return false }
            current = code
            return true
        }
        if first { continuation.finish() }
    }

    /// The client closed the connection: nothing more is sent.
    func clientLeft() {
        continuation.finish()
    }

    /// Why the connection must close, if it must.
    var pendingClose: RealtimeCloseCode? { closeCode.withLock { $0 } }
}

extension RealtimeConnection: CallFrameSink {
    /// Calling frames and replies share the connection's queue with events.
    func deliver(_ frame: RealtimeServerFrame) {
        enqueue(RealtimeFrame(deferring: frame))
    }
}
