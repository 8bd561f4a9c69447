/// `data` of the Azure Communication Services system events Parley raises (reference:
/// calling-events-teams.md §2.3, §2.4). Identifiers are `CommunicationIdentifierModel`s:
/// app users as `communicationUser`, Teams users as `microsoftTeamsUser`, Teams voice apps as
/// `microsoftTeamsApp`. Absent optional fields are left out.

// MARK: Calling

/// A call participant in calling events.
public struct AcsCallParticipant: Codable, Sendable, Equatable {
    public var communicationIdentifier: CommunicationIdentifierModel
    public var role: String?
    public init(communicationIdentifier: CommunicationIdentifierModel, role: String?) {
        self.communicationIdentifier = communicationIdentifier
        self.role = role
    }
}

/// Who or what ended a call.
public struct AcsCallEndedBy: Codable, Sendable, Equatable {
    public var communicationIdentifier: CommunicationIdentifierModel?
    /// `Participant`, or `MicrosoftInternal` when the platform ended it (timeouts, restarts).
    public var type: String
    public var name: String?
    public init(communicationIdentifier: CommunicationIdentifierModel?, type: String, name: String?) {
        self.communicationIdentifier = communicationIdentifier
        self.type = type
        self.name = name
    }
}

/// Why a call ended: the `callEndReason` code and subcode.
public struct AcsCallEndReason: Codable, Sendable, Equatable {
    public var code: Int
    public var subCode: Int
    public var phrase: String?
    public init(code: Int, subCode: Int, phrase: String?) {
        self.code = code
        self.subCode = subCode
        self.phrase = phrase
    }
}

/// `CallStarted`, `CallEnded`, `CallParticipantAdded`, `CallParticipantRemoved`.
public struct AcsCallEventData: Codable, Sendable, Equatable {
    public var startedBy: AcsCallParticipant
    public var serverCallId: String
    public var correlationId: String
    public var isTwoParty: Bool
    public var isRoomsCall: Bool
    // CallEnded
    public var callDurationInSeconds: Double?
    public var endedBy: AcsCallEndedBy?
    public var reason: AcsCallEndReason?
    // CallParticipantAdded / CallParticipantRemoved
    public var user: AcsCallParticipant?
    public var displayName: String?
    public var participantId: String?

    public init(
        startedBy: AcsCallParticipant,
        serverCallId: String,
        correlationId: String,
        isTwoParty: Bool,
        isRoomsCall: Bool = false,
        callDurationInSeconds: Double? = nil,
        endedBy: AcsCallEndedBy? = nil,
        reason: AcsCallEndReason? = nil,
        user: AcsCallParticipant? = nil,
        displayName: String? = nil,
        participantId: String? = nil
    ) {
        self.startedBy = startedBy
        self.serverCallId = serverCallId
        self.correlationId = correlationId
        self.isTwoParty = isTwoParty
        self.isRoomsCall = isRoomsCall
        self.callDurationInSeconds = callDurationInSeconds
        self.endedBy = endedBy
        self.reason = reason
        self.user = user
        self.displayName = displayName
        self.participantId = participantId
    }
}

/// `IncomingCall`: a call rings an app user of the resource.
public struct AcsIncomingCallEventData: Codable, Sendable, Equatable {
    public var to: CommunicationIdentifierModel
    public var from: CommunicationIdentifierModel
    public var serverCallId: String
    public var callerDisplayName: String?
    /// Signed and short-lived: what Call Automation's answer, reject and redirect take.
    public var incomingCallContext: String
    public var correlationId: String
    public var customContext: AcsIncomingCallCustomContext

    public init(
        to: CommunicationIdentifierModel,
        from: CommunicationIdentifierModel,
        serverCallId: String,
        callerDisplayName: String?,
        incomingCallContext: String,
        correlationId: String
    ) {
        self.to = to
        self.from = from
        self.serverCallId = serverCallId
        self.callerDisplayName = callerDisplayName
        self.incomingCallContext = incomingCallContext
        self.correlationId = correlationId
        self.customContext = AcsIncomingCallCustomContext()
    }
}

public struct AcsIncomingCallCustomContext: Codable, Sendable, Equatable {
    public var sipHeaders: [String: String] = [:]
    public var voipHeaders: [String: String] = [:]
    public init() {}
}

// MARK: Chat

/// The message events, per user (`ChatMessageReceived`, …`Edited`, …`Deleted`, with a
/// recipient) and per thread (…`InThread`, without).
public struct AcsChatMessageEventData: Codable, Sendable, Equatable {
    public var recipientCommunicationIdentifier: CommunicationIdentifierModel?
    public var transactionId: String
    public var threadId: String
    public var messageId: String
    public var senderCommunicationIdentifier: CommunicationIdentifierModel
    public var senderDisplayName: String?
    public var composeTime: String
    public var type: String
    public var version: Int64
    public var messageBody: String?
    public var metadata: [String: String]?
    public var editTime: String?
    public var deleteTime: String?

    public init(
        recipientCommunicationIdentifier: CommunicationIdentifierModel?,
        transactionId: String,
        threadId: String,
        messageId: String,
        senderCommunicationIdentifier: CommunicationIdentifierModel,
        senderDisplayName: String?,
        composeTime: String,
        type: String,
        version: Int64,
        messageBody: String?,
        metadata: [String: String]?,
        editTime: String? = nil,
        deleteTime: String? = nil
    ) {
        self.recipientCommunicationIdentifier = recipientCommunicationIdentifier
        self.transactionId = transactionId
        self.threadId = threadId
        self.messageId = messageId
        self.senderCommunicationIdentifier = senderCommunicationIdentifier
        self.senderDisplayName = senderDisplayName
        self.composeTime = composeTime
        self.type = type
        self.version = version
        self.messageBody = messageBody
        self.metadata = metadata
        self.editTime = editTime
        self.deleteTime = deleteTime
    }
}

