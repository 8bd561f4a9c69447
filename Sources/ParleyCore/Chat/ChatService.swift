import Foundation
import ParleyAPI

/// The ACS Chat use cases: threads, participants, messages, typing and read receipts, decided
/// for one authenticated caller.
public struct ChatService: Sendable {
    private let store: any ParleyStore
    private let clock: any WallClock
    private let ids: any IdentifierGenerator
    private let rateLimiter: RateLimiter?
    private let ephemeral: EventHub
    private let profile: InteropProfile

    public init(
        store: any ParleyStore,
        clock: any WallClock,
        ids: any IdentifierGenerator = RandomIdentifierGenerator(),
        rateLimiter: RateLimiter? = nil,
        ephemeral: EventHub = EventHub(),
        profile: InteropProfile = .faithful
    ) {
        self.store = store
        self.clock = clock
        self.ids = ids
        self.rateLimiter = rateLimiter
        self.ephemeral = ephemeral
        self.profile = profile
    }

    // MARK: Threads

    /// Creates a thread with the caller and the valid `participants`; the others come back as
    /// invalid participants (the thread is created anyway, as ACS does), unless `allOrNothing`
    /// (as Graph does), when the first refusal is thrown and nothing is created.
    public func createThread(
        by caller: ChatCaller,
        topic: String,
        participants: [ChatParticipant],
        idempotencyKey: String?,
        allOrNothing: Bool = false
    ) async throws -> (ChatThread, invalid: [InvalidParticipant]) {
        try ChatPermissions.require(.manageThreads, caller)
        try Self.validateTopic(topic)
        try Self.validateBatch(participants)
        try limit(.createThread, key: caller.rawId)

        let (valid, invalid, resource) = try await partition(participants, by: caller, threadResource: caller.resourceId)
        if allOrNothing, let refusal = invalid.first { throw refusal.error }
        if caller.tenantId != nil, let resource {
            // An org user creating a chat with app users is itself subject to the interop gate.
            try await requireInterop(caller.rawId, resource: resource)
        }
        let now = clock.now()
        var members = [ChatParticipant(rawId: caller.rawId, displayName: nil, shareHistoryTime: Date(timeIntervalSince1970: 0))]
        for participant in valid {
            if let index = members.firstIndex(where: { $0.rawId == participant.rawId }) {
                members[index].displayName = participant.displayName ?? members[index].displayName
            } else {
                members.append(participant)
            }
        }
        guard members.count <= ChatLimits.participantsPerThread else { throw Self.tooManyParticipants() }
        let thread = ChatThread(
            id: ChatThread.makeId(ids.uuid()),
            resourceId: resource,
            tenantId: caller.tenantId,
            topic: topic,
            createdBy: caller.rawId,
            createdAt: now,
            lastMessageAt: now
        )
        let initiator = caller.rawId
        let created = try await store.createThread(
            thread,
            participants: members,
            systemMessages: [
                .system(.participantAdded, ChatMessageContent(participants: members, initiator: initiator)),
                .system(.topicUpdated, ChatMessageContent(topic: topic, initiator: initiator)),
            ],
            idempotencyKey: idempotencyKey.map { "\(initiator)|\($0)" },
            event: event(.chatThreadCreated, thread.id, caller, now, ["topic": topic], in: thread)
        )
        return (created, invalid)
    }

    /// The thread, for a participant.
    public func thread(_ threadId: String, for caller: ChatCaller) async throws -> ChatThread {
        try ChatPermissions.require(.read, caller)
        return try await access(threadId, caller).thread
    }

    /// A page of the caller's threads, most recently active first.
    public func threads(
        for caller: ChatCaller,
        startTime: Date?,
        after cursor: ThreadCursor?,
        pageSize: Int?
    ) async throws -> Page<ChatThread, ThreadCursor> {
        try ChatPermissions.require(.read, caller)
        let size = try Self.pageSize(pageSize)
        let threads = try await store.threads(
            of: caller.rawId,
            activeSince: startTime,
            after: cursor,
            limit: size + 1
        )
        let items = Array(threads.prefix(size))
        let next = threads.count > size ? items.last.map { ThreadCursor(lastMessageAt: $0.lastMessageAt, threadId: $0.id) } : nil
        return Page(items: items, next: next)
    }

