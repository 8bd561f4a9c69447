import ParleyAPI
import Synchronization

/// A call this endpoint is in (the ACS SDK's `Call`), placed with ``CallAgent/startCall(_:options:)``
/// or accepted with ``IncomingCall/accept(options:)``.
///
/// Its values are current whenever read, from any task: the server sends the whole call on
/// every change and the call keeps the newest. The `…Changed` and `…Updated` sequences tell of
/// changes from the moment they are read (read the value first, then subscribe); they end once
/// the call is `Disconnected`, after which it never changes again.
public final class Call: Sendable, CustomStringConvertible {
    /// The server's call id, the same for every endpoint in the call.
    public let id: String
    let connection: CallingConnection
    let negotiator: MediaNegotiator?
    /// Told of every change applied (the agent keeps its list of calls with it).
    private let onChange: @Sendable (Call, CallSnapshotDiff) -> Void

    private struct Model {
        var snapshot: CallSnapshot
        var participants: [RemoteParticipant]
        var isFinished = false
    }

    private let model: Mutex<Model>
    /// Held while a snapshot is applied and its events yielded: one snapshot at a time.
    private let delivery = Mutex(())
    private let stateSource = EventSource<CallState>()
    private let participantsSource = EventSource<RemoteParticipantsUpdatedEvent>()
    private let mutedSource = EventSource<Bool>()
    let recordingSource = EventSource<Bool>()
    let transcriptionSource = EventSource<Bool>()
    let capabilitiesSource = EventSource<CapabilitiesChangedEvent>()
    /// Every snapshot applied, for requests that wait to see their effect.
    private let changeSource = EventSource<Void>()

    init(
        _ snapshot: CallSnapshot,
        connection: CallingConnection,
        negotiator: MediaNegotiator?,
        changed: @escaping @Sendable (Call, CallSnapshotDiff) -> Void = { _, _ in }
    ) {
        self.id = snapshot.id
        self.connection = connection
        self.negotiator = negotiator
        self.onChange = changed
        self.model = Mutex(Model(snapshot: snapshot, participants: CallSnapshotDiff.present(snapshot).map(RemoteParticipant.init)))
    }

    // MARK: Values

    public var state: CallState { snapshot.state }
    public var direction: CallDirection { snapshot.direction }
    public var callerInfo: CallerInfo { snapshot.callerInfo }
    public var isGroupCall: Bool { snapshot.isGroupCall }
    /// Whether the call includes a Teams user or voice app and an app user.
    public var isInterop: Bool { snapshot.isInterop }
    /// Whether this endpoint is muted (the others see it as its `isMuted`).
    public var isMuted: Bool { snapshot.isMuted }
    /// Why the call ended for this endpoint; set once ``state`` is `Disconnected`.
    public var callEndReason: CallEndReason? { snapshot.callEndReason }
    /// Everyone else in the call, ringing or connected (not those who left).
    public var remoteParticipants: [RemoteParticipant] { model.withLock { $0.participants } }
    /// The newest state the server sent, as it sent it.
    public var snapshot: CallSnapshot { model.withLock { $0.snapshot } }

    public var description: String { "Call \(id) (\(state.rawValue))" }

    // MARK: Changes

    /// The call's new states, from now on.
    public var stateChanged: AsyncStream<CallState> { stateSource.subscribe() }
    /// Participants who joined (or started ringing) and who left, from now on.
    public var remoteParticipantsUpdated: AsyncStream<RemoteParticipantsUpdatedEvent> { participantsSource.subscribe() }
    /// This endpoint's new mute states, from now on.
    public var isMutedChanged: AsyncStream<Bool> { mutedSource.subscribe() }

    /// A feature of the call: ``CallFeatureKind/recording``, ``CallFeatureKind/transcription``
    /// or ``CallFeatureKind/capabilities``.
    public func feature<Feature>(_ kind: CallFeatureKind<Feature>) -> Feature {
        kind.make(self)
    }

    // MARK: Operations

