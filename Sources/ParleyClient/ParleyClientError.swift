import Foundation
import NIOHTTP1
import ParleyAPI

/// A request the server refused (or answered in a way the SDK cannot read), with the status and
/// the server's error: `code`, `message` and, when sent, `target`, `details` and `innererror`.
///
/// Every client of this SDK throws it, whichever envelope the server used (ACS and Graph
/// `{"error": {…}}`, OAuth `{"error", "error_description"}`).
public struct ParleyClientError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The HTTP status of the response.
    public var status: Int
    /// The service's error code (`NotFound`, `Forbidden`, `invalid_grant`, …).
    public var code: String
    public var message: String
    /// What the error is about (a field, or an identifier's raw id).
    public var target: String?
    /// The more specific code of `innererror`, when the server sent one.
    public var innerErrorCode: String?
    public var details: [CommunicationError]

    public init(
        status: Int,
        code: String,
        message: String,
        target: String? = nil,
        innerErrorCode: String? = nil,
        details: [CommunicationError] = []
    ) {
        self.status = status
        self.code = code
        self.message = message
        self.target = target
        self.innerErrorCode = innerErrorCode
        self.details = details
    }

    public var description: String {
        "\(status) \(code): \(message)" + (target.map { " (target: \($0))" } ?? "")
    }

    /// The error a non-2xx response carries.
    init(response: TransportResponse) {
        let status = Int(response.status.code)
        let decoder = ParleyJSON.decoder()
        if let envelope = try? decoder.decode(CommunicationErrorResponse.self, from: response.body) {
            let error = envelope.error
            self.init(
                status: status,
                code: error.code,
                message: error.message,
                target: error.target,
                innerErrorCode: error.innererror?.code,
                details: error.details ?? []
            )
        } else if let oauth = try? decoder.decode(OAuthErrorResponse.self, from: response.body) {
            self.init(status: status, code: oauth.error, message: oauth.errorDescription)
        } else {
            self.init(status: status, code: String(status), message: response.status.reasonPhrase)
        }
    }

    /// A response the SDK could not read.
    static func invalidResponse(status: Int, _ message: String) -> ParleyClientError {
        ParleyClientError(status: status, code: "InvalidResponse", message: message)
    }
}

/// The operator client's errors, the SDK's one error type since the clients share a transport.
public typealias AdminClientError = ParleyClientError
