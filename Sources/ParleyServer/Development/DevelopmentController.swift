import Foundation
import Hummingbird
import ParleyAPI
import ParleyCore

/// The development tools' routes (`/admin/dev/...`, admin key), mounted only in development
/// mode: without it they do not exist (404 like any unknown route).
struct DevelopmentController {
    let tools: DevelopmentTools
    let calls: CallService
    let realtime: RealtimeGateway
    let maxBodyBytes: Int

    func addRoutes(to admin: RouterGroup<ParleyRequestContext>) {
        let dev = admin.group("dev")
        dev.get("clock", use: clock)
        dev.post("clock/freeze", use: freeze)
        dev.post("clock/advance", use: advance)
        dev.post("clock/set", use: set)
        dev.post("clock/resume", use: resume)
        dev.get("faults", use: faults)
        dev.post("faults", use: addFault)
        dev.delete("faults", use: clearFaults)
        dev.get("faults/{id}", use: fault)
        dev.delete("faults/{id}", use: removeFault)
        dev.get("snapshots", use: snapshots)
        dev.post("snapshots", use: saveSnapshot)
        dev.get("snapshots/{name}", use: snapshot)
        dev.post("snapshots/{name}/restore", use: restoreSnapshot)
        dev.delete("snapshots/{name}", use: deleteSnapshot)
        dev.post("realtime/drop", use: dropRealtime)
        dev.get("calls", use: runningCalls)
        dev.post("calls/{callId}/end", use: endCall)
        dev.post("calls/endpoints/{endpointId}/drop", use: dropEndpoint)
    }

    // MARK: Clock

    @Sendable func clock(_ request: Request, context: ParleyRequestContext) async throws -> Response {
        try WireIO.json(Self.model(tools.clock.state))
    }

    @Sendable func freeze(_ request: Request, context: ParleyRequestContext) async throws -> Response {
        var request = request
        try await Self.requireEmpty(&request, limit: maxBodyBytes)
        return try WireIO.json(Self.model(await tools.clock.freeze()))
    }

    @Sendable func advance(_ request: Request, context: ParleyRequestContext) async throws -> Response {
        var request = request
        let body = try WireIO.required(
            try await WireIO.decodeStrict(DevClockAdvanceRequest.self, allowedFields: ["seconds"], from: &request, limit: maxBodyBytes)
        )
        return try WireIO.json(Self.model(try await tools.clock.advance(by: body.seconds)))
    }

    @Sendable func set(_ request: Request, context: ParleyRequestContext) async throws -> Response {
        var request = request
        let body = try WireIO.required(
            try await WireIO.decodeStrict(DevClockSetRequest.self, allowedFields: ["time"], from: &request, limit: maxBodyBytes)
        )
        guard let time = WireTimestamp.parse(body.time) else {
            throw ParleyError(.validation, "time '\(body.time)' is not an RFC 3339 timestamp (2030-01-01T00:00:00Z).", target: "time")
        }
        return try WireIO.json(Self.model(await tools.clock.set(to: time)))
    }

    @Sendable func resume(_ request: Request, context: ParleyRequestContext) async throws -> Response {
        var request = request
        try await Self.requireEmpty(&request, limit: maxBodyBytes)
        return try WireIO.json(Self.model(await tools.clock.resume()))
    }

    static func model(_ state: DevelopmentClock.State) -> DevClockModel {
        DevClockModel(
            now: WireTimestamp.rfc3339Milliseconds(state.now),
            frozen: state.isFrozen,
            offsetSeconds: (state.offsetSeconds * 1000).rounded() / 1000
        )
    }

    // MARK: Faults

    @Sendable func faults(_ request: Request, context: ParleyRequestContext) async throws -> Response {
        try WireIO.json(DevFaultRuleList(value: tools.faults.rules().map(FaultRuleWire.model)))
    }

    @Sendable func fault(_ request: Request, context: ParleyRequestContext) async throws -> Response {
        try WireIO.json(FaultRuleWire.model(try tools.faults.rule(try WireIO.pathParameter("id", in: context))))
    }

    @Sendable func addFault(_ request: Request, context: ParleyRequestContext) async throws -> Response {
        var request = request
        let data = try await WireIO.body(of: &request, limit: maxBodyBytes)
        try FaultRuleWire.checkFields(data)
        guard let body = try await WireIO.decode(DevFaultCreateRequest.self, from: &request, limit: maxBodyBytes) else {
            throw ParleyError(.badRequest, "The request needs a JSON body: {\"match\": {…}, \"action\": {\"type\": …}}.", target: "action")
        }
        let (match, action) = try FaultRuleWire.rule(from: body)
        let rule = try tools.faults.add(match: match, action: action, times: body.times, durationSeconds: body.durationSeconds)
        return try WireIO.json(FaultRuleWire.model(rule), status: .created)
    }

    @Sendable func removeFault(_ request: Request, context: ParleyRequestContext) async throws -> Response {
        try tools.faults.remove(try WireIO.pathParameter("id", in: context))
        return WireIO.empty(.noContent)
    }

    @Sendable func clearFaults(_ request: Request, context: ParleyRequestContext) async throws -> Response {
        try WireIO.json(DevFaultsCleared(removed: tools.faults.clear()))
    }