    /// Leaves the call; with `forEveryone`, ends it for every participant (they get 0/4097). A
    /// 1:1 call ends for both. Returns once the call is `Disconnected` here (0/0).
    public func hangUp(forEveryone: Bool = false) async throws {
        try await perform(.hangUp(HangUpRequest(callId: id, forEveryone: forEveryone ? true : nil)))
        end(.hungUp)
    }

    /// Puts the call on hold here (`LocalHold`); in a 1:1 call the other party is in
    /// `RemoteHold` until everyone who held has resumed.
    public func hold() async throws {
        try await perform(.hold(CallReference(callId: id))) { $0.state == .localHold }
    }

    /// Takes this endpoint's hold back: `Connected` again, or `RemoteHold` while the other
    /// party of a 1:1 call still holds.
    public func resume() async throws {
        try await perform(.resume(CallReference(callId: id))) { $0.state != .localHold }
    }

    /// Mutes this endpoint; the other participants see it as the participant's `isMuted`.
    /// Returns once ``isMuted`` is true (as ``hold()``, ``resume()`` and ``unmute()`` return once
    /// the call shows their effect).
    public func mute() async throws {
        try await perform(.mute(MuteRequest(callId: id, muted: true))) { $0.isMuted }
    }

    /// Mutes a call just joined muted; if that fails, leaves it rather than stay in it unmuted
    /// (and rethrows).
    func muteOrLeave() async throws {
        do {
            try await mute()
        } catch {
            try? await hangUp()
            throw error
        }
    }

    public func unmute() async throws {
        try await perform(.mute(MuteRequest(callId: id, muted: false))) { !$0.isMuted }
    }

    /// Adds a participant, who rings; returns it as the call now lists it. Whether it answers
    /// shows in its ``RemoteParticipant/state`` (and ``RemoteParticipant/callEndReason`` when it
    /// declines or does not answer).
    @discardableResult
    public func addParticipant(_ participant: any CommunicationIdentifier) async throws -> RemoteParticipant {
        try await perform(.addParticipant(CallTargetRequest(callId: id, target: CommunicationIdentifierModel(participant))))
        guard let added = remoteParticipants.first(where: { $0.identifier.rawId == participant.rawId }) else {
            throw CallingError.invalidResponse("The call does not list \(participant.rawId) after adding it.")
        }
        return added
    }

    /// Removes a participant from the call (it leaves with 0/5300).
    public func removeParticipant(_ participant: any CommunicationIdentifier) async throws {
        try await perform(.removeParticipant(CallTargetRequest(callId: id, target: CommunicationIdentifierModel(participant))))
    }

    /// Transfers a 1:1 call: `target` rings, and once it accepts it replaces this endpoint,
    /// whose call ends with 0/7015. If it declines or does not answer, the call goes on.
    public func transfer(to target: any CommunicationIdentifier) async throws {
        try await perform(.transfer(CallTargetRequest(callId: id, target: CommunicationIdentifierModel(target))))
    }

    /// Starts recording the call (Teams users); every participant sees `isRecordingActive`.
    public func startRecording() async throws {
        try await perform(.setRecording(CallActivityRequest(callId: id, active: true)))
    }

    public func stopRecording() async throws {
        try await perform(.setRecording(CallActivityRequest(callId: id, active: false)))
    }

    /// Starts transcribing the call (Teams users); every participant sees `isTranscriptionActive`.
    public func startTranscription() async throws {
        try await perform(.setTranscription(CallActivityRequest(callId: id, active: true)))
    }

    public func stopTranscription() async throws {
        try await perform(.setTranscription(CallActivityRequest(callId: id, active: false)))
    }

    /// Offers new media to every connected participant (after the local media changed). Does
    /// nothing without a media engine.
    public func renegotiateMedia() {
        negotiator?.offer(to: Self.connectedPeers(in: snapshot))
    }

    // MARK: Snapshots

    /// The peers a media engine negotiates with: the participants connected (or holding).
    static func connectedPeers(in snapshot: CallSnapshot) -> [CallMediaPeer] {
        CallSnapshotDiff.present(snapshot).filter { $0.state == .connected || $0.state == .hold }.map {
            CallMediaPeer(callId: snapshot.id, participantId: $0.identifier.participantKey)
        }
    }