    public func deleteThread(_ threadId: String, by caller: ChatCaller) async throws {
        try ChatPermissions.require(.manageThreads, caller)
        try limit(.deleteThread, key: caller.rawId)
        let now = clock.now()
        let thread: ChatThread
        do {
            thread = try await access(threadId, caller).thread
        } catch let error as ParleyError where error.code == .notFound {
            return  // deleting what is gone is a success, as DELETE is idempotent
        }
        // Rule C3 (both profiles): an app user deleting a chat removes its org users, so the
        // chat and its history disappear from their side; app users keep the deleted entry.
        let removed = caller.resourceId == nil ? [] : try await store.participantIds(in: threadId, withPrefix: RawIdPrefix.teamsPublic)
        try await store.deleteThread(
            threadId,
            removing: removed,
            at: now,
            guard: ChatGuard(participant: caller.rawId),
            event: event(
                .chatThreadDeleted,
                threadId,
                caller,
                now,
                removed.isEmpty ? [:] : ["removedParticipants": removed.joined(separator: ",")],
                in: thread
            )
        )
    }

    public func updateTopic(_ threadId: String, topic: String?, by caller: ChatCaller) async throws {
        try ChatPermissions.require(.manageThreads, caller)
        guard let topic else { return }  // `{}`: nothing to change
        try Self.validateTopic(topic)
        try limit(.updateThread, key: threadId)
        let thread = try await access(threadId, caller).thread
        let now = clock.now()
        try await store.updateTopic(
            threadId,
            topic: topic,
            message: .system(.topicUpdated, ChatMessageContent(topic: topic, initiator: caller.rawId)),
            at: now,
            guard: ChatGuard(participant: caller.rawId),
            event: event(.chatThreadPropertiesUpdated, threadId, caller, now, ["topic": topic], in: thread)
        )
    }

    // MARK: Participants

    public func participants(
        in threadId: String,
        for caller: ChatCaller,
        skip: Int?,
        pageSize: Int?
    ) async throws -> Page<ChatParticipant, Int> {
        try await skipPaged(threadId, caller, .listParticipants, skip: skip, pageSize: pageSize) { offset, limit in
            try await store.participants(in: threadId, offset: offset, limit: limit)
        }
    }

    /// Adds participants; returns those that cannot join.
    public func addParticipants(
        _ participants: [ChatParticipant],
        to threadId: String,
        by caller: ChatCaller
    ) async throws -> [InvalidParticipant] {
        try ChatPermissions.require(.manageParticipants, caller)
        try Self.validateBatch(participants)
        try limit(.changeParticipants, key: threadId)
        let (thread, _) = try await access(threadId, caller)
        let (valid, invalid, _) = try await partition(participants, by: caller, threadResource: thread.resourceId, fixed: true)
        guard !valid.isEmpty else { return invalid }
        let now = clock.now()
        _ = try await store.addParticipants(
            valid,
            to: threadId,
            maxParticipants: ChatLimits.participantsPerThread,
            initiator: caller.rawId,
            at: now,
            guard: ChatGuard(participant: caller.rawId),
            event: event(.chatParticipantsAdded, threadId, caller, now, ["participants": valid.map(\.rawId).joined(separator: ",")], in: thread)
        )
        return invalid
    }

    /// Removes a participant. Removing an identifier that is not (or no longer) in the thread is
    /// done already, as the service treats it: nothing changes, no event, and the result is
    /// false (the ACS API answers 204; Graph, whose members are addressed by membership, 404).
    /// A malformed identifier, or an app user of another resource, is a 400.
    @discardableResult
    public func removeParticipant(_ rawId: String, from threadId: String, by caller: ChatCaller) async throws -> Bool {
        try ChatPermissions.require(.manageParticipants, caller)
        try limit(.changeParticipants, key: threadId)
        let (thread, _) = try await access(threadId, caller)
        let rawId = try Self.removableRawId(rawId, in: thread)
        guard try await store.participant(rawId, in: threadId) != nil else { return false }
        let now = clock.now()
        return try await withThreadErrors(threadId, caller) {
            try await store.removeParticipant(
                rawId,
                from: threadId,
                initiator: caller.rawId,
                at: now,
                guard: ChatGuard(participant: caller.rawId),
                event: event(.chatParticipantRemoved, threadId, caller, now, ["participant": rawId], in: thread)
            )
        }
    }