/// A thread participant in chat events.
public struct AcsChatThreadParticipant: Codable, Sendable, Equatable {
    public var displayName: String?
    public var participantCommunicationIdentifier: CommunicationIdentifierModel
    public var metadata: [String: String]?
    public init(displayName: String?, participantCommunicationIdentifier: CommunicationIdentifierModel, metadata: [String: String]? = nil) {
        self.displayName = displayName
        self.participantCommunicationIdentifier = participantCommunicationIdentifier
        self.metadata = metadata
    }
}

/// The thread events: `ChatThreadCreated(WithUser)`, `ChatThread(WithUser)Deleted`,
/// `ChatThreadPropertiesUpdated(PerUser)`, `ChatParticipantAddedToThreadWithUser` /
/// `ChatThreadParticipantAdded` and their removal counterparts. Each kind fills its fields.
public struct AcsChatThreadEventData: Codable, Sendable, Equatable {
    public var recipientCommunicationIdentifier: CommunicationIdentifierModel?
    public var transactionId: String
    public var threadId: String
    public var version: Int64
    public var createTime: String?
    // Created
    public var createdByCommunicationIdentifier: CommunicationIdentifierModel?
    public var participants: [AcsChatThreadParticipant]?
    // Created, properties updated
    public var properties: [String: String]?
    public var metadata: [String: String]?
    // Deleted
    public var deletedByCommunicationIdentifier: CommunicationIdentifierModel?
    public var deleteTime: String?
    // Properties updated
    public var editedByCommunicationIdentifier: CommunicationIdentifierModel?
    public var editTime: String?
    // Participant added / removed
    public var time: String?
    public var addedByCommunicationIdentifier: CommunicationIdentifierModel?
    public var participantAdded: AcsChatThreadParticipant?
    public var removedByCommunicationIdentifier: CommunicationIdentifierModel?
    public var participantRemoved: AcsChatThreadParticipant?

    public init(recipientCommunicationIdentifier: CommunicationIdentifierModel?, transactionId: String, threadId: String, version: Int64) {
        self.recipientCommunicationIdentifier = recipientCommunicationIdentifier
        self.transactionId = transactionId
        self.threadId = threadId
        self.version = version
    }
}

/// The `eventType`s of the Communication Services events Parley raises.
public enum CommunicationEventType {
    public static let prefix = "Microsoft.Communication."
    public static let callStarted = prefix + "CallStarted"
    public static let callEnded = prefix + "CallEnded"
    public static let callParticipantAdded = prefix + "CallParticipantAdded"
    public static let callParticipantRemoved = prefix + "CallParticipantRemoved"
    public static let incomingCall = prefix + "IncomingCall"
    public static let chatMessageReceived = prefix + "ChatMessageReceived"
    public static let chatMessageReceivedInThread = prefix + "ChatMessageReceivedInThread"
    public static let chatMessageEdited = prefix + "ChatMessageEdited"
    public static let chatMessageEditedInThread = prefix + "ChatMessageEditedInThread"
    public static let chatMessageDeleted = prefix + "ChatMessageDeleted"
    public static let chatMessageDeletedInThread = prefix + "ChatMessageDeletedInThread"
    public static let chatThreadCreatedWithUser = prefix + "ChatThreadCreatedWithUser"
    public static let chatThreadCreated = prefix + "ChatThreadCreated"
    public static let chatThreadWithUserDeleted = prefix + "ChatThreadWithUserDeleted"
    public static let chatThreadDeleted = prefix + "ChatThreadDeleted"
    public static let chatThreadPropertiesUpdatedPerUser = prefix + "ChatThreadPropertiesUpdatedPerUser"
    public static let chatThreadPropertiesUpdated = prefix + "ChatThreadPropertiesUpdated"
    public static let chatParticipantAddedToThreadWithUser = prefix + "ChatParticipantAddedToThreadWithUser"
    public static let chatThreadParticipantAdded = prefix + "ChatThreadParticipantAdded"
    public static let chatParticipantRemovedFromThreadWithUser = prefix + "ChatParticipantRemovedFromThreadWithUser"
    public static let chatThreadParticipantRemoved = prefix + "ChatThreadParticipantRemoved"

    /// Every event type a subscription can include.
    public static let all: [String] = [
        callStarted, callEnded, callParticipantAdded, callParticipantRemoved, incomingCall,
        chatMessageReceived, chatMessageReceivedInThread, chatMessageEdited, chatMessageEditedInThread,
        chatMessageDeleted, chatMessageDeletedInThread, chatThreadCreatedWithUser, chatThreadCreated,
        chatThreadWithUserDeleted, chatThreadDeleted, chatThreadPropertiesUpdatedPerUser, chatThreadPropertiesUpdated,
        chatParticipantAddedToThreadWithUser, chatThreadParticipantAdded, chatParticipantRemovedFromThreadWithUser,
        chatThreadParticipantRemoved,
    ]

    public static let subscriptionValidation = "Microsoft.EventGrid.SubscriptionValidationEvent"
}
