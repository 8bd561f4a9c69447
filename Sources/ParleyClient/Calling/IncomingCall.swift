import ParleyAPI
import Synchronization

/// A call ringing at this endpoint (the ACS SDK's `IncomingCall`), from
/// ``CallAgent/incomingCalls``. Accept it, reject it, or let it ring: it ends by itself when the
/// caller cancels (487/0), another endpoint of the user answers (487/10003) or declines
/// (487/10024), or nobody answers in time (487/10004).
public final class IncomingCall: Sendable, CustomStringConvertible {
    /// The server's call id (the ``Call/id`` of the call once accepted).
    public let id: String
    public let callerInfo: CallerInfo
    public let isGroupCall: Bool
    /// Who transferred the call here, when it is a transfer.
    public let transferredBy: (any CommunicationIdentifier)?
    private let agent: CallAgent
    private let endReason = Mutex<CallEndReason?>(nil)
    private let endSource = EventSource<CallEndReason>()

    init(_ info: IncomingCallInfo, agent: CallAgent) {
        self.id = info.id
        self.callerInfo = info.callerInfo
        self.isGroupCall = info.isGroupCall
        self.transferredBy = info.transferredBy?.communicationIdentifier
        self.agent = agent
    }

    /// Why the call stopped ringing here without being accepted here; nil while it rings, and
    /// once accepted here.
    public var callEndReason: CallEndReason? { endReason.withLock { $0 } }

    /// Yields why the call stopped ringing, once, then ends; ends without a value when the call
    /// is accepted here (or the agent is disposed). Read after the end, it yields the reason
    /// at once: `for await reason in incoming.ended { … }` waits for the end either way.
    public var ended: AsyncStream<CallEndReason> { endSource.subscribe() }

    public var description: String { "IncomingCall \(id) from \(callerInfo.identifier.participantKey)" }

    /// Answers the call here; the user's other endpoints stop ringing (487/10003). With a media
    /// engine, this endpoint then offers media to the participants already connected.
    ///
    /// - Throws: ``CallingError`` 400 / 41006 when the call no longer rings here.
    public func accept(options: AcceptCallOptions = .init()) async throws -> Call {
        let call = try await agent.accept(self)
        answered()
        if options.muted { try await call.muteOrLeave() }
        return call
    }

    /// Declines the call for the user: in a 1:1 call the caller's call ends (603/0) and the
    /// user's other endpoints stop ringing (487/10024); in a group call only this user leaves.
    public func reject() async throws {
        _ = try await agent.connection.request(.rejectCall(CallReference(callId: id)))
        end(.declined)
    }

    /// The call stopped ringing here.
    func end(_ reason: CallEndReason) {
        let first = endReason.withLock { current in
            guard current == nil else { return false }
            current = reason
            return true
        }
        if first { endSource.finish(final: reason) }
    }

    /// Accepted here (or the agent went away): the ``ended`` sequence ends without a reason.
    func answered() {
        endSource.finish()
    }
}