    /// The canonical raw id a remove request names (participants are stored canonical), or a 400
    /// for an identifier no participant of this thread could have.
    static func removableRawId(_ rawId: String, in thread: ChatThread) throws(ParleyError) -> String {
        let invalid = ParleyError(
            .badRequest,
            wireCode: "InvalidIdentifier",
            "Identifier format is invalid (\(rawId)).",
            target: "communicationIdentifier"
        )
        switch CommunicationIdentifierKind(rawId: rawId) {
        case .communicationUser:
            let resource: UUID
            do { resource = try AcsUserId.resource(of: rawId) } catch { throw invalid }
            if let threadResource = thread.resourceId, resource != threadResource {
                throw ParleyError(
                    .badRequest,
                    wireCode: "InvalidIdentifier",
                    "'\(rawId)' is an identity of another communication resource.",
                    target: "communicationIdentifier"
                )
            }
            let id = rawId.split(separator: "_").last.flatMap { UUID(uuidString: String($0)) }
            return id.map { AcsUserId.make(resource: resource, id: $0) } ?? rawId
        case .microsoftTeamsUser(let userId, let isAnonymous, let cloud):
            guard isAnonymous || UUID(uuidString: userId) != nil else { throw invalid }
            return CommunicationIdentifierKind.microsoftTeamsUser(userId: userId.lowercased(), isAnonymous: isAnonymous, cloud: cloud).rawId
        case .phoneNumber, .microsoftTeamsApp:
            return rawId
        case .unknown:
            throw invalid
        }
    }

    // MARK: Messages

    public func sendMessage(
        to threadId: String,
        by caller: ChatCaller,
        type: ChatMessageType,
        content: String,
        senderDisplayName: String?,
        metadata: [String: String]?,
        attachments: [ChatAttachmentDraft] = []
    ) async throws -> ChatMessage {
        try ChatPermissions.require(.read, caller)
        guard type.isUserContent else {
            throw ParleyError(.validation, "Message type '\(type.rawValue)' cannot be sent; use text or html.", target: "type")
        }
        try Self.validateContent(content)
        try Self.validateMetadata(metadata)
        try Self.validateDisplayName(senderDisplayName)
        try Self.validateAttachments(attachments)
        try limit(.sendMessage, key: threadId)
        let filedUnder = caller.resourceId == nil ? try await requireInteropForOrgMessage(in: threadId, from: caller) : nil
        let now = clock.now()
        // Attachments get server ids, in the order given (senders' ids are only local names).
        let attachments = attachments.map { draft in
            var draft = draft
            draft.id = ids.uuid().uuidString.lowercased()
            return draft
        }
        var draft = ChatMessageDraft(
            type: type,
            senderRawId: caller.rawId,
            senderDisplayName: senderDisplayName,
            content: ChatMessageContent(message: content, attachments: attachments.isEmpty ? nil : attachments.map(Self.attachment)),
            metadata: metadata
        )
        for attachment in attachments {
            if case .image(let data, let contentType) = attachment.content {
                draft.images[attachment.id] = HostedImage(data: data, contentType: contentType)
            }
        }
        // The guard checks membership and liveness in the write transaction itself, and for app
        // users whether Teams users are in the thread: only then does the interop gate run.
        func append(clearedForTeams: Bool) async throws -> ChatMessage {
            try await withThreadErrors(threadId, caller) {
                try await store.appendMessage(
                    draft,
                    to: threadId,
                    at: now,
                    guard: ChatGuard(participant: caller.rawId, allowsTeamsParticipants: clearedForTeams),
                    event: event(.chatMessageReceived, threadId, caller, now, in: filedUnder)
                )
            }
        }
        do {
            return try await append(clearedForTeams: caller.resourceId == nil)
        } catch is TeamsParticipantsPresent {
            try await requireInteropForAppMessage(in: threadId, from: caller, withAttachments: !attachments.isEmpty)
            return try await append(clearedForTeams: true)
        }
    }

