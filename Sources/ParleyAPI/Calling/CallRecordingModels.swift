/// The Call Automation `startRecording` body (`POST /calling/recordings`), as far as Parley
/// reads it: the call to record. Media options are accepted and ignored: the client that records
/// does the recording (docs/api.md).
public struct StartCallRecordingRequest: Codable, Sendable {
    public struct CallLocator: Codable, Sendable {
        /// `serverCallLocator` (Parley's calls), `groupCallLocator` or `roomCallLocator`.
        public var kind: String?
        public var serverCallId: String?
        public var groupCallId: String?
        public var roomId: String?

        public init(kind: String? = nil, serverCallId: String? = nil, groupCallId: String? = nil, roomId: String? = nil) {
            self.kind = kind
            self.serverCallId = serverCallId
            self.groupCallId = groupCallId
            self.roomId = roomId
        }
    }

    public var callLocator: CallLocator?
    public var callConnectionId: String?
    public var recordingStateCallbackUri: String?
    public var recordingContentType: String?
    public var recordingChannelType: String?
    public var recordingFormatType: String?
    /// Start paused (Call Automation 1.6): Parley does not pause recordings.
    public var pauseOnStart: Bool?

    public init(callLocator: CallLocator? = nil, callConnectionId: String? = nil) {
        self.callLocator = callLocator
        self.callConnectionId = callConnectionId
    }
}

/// `{recordingId, recordingState, recordingKind}` of Call Automation.
public struct CallRecordingStateResponse: Codable, Sendable, Equatable {
    public var recordingId: String
    /// `active` or `inactive`.
    public var recordingState: String
    public var recordingKind: String

    public init(recordingId: String, recordingState: String, recordingKind: String = "azureCommunicationServices") {
        self.recordingId = recordingId
        self.recordingState = recordingState
        self.recordingKind = recordingKind
    }
}
