import Foundation
import GRDB
import ParleyAPI
import ParleyCore

extension SQLiteParleyStore {
    // MARK: Threads

    public func createThread(
        _ thread: ChatThread,
        participants: [ChatParticipant],
        systemMessages: [ChatMessageDraft],
        idempotencyKey: String?,
        event: DomainEvent
    ) async throws -> ChatThread {
        try await writer.write { db in
            if let idempotencyKey,
                let existing = try db.fetchOneRow(cached: "SELECT * FROM chat_threads WHERE idempotency_key = ?", arguments: [idempotencyKey])
            {
                return try Self.thread(from: existing)
            }
            let created = Self.millis(thread.createdAt)
            try db.execute(
                cached: """
                    INSERT INTO chat_threads
                        (id, resource_id, tenant_id, topic, created_by, created_at, last_message_at, last_sequence, last_message_id, idempotency_key)
                    VALUES (?, ?, ?, ?, ?, ?, ?, 0, 0, ?)
                    """,
                arguments: [
                    thread.id, thread.resourceId?.uuidString.lowercased(), thread.tenantId?.uuidString.lowercased(), thread.topic, thread.createdBy,
                    created, created, idempotencyKey,
                ]
            )
            for participant in participants {
                try Self.insert(participant, into: thread.id, at: created, db)
            }
            for draft in systemMessages {
                _ = try Self.insertMessage(draft, into: thread.id, at: thread.createdAt, db)
            }
            try self.appendChat(event, in: thread.id, participants: participants, db)
            return thread
        }
    }

    public func thread(id: String) async throws -> ChatThread? {
        try await database.read { db in
            try db.fetchOneRow(cached: "SELECT * FROM chat_threads WHERE id = ?", arguments: [id]).map(Self.thread(from:))
        }
    }

    public func deleteThread(_ threadId: String, removing participants: [String], at time: Date, guard: ChatGuard, event: DomainEvent) async throws {
        try await writer.write { db in
            try Self.check(`guard`, threadId, db)
            try db.execute(cached: "UPDATE chat_threads SET deleted_at = ? WHERE id = ?", arguments: [Self.millis(time), threadId])
            for rawId in participants {
                try db.execute(cached: "DELETE FROM chat_participants WHERE thread_id = ? AND raw_id = ?", arguments: [threadId, rawId])
            }
            try self.appendChat(event, in: threadId, removed: participants, db)
        }
    }

    public func updateTopic(
        _ threadId: String,
        topic: String,
        message: ChatMessageDraft,
        at time: Date,
        guard: ChatGuard,
        event: DomainEvent
    ) async throws {
        try await writer.write { db in
            try Self.check(`guard`, threadId, db)
            try db.execute(cached: "UPDATE chat_threads SET topic = ? WHERE id = ?", arguments: [topic, threadId])
            _ = try Self.insertMessage(message, into: threadId, at: time, db)
            try self.appendChat(event, in: threadId, db)
        }
    }

    public func threads(of rawId: String, activeSince: Date?, after cursor: ThreadCursor?, limit: Int) async throws -> [ChatThread] {
        try await database.read { db in
            var sql = """
                SELECT t.* FROM chat_participants p JOIN chat_threads t ON t.id = p.thread_id
                WHERE p.raw_id = ?
                """
            var arguments: StatementArguments = [rawId]
            if let activeSince {
                sql += " AND t.last_message_at >= ?"
                _ = arguments.append(contentsOf: [Self.millis(activeSince)])
            }
            if let cursor {
                let at = Self.millis(cursor.lastMessageAt)
                sql += " AND (t.last_message_at < ? OR (t.last_message_at = ? AND t.id < ?))"
                _ = arguments.append(contentsOf: [at, at, cursor.threadId])
            }
            sql += " ORDER BY t.last_message_at DESC, t.id DESC LIMIT ?"
            _ = arguments.append(contentsOf: [limit])
            return try db.fetchAllRows(cached: sql, arguments: arguments).map(Self.thread(from:))
        }
    }

    // MARK: Participants

    public func participant(_ rawId: String, in threadId: String) async throws -> ChatParticipant? {
        try await database.read { db in
            try db.fetchOneRow(cached: "SELECT * FROM chat_participants WHERE thread_id = ? AND raw_id = ?", arguments: [threadId, rawId])
                .map(Self.participant(from:))
        }
    }

    public func participants(in threadId: String, offset: Int, limit: Int) async throws -> [ChatParticipant] {
        try await database.read { db in
            try db.fetchAllRows(
                cached: "SELECT * FROM chat_participants WHERE thread_id = ? ORDER BY joined_at, rowid LIMIT ? OFFSET ?",
                arguments: [threadId, limit, offset]
            ).map(Self.participant(from:))
        }
    }