    /// An image attached to a message the caller can see.
    public func image(_ imageId: String, in threadId: String, for caller: ChatCaller) async throws -> HostedImage {
        try ChatPermissions.require(.read, caller)
        _ = try await access(threadId, caller)
        guard let image = try await store.hostedImage(imageId, in: threadId) else {
            throw ParleyError(.notFound, "Image '\(imageId)' was not found.", target: "imageId")
        }
        return image
    }

    public func message(_ messageId: String, in threadId: String, for caller: ChatCaller) async throws -> ChatMessage {
        try ChatPermissions.require(.read, caller)
        try limit(.getMessage, key: threadId)
        let (_, participant) = try await access(threadId, caller)
        guard let message = try await store.message(id: messageId, in: threadId), message.createdAt >= participant.shareHistoryTime else {
            throw Self.messageNotFound(messageId)
        }
        return message
    }

    /// A page of messages, newest first, that the caller may see.
    public func messages(
        in threadId: String,
        for caller: ChatCaller,
        startTime: Date?,
        beforeSequence: Int64?,
        pageSize: Int?
    ) async throws -> Page<ChatMessage, Int64> {
        try ChatPermissions.require(.read, caller)
        try limit(.listMessages, key: "\(threadId)|\(caller.rawId)")
        let size = try Self.pageSize(pageSize)
        let (_, participant) = try await access(threadId, caller)
        let rows = try await store.messages(
            in: threadId,
            visibleFrom: participant.shareHistoryTime,
            startTime: startTime,
            beforeSequence: beforeSequence,
            limit: size + 1
        )
        let items = Array(rows.prefix(size))
        return Page(items: items, next: rows.count > size ? items.last?.sequenceId : nil)
    }

    public func editMessage(
        _ messageId: String,
        in threadId: String,
        by caller: ChatCaller,
        content: String?,
        metadata: [String: String]?
    ) async throws {
        try ChatPermissions.require(.read, caller)
        if let content { try Self.validateContent(content) }
        try Self.validateMetadata(metadata)
        try limit(.sendMessage, key: threadId)
        _ = try await message(messageId, in: threadId, for: caller)
        guard content != nil || metadata != nil else { return }
        let filedUnder = caller.resourceId == nil ? try await store.thread(id: threadId) : nil
        let now = clock.now()
        _ = try await store.editMessage(
            messageId,
            in: threadId,
            content: content,
            metadata: metadata,
            at: now,
            guard: ChatGuard(participant: caller.rawId, messageSender: caller.rawId),
            event: event(.chatMessageEdited, threadId, caller, now, ["messageId": messageId], in: filedUnder)
        )
    }

    public func deleteMessage(_ messageId: String, in threadId: String, by caller: ChatCaller) async throws {
        try ChatPermissions.require(.read, caller)
        try limit(.sendMessage, key: threadId)
        let message = try await message(messageId, in: threadId, for: caller)
        guard message.deletedAt == nil else { return }
        let filedUnder = caller.resourceId == nil ? try await store.thread(id: threadId) : nil
        let now = clock.now()
        try await store.deleteMessage(
            messageId,
            in: threadId,
            at: now,
            guard: ChatGuard(participant: caller.rawId, messageSender: caller.rawId),
            event: event(.chatMessageDeleted, threadId, caller, now, ["messageId": messageId], in: filedUnder)
        )
    }

    // MARK: Typing and read receipts

