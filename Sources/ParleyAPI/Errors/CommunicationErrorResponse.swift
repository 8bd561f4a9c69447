/// The ACS error envelope: `{"error": {"code", "message", "target"?, "details"?, "innererror"?}}`.
///
/// azure-core parses it for every status, so SDK exceptions carry `.error.code` and the message.
public struct CommunicationErrorResponse: Codable, Sendable, Equatable, Error {
    public var error: CommunicationError
    public init(error: CommunicationError) { self.error = error }
}

public struct CommunicationError: Codable, Sendable, Equatable {
    public var code: String
    public var message: String
    public var target: String?
    public var details: [CommunicationError]?
    public var innererror: CommunicationInnerError?
    public init(
        code: String,
        message: String,
        target: String? = nil,
        details: [CommunicationError]? = nil,
        innererror: CommunicationInnerError? = nil
    ) {
        self.code = code
        self.message = message
        self.target = target
        self.details = details
        self.innererror = innererror
    }
}

public struct CommunicationInnerError: Codable, Sendable, Equatable {
    public var code: String
    public init(code: String) { self.code = code }
}
