import Foundation
import ParleyAPI

/// Turns committed domain events into the Communication Services events of Event Grid
/// (docs/events.md): the calling events, `IncomingCall`, and the chat events of both families.
///
/// Everything a payload says was captured in the domain event when the change committed (the
/// message body as sent, the audience, the participants), so an event rendered late (after an
/// outage, or again for a retry) still describes the change as it was.
public struct CommunicationEventRenderer: Sendable {
    private let identity: EventIdentity
    private let contexts: IncomingCallContextSigner

    public init(identity: EventIdentity, contexts: IncomingCallContextSigner) {
        self.identity = identity
        self.contexts = contexts
    }

    /// The events of `recorded` for subscriptions of the resource `resourceId`, in order; none
    /// for events of other resources and for kinds that raise no Event Grid event.
    public func render(_ recorded: RecordedEvent, resourceId: String) async throws -> [RenderedEvent] {
        let event = recorded.event
        guard event.resourceId == resourceId else { return [] }
        switch event.kind {
        case .callStarted, .callEnded, .callParticipantAdded, .callParticipantRemoved:
            return renderCall(recorded)
        case .incomingCall:
            return try await renderIncomingCall(recorded).map { [$0] } ?? []
        case .chatMessageReceived, .chatMessageEdited, .chatMessageDeleted, .chatThreadCreated, .chatThreadDeleted,
            .chatThreadPropertiesUpdated, .chatParticipantsAdded, .chatParticipantRemoved:
            return renderChat(recorded)
        default:
            return []
        }
    }

    // MARK: Calling

    private func renderCall(_ recorded: RecordedEvent) -> [RenderedEvent] {
        let event = recorded.event
        let data = event.data
        let callId = event.subject
        let startedBy = data["startedBy"] ?? ""
        var payload = AcsCallEventData(
            startedBy: AcsCallParticipant(communicationIdentifier: Self.identifier(startedBy), role: CallRole.organizer),
            serverCallId: callId,
            correlationId: callId,
            isTwoParty: data["isGroupCall"] != "true"
        )
        let type: String
        var subject = "call/\(callId)"
        switch event.kind {
        case .callStarted:
            type = CommunicationEventType.callStarted
            subject += "/startedBy/\(startedBy)"
        case .callEnded:
            type = CommunicationEventType.callEnded
            payload.callDurationInSeconds = data["durationSeconds"].flatMap(Double.init) ?? 0
            if let code = data["code"].flatMap(Int.init), let subCode = data["subCode"].flatMap(Int.init) {
                payload.reason = AcsCallEndReason(code: code, subCode: subCode, phrase: CallRole.phrase(code: code, subCode: subCode))
            }
            if let endedBy = data["endedBy"] {
                payload.endedBy = AcsCallEndedBy(communicationIdentifier: Self.identifier(endedBy), type: "Participant", name: data["endedByName"])
            } else {
                payload.endedBy = AcsCallEndedBy(communicationIdentifier: nil, type: "MicrosoftInternal", name: nil)
            }
        default:
            let participant = data["participant"] ?? ""
            type = event.kind == .callParticipantAdded ? CommunicationEventType.callParticipantAdded : CommunicationEventType.callParticipantRemoved
            subject += "/participant/\(participant)"
            payload.user = AcsCallParticipant(
                communicationIdentifier: Self.identifier(participant),
                role: participant == startedBy ? CallRole.organizer : CallRole.attendee
            )
            payload.displayName = data["displayName"]
            payload.participantId = data["endpointId"]
            if let code = data["code"].flatMap(Int.init), let subCode = data["subCode"].flatMap(Int.init), event.kind == .callParticipantRemoved {
                payload.reason = AcsCallEndReason(code: code, subCode: subCode, phrase: CallRole.phrase(code: code, subCode: subCode))
            }
        }
        return [
            RenderedEvent(
                id: identity.eventId(position: recorded.position, index: 0),
                eventType: type,
                subject: subject,
                time: event.occurredAt,
                data: payload
            )
        ]
    }

    private func renderIncomingCall(_ recorded: RecordedEvent) async throws -> RenderedEvent? {
        let event = recorded.event
        let data = event.data
        guard let callee = data["callee"], let caller = data["from"], let resourceId = UUID(uuidString: event.resourceId),
            let deadline = data["deadline"].flatMap(Int64.init)
        else { return nil }
        let context = IncomingCallContext(
            serverCallId: event.subject,
            callee: callee,
            resourceId: resourceId,
            expiresAt: Date(timeIntervalSince1970: TimeInterval(deadline) / 1000)
        )
        let payload = AcsIncomingCallEventData(
            to: Self.identifier(callee),
            from: Self.identifier(caller),
            serverCallId: event.subject,
            callerDisplayName: data["callerDisplayName"],
            incomingCallContext: try await contexts.sign(context, issuedAt: event.occurredAt),
            correlationId: event.subject
        )
        return RenderedEvent(
            id: identity.eventId(position: recorded.position, index: 0),
            eventType: CommunicationEventType.incomingCall,
            subject: "/caller/\(caller)/recipient/\(callee)",
            time: event.occurredAt,
            data: payload
        )
    }

