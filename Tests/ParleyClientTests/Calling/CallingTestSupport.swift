import Foundation
import ParleyAPI
import ParleyCore
import Synchronization
import Testing

@testable import ParleyClient
@testable import ParleyServer

extension LiveServer {
    /// A new app user of the default resource with a registered call agent.
    func callAgent(displayName: String? = nil, mediaEngine: (any CallMediaEngine)? = nil) async throws -> (rawId: String, agent: CallAgent) {
        let (rawId, token) = try await appUser()
        return (rawId, try await callAgent(token: token, displayName: displayName, mediaEngine: mediaEngine))
    }

    /// Another call agent (another device) for the user of `token`.
    func callAgent(token: String, displayName: String? = nil, mediaEngine: (any CallMediaEngine)? = nil) async throws -> CallAgent {
        try await CallClient(endpoint: endpoint).createCallAgent(
            credential: try CommunicationTokenCredential(token: token),
            options: callAgentOptions(displayName: displayName, mediaEngine: mediaEngine)
        )
    }

    /// The demo person `index` signed in through ``OrgSignIn``, with a call agent.
    func teamsCallAgent(_ index: Int) async throws -> (person: DemoPerson, agent: CallAgent) {
        let person = try await givePassword(to: index)
        let (clientId, _) = try await registerApp()
        let signIn = try OrgSignIn(endpoint: endpoint, tenant: tenantDomain, clientId: clientId, options: chatOptions)
        let credential = try signIn.credential(username: person.userPrincipalName, password: Self.password)
        let agent = try await CallClient(endpoint: endpoint).createCallAgent(credential: credential, options: callAgentOptions())
        return (person, agent)
    }

    /// A token of a new app user with the `chat` scope only (no calling).
    func chatOnlyToken() async throws -> String {
        let (_, token) = try await environment.identities.createUser(in: resource, tokenScopes: ["chat"], expiresInMinutes: nil)
        guard let token else { throw LiveServerError("no token was issued") }
        return token.token
    }

    func callAgentOptions(displayName: String? = nil, mediaEngine: (any CallMediaEngine)? = nil) -> CallAgentOptions {
        CallAgentOptions(displayName: displayName, caCertificatePath: caCertificatePath, mediaEngine: mediaEngine, requestTimeout: .seconds(60))
    }
}

/// Reads an async sequence into a ``Collector`` in the background, so a test can wait for what
/// it yields.
struct Recording<Element: Sendable>: Sendable {
    let collector = Collector<Element>()
    private let task: Task<Void, Never>

    init<S: AsyncSequence & Sendable>(_ sequence: S) where S.Element == Element, S.Failure == Never {
        let collector = self.collector
        task = Task {
            for await element in sequence { await collector.append(element) }
            await collector.finish()
        }
    }

    var values: [Element] { get async { await collector.values } }

    /// Waits until a value matches, and returns the first that does.
    @discardableResult
    func first(sourceLocation: SourceLocation = #_sourceLocation, where matches: @escaping @Sendable (Element) -> Bool) async -> Element? {
        await collector.wait(sourceLocation: sourceLocation) { $0.contains(where: matches) }
        return await collector.values.first(where: matches)
    }

    /// Waits until the sequence ends.
    func finished(sourceLocation: SourceLocation = #_sourceLocation) async -> [Element] {
        await collector.waitForFinish(sourceLocation: sourceLocation)
        return await collector.values
    }

    func stop() { task.cancel() }
}

/// Waits, without sleeping, until `condition` holds: it is checked now and after each value of
/// `changes` (subscribe before the action that changes it). Fails the test after a deadline.
func eventually<S: AsyncSequence & Sendable>(
    _ changes: S,
    sourceLocation: SourceLocation = #_sourceLocation,
    _ condition: @escaping @Sendable () -> Bool
) async where S.Failure == Never, S.Element: Sendable {
    let recording = Recording(changes)
    defer { recording.stop() }
    if condition() { return }
    await recording.collector.wait(sourceLocation: sourceLocation) { _ in condition() }
}