    public func participantIds(in threadId: String, withPrefix prefix: String) async throws -> [String] {
        try await database.read { db in
            // A range on the primary key's second column: no LIKE escaping, and it uses the index.
            try String.fetchAll(
                db.cachedStatement(sql: "SELECT raw_id FROM chat_participants WHERE thread_id = ? AND raw_id >= ? AND raw_id < ? ORDER BY raw_id"),
                arguments: [threadId, prefix, prefix + "\u{10FFFF}"]
            )
        }
    }

    public func participantCount(in threadId: String) async throws -> Int {
        try await database.read { db in
            try db.fetchOne(Int.self, cached: "SELECT COUNT(*) FROM chat_participants WHERE thread_id = ?", arguments: [threadId]) ?? 0
        }
    }

    public func addParticipants(
        _ participants: [ChatParticipant],
        to threadId: String,
        maxParticipants: Int,
        initiator: String,
        at time: Date,
        guard: ChatGuard,
        event: DomainEvent
    ) async throws -> [ChatParticipant] {
        try await writer.write { db in
            try Self.check(`guard`, threadId, db)
            var added: [ChatParticipant] = []
            for participant in participants where !added.contains(where: { $0.rawId == participant.rawId }) {
                let exists = try db.fetchOne(
                    Bool.self,
                    cached: "SELECT 1 FROM chat_participants WHERE thread_id = ? AND raw_id = ?",
                    arguments: [threadId, participant.rawId]
                )
                if exists != true { added.append(participant) }
            }
            guard !added.isEmpty else { return [] }
            let count = try db.fetchOne(Int.self, cached: "SELECT COUNT(*) FROM chat_participants WHERE thread_id = ?", arguments: [threadId]) ?? 0
            guard count + added.count <= maxParticipants else {
                throw ParleyError(
                    .validation,
                    wireCode: "TooManyParticipants",
                    "A thread has at most \(maxParticipants) participants; it has \(count) and \(added.count) would join.",
                    target: "participants"
                )
            }
            for participant in added {
                try Self.insert(participant, into: threadId, at: Self.millis(time), db)
            }
            let message = ChatMessageDraft(
                type: .participantAdded,
                senderRawId: nil,
                senderDisplayName: nil,
                content: ChatMessageContent(participants: added, initiator: initiator),
                metadata: nil
            )
            _ = try Self.insertMessage(message, into: threadId, at: time, db)
            try self.appendChat(event, in: threadId, participants: added, db)
            return added
        }
    }

    public func removeParticipant(
        _ rawId: String,
        from threadId: String,
        initiator: String,
        at time: Date,
        guard: ChatGuard,
        event: DomainEvent
    ) async throws -> Bool {
        try await writer.write { db in
            try Self.check(`guard`, threadId, db)
            guard
                let row = try db.fetchOneRow(
                    cached: "SELECT * FROM chat_participants WHERE thread_id = ? AND raw_id = ?",
                    arguments: [threadId, rawId]
                )
            else { return false }
            let removed = Self.participant(from: row)
            try db.execute(cached: "DELETE FROM chat_participants WHERE thread_id = ? AND raw_id = ?", arguments: [threadId, rawId])
            try db.execute(cached: "DELETE FROM chat_read_receipts WHERE thread_id = ? AND sender = ?", arguments: [threadId, rawId])
            let message = ChatMessageDraft(
                type: .participantRemoved,
                senderRawId: nil,
                senderDisplayName: nil,
                content: ChatMessageContent(participants: [removed], initiator: initiator),
                metadata: nil
            )
            _ = try Self.insertMessage(message, into: threadId, at: time, db)
            try self.appendChat(event, in: threadId, removed: [rawId], participants: [removed], db)
            return true
        }
    }

    // MARK: Messages

    public func appendMessage(
        _ draft: ChatMessageDraft,
        to threadId: String,
        at time: Date,
        guard: ChatGuard,
        event: DomainEvent
    ) async throws -> ChatMessage {
        try await writer.write { db in
            try Self.check(`guard`, threadId, db)
            let message = try Self.insertMessage(draft, into: threadId, at: time, db)
            var event = event
            event.describeMessage(message)
            event.data["sequenceId"] = String(message.sequenceId)
            try self.appendChat(event, in: threadId, db)
            return message
        }
    }