    public func sendTypingNotification(in threadId: String, by caller: ChatCaller, senderDisplayName: String?) async throws {
        try ChatPermissions.require(.read, caller)
        try Self.validateDisplayName(senderDisplayName)
        try limit(.typingPerUser, key: "\(threadId)|\(caller.rawId)")
        try limit(.typingPerThread, key: threadId)
        _ = try await access(threadId, caller)
        let participants = try await store.participantIds(in: threadId, withPrefix: "")
        try Self.requireSmallThread(participantCount: participants.count)
        var data: [String: String] = [:]
        data["senderDisplayName"] = senderDisplayName
        var typing = event(.chatTypingIndicatorReceived, threadId, caller, clock.now(), data)
        // Typing is not stored, so its audience is settled here: everyone but the typist.
        typing.chat = ChatEventDetail(audience: participants.filter { $0 != caller.rawId })
        ephemeral.publish(typing)
    }

    public func sendReadReceipt(for messageId: String, in threadId: String, by caller: ChatCaller) async throws {
        try ChatPermissions.require(.read, caller)
        try limit(.sendReadReceipt, key: "\(threadId)|\(caller.rawId)")
        _ = try await message(messageId, in: threadId, for: caller)
        try await requireSmallThread(threadId)
        let now = clock.now()
        try await store.recordReadReceipt(
            ChatReadReceipt(senderRawId: caller.rawId, messageId: messageId, readAt: now),
            in: threadId,
            guard: ChatGuard(participant: caller.rawId),
            event: event(.chatReadReceiptReceived, threadId, caller, now, ["messageId": messageId])
        )
    }

    public func readReceipts(
        in threadId: String,
        for caller: ChatCaller,
        skip: Int?,
        pageSize: Int?
    ) async throws -> Page<ChatReadReceipt, Int> {
        try await skipPaged(threadId, caller, .getReadReceipts, skip: skip, pageSize: pageSize) { offset, limit in
            try await store.readReceipts(in: threadId, offset: offset, limit: limit)
        }
    }

    /// The ephemeral events (typing) this service publishes.
    public var ephemeralEvents: EventHub { ephemeral }

    // MARK: Rules

    /// A page of a list paged by offset (participants, read receipts), for a participant.
    private func skipPaged<Item: Sendable>(
        _ threadId: String,
        _ caller: ChatCaller,
        _ operation: ChatOperation,
        skip: Int?,
        pageSize: Int?,
        load: (_ offset: Int, _ limit: Int) async throws -> [Item]
    ) async throws -> Page<Item, Int> {
        try ChatPermissions.require(.read, caller)
        try limit(operation, key: "\(threadId)|\(caller.rawId)")
        _ = try await access(threadId, caller)
        let offset = try Self.skip(skip)
        let size = try Self.pageSize(pageSize)
        let rows = try await load(offset, size + 1)
        return Page(items: Array(rows.prefix(size)), next: rows.count > size ? offset + size : nil)
    }

    /// The live thread and the caller's membership: 404 for a thread that does not exist, is
    /// deleted or belongs to another resource; 403 for a thread the caller is not in.
    private func access(_ threadId: String, _ caller: ChatCaller) async throws -> (thread: ChatThread, participant: ChatParticipant) {
        // An app user never learns of another resource's threads; participation decides the rest.
        guard let thread = try await store.thread(id: threadId), thread.deletedAt == nil,
            caller.resourceId == nil || thread.resourceId == caller.resourceId
        else {
            throw Self.threadNotFound(threadId)
        }
        guard let participant = try await store.participant(caller.rawId, in: threadId) else {
            throw ChatPermissions.notParticipant()
        }
        return (thread, participant)
    }

    /// Runs a guarded write; when its guard fails, explains why as ``access(_:_:)`` would.
    private func withThreadErrors<T>(_ threadId: String, _ caller: ChatCaller, _ write: () async throws -> T) async throws -> T {
        do {
            return try await write()
        } catch let error as ParleyError where error.code == .forbidden || error.code == .notFound {
            _ = try await access(threadId, caller)
            throw error
        }
    }

    private func requireSmallThread(_ threadId: String) async throws {
        try Self.requireSmallThread(participantCount: try await store.participantCount(in: threadId))
    }

    private static func requireSmallThread(participantCount count: Int) throws(ParleyError) {
        guard count <= ChatLimits.participantsForTypingAndReceipts else {
            throw ParleyError(
                .forbidden,
                wireCode: "ThreadTooLarge",
                "Typing indicators and read receipts are not supported in threads of more than \(ChatLimits.participantsForTypingAndReceipts) participants (this one has \(count))."
            )
        }
    }

