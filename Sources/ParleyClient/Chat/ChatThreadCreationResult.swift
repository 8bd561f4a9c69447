/// A new thread, and the participants that could not join it.
public struct ChatThreadCreationResult: Sendable {
    public var chatThread: ChatThreadProperties
    /// Empty when everyone joined.
    public var invalidParticipants: [ChatError]

    public init(chatThread: ChatThreadProperties, invalidParticipants: [ChatError] = []) {
        self.chatThread = chatThread
        self.invalidParticipants = invalidParticipants
    }
}