    public func message(id: String, in threadId: String) async throws -> ChatMessage? {
        guard let numericId = Int64(id) else { return nil }
        return try await database.read { db in
            try db.fetchOneRow(cached: "SELECT * FROM chat_messages WHERE thread_id = ? AND id = ?", arguments: [threadId, numericId])
                .map(Self.message(from:))
        }
    }

    public func messages(_ keys: Set<MessageKey>) async throws -> [MessageKey: ChatMessage] {
        guard !keys.isEmpty else { return [:] }
        return try await database.read { db in
            var found: [MessageKey: ChatMessage] = [:]
            for key in keys {
                guard let numericId = Int64(key.messageId),
                    let row = try db.fetchOneRow(
                        cached: "SELECT * FROM chat_messages WHERE thread_id = ? AND id = ?",
                        arguments: [key.threadId, numericId]
                    )
                else { continue }
                found[key] = try Self.message(from: row)
            }
            return found
        }
    }

    public func hostedImage(_ imageId: String, in threadId: String) async throws -> HostedImage? {
        try await database.read { db in
            try db.fetchOneRow(
                cached: "SELECT content_type, data FROM chat_hosted_images WHERE thread_id = ? AND id = ?",
                arguments: [threadId, imageId]
            )
            .map { HostedImage(data: $0["data"], contentType: $0["content_type"]) }
        }
    }

    public func messages(in threadId: String, visibleFrom: Date, startTime: Date?, beforeSequence: Int64?, limit: Int) async throws -> [ChatMessage] {
        try await database.read { db in
            var sql = "SELECT * FROM chat_messages WHERE thread_id = ? AND created_at >= ?"
            var arguments: StatementArguments = [threadId, Self.millis(max(visibleFrom, startTime ?? visibleFrom))]
            if let beforeSequence {
                sql += " AND sequence_id < ?"
                _ = arguments.append(contentsOf: [beforeSequence])
            }
            sql += " ORDER BY sequence_id DESC LIMIT ?"
            _ = arguments.append(contentsOf: [limit])
            return try db.fetchAllRows(cached: sql, arguments: arguments).map(Self.message(from:))
        }
    }

    public func editMessage(
        _ messageId: String,
        in threadId: String,
        content: String?,
        metadata: [String: String]?,
        at time: Date,
        guard: ChatGuard,
        event: DomainEvent
    ) async throws -> ChatMessage {
        try await writer.write { db in
            let existing = try Self.checkMessage(`guard`, messageId, threadId, db)
            guard existing.deletedAt == nil else { throw Self.messageNotFound(messageId) }
            let at = Self.millis(time)
            let version = max(at, (Int64(existing.version) ?? 0) + 1)
            try db.execute(
                cached: """
                    UPDATE chat_messages SET body = COALESCE(?, body), metadata = COALESCE(?, metadata), edited_at = ?, version = ?
                    WHERE thread_id = ? AND id = ?
                    """,
                arguments: [content, try metadata.map(Self.json), at, version, threadId, Int64(messageId)]
            )
            let edited = try Self.checkMessage(`guard`, messageId, threadId, db)
            var event = event
            event.describeMessage(edited)
            try self.appendChat(event, in: threadId, db)
            return edited
        }
    }

    public func deleteMessage(_ messageId: String, in threadId: String, at time: Date, guard: ChatGuard, event: DomainEvent) async throws {
        try await writer.write { db in
            let existing = try Self.checkMessage(`guard`, messageId, threadId, db)
            guard existing.deletedAt == nil else { return }
            try db.execute(
                cached: "UPDATE chat_messages SET body = NULL, metadata = NULL, attachments = NULL, deleted_at = ? WHERE thread_id = ? AND id = ?",
                arguments: [Self.millis(time), threadId, Int64(messageId)]
            )
            try db.execute(
                cached: "DELETE FROM chat_hosted_images WHERE thread_id = ? AND message_id = ?",
                arguments: [threadId, Int64(messageId)]
            )
            var deleted = existing
            deleted.deletedAt = time
            var event = event
            event.describeMessage(deleted)
            try self.appendChat(event, in: threadId, db)
        }
    }

    // MARK: Read receipts

    public func recordReadReceipt(_ receipt: ChatReadReceipt, in threadId: String, guard: ChatGuard, event: DomainEvent) async throws {
        try await writer.write { db in
            try Self.check(`guard`, threadId, db)
            try db.execute(
                cached: """
                    INSERT INTO chat_read_receipts (thread_id, sender, message_id, read_at) VALUES (?, ?, ?, ?)
                    ON CONFLICT (thread_id, sender) DO UPDATE SET message_id = excluded.message_id, read_at = excluded.read_at
                    WHERE excluded.message_id > chat_read_receipts.message_id
                    """,
                arguments: [threadId, receipt.senderRawId, Int64(receipt.messageId), Self.millis(receipt.readAt)]
            )
            if db.changesCount > 0 { try self.appendChat(event, in: threadId, db) }
        }
    }