    /// Splits requested participants into those that may join and those that may not, and
    /// says which resource the thread belongs to.
    ///
    /// - App users join threads of their own resource. Org users may add them only under the
    ///   `extended` profile (rule C1), and a thread holds app users of one resource only.
    /// - Teams users must exist; an org caller adds people of its own tenant; and wherever the
    ///   thread has app users (a resource), each Teams user must pass the interop gate for it.
    /// - Parameters:
    ///   - threadResource: the thread's resource, if it has one.
    ///   - fixed: whether the thread exists already (its resource cannot be chosen by the batch).
    private func partition(
        _ participants: [ChatParticipant],
        by caller: ChatCaller,
        threadResource: UUID?,
        fixed: Bool = false
    ) async throws -> (valid: [ChatParticipant], invalid: [InvalidParticipant], resource: UUID?) {
        var resource = threadResource
        var decisions: [Int: ParticipantDecision] = [:]
        var teamsUsers: [(Int, ChatParticipant, OrgUser)] = []

        for (index, participant) in participants.enumerated() {
            try Self.validateDisplayName(participant.displayName)
            func refuse(_ code: String, _ message: String, _ detail: String? = nil) {
                decisions[index] = .refuse(InvalidParticipant(rawId: participant.rawId, code: code, message: message, detailCode: detail))
            }
            switch CommunicationIdentifierKind(rawId: participant.rawId) {
            case .communicationUser:
                if caller.tenantId != nil, profile == .faithful {
                    let error = InteropRules.orgUsersCannotAddAppUsers()
                    refuse("403", error.message, error.wireCode)
                    continue
                }
                guard let user = try await store.user(rawId: participant.rawId), resource == nil && !fixed || user.resourceId == resource else {
                    refuse("403", "Permissions check failed")
                    continue
                }
                resource = user.resourceId
                decisions[index] = .join(participant)
            case .microsoftTeamsUser(let userId, false, .public):
                guard let id = UUID(uuidString: userId), let person = try await store.orgUser(id: id) else {
                    refuse("404", "No Teams user has this object id.")
                    continue
                }
                if let tenant = caller.tenantId, person.tenantId != tenant {
                    refuse("403", "Chats across organizations are not supported.")
                    continue
                }
                teamsUsers.append((index, participant, person))
            case .microsoftTeamsUser, .microsoftTeamsApp:
                refuse("403", "Only Teams users of the public cloud can join chats with app users.")
            case .phoneNumber, .unknown:
                refuse("400", "This kind of identifier cannot join a chat thread.")
            }
        }
        for (index, participant, person) in teamsUsers {
            if let resource, let denial = try await InteropGate.denial(resource: resource, user: person, store: store, purpose: .chat) {
                let error = InteropGate.error(for: denial, user: person)
                decisions[index] = .refuse(
                    InvalidParticipant(rawId: participant.rawId, code: "403", message: error.message, detailCode: error.wireCode)
                )
                continue
            }
            var member = participant
            member.rawId = person.rawId  // canonical (lower-case) form
            member.displayName = participant.displayName ?? person.displayName
            decisions[index] = .join(member)
        }
        var valid: [ChatParticipant] = []
        var invalid: [InvalidParticipant] = []
        for index in participants.indices {
            switch decisions[index] {
            case .join(let participant): valid.append(participant)
            case .refuse(let refusal): invalid.append(refusal)
            case nil: break
            }
        }
        return (valid, invalid, resource)
    }

    /// The interop gate on the message path for an app user in a thread with Teams users: the
    /// message reaches them only while each of them may still meet app users of the resource
    /// (organizations can change their minds after a chat started). Rule C2 refuses attachments.
    private func requireInteropForAppMessage(in threadId: String, from caller: ChatCaller, withAttachments: Bool) async throws {
        guard let resource = caller.resourceId else { return }
        if withAttachments && profile == .faithful { throw InteropRules.appUsersCannotSendFiles() }
        for rawId in try await store.participantIds(in: threadId, withPrefix: RawIdPrefix.teamsPublic) {
            try await requireInterop(rawId, resource: resource)
        }
    }

