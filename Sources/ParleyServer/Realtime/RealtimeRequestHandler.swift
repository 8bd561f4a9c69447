import Foundation
import ParleyAPI
import ParleyCore

/// Serves one frame a client sent: a calling request for the connection's ``CallSession``, or
/// a reply saying why the frame cannot be served (status 400 for frames that are not requests,
/// 403 for connections whose token does not allow calling).
struct RealtimeRequestHandler {
    let calls: CallService
    let session: CallSession?
    let connection: RealtimeConnection
    /// Fault rules for calling requests (development mode).
    var faults: FaultInjector?

    func handle(_ message: RealtimeClientMessage) async {
        guard case .text(let data) = message else {
            return refuse(requestId: "", status: 400, code: "BadRequest", "Requests are JSON text frames.")
        }
        let frame: RealtimeClientFrame
        do {
            frame = try ParleyJSON.decoder().decode(RealtimeClientFrame.self, from: data)
        } catch let unknown as RealtimeClientFrame.UnknownRequest {
            return refuse(
                requestId: Self.requestId(in: data),
                status: 400,
                code: "UnknownRequest",
                "'\(unknown.type)' is not a request Parley knows."
            )
        } catch {
            return refuse(
                requestId: Self.requestId(in: data),
                status: 400,
                code: "BadRequest",
                "The frame is not a request: {\"type\", \"requestId\", \"data\"} with the request's fields (\(Self.describe(error)))."
            )
        }
        guard let session else {
            return refuse(
                requestId: frame.requestId,
                status: 403,
                code: "InsufficientScope",
                "This token does not allow calling (app users need 'voip' or 'voip.join')."
            )
        }
        if let faults, faults.hasRules(for: .calling), !(await injectFault(faults, frame)) { return }
        await calls.handle(frame, from: session)
    }

    /// Applies the fault that strikes the request, if any; returns whether it is still served.
    private func injectFault(_ faults: FaultInjector, _ frame: RealtimeClientFrame) async -> Bool {
        let request = FaultRequest(
            api: .calling,
            operation: frame.request.name,
            resources: connection.identity.callAgent?.party.resourceId.map { [$0.uuidString.lowercased()] } ?? [],
            identity: connection.identity.rawId,
            thread: frame.request.callId
        )
        switch faults.fault(for: request) {
        case .respond(let status, let code, let message, _):
            refuse(requestId: frame.requestId, status: status, code: code, message)
            return false
        case .delay(let milliseconds):
            try? await Task.sleep(for: .milliseconds(milliseconds))
            return true
        case .close:
            connection.abort()
            return false
        case .endCall(let reason):
            // The call ends for everyone instead; the request finds it gone.
            if let callId = frame.request.callId { try? calls.end(callId, reason: reason) }
            refuse(requestId: frame.requestId, status: 404, code: "CallNotFound", "The call ended.")
            return false
        case .noAnswer, .decline, nil:
            return true
        }
    }

    private func refuse(requestId: String, status: Int, code: String, _ message: String) {
        connection.deliver(.reply(RealtimeReply(requestId: requestId, error: RealtimeRequestError(status: status, code: code, message: message))))
    }

    /// The request id of a frame that could not be decoded, when it has one.
    private static func requestId(in data: Data) -> String {
        struct Partial: Decodable { var requestId: String? }
        return (try? ParleyJSON.decoder().decode(Partial.self, from: data))?.requestId ?? ""
    }

    private static func describe(_ error: any Error) -> String {
        guard let decoding = error as? DecodingError else { return "not JSON" }
        switch decoding {
        case .keyNotFound(let key, let context): return "missing '\((context.codingPath + [key]).map(\.stringValue).joined(separator: "."))'"
        case .typeMismatch(_, let context), .valueNotFound(_, let context):
            return "wrong type at '\(context.codingPath.map(\.stringValue).joined(separator: "."))'"
        case .dataCorrupted(let context):
            return context.codingPath.isEmpty ? "not JSON" : "bad value at '\(context.codingPath.map(\.stringValue).joined(separator: "."))'"
        @unknown default: return "malformed"
        }
    }
}