    public func readReceipts(in threadId: String, offset: Int, limit: Int) async throws -> [ChatReadReceipt] {
        try await database.read { db in
            try db.fetchAllRows(
                cached: "SELECT * FROM chat_read_receipts WHERE thread_id = ? ORDER BY read_at, sender LIMIT ? OFFSET ?",
                arguments: [threadId, limit, offset]
            ).map { row in
                ChatReadReceipt(senderRawId: row["sender"], messageId: String(row["message_id"] as Int64), readAt: Self.date(row["read_at"]))
            }
        }
    }

    // MARK: Events

    /// Appends a chat event with its ``ChatEventDetail`` completed inside the write that commits
    /// it: the audience is the thread's participants now, plus `removed`.
    private func appendChat(
        _ event: DomainEvent,
        in threadId: String,
        removed: [String] = [],
        participants: [ChatParticipant]? = nil,
        _ db: Database
    ) throws {
        guard event.chat != nil else { return try Self.append(event, to: db) }
        if participants != nil || !removed.isEmpty { audiences.invalidate(threadId) }
        let current = try audiences.audience(of: threadId) {
            let members = try String.fetchAll(
                db.cachedStatement(sql: "SELECT raw_id FROM chat_participants WHERE thread_id = ? ORDER BY raw_id"),
                arguments: [threadId]
            )
            return AudienceCache.Entry(members: members, id: try Self.audienceId(of: members, db))
        }
        let extra = removed.filter { !current.members.contains($0) }
        var event = event
        event.chat = ChatEventDetail(audience: current.members + extra, participants: participants)
        let id = extra.isEmpty ? current.id : try Self.audienceId(of: current.members + extra, db)
        try Self.append(event, to: db, audienceId: id)
    }

    // MARK: Guards

    /// Throws unless the thread is live and the guard's participant is in it.
    /// One statement for the whole guard: it runs inside the single writer, on every send.
    private static func check(_ guard: ChatGuard, _ threadId: String, _ db: Database) throws {
        guard
            let row = try db.fetchOneRow(
                cached: """
                    SELECT t.deleted_at IS NULL AS live,
                        EXISTS (SELECT 1 FROM chat_participants WHERE thread_id = t.id AND raw_id = ?) AS member,
                        EXISTS (SELECT 1 FROM chat_participants WHERE thread_id = t.id AND raw_id >= ? AND raw_id < ?) AS teams
                    FROM chat_threads t WHERE t.id = ?
                    """,
                arguments: [`guard`.participant, RawIdPrefix.teamsPublic, RawIdPrefix.teamsPublic + "\u{10FFFF}", threadId]
            ),
            row["live"] as Bool
        else {
            throw ParleyError(.notFound, "Chat thread '\(threadId)' was not found.", target: "chatThreadId")
        }
        guard row["member"] as Bool else {
            throw ParleyError(.forbidden, wireCode: "Forbidden", "The initiator doesn't have the permission to perform the requested operation.")
        }
        if !`guard`.allowsTeamsParticipants, row["teams"] as Bool { throw TeamsParticipantsPresent() }
    }

    /// ``check(_:_:_:)``, and the message exists and was sent by the guard's sender.
    private static func checkMessage(_ guard: ChatGuard, _ messageId: String, _ threadId: String, _ db: Database) throws -> ChatMessage {
        try check(`guard`, threadId, db)
        guard let numericId = Int64(messageId),
            let row = try db.fetchOneRow(cached: "SELECT * FROM chat_messages WHERE thread_id = ? AND id = ?", arguments: [threadId, numericId])
        else { throw messageNotFound(messageId) }
        let message = try message(from: row)
        if let sender = `guard`.messageSender, message.senderRawId != sender {
            throw ParleyError(.forbidden, wireCode: "Forbidden", "Only the sender of a message can edit or delete it.")
        }
        return message
    }

    private static func messageNotFound(_ messageId: String) -> ParleyError {
        ParleyError(.notFound, "Message '\(messageId)' was not found.", target: "chatMessageId")
    }

    // MARK: Rows

    private static func insert(_ participant: ChatParticipant, into threadId: String, at joined: Int64, _ db: Database) throws {
        try db.execute(
            cached: "INSERT INTO chat_participants (thread_id, raw_id, display_name, share_history_time, joined_at) VALUES (?, ?, ?, ?, ?)",
            arguments: [threadId, participant.rawId, participant.displayName, millis(participant.shareHistoryTime), joined]
        )
    }