    /// A Teams user's message reaches a thread's app users only while the Teams user may meet
    /// app users of the thread's resource. Returns the thread (its message events are its resource's).
    private func requireInteropForOrgMessage(in threadId: String, from caller: ChatCaller) async throws -> ChatThread? {
        guard let thread = try await store.thread(id: threadId), let resource = thread.resourceId else { return nil }
        try await requireInterop(caller.rawId, resource: resource)
        return thread
    }

    /// Throws the gate's denial when the org user `rawId` may not meet app users of `resource`.
    private func requireInterop(_ rawId: String, resource: UUID) async throws {
        guard case .microsoftTeamsUser(let userId, _, _) = CommunicationIdentifierKind(rawId: rawId), let id = UUID(uuidString: userId),
            let person = try await store.orgUser(id: id)
        else { return }
        if let denial = try await InteropGate.denial(resource: resource, user: person, store: store, purpose: .chat) {
            throw InteropGate.error(for: denial, user: person)
        }
    }

    private func limit(_ operation: ChatOperation, key: String) throws(ParleyError) {
        guard let rateLimiter else { return }
        for rule in operation.rules {
            try rateLimiter.consume("chat.\(operation).\(rule.window).\(key)", rule: rule)
        }
    }

    /// A chat event. It is filed under the thread's resource when it has one (so a change an
    /// org user makes in a resource's thread is the resource's event, docs/events.md), else
    /// under the caller's home; it carries the thread's creation time where the Event Grid
    /// events of the change need it.
    private func event(
        _ kind: DomainEvent.Kind,
        _ threadId: String,
        _ caller: ChatCaller,
        _ now: Date,
        _ data: [String: String] = [:],
        in thread: ChatThread? = nil
    ) -> DomainEvent {
        var data = data
        data["initiator"] = caller.rawId
        if let thread, ![.chatMessageReceived, .chatMessageEdited, .chatMessageDeleted].contains(kind) {
            data["threadCreatedAt"] = String(Int64((thread.createdAt.timeIntervalSince1970 * 1000).rounded()))
        }
        let key = thread?.resourceId?.uuidString.lowercased() ?? caller.homeKey
        // The store completes the detail (audience, message, participants) as it commits.
        return DomainEvent(kind: kind, resourceId: key, subject: threadId, occurredAt: now, data: data, chat: ChatEventDetail())
    }

    // MARK: Validation

    private static func validateTopic(_ topic: String) throws(ParleyError) {
        guard topic.count <= ChatLimits.topicCharacters else {
            throw ParleyError(.validation, "The topic is longer than \(ChatLimits.topicCharacters) characters.", target: "topic")
        }
    }

    private static func validateContent(_ content: String) throws(ParleyError) {
        let bytes = content.utf8.count
        guard bytes <= ChatLimits.messageBytes else {
            throw ParleyError(
                .validation,
                wireCode: "MessageTooLarge",
                "The message is \(bytes) bytes; the limit is \(ChatLimits.messageBytes) bytes (28 KB).",
                target: "content"
            )
        }
    }

    private static func validateDisplayName(_ name: String?) throws(ParleyError) {
        guard let name else { return }
        guard name.count <= ChatLimits.displayNameCharacters else {
            throw ParleyError(.validation, "A display name is longer than \(ChatLimits.displayNameCharacters) characters.", target: "displayName")
        }
    }

    private static func validateMetadata(_ metadata: [String: String]?) throws(ParleyError) {
        guard let metadata else { return }
        guard metadata.count <= ChatLimits.metadataEntries,
            metadata.allSatisfy({ $0.key.count <= ChatLimits.metadataTextCharacters && $0.value.count <= ChatLimits.metadataTextCharacters })
        else {
            throw ParleyError(
                .validation,
                "Metadata is limited to \(ChatLimits.metadataEntries) entries of at most \(ChatLimits.metadataTextCharacters) characters.",
                target: "metadata"
            )
        }
    }

