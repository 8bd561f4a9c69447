import Foundation

/// The chat part of the store. Every changing method runs in one transaction that first checks
/// its ``ChatGuard`` (so a permission checked by the service cannot go stale before the write),
/// then writes the change, its system message and its domain events.
///
/// An event given with a ``ChatEventDetail`` is completed in that transaction: its audience
/// becomes the thread's participants after the change plus anyone the change removed, and its
/// participants those the thread was created with, or that were added or removed.
public protocol ChatStore: Sendable {
    /// Creates the thread with its participants and initial system messages, or, when a thread
    /// was already created by the same creator with the same idempotency key, returns that one.
    func createThread(
        _ thread: ChatThread,
        participants: [ChatParticipant],
        systemMessages: [ChatMessageDraft],
        idempotencyKey: String?,
        event: DomainEvent
    ) async throws -> ChatThread

    func thread(id: String) async throws -> ChatThread?
    /// Marks the thread deleted and removes the given participants from it (they no longer list it).
    func deleteThread(_ threadId: String, removing participants: [String], at time: Date, guard: ChatGuard, event: DomainEvent) async throws
    /// Sets the topic and appends the `topicUpdated` message.
    func updateTopic(_ threadId: String, topic: String, message: ChatMessageDraft, at time: Date, guard: ChatGuard, event: DomainEvent) async throws

    /// Threads `rawId` participates in (deleted ones included), most recently active first.
    func threads(of rawId: String, activeSince: Date?, after cursor: ThreadCursor?, limit: Int) async throws -> [ChatThread]

    func participant(_ rawId: String, in threadId: String) async throws -> ChatParticipant?
    func participants(in threadId: String, offset: Int, limit: Int) async throws -> [ChatParticipant]
    func participantCount(in threadId: String) async throws -> Int
    /// The raw ids of the thread's participants that start with `prefix` (e.g. Teams users).
    func participantIds(in threadId: String, withPrefix prefix: String) async throws -> [String]
    /// Adds those not yet in the thread and appends one `participantAdded` message listing them;
    /// returns who was added. Throws if the thread would exceed `maxParticipants`.
    func addParticipants(
        _ participants: [ChatParticipant],
        to threadId: String,
        maxParticipants: Int,
        initiator: String,
        at time: Date,
        guard: ChatGuard,
        event: DomainEvent
    ) async throws -> [ChatParticipant]
    /// Removes the participant and appends a `participantRemoved` message; false if it was not in
    /// the thread.
    func removeParticipant(
        _ rawId: String,
        from threadId: String,
        initiator: String,
        at time: Date,
        guard: ChatGuard,
        event: DomainEvent
    ) async throws -> Bool

    /// Appends a message, giving it the next sequence number and an id after every earlier one.
    func appendMessage(
        _ draft: ChatMessageDraft,
        to threadId: String,
        at time: Date,
        guard: ChatGuard,
        event: DomainEvent
    ) async throws -> ChatMessage
    func message(id: String, in threadId: String) async throws -> ChatMessage?
    /// Several messages of any threads in one read (those that exist).
    func messages(_ keys: Set<MessageKey>) async throws -> [MessageKey: ChatMessage]
    /// The bytes of an image attached to a message of the thread.
    func hostedImage(_ imageId: String, in threadId: String) async throws -> HostedImage?
    /// Messages newest first: created at or after `visibleFrom` and `startTime`, with a sequence
    /// number below `beforeSequence`.
    func messages(in threadId: String, visibleFrom: Date, startTime: Date?, beforeSequence: Int64?, limit: Int) async throws -> [ChatMessage]
    /// Replaces content and/or metadata of a message of `sender`; returns the updated message.
    func editMessage(
        _ messageId: String,
        in threadId: String,
        content: String?,
        metadata: [String: String]?,
        at time: Date,
        guard: ChatGuard,
        event: DomainEvent
    ) async throws -> ChatMessage
    /// Turns the message into a tombstone (content removed, `deletedAt` set). Deleting a
    /// tombstone again changes nothing.
    func deleteMessage(_ messageId: String, in threadId: String, at time: Date, guard: ChatGuard, event: DomainEvent) async throws

    /// Records that `sender` has read up to `messageId`, unless it already read a later message.
    func recordReadReceipt(_ receipt: ChatReadReceipt, in threadId: String, guard: ChatGuard, event: DomainEvent) async throws
    /// The latest receipt of each participant, oldest reader first.
    func readReceipts(in threadId: String, offset: Int, limit: Int) async throws -> [ChatReadReceipt]
}

/// What must still hold when a chat change is written.
public struct ChatGuard: Sendable, Equatable {
    /// This raw id must be a participant of a thread that is not deleted.
    public var participant: String
    /// For message edits and deletes: the message must have been sent by this raw id.
    public var messageSender: String?
    /// When false, the write fails with ``TeamsParticipantsPresent`` if the thread has Teams
    /// users: the caller must first apply the interop gate to them, then write again with true.
    /// Checking inside the write keeps app-only threads (the hot path) free of extra reads.
    public var allowsTeamsParticipants: Bool

    public init(participant: String, messageSender: String? = nil, allowsTeamsParticipants: Bool = true) {
        self.participant = participant
        self.messageSender = messageSender
        self.allowsTeamsParticipants = allowsTeamsParticipants
    }
}

/// A guarded write met Teams participants it was not cleared for (see ``ChatGuard``).
public struct TeamsParticipantsPresent: Error, Sendable {
    public init() {}
}

/// A message, by thread and id (message ids are unique within their thread only).
public struct MessageKey: Hashable, Sendable {
    public var threadId: String
    public var messageId: String
    public init(threadId: String, messageId: String) {
        self.threadId = threadId
        self.messageId = messageId
    }
}

/// Where a page of threads ends: the last thread's activity time and id.
public struct ThreadCursor: Sendable, Equatable {
    public var lastMessageAt: Date
    public var threadId: String
    public init(lastMessageAt: Date, threadId: String) {
        self.lastMessageAt = lastMessageAt
        self.threadId = threadId
    }
}