    /// Inserts a message with the thread's next sequence number and an id (epoch milliseconds)
    /// greater than every earlier one, and moves the thread's activity time.
    private static func insertMessage(_ draft: ChatMessageDraft, into threadId: String, at time: Date, _ db: Database) throws -> ChatMessage {
        let at = millis(time)
        // Next sequence number and an id above every earlier one, in one statement.
        guard
            let counters = try db.fetchOneRow(
                cached: """
                    UPDATE chat_threads SET last_sequence = last_sequence + 1, last_message_id = max(?, last_message_id + 1), last_message_at = ?
                    WHERE id = ? RETURNING last_sequence, last_message_id
                    """,
                arguments: [at, at, threadId]
            )
        else {
            throw ParleyError(.notFound, "Chat thread '\(threadId)' was not found.", target: "chatThreadId")
        }
        let sequence: Int64 = counters["last_sequence"]
        let id: Int64 = counters["last_message_id"]
        try db.execute(
            cached: """
                INSERT INTO chat_messages
                    (thread_id, sequence_id, id, type, sender, sender_display_name, body, topic, participants, initiator, metadata, created_at, version,
                     attachments)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """,
            arguments: [
                threadId, sequence, id, draft.type.rawValue, draft.senderRawId, draft.senderDisplayName, draft.content.message,
                draft.content.topic, try draft.content.participants.map(json), draft.content.initiator, try draft.metadata.map(json), at, id,
                try draft.content.attachments.map(json),
            ]
        )
        for (imageId, image) in draft.images {
            try db.execute(
                cached: "INSERT INTO chat_hosted_images (thread_id, id, message_id, content_type, data) VALUES (?, ?, ?, ?, ?)",
                arguments: [threadId, imageId, id, image.contentType, image.data]
            )
        }
        return ChatMessage(
            id: String(id),
            threadId: threadId,
            sequenceId: sequence,
            type: draft.type,
            senderRawId: draft.senderRawId,
            senderDisplayName: draft.senderDisplayName,
            content: draft.content,
            metadata: draft.metadata,
            createdAt: date(at),
            version: String(id)
        )
    }

    private static func thread(from row: Row) throws -> ChatThread {
        let resource: String? = row["resource_id"]
        let tenant: String? = row["tenant_id"]
        return ChatThread(
            id: row["id"],
            resourceId: resource.flatMap(UUID.init(uuidString:)),
            tenantId: tenant.flatMap(UUID.init(uuidString:)),
            topic: row["topic"],
            createdBy: row["created_by"],
            createdAt: date(row["created_at"]),
            lastMessageAt: date(row["last_message_at"]),
            deletedAt: (row["deleted_at"] as Int64?).map(date)
        )
    }

    private static func participant(from row: Row) -> ChatParticipant {
        ChatParticipant(rawId: row["raw_id"], displayName: row["display_name"], shareHistoryTime: date(row["share_history_time"]))
    }

    private static func message(from row: Row) throws -> ChatMessage {
        guard let type = ChatMessageType(rawValue: row["type"]) else {
            throw ParleyError(.internal, "Stored message has an unknown type.")
        }
        let participants: String? = row["participants"]
        let metadata: String? = row["metadata"]
        let attachments: String? = row["attachments"]
        return ChatMessage(
            id: String(row["id"] as Int64),
            threadId: row["thread_id"],
            sequenceId: row["sequence_id"],
            type: type,
            senderRawId: row["sender"],
            senderDisplayName: row["sender_display_name"],
            content: ChatMessageContent(
                message: row["body"],
                topic: row["topic"],
                participants: try participants.map { try decode([ChatParticipant].self, $0) },
                initiator: row["initiator"],
                attachments: try attachments.map { try decode([ChatAttachment].self, $0) }
            ),
            metadata: try metadata.map { try decode([String: String].self, $0) },
            createdAt: date(row["created_at"]),
            version: String(row["version"] as Int64),
            editedAt: (row["edited_at"] as Int64?).map(date),
            deletedAt: (row["deleted_at"] as Int64?).map(date)
        )
    }

    private static func json(_ value: some Encodable) throws -> String {
        String(decoding: try JSONEncoder().encode(value), as: UTF8.self)
    }

    private static func decode<T: Decodable>(_ type: T.Type, _ text: String) throws -> T {
        try JSONDecoder().decode(T.self, from: Data(text.utf8))
    }
}