/// Waits for the next incoming call of a recording of ``CallAgent/incomingCalls``.
func nextIncoming(_ incoming: Recording<IncomingCall>, id: String, sourceLocation: SourceLocation = #_sourceLocation) async throws -> IncomingCall {
    try #require(await incoming.first(sourceLocation: sourceLocation) { $0.id == id }, sourceLocation: sourceLocation)
}

/// A media engine that makes SDP strings naming who made them (`offer-2-from-alice`,
/// `answer-from-bob-to-offer-2-from-alice`) and records what the agent asks of it, to test the
/// negotiation rules end to end without media.
final class FakeMediaEngine: CallMediaEngine {
    enum Operation: Sendable, Hashable {
        case madeOffer(to: String, sdp: String)
        case acceptedOffer(from: String, sdp: String)
        case acceptedAnswer(from: String, sdp: String)
        case addedCandidate(from: String, candidate: String)
        case rolledBack(peer: String)
        case closed(peer: String)
    }

    let name: String
    let operations = Collector<Operation>()
    let localCandidates: AsyncStream<LocalIceCandidate>
    private let candidates: AsyncStream<LocalIceCandidate>.Continuation
    private let offersMade = Counter()
    /// Awaited by each offer while set: lets two engines make their offers at the same time.
    private let offerBarrier = Mutex<Barrier?>(nil)

    init(name: String) {
        self.name = name
        (localCandidates, candidates) = AsyncStream.makeStream(of: LocalIceCandidate.self)
    }

    func makeOffer(for peer: CallMediaPeer) async throws -> String {
        if let barrier = offerBarrier.withLock({ $0 }) { await barrier.arrive() }
        let sdp = "offer-\(offersMade.increment())-from-\(name)"
        await operations.append(.madeOffer(to: peer.participantId, sdp: sdp))
        candidates.yield(
            LocalIceCandidate(peer: peer, candidate: CallSignal.Candidate(candidate: "candidate-of-\(sdp)", sdpMid: "0", sdpMLineIndex: 0))
        )
        return sdp
    }

    func acceptOffer(_ sdp: String, from peer: CallMediaPeer) async throws -> String {
        await operations.append(.acceptedOffer(from: peer.participantId, sdp: sdp))
        let answer = "answer-from-\(name)-to-\(sdp)"
        candidates.yield(LocalIceCandidate(peer: peer, candidate: CallSignal.Candidate(candidate: "candidate-of-\(answer)")))
        return answer
    }

    func acceptAnswer(_ sdp: String, from peer: CallMediaPeer) async throws {
        await operations.append(.acceptedAnswer(from: peer.participantId, sdp: sdp))
    }

    func addRemoteCandidate(_ candidate: CallSignal.Candidate, from peer: CallMediaPeer) async throws {
        await operations.append(.addedCandidate(from: peer.participantId, candidate: candidate.candidate))
    }

    func rollback(for peer: CallMediaPeer) async throws {
        await operations.append(.rolledBack(peer: peer.participantId))
    }

    func close(_ peer: CallMediaPeer) async {
        await operations.append(.closed(peer: peer.participantId))
    }

    /// Makes each offer from now on wait at `barrier` (nil: not wait).
    func holdOffers(at barrier: Barrier?) {
        offerBarrier.withLock { $0 = barrier }
    }

    /// Waits until an operation matches.
    func wait(sourceLocation: SourceLocation = #_sourceLocation, for operation: Operation) async {
        await operations.wait(sourceLocation: sourceLocation) { $0.contains(operation) }
    }
}

/// Lets `count` tasks through together, once all have arrived.
actor Barrier {
    private var waiting: [CheckedContinuation<Void, Never>] = []
    private let count: Int

    init(count: Int) { self.count = count }

    func arrive() async {
        await withCheckedContinuation { continuation in
            waiting.append(continuation)
            if waiting.count == count {
                for waiter in waiting { waiter.resume() }
                waiting = []
            }
        }
    }
}
