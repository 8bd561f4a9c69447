import ParleyAPI

/// The refusals of calling requests that are not interop rules (those are ``CallRules``).
enum CallErrors {
    /// How a failed request is answered on the real-time connection.
    static func requestError(_ error: any Error) -> RealtimeRequestError {
        let parley = error as? ParleyError ?? ParleyError(.internal, "The request failed: \(error)")
        return RealtimeRequestError(status: parley.code.status, code: parley.wireCode, subCode: parley.subCode, message: parley.message)
    }

    static func rawId(_ model: CommunicationIdentifierModel) throws -> String {
        guard let identifier = model.identifier, !identifier.rawId.isEmpty else {
            throw ParleyError(.badRequest, wireCode: "InvalidIdentifier", "The identifier has neither rawId nor a known kind.")
        }
        return identifier.rawId
    }

    static func callNotFound(_ callId: String) -> ParleyError {
        ParleyError(.notFound, wireCode: "CallNotFound", "There is no call \(callId) (it may have ended).", subCode: 404)
    }

    static func notRinging(_ callId: String, _ subCode: Int) -> ParleyError {
        ParleyError(.badRequest, wireCode: "CallNotRinging", "Call \(callId) is not ringing at this endpoint any more.", subCode: subCode)
    }

    static func notJoined(_ callId: String) -> ParleyError {
        ParleyError(.badRequest, wireCode: "NotInCall", "This endpoint is not connected to call \(callId).")
    }

    static func insufficientScope() -> ParleyError {
        ParleyError(.forbidden, wireCode: "InsufficientScope", "The token does not allow starting calls or adding participants (it needs 'voip').")
    }

    static func recordingNotFound(_ recordingId: String) -> ParleyError {
        ParleyError(.notFound, wireCode: "RecordingNotFound", "There is no active recording \(recordingId).")
    }
}