    /// Takes a newer snapshot and tells subscribers what changed; returns the changes, or nil
    /// for a snapshot no newer than the one held (or a call that already ended).
    @discardableResult
    func apply(_ snapshot: CallSnapshot) -> CallSnapshotDiff? {
        delivery.withLock { _ in applyInOrder(snapshot) }
    }

    /// Ends the call here without word from the server (the agent stopped, the server no longer
    /// has the call, or this endpoint hung up); nothing if it already ended.
    @discardableResult
    func end(_ reason: CallEndReason) -> CallSnapshotDiff? {
        delivery.withLock { _ in
            var final = model.withLock { $0.snapshot }
            final.version += 1
            final.state = .disconnected
            final.callEndReason = reason
            return applyInOrder(final)
        }
    }

    /// Applies a snapshot and yields its events; called under ``delivery`` so that events of
    /// successive snapshots reach subscribers in order, whichever task applies them.
    private func applyInOrder(_ snapshot: CallSnapshot) -> CallSnapshotDiff? {
        let applied = model.withLock { model -> (CallSnapshotDiff, RemoteParticipantsUpdatedEvent)? in
            guard !model.isFinished, snapshot.version > model.snapshot.version else { return nil }
            let diff = CallSnapshotDiff(from: model.snapshot, to: snapshot)
            // The participants change with the call, so that a reader never sees one newer
            // than the other.
            func find(_ info: RemoteParticipantInfo) -> RemoteParticipant? {
                model.participants.first { $0.identifier.rawId == info.identifier.participantKey }
            }
            for info in diff.changed { find(info)?.update(info) }
            let removed = diff.removed.compactMap { info in find(info).map { ($0, info) } }
            for (participant, info) in removed { participant.remove(info) }
            let added = diff.added.map(RemoteParticipant.init)
            let gone = Set(diff.removed.map(\.identifier.participantKey))
            model.participants = model.participants.filter { !gone.contains($0.identifier.rawId) } + added
            model.snapshot = snapshot
            model.isFinished = snapshot.state == .disconnected
            return (diff, RemoteParticipantsUpdatedEvent(added: added, removed: removed.map(\.0)))
        }
        guard let (diff, participants) = applied else { return nil }
        // The agent first, so that whoever hears of the change finds the agent's calls in step.
        onChange(self, diff)
        if !participants.added.isEmpty || !participants.removed.isEmpty { participantsSource.yield(participants) }
        if let state = diff.state { stateSource.yield(state) }
        if let muted = diff.isMuted { mutedSource.yield(muted) }
        if let recording = diff.isRecordingActive { recordingSource.yield(recording) }
        if let transcription = diff.isTranscriptionActive { transcriptionSource.yield(transcription) }
        if let capabilities = diff.capabilities { capabilitiesSource.yield(capabilities) }
        changeSource.yield(())
        if snapshot.state == .disconnected { finish() }
        return diff
    }

    /// Ends every sequence: the call will not change again.
    private func finish() {
        stateSource.finish()
        participantsSource.finish()
        mutedSource.finish()
        recordingSource.finish()
        transcriptionSource.finish()
        capabilitiesSource.finish()
        changeSource.finish()
    }

    private func perform(_ request: RealtimeRequest) async throws {
        _ = try await connection.request(request)
    }

    /// Performs a request that changes this endpoint's own state, and returns once the call
    /// shows the change (the server answers before it sends the call's new state), the call
    /// ends, or the request timeout passes.
    private func perform(_ request: RealtimeRequest, until shows: @escaping @Sendable (CallSnapshot) -> Bool) async throws {
        let changes = changeSource.subscribe()
        try await perform(request)
        guard !shows(snapshot) else { return }
        let timeout = connection.options.requestTimeout
        await withTaskGroup(of: Void.self) { group in
            group.addTask {
                for await _ in changes where shows(self.snapshot) { return }
            }
            group.addTask { try? await Task.sleep(for: timeout) }
            await group.next()
            group.cancelAll()
        }
    }
}
