import ParleyAPI

/// A calling request that failed: refused by the server (its `status`, `code`, `subCode` and
/// `message`, as in `docs/realtime.md`), or not answered because the connection was lost, the
/// agent disposed, or the server too slow (``status`` 0 and a client-side ``code``).
///
/// Refusals carry the ACS codes where ACS has them: 400 / 41006 for an accept that came too late,
/// 412 / 41056 for a Teams user without Enterprise Voice, 403 with Parley's sub-codes for the
/// interop gate (docs/errors.md).
public struct CallingError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The HTTP-like status; 0 when the failure happened on this side.
    public var status: Int
    public var code: String
    public var subCode: Int?
    public var message: String

    public init(status: Int, code: String, subCode: Int? = nil, message: String) {
        self.status = status
        self.code = code
        self.subCode = subCode
        self.message = message
    }

    init(_ error: RealtimeRequestError) {
        self.init(status: error.status, code: error.code, subCode: error.subCode, message: error.message)
    }

    public var description: String {
        "\(status)\(subCode.map { "/\($0)" } ?? "") \(code): \(message)"
    }

    /// The connection dropped before the server answered; the request may or may not have been
    /// carried out (the call's state, once reconnected, tells).
    public static let connectionLostCode = "ConnectionLost"
    /// The agent is not connected (it is reconnecting, or stopped for good).
    public static let notConnectedCode = "NotConnected"
    /// The agent was disposed.
    public static let disposedCode = "Disposed"
    /// The server did not answer within ``CallAgentOptions/requestTimeout``.
    public static let timeoutCode = "RequestTimeout"
    /// The server answered with something the SDK cannot use.
    public static let invalidResponseCode = "InvalidResponse"

    static func connectionLost(_ detail: String = "The connection to the server was lost before it answered.") -> CallingError {
        CallingError(status: 0, code: connectionLostCode, message: detail)
    }

    static func notConnected(_ detail: String = "The call agent is not connected to the server; it reconnects on its own.") -> CallingError {
        CallingError(status: 0, code: notConnectedCode, message: detail)
    }

    static let disposed = CallingError(status: 0, code: disposedCode, message: "The call agent was disposed.")

    static func invalidResponse(_ detail: String) -> CallingError {
        CallingError(status: 0, code: invalidResponseCode, message: detail)
    }
}