    // MARK: Chat

    /// Thread-level events once; per-user events for each app user of the audience other than
    /// whoever made the change. Nothing for threads without an app user.
    private func renderChat(_ recorded: RecordedEvent) -> [RenderedEvent] {
        let event = recorded.event
        guard let detail = event.chat, detail.audience.contains(where: Self.isAppUser) else { return [] }
        let initiator = event.data["initiator"] ?? ""
        let recipients = detail.audience.filter { Self.isAppUser($0) && $0 != initiator }.sorted()
        let transactionId = identity.transactionId(position: recorded.position)
        let threadId = event.subject
        let version = Self.millis(event.occurredAt)
        var rendered: [RenderedEvent] = []
        func add(_ type: String, _ subject: String, _ data: any Encodable & Sendable) {
            rendered.append(
                RenderedEvent(
                    id: identity.eventId(position: recorded.position, index: rendered.count),
                    eventType: type,
                    subject: subject,
                    time: event.occurredAt,
                    data: data
                )
            )
        }
        func threadData(_ recipient: CommunicationIdentifierModel?) -> AcsChatThreadEventData {
            AcsChatThreadEventData(recipientCommunicationIdentifier: recipient, transactionId: transactionId, threadId: threadId, version: version)
        }
        /// A thread-level event and its per-user copies.
        func family(
            thread: String,
            perUser: String,
            subject: String,
            _ make: (CommunicationIdentifierModel?) -> any Encodable & Sendable
        ) {
            add(thread, subject, make(nil))
            for recipient in recipients {
                add(perUser, subject + "/recipient/\(recipient)", make(Self.identifier(recipient)))
            }
        }

        switch event.kind {
        case .chatMessageReceived, .chatMessageEdited, .chatMessageDeleted:
            let data = event.data
            guard let messageId = data["messageId"] else { return [] }
            let composeTime = data["composeTime"].flatMap(Int64.init).map(Self.date) ?? event.occurredAt
            let (thread, perUser): (String, String)
            switch event.kind {
            case .chatMessageReceived:
                (thread, perUser) = (CommunicationEventType.chatMessageReceivedInThread, CommunicationEventType.chatMessageReceived)
            case .chatMessageEdited: (thread, perUser) = (CommunicationEventType.chatMessageEditedInThread, CommunicationEventType.chatMessageEdited)
            default: (thread, perUser) = (CommunicationEventType.chatMessageDeletedInThread, CommunicationEventType.chatMessageDeleted)
            }
            let deleted = event.kind == .chatMessageDeleted
            let metadata = deleted ? nil : data["metadata"].flatMap { try? JSONDecoder().decode([String: String].self, from: Data($0.utf8)) } ?? [:]
            family(thread: thread, perUser: perUser, subject: "thread/\(threadId)/sender/\(initiator)") { recipient in
                AcsChatMessageEventData(
                    recipientCommunicationIdentifier: recipient,
                    transactionId: transactionId,
                    threadId: threadId,
                    messageId: messageId,
                    senderCommunicationIdentifier: Self.identifier(initiator),
                    senderDisplayName: data["senderDisplayName"],
                    composeTime: WireTimestamp.rfc3339Milliseconds(composeTime),
                    type: Self.messageType(data["messageType"]),
                    version: data["version"].flatMap(Int64.init) ?? Int64(messageId) ?? version,
                    messageBody: deleted ? nil : data["body"] ?? "",
                    metadata: metadata,
                    editTime: event.kind == .chatMessageEdited ? WireTimestamp.rfc3339Milliseconds(event.occurredAt) : nil,
                    deleteTime: deleted ? WireTimestamp.rfc3339Milliseconds(event.occurredAt) : nil
                )
            }
        case .chatThreadCreated:
            let participants = (detail.participants ?? []).map(Self.participant)
            family(
                thread: CommunicationEventType.chatThreadCreated,
                perUser: CommunicationEventType.chatThreadCreatedWithUser,
                subject: "thread/\(threadId)/createdBy/\(initiator)"
            ) { recipient in
                var data = threadData(recipient)
                data.createTime = WireTimestamp.rfc3339Milliseconds(event.occurredAt)
                data.createdByCommunicationIdentifier = Self.identifier(initiator)
                data.properties = ["topic": event.data["topic"] ?? ""]
                data.participants = participants
                data.metadata = [:]
                return data
            }
        case .chatThreadDeleted:
            family(
                thread: CommunicationEventType.chatThreadDeleted,
                perUser: CommunicationEventType.chatThreadWithUserDeleted,
                subject: "thread/\(threadId)/deletedBy/\(initiator)"
            ) { recipient in
                var data = threadData(recipient)
                data.createTime = threadCreateTime(event)
                data.deletedByCommunicationIdentifier = Self.identifier(initiator)
                data.deleteTime = WireTimestamp.rfc3339Milliseconds(event.occurredAt)
                return data
            }
        case .chatThreadPropertiesUpdated:
            family(
                thread: CommunicationEventType.chatThreadPropertiesUpdated,
                perUser: CommunicationEventType.chatThreadPropertiesUpdatedPerUser,
                subject: "thread/\(threadId)/editedBy/\(initiator)"
            ) { recipient in
                var data = threadData(recipient)
                data.createTime = threadCreateTime(event)
                data.editedByCommunicationIdentifier = Self.identifier(initiator)
                data.editTime = WireTimestamp.rfc3339Milliseconds(event.occurredAt)
                data.properties = ["topic": event.data["topic"] ?? ""]
                data.metadata = [:]
                return data
            }
        case .chatParticipantsAdded, .chatParticipantRemoved:
            let added = event.kind == .chatParticipantsAdded
            for participant in detail.participants ?? [] {
                let model = Self.participant(participant)
                family(
                    thread: added ? CommunicationEventType.chatThreadParticipantAdded : CommunicationEventType.chatThreadParticipantRemoved,
                    perUser: added
                        ? CommunicationEventType.chatParticipantAddedToThreadWithUser
                        : CommunicationEventType.chatParticipantRemovedFromThreadWithUser,
                    subject: "thread/\(threadId)/\(added ? "participantAdded" : "participantRemoved")/\(participant.rawId)"
                ) { recipient in
                    var data = threadData(recipient)
                    data.time = WireTimestamp.rfc3339Milliseconds(event.occurredAt)
                    if recipient != nil { data.createTime = threadCreateTime(event) }
                    if added {
                        data.addedByCommunicationIdentifier = Self.identifier(initiator)
                        data.participantAdded = model
                    } else {
                        data.removedByCommunicationIdentifier = Self.identifier(initiator)
                        data.participantRemoved = model
                    }
                    return data
                }
            }
        default:
            break
        }
        return rendered
    }

