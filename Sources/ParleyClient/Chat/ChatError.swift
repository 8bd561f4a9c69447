import ParleyAPI

/// Why a participant could not be added to a thread (the thread was changed for the others).
public struct ChatError: Sendable, Hashable {
    public var code: String
    public var message: String
    /// The raw id of the participant it is about.
    public var target: String?
    /// The more specific code of `innererror` (for Teams users refused by the interop gate).
    public var innerErrorCode: String?

    public init(code: String, message: String, target: String? = nil, innerErrorCode: String? = nil) {
        self.code = code
        self.message = message
        self.target = target
        self.innerErrorCode = innerErrorCode
    }

    init(_ model: CommunicationError) {
        self.init(code: model.code, message: model.message, target: model.target, innerErrorCode: model.innererror?.code)
    }
}
