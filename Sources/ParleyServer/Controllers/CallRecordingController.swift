import Hummingbird
import ParleyAPI
import ParleyCore

/// The recording operations of Call Automation, HMAC- or Entra-authenticated: the resource starts and
/// stops recording its calls, and every participant is told (P1). Refused for 1:1 interop
/// calls under the `faithful` profile (K3).
struct CallRecordingController {
    static let apiVersions = ["2023-03-06", "2023-10-15", "2024-04-15", "2024-09-15", "2025-05-15", "2025-06-15", "2026-03-12"]

    let calls: CallService
    let maxBodyBytes: Int

    func addRoutes(to group: RouterGroup<ParleyRequestContext>) {
        group.post("calling/recordings", use: start)
        group.get("calling/recordings/{recordingId}", use: state)
        group.delete("calling/recordings/{recordingId}", use: stop)
        group.post("calling/recordings/{recordingId}", use: action)
    }

    /// `POST /calling/recordings/{recordingId}:pause` and `:resume`: not done by Parley, which
    /// keeps a recording's state as running or stopped (docs/api.md); a clear 501, not a 404 that
    /// reads like an unknown recording.
    @Sendable func action(_ request: Request, context: ParleyRequestContext) async throws -> Response {
        let target = try WireIO.pathParameter("recordingId", in: context)  // `<id>:<operation>`
        _ = try context.requireResourceCaller().authorize(.manageCallRecording)
        guard target.hasSuffix(":pause") || target.hasSuffix(":resume") else {
            throw ParleyError(.notFound, "No such recording operation '\(target)'.")
        }
        throw Self.noPausing
    }

    static let noPausing = ParleyError(
        .notImplemented,
        "Parley does not pause or resume recordings: stop the recording and start a new one (docs/api.md)."
    )

    /// `POST /calling/recordings` `{callLocator: {kind: "serverCallLocator", serverCallId}}` →
    /// 200 `{recordingId, recordingState: "active", recordingKind}`.
    @Sendable func start(_ request: Request, context: ParleyRequestContext) async throws -> Response {
        var request = request
        guard let body = try await WireIO.decode(StartCallRecordingRequest.self, from: &request, limit: maxBodyBytes) else {
            throw ParleyError(.badRequest, "The body must be a startRecording request with a callLocator.")
        }
        guard body.pauseOnStart != true else { throw Self.noPausing }
        guard body.callConnectionId == nil else {
            throw ParleyError(
                .badRequest,
                "Parley has no Call Automation call connections; locate the call with callLocator.serverCallId.",
                target: "callConnectionId"
            )
        }
        guard let locator = body.callLocator, locator.kind == nil || locator.kind == "serverCallLocator", let serverCallId = locator.serverCallId,
            !serverCallId.isEmpty
        else {
            throw ParleyError(
                .badRequest,
                "callLocator must be {\"kind\": \"serverCallLocator\", \"serverCallId\": …}; Parley has no group calls by group id or rooms.",
                target: "callLocator"
            )
        }
        let recordingId = try calls.startResourceRecording(
            of: serverCallId,
            resource: try context.requireResourceCaller().authorize(.manageCallRecording).immutableId
        )
        return try WireIO.json(CallRecordingStateResponse(recordingId: recordingId, recordingState: "active"))
    }

    @Sendable func state(_ request: Request, context: ParleyRequestContext) async throws -> Response {
        let recordingId = try WireIO.pathParameter("recordingId", in: context)
        try calls.checkResourceRecording(recordingId, resource: try context.requireResourceCaller().authorize(.manageCallRecording).immutableId)
        return try WireIO.json(CallRecordingStateResponse(recordingId: recordingId, recordingState: "active"))
    }

    @Sendable func stop(_ request: Request, context: ParleyRequestContext) async throws -> Response {
        let recordingId = try WireIO.pathParameter("recordingId", in: context)
        try calls.stopResourceRecording(recordingId, resource: try context.requireResourceCaller().authorize(.manageCallRecording).immutableId)
        return Response(status: .noContent)
    }
}
