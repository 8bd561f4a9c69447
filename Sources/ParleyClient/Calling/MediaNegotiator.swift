import Logging
import ParleyAPI
import Synchronization

/// Runs the media negotiation of an agent's calls with the application's ``CallMediaEngine``:
/// the rules of `docs/realtime.md` (*Media negotiation*), one step at a time, in order.
///
/// Each pair of participants has at most one outstanding offer of this side. When the other
/// side's offer crosses it (glare), the server marks which side is polite (`receiverIsPolite`):
/// the polite side rolls its offer back and answers, the other ignores the crossing offer. The
/// server's refusals of a crossing offer (409 `Glare`) or of an answer to a replaced offer (409
/// `OfferSuperseded`) are expected outcomes of that rule: an offer refused is rolled back, an
/// answer refused is forgotten.
final class MediaNegotiator: Sendable {
    private enum Job: Sendable {
        case offer(CallMediaPeer)
        case received(CallSignal)
        case offerRefused(CallMediaPeer, offer: Int)
        case localCandidate(LocalIceCandidate)
        case close(CallMediaPeer)
        case iceServers([CallIceServer])
    }

    /// This side's negotiation with one peer.
    private struct Negotiation {
        /// The number of this side's offer the peer has not answered yet.
        var outstandingOffer: Int?
        var offersMade = 0
    }

    let engine: any CallMediaEngine
    private let jobs: AsyncStream<Job>.Continuation
    private let pending: AsyncStream<Job>
    private let tasks = Mutex<[Task<Void, Never>]>([])
    private let logger = Logger(label: "parley.calling.media")

    init(engine: any CallMediaEngine) {
        self.engine = engine
        (pending, jobs) = AsyncStream.makeStream(of: Job.self)
    }

    /// Starts negotiating over `connection`, and sending the engine's local candidates.
    func start(connection: CallingConnection) {
        let negotiate = Task { await self.run(connection) }
        let candidates = Task { [engine, jobs] in
            for await candidate in engine.localCandidates { jobs.yield(.localCandidate(candidate)) }
        }
        tasks.withLock { $0 = [negotiate, candidates] }
    }

    func stop() {
        jobs.finish()
        for task in tasks.withLock({ $0 }) { task.cancel() }
    }

    /// This side offers to each peer (it became connected, or renegotiates).
    func offer(to peers: [CallMediaPeer]) {
        for peer in peers { jobs.yield(.offer(peer)) }
    }

    /// A `signal` frame from another participant.
    func received(_ signal: CallSignal) {
        jobs.yield(.received(signal))
    }

    /// The peers left their calls, or the calls ended.
    func close(_ peers: [CallMediaPeer]) {
        for peer in peers { jobs.yield(.close(peer)) }
    }

    func useIceServers(_ servers: [CallIceServer]) {
        jobs.yield(.iceServers(servers))
    }

    // MARK: The negotiation task

    private func run(_ connection: CallingConnection) async {
        var negotiations: [CallMediaPeer: Negotiation] = [:]
        for await job in pending {
            switch job {
            case .offer(let peer):
                guard negotiations[peer]?.outstandingOffer == nil else { continue }
                var negotiation = negotiations[peer] ?? Negotiation()
                negotiation.offersMade += 1
                let number = negotiation.offersMade
                negotiation.outstandingOffer = number
                negotiations[peer] = negotiation
                await makeOffer(number, to: peer, over: connection) { negotiations[peer]?.outstandingOffer = nil }
            case .received(let signal):
                guard let from = signal.from else { continue }
                let peer = CallMediaPeer(callId: signal.callId, participantId: from)
                switch signal.kind {
                case .offer:
                    if negotiations[peer]?.outstandingOffer != nil {
                        // Glare: the impolite side keeps its offer, the polite side yields.
                        guard signal.receiverIsPolite == true else { continue }
                        negotiations[peer]?.outstandingOffer = nil
                        await attempt("roll back the offer to \(peer)") { try await engine.rollback(for: peer) }
                    }
                    await answer(signal.sdp, from: peer, over: connection)
                case .answer:
                    guard negotiations[peer]?.outstandingOffer != nil, let sdp = signal.sdp else { continue }
                    negotiations[peer]?.outstandingOffer = nil
                    await attempt("take the answer of \(peer)") { try await engine.acceptAnswer(sdp, from: peer) }
                case .candidate:
                    guard let candidate = signal.candidate else { continue }
                    await attempt("add a candidate of \(peer)") { try await engine.addRemoteCandidate(candidate, from: peer) }
                }
            case .offerRefused(let peer, let number):
                guard negotiations[peer]?.outstandingOffer == number else { continue }
                negotiations[peer]?.outstandingOffer = nil
                await attempt("roll back the refused offer to \(peer)") { try await engine.rollback(for: peer) }
            case .localCandidate(let local):
                let signal = CallSignal(callId: local.peer.callId, kind: .candidate, to: local.peer.participantId, candidate: local.candidate)
                await connection.send(.signal(signal)) { _ in }
            case .close(let peer):
                negotiations[peer] = nil
                await engine.close(peer)
            case .iceServers(let servers):
                await engine.useIceServers(servers)
            }
        }
    }

    private func makeOffer(_ number: Int, to peer: CallMediaPeer, over connection: CallingConnection, failed: () -> Void) async {
        let sdp: String
        do {
            sdp = try await engine.makeOffer(for: peer)
        } catch {
            logger.warning("The media engine could not make an offer", metadata: ["peer": "\(peer)", "error": "\(error)"])
            failed()
            return
        }
        let signal = CallSignal(callId: peer.callId, kind: .offer, to: peer.participantId, sdp: sdp)
        await connection.send(.signal(signal)) { [jobs] result in
            if case .failure = result { jobs.yield(.offerRefused(peer, offer: number)) }
        }
    }

    private func answer(_ offer: String?, from peer: CallMediaPeer, over connection: CallingConnection) async {
        guard let offer else { return }
        let sdp: String
        do {
            sdp = try await engine.acceptOffer(offer, from: peer)
        } catch {
            logger.warning("The media engine could not answer an offer", metadata: ["peer": "\(peer)", "error": "\(error)"])
            return
        }
        // A refusal (409 OfferSuperseded: the offer was replaced by a crossing one) needs nothing.
        await connection.send(.signal(CallSignal(callId: peer.callId, kind: .answer, to: peer.participantId, sdp: sdp))) { _ in }
    }

    private func attempt(_ what: String, _ body: () async throws -> Void) async {
        do {
            try await body()
        } catch {
            logger.warning("The media engine could not \(what)", metadata: ["error": "\(error)"])
        }
    }
}
