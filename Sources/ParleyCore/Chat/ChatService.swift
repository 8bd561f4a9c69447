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

    public init(
        store: any ParleyStore,
        clock: any WallClock,
        ids: any IdentifierGenerator = RandomIdentifierGenerator(),
        rateLimiter: RateLimiter? = nil,
        ephemeral: EventHub = EventHub()
    ) {
        self.store = store
        self.clock = clock
        self.ids = ids
        self.rateLimiter = rateLimiter
        self.ephemeral = ephemeral
    }

    // MARK: Threads

    /// Creates a thread with the caller and the valid `participants`; the others come back as
    /// invalid participants (the thread is created anyway, as ACS does).
    public func createThread(
        by caller: AuthenticatedUser,
        topic: String,
        participants: [ChatParticipant],
        idempotencyKey: String?
    ) async throws -> (ChatThread, invalid: [InvalidParticipant]) {
        try ChatPermissions.require(.manageThreads, caller)
        try Self.validateTopic(topic)
        try Self.validateBatch(participants)
        try limit(.createThread, key: caller.user.rawId)

        let (valid, invalid) = try await partition(participants, for: caller)
        let now = clock.now()
        var members = [ChatParticipant(rawId: caller.user.rawId, displayName: nil, shareHistoryTime: Date(timeIntervalSince1970: 0))]
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
            resourceId: caller.user.resourceId,
            topic: topic,
            createdBy: caller.user.rawId,
            createdAt: now,
            lastMessageAt: now
        )
        let initiator = caller.user.rawId
        let created = try await store.createThread(
            thread,
            participants: members,
            systemMessages: [
                .system(.participantAdded, ChatMessageContent(participants: members, initiator: initiator)),
                .system(.topicUpdated, ChatMessageContent(topic: topic, initiator: initiator)),
            ],
            idempotencyKey: idempotencyKey.map { "\(initiator)|\($0)" },
            event: event(.chatThreadCreated, thread.id, caller, now, ["topic": topic])
        )
        return (created, invalid)
    }

    /// The thread, for a participant.
    public func thread(_ threadId: String, for caller: AuthenticatedUser) async throws -> ChatThread {
        try ChatPermissions.require(.read, caller)
        return try await access(threadId, caller).thread
    }

    /// A page of the caller's threads, most recently active first.
    public func threads(
        for caller: AuthenticatedUser,
        startTime: Date?,
        after cursor: ThreadCursor?,
        pageSize: Int?
    ) async throws -> Page<ChatThread, ThreadCursor> {
        try ChatPermissions.require(.read, caller)
        let size = try Self.pageSize(pageSize)
        let threads = try await store.threads(
            of: caller.user.rawId,
            resourceId: caller.user.resourceId,
            activeSince: startTime,
            after: cursor,
            limit: size + 1
        )
        let items = Array(threads.prefix(size))
        let next = threads.count > size ? items.last.map { ThreadCursor(lastMessageAt: $0.lastMessageAt, threadId: $0.id) } : nil
        return Page(items: items, next: next)
    }

    public func deleteThread(_ threadId: String, by caller: AuthenticatedUser) async throws {
        try ChatPermissions.require(.manageThreads, caller)
        try limit(.deleteThread, key: caller.user.rawId)
        let now = clock.now()
        do {
            _ = try await access(threadId, caller)
        } catch let error as ParleyError where error.code == .notFound {
            return  // deleting what is gone is a success, as DELETE is idempotent
        }
        try await store.deleteThread(
            threadId,
            at: now,
            guard: ChatGuard(participant: caller.user.rawId),
            event: event(.chatThreadDeleted, threadId, caller, now)
        )
    }

    public func updateTopic(_ threadId: String, topic: String?, by caller: AuthenticatedUser) async throws {
        try ChatPermissions.require(.manageThreads, caller)
        guard let topic else { return }  // `{}`: nothing to change
        try Self.validateTopic(topic)
        try limit(.updateThread, key: threadId)
        _ = try await access(threadId, caller)
        let now = clock.now()
        try await store.updateTopic(
            threadId,
            topic: topic,
            message: .system(.topicUpdated, ChatMessageContent(topic: topic, initiator: caller.user.rawId)),
            at: now,
            guard: ChatGuard(participant: caller.user.rawId),
            event: event(.chatThreadPropertiesUpdated, threadId, caller, now, ["topic": topic])
        )
    }

    // MARK: Participants

    public func participants(
        in threadId: String,
        for caller: AuthenticatedUser,
        skip: Int?,
        pageSize: Int?
    ) async throws -> Page<ChatParticipant, Int> {
        try ChatPermissions.require(.read, caller)
        try limit(.listParticipants, key: "\(threadId)|\(caller.user.rawId)")
        _ = try await access(threadId, caller)
        let offset = try Self.skip(skip)
        let size = try Self.pageSize(pageSize)
        let rows = try await store.participants(in: threadId, offset: offset, limit: size + 1)
        return Page(items: Array(rows.prefix(size)), next: rows.count > size ? offset + size : nil)
    }

    /// Adds participants; returns those that cannot join.
    public func addParticipants(
        _ participants: [ChatParticipant],
        to threadId: String,
        by caller: AuthenticatedUser
    ) async throws -> [InvalidParticipant] {
        try ChatPermissions.require(.manageParticipants, caller)
        try Self.validateBatch(participants)
        try limit(.changeParticipants, key: threadId)
        _ = try await access(threadId, caller)
        let (valid, invalid) = try await partition(participants, for: caller)
        guard !valid.isEmpty else { return invalid }
        let now = clock.now()
        _ = try await store.addParticipants(
            valid,
            to: threadId,
            maxParticipants: ChatLimits.participantsPerThread,
            initiator: caller.user.rawId,
            at: now,
            guard: ChatGuard(participant: caller.user.rawId),
            event: event(.chatParticipantsAdded, threadId, caller, now, ["participants": valid.map(\.rawId).joined(separator: ",")])
        )
        return invalid
    }

    public func removeParticipant(_ rawId: String, from threadId: String, by caller: AuthenticatedUser) async throws {
        try ChatPermissions.require(.manageParticipants, caller)
        try limit(.changeParticipants, key: threadId)
        _ = try await access(threadId, caller)
        let now = clock.now()
        let removed = try await store.removeParticipant(
            rawId,
            from: threadId,
            initiator: caller.user.rawId,
            at: now,
            guard: ChatGuard(participant: caller.user.rawId),
            event: event(.chatParticipantRemoved, threadId, caller, now, ["participant": rawId])
        )
        guard removed else {
            throw ParleyError(.notFound, "'\(rawId)' is not a participant of the thread.", target: "communicationIdentifier")
        }
    }

    // MARK: Messages

    public func sendMessage(
        to threadId: String,
        by caller: AuthenticatedUser,
        type: ChatMessageType,
        content: String,
        senderDisplayName: String?,
        metadata: [String: String]?
    ) async throws -> ChatMessage {
        try ChatPermissions.require(.read, caller)
        guard type.isUserContent else {
            throw ParleyError(.validation, "Message type '\(type.rawValue)' cannot be sent; use text or html.", target: "type")
        }
        try Self.validateContent(content)
        try Self.validateMetadata(metadata)
        try Self.validateDisplayName(senderDisplayName)
        try limit(.sendMessage, key: threadId)
        let now = clock.now()
        let draft = ChatMessageDraft(
            type: type,
            senderRawId: caller.user.rawId,
            senderDisplayName: senderDisplayName,
            content: ChatMessageContent(message: content),
            metadata: metadata
        )
        // The guard checks membership and liveness in the write transaction itself.
        return try await withThreadErrors(threadId, caller) {
            try await store.appendMessage(
                draft,
                to: threadId,
                at: now,
                guard: ChatGuard(participant: caller.user.rawId),
                event: event(.chatMessageReceived, threadId, caller, now)
            )
        }
    }

    public func message(_ messageId: String, in threadId: String, for caller: AuthenticatedUser) async throws -> ChatMessage {
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
        for caller: AuthenticatedUser,
        startTime: Date?,
        beforeSequence: Int64?,
        pageSize: Int?
    ) async throws -> Page<ChatMessage, Int64> {
        try ChatPermissions.require(.read, caller)
        try limit(.listMessages, key: "\(threadId)|\(caller.user.rawId)")
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
        by caller: AuthenticatedUser,
        content: String?,
        metadata: [String: String]?
    ) async throws {
        try ChatPermissions.require(.read, caller)
        if let content { try Self.validateContent(content) }
        try Self.validateMetadata(metadata)
        try limit(.sendMessage, key: threadId)
        _ = try await message(messageId, in: threadId, for: caller)
        guard content != nil || metadata != nil else { return }
        let now = clock.now()
        _ = try await store.editMessage(
            messageId,
            in: threadId,
            content: content,
            metadata: metadata,
            at: now,
            guard: ChatGuard(participant: caller.user.rawId, messageSender: caller.user.rawId),
            event: event(.chatMessageEdited, threadId, caller, now, ["messageId": messageId])
        )
    }

    public func deleteMessage(_ messageId: String, in threadId: String, by caller: AuthenticatedUser) async throws {
        try ChatPermissions.require(.read, caller)
        try limit(.sendMessage, key: threadId)
        let message = try await message(messageId, in: threadId, for: caller)
        guard message.deletedAt == nil else { return }
        let now = clock.now()
        try await store.deleteMessage(
            messageId,
            in: threadId,
            at: now,
            guard: ChatGuard(participant: caller.user.rawId, messageSender: caller.user.rawId),
            event: event(.chatMessageDeleted, threadId, caller, now, ["messageId": messageId])
        )
    }

    // MARK: Typing and read receipts

    public func sendTypingNotification(in threadId: String, by caller: AuthenticatedUser, senderDisplayName: String?) async throws {
        try ChatPermissions.require(.read, caller)
        try Self.validateDisplayName(senderDisplayName)
        try limit(.typingPerUser, key: "\(threadId)|\(caller.user.rawId)")
        try limit(.typingPerThread, key: threadId)
        _ = try await access(threadId, caller)
        try await requireSmallThread(threadId)
        var data: [String: String] = [:]
        data["senderDisplayName"] = senderDisplayName
        ephemeral.publish(event(.chatTypingIndicatorReceived, threadId, caller, clock.now(), data))
    }

    public func sendReadReceipt(for messageId: String, in threadId: String, by caller: AuthenticatedUser) async throws {
        try ChatPermissions.require(.read, caller)
        try limit(.sendReadReceipt, key: "\(threadId)|\(caller.user.rawId)")
        _ = try await message(messageId, in: threadId, for: caller)
        try await requireSmallThread(threadId)
        let now = clock.now()
        try await store.recordReadReceipt(
            ChatReadReceipt(senderRawId: caller.user.rawId, messageId: messageId, readAt: now),
            in: threadId,
            guard: ChatGuard(participant: caller.user.rawId),
            event: event(.chatReadReceiptReceived, threadId, caller, now, ["messageId": messageId])
        )
    }

    public func readReceipts(
        in threadId: String,
        for caller: AuthenticatedUser,
        skip: Int?,
        pageSize: Int?
    ) async throws -> Page<ChatReadReceipt, Int> {
        try ChatPermissions.require(.read, caller)
        try limit(.getReadReceipts, key: "\(threadId)|\(caller.user.rawId)")
        _ = try await access(threadId, caller)
        let offset = try Self.skip(skip)
        let size = try Self.pageSize(pageSize)
        let rows = try await store.readReceipts(in: threadId, offset: offset, limit: size + 1)
        return Page(items: Array(rows.prefix(size)), next: rows.count > size ? offset + size : nil)
    }

    /// The ephemeral events (typing) this service publishes.
    public var ephemeralEvents: EventHub { ephemeral }

    // MARK: Rules

    /// The live thread and the caller's membership: 404 for a thread that does not exist, is
    /// deleted or belongs to another resource; 403 for a thread the caller is not in.
    private func access(_ threadId: String, _ caller: AuthenticatedUser) async throws -> (thread: ChatThread, participant: ChatParticipant) {
        guard let thread = try await store.thread(id: threadId), thread.resourceId == caller.user.resourceId, thread.deletedAt == nil else {
            throw Self.threadNotFound(threadId)
        }
        guard let participant = try await store.participant(caller.user.rawId, in: threadId) else {
            throw ChatPermissions.notParticipant()
        }
        return (thread, participant)
    }

    /// Runs a guarded write; when its guard fails, explains why as ``access(_:_:)`` would.
    private func withThreadErrors<T>(_ threadId: String, _ caller: AuthenticatedUser, _ write: () async throws -> T) async throws -> T {
        do {
            return try await write()
        } catch let error as ParleyError where error.code == .forbidden || error.code == .notFound {
            _ = try await access(threadId, caller)
            throw error
        }
    }

    private func requireSmallThread(_ threadId: String) async throws {
        let count = try await store.participantCount(in: threadId)
        guard count <= ChatLimits.participantsForTypingAndReceipts else {
            throw ParleyError(
                .forbidden,
                wireCode: "ThreadTooLarge",
                "Typing indicators and read receipts are not supported in threads of more than \(ChatLimits.participantsForTypingAndReceipts) participants (this one has \(count))."
            )
        }
    }

    /// Splits requested participants into those that may join and those that may not.
    private func partition(_ participants: [ChatParticipant], for caller: AuthenticatedUser) async throws -> ([ChatParticipant], [InvalidParticipant])
    {
        var valid: [ChatParticipant] = []
        var invalid: [InvalidParticipant] = []
        for participant in participants {
            try Self.validateDisplayName(participant.displayName)
            switch CommunicationIdentifier(rawId: participant.rawId) {
            case .communicationUser:
                if let user = try await store.user(rawId: participant.rawId), user.resourceId == caller.user.resourceId {
                    valid.append(participant)
                } else {
                    invalid.append(InvalidParticipant(rawId: participant.rawId, code: "403", message: "Permissions check failed"))
                }
            case .microsoftTeamsUser(let userId, false, .public):
                guard let id = UUID(uuidString: userId), let person = try await store.orgUser(id: id) else {
                    invalid.append(InvalidParticipant(rawId: participant.rawId, code: "404", message: "No Teams user has this object id."))
                    continue
                }
                if let denial = try await InteropGate.denial(resource: caller.user.resourceId, user: person, store: store, purpose: .chat) {
                    let error = InteropGate.error(for: denial, user: person)
                    invalid.append(InvalidParticipant(rawId: participant.rawId, code: "403", message: error.message, detailCode: error.wireCode))
                    continue
                }
                var member = participant
                member.rawId = person.rawId  // canonical (lower-case) form
                member.displayName = participant.displayName ?? person.displayName
                valid.append(member)
            case .microsoftTeamsUser, .microsoftTeamsApp:
                invalid.append(
                    InvalidParticipant(
                        rawId: participant.rawId,
                        code: "403",
                        message: "Only Teams users of the public cloud can join chats with app users."
                    )
                )
            case .phoneNumber, .unknown:
                invalid.append(
                    InvalidParticipant(rawId: participant.rawId, code: "400", message: "This kind of identifier cannot join a chat thread.")
                )
            }
        }
        return (valid, invalid)
    }

    private func limit(_ operation: ChatOperation, key: String) throws(ParleyError) {
        guard let rateLimiter else { return }
        for rule in operation.rules {
            try rateLimiter.consume("chat.\(operation).\(rule.window).\(key)", rule: rule)
        }
    }

    private func event(
        _ kind: DomainEvent.Kind,
        _ threadId: String,
        _ caller: AuthenticatedUser,
        _ now: Date,
        _ data: [String: String] = [:]
    ) -> DomainEvent {
        var data = data
        data["initiator"] = caller.user.rawId
        return DomainEvent(kind: kind, resourceId: caller.user.resourceId.uuidString.lowercased(), subject: threadId, occurredAt: now, data: data)
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

    public init(rawId: String, code: String, message: String, detailCode: String? = nil) {
        self.rawId = rawId
        self.code = code
        self.message = message
        self.detailCode = detailCode
    }
}
