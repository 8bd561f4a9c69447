import Foundation
import ParleyAPI

/// Reading the timestamps and identifiers of responses; one the SDK cannot read is an invalid response.
enum WireValue {
    static func date(_ text: String, field: String) throws -> Date {
        guard let date = WireTimestamp.parse(text) else {
            throw ParleyClientError.invalidResponse(status: 200, "'\(field)' is not an RFC 3339 timestamp: '\(text)'.")
        }
        return date
    }

    static func date(_ text: String?, field: String) throws -> Date? {
        try text.map { try date($0, field: field) }
    }

    /// The typed identifier of a response, which must name one.
    static func identifier(_ model: CommunicationIdentifierModel, field: String) throws -> any CommunicationIdentifier {
        guard let identifier = model.communicationIdentifier else {
            throw ParleyClientError.invalidResponse(status: 200, "'\(field)' names no identifier.")
        }
        return identifier
    }
}