    private func threadCreateTime(_ event: DomainEvent) -> String? {
        event.data["threadCreatedAt"].flatMap(Int64.init).map { WireTimestamp.rfc3339Milliseconds(Self.date($0)) }
    }

    // MARK: Helpers

    static func identifier(_ rawId: String) -> CommunicationIdentifierModel {
        CommunicationIdentifierModel(CommunicationIdentifierKind(rawId: rawId))
    }

    static func isAppUser(_ rawId: String) -> Bool {
        if case .communicationUser = CommunicationIdentifierKind(rawId: rawId) { return true }
        return false
    }

    private static func participant(_ participant: ChatParticipant) -> AcsChatThreadParticipant {
        AcsChatThreadParticipant(displayName: participant.displayName, participantCommunicationIdentifier: identifier(participant.rawId))
    }

    /// `Text`, `Html`, … as the events spell message types.
    private static func messageType(_ type: String?) -> String {
        guard let type, let first = type.first else { return "Text" }
        return first.uppercased() + type.dropFirst()
    }

    static func millis(_ date: Date) -> Int64 { Int64((date.timeIntervalSince1970 * 1000).rounded()) }
    static func date(_ millis: Int64) -> Date { Date(timeIntervalSince1970: TimeInterval(millis) / 1000) }
}

/// Participant roles and end-reason phrases of the calling events.
enum CallRole {
    /// Who started the call.
    static let organizer = "Organizer"
    static let attendee = "Attendee"

    /// A short phrase for the end reasons calls end with (docs/realtime.md, "End reasons").
    static func phrase(code: Int, subCode: Int) -> String? {
        switch (code, subCode) {
        case (0, 0): "Call ended successfully."
        case (0, 4097): "Call ended for everyone."
        case (0, 4521): "The other participant's connection dropped."
        case (0, 5300): "Removed from the call."
        case (0, 7000): "Call ended by the platform."
        case (0, 7015): "Call transferred."
        case (487, 0): "Call cancelled by the caller."
        case (487, 10003): "Call accepted elsewhere."
        case (487, 10004): "Call not answered."
        case (487, 10024): "Call declined elsewhere."
        case (603, 0): "Call declined."
        case (410, 3101): "Connection lost."
        default: nil
        }
    }
}