    private static func validateAttachments(_ attachments: [ChatAttachmentDraft]) throws(ParleyError) {
        guard attachments.count <= ChatLimits.attachmentsPerMessage else {
            throw ParleyError(.validation, "At most \(ChatLimits.attachmentsPerMessage) attachments per message.", target: "attachments")
        }
        for attachment in attachments {
            switch attachment.content {
            case .file(let url):
                guard url.hasPrefix("https://") || url.hasPrefix("http://") else {
                    throw ParleyError(.validation, "A file attachment needs an http(s) URL.", target: "attachments")
                }
            case .image(let data, let contentType):
                guard contentType.hasPrefix("image/"), !data.isEmpty, data.count <= ChatLimits.imageBytes else {
                    throw ParleyError(
                        .validation,
                        "An image attachment needs an image/* type and at most \(ChatLimits.imageBytes) bytes.",
                        target: "hostedContents"
                    )
                }
            }
        }
    }

    private static func attachment(_ draft: ChatAttachmentDraft) -> ChatAttachment {
        switch draft.content {
        case .file(let url): ChatAttachment(id: draft.id, kind: .file, name: draft.name, url: url)
        case .image(_, let contentType): ChatAttachment(id: draft.id, kind: .image, name: draft.name, contentType: contentType)
        }
    }

    private static func validateBatch(_ participants: [ChatParticipant]) throws(ParleyError) {
        guard participants.count <= ChatLimits.participantsPerBatch else {
            throw ParleyError(
                .validation,
                wireCode: "TooManyParticipants",
                "At most \(ChatLimits.participantsPerBatch) participants can be added at once (got \(participants.count)).",
                target: "participants"
            )
        }
    }

    static func tooManyParticipants() -> ParleyError {
        ParleyError(
            .validation,
            wireCode: "TooManyParticipants",
            "A thread has at most \(ChatLimits.participantsPerThread) participants.",
            target: "participants"
        )
    }

    private static func pageSize(_ requested: Int?) throws(ParleyError) -> Int {
        guard let requested else { return ChatLimits.defaultPageSize }
        guard (1...ChatLimits.maxPageSize).contains(requested) else {
            throw ParleyError(.validation, "maxPageSize must be between 1 and \(ChatLimits.maxPageSize).", target: "maxPageSize")
        }
        return requested
    }

    private static func skip(_ requested: Int?) throws(ParleyError) -> Int {
        guard let requested else { return 0 }
        guard requested >= 0 else { throw ParleyError(.validation, "skip must not be negative.", target: "skip") }
        return requested
    }

    static func threadNotFound(_ threadId: String) -> ParleyError {
        ParleyError(.notFound, "Chat thread '\(threadId)' was not found.", target: "chatThreadId")
    }

    static func messageNotFound(_ messageId: String) -> ParleyError {
        ParleyError(.notFound, "Message '\(messageId)' was not found.", target: "chatMessageId")
    }
}

/// Whether a requested participant joins, or why not.
private enum ParticipantDecision {
    case join(ChatParticipant)
    case refuse(InvalidParticipant)
}

/// A page of results and where the next one starts (nil on the last page).
public struct Page<Item: Sendable, Cursor: Sendable>: Sendable {
    public var items: [Item]
    public var next: Cursor?
}

/// A participant that could not be added, and why (rendered as a `ChatError`).
public struct InvalidParticipant: Sendable, Equatable {
    public var rawId: String
    /// The status-like code real ACS puts here (`403`, `404`, `400`).
    public var code: String
    public var message: String
    /// Parley's code for the rule that refused (an interop gate denial), when there is one.
    public var detailCode: String?

    /// The refusal as a request error (for APIs that add members one at a time or all at once).
    public var error: ParleyError {
        let code: ParleyError.Code = self.code == "404" ? .notFound : self.code == "400" ? .badRequest : .forbidden
        return ParleyError(code, wireCode: detailCode ?? (code == .notFound ? "NotFound" : "Forbidden"), message, target: rawId)
    }

    public init(rawId: String, code: String, message: String, detailCode: String? = nil) {
        self.rawId = rawId
        self.code = code
        self.message = message
        self.detailCode = detailCode
    }
}