    // MARK: Snapshots

    @Sendable func snapshots(_ request: Request, context: ParleyRequestContext) async throws -> Response {
        try WireIO.json(DevSnapshotList(value: try await tools.snapshots.list()))
    }

    @Sendable func snapshot(_ request: Request, context: ParleyRequestContext) async throws -> Response {
        try WireIO.json(try await tools.snapshots.snapshot(named: try WireIO.pathParameter("name", in: context)))
    }

    @Sendable func saveSnapshot(_ request: Request, context: ParleyRequestContext) async throws -> Response {
        var request = request
        let body = try WireIO.required(
            try await WireIO.decodeStrict(DevSnapshotCreateRequest.self, allowedFields: ["name", "replace"], from: &request, limit: maxBodyBytes)
        )
        return try WireIO.json(try await tools.snapshots.save(name: body.name, replace: body.replace ?? false), status: .created)
    }

    @Sendable func restoreSnapshot(_ request: Request, context: ParleyRequestContext) async throws -> Response {
        var request = request
        try await Self.requireEmpty(&request, limit: maxBodyBytes)
        return try WireIO.json(try await tools.snapshots.restore(name: try WireIO.pathParameter("name", in: context)))
    }

    @Sendable func deleteSnapshot(_ request: Request, context: ParleyRequestContext) async throws -> Response {
        try await tools.snapshots.delete(name: try WireIO.pathParameter("name", in: context))
        return WireIO.empty(.noContent)
    }

    // MARK: Real-time connections and calls

    @Sendable func dropRealtime(_ request: Request, context: ParleyRequestContext) async throws -> Response {
        var request = request
        let body = try WireIO.required(
            try await WireIO.decodeStrict(DevRealtimeDropRequest.self, allowedFields: ["identity", "closeCode"], from: &request, limit: maxBodyBytes)
        )
        guard !body.identity.isEmpty else { throw ParleyError(.validation, "identity must be a raw id.", target: "identity") }
        let code = try Self.closeCode(body.closeCode)
        return try WireIO.json(DevDropResult(dropped: realtime.drop(body.identity, code: code)))
    }

    @Sendable func runningCalls(_ request: Request, context: ParleyRequestContext) async throws -> Response {
        try WireIO.json(DevCallList(value: calls.runningCalls().map(Self.model)))
    }

    @Sendable func endCall(_ request: Request, context: ParleyRequestContext) async throws -> Response {
        var request = request
        let body = try WireIO.required(
            try await WireIO.decodeStrict(DevCallEndRequest.self, allowedFields: ["code", "subCode"], from: &request, limit: maxBodyBytes)
        )
        let reason = CallEndReason(code: body.code, subCode: body.subCode)
        try FaultInjector.validate(match: FaultMatch(api: .calling), action: .endCall(reason), times: nil, durationSeconds: nil)
        try calls.end(try WireIO.pathParameter("callId", in: context), reason: reason)
        return WireIO.empty(.noContent)
    }

    @Sendable func dropEndpoint(_ request: Request, context: ParleyRequestContext) async throws -> Response {
        var request = request
        let body = try await WireIO.decodeStrict(DevEndpointDropRequest.self, allowedFields: ["closeCode"], from: &request, limit: maxBodyBytes)
        let code = try Self.closeCode(body?.closeCode)
        let endpointId = try WireIO.pathParameter("endpointId", in: context)
        guard realtime.dropEndpoint(endpointId, code: code) else {
            throw ParleyError(.notFound, wireCode: "EndpointNotConnected", "No connection carries call endpoint '\(endpointId)' now.")
        }
        return try WireIO.json(DevDropResult(dropped: 1))
    }

    static func model(_ call: RunningCall) -> DevCallModel {
        DevCallModel(
            id: call.id,
            resourceId: call.resourceId?.uuidString.lowercased(),
            startedAt: WireTimestamp.rfc3339Milliseconds(call.startedAt),
            isGroupCall: call.isGroupCall,
            participants: call.participants.map {
                DevCallModel.Participant(rawId: $0.rawId, state: $0.state, endpointId: $0.endpointId, connectionLost: $0.isConnectionLost)
            }
        )
    }

    /// One of the close codes Parley sends, or nil: no close frame.
    static func closeCode(_ number: Int?) throws -> RealtimeCloseCode? {
        guard let number else { return nil }
        guard let code = UInt16(exactly: number).flatMap(RealtimeCloseCode.init(rawValue:)) else {
            let known = RealtimeCloseCode.allCases.map { String($0.rawValue) }.joined(separator: ", ")
            throw ParleyError(
                .validation,
                "closeCode \(number) is not one Parley sends (\(known)); leave it out to drop the connection with no close frame.",
                target: "closeCode"
            )
        }
        return code
    }

    /// Operations that take no body refuse one, rather than ignore what the caller meant.
    static func requireEmpty(_ request: inout Request, limit: Int) async throws {
        let data = try await WireIO.body(of: &request, limit: limit)
        guard data.isEmpty || (try? JSONSerialization.jsonObject(with: data) as? [String: Any])?.isEmpty == true else {
            throw ParleyError(.badRequest, "This operation takes no body.")
        }
    }
}
