import Foundation
import NIOHTTP1
import ParleyAPI

/// The development tools of a Parley server in development mode (`parley serve --dev`): its
/// clock, fault rules, snapshots, and the real-time connections and calls a test wants to break.
/// A server not in development mode answers every call with 404.
///
/// ```swift
/// let dev = try DevTools(baseURL: "https://127.0.0.1:8443", adminKey: key, caCertificatePath: ca)
/// try await dev.saveSnapshot("clean", replace: true)
/// _ = try await dev.addFault(.init(match: .init(api: "chat"), action: .status(503), times: 2))
/// try await dev.advanceClock(by: 61 * 60)   // tokens issued for an hour stop working
/// try await dev.restoreSnapshot("clean")
/// ```
public struct DevTools: Sendable {
    public let admin: AdminClient

    public init(admin: AdminClient) {
        self.admin = admin
    }

    /// - Parameters: as ``AdminClient/init(baseURL:adminKey:caCertificatePath:)``.
    public init(baseURL: String, adminKey: String, caCertificatePath: String? = nil) throws {
        self.admin = try AdminClient(baseURL: baseURL, adminKey: adminKey, caCertificatePath: caCertificatePath)
    }

    /// Closes the connection pool; call once done.
    public func shutdown() async throws {
        try await admin.shutdown()
    }

    // MARK: Clock

    public func clock() async throws -> DevClockModel {
        try await admin.send(.GET, "/admin/dev/clock", as: DevClockModel.self)
    }

    /// Stops the server's clock where it is.
    @discardableResult
    public func freezeClock() async throws -> DevClockModel {
        try await admin.send(.POST, "/admin/dev/clock/freeze", as: DevClockModel.self)
    }

    /// Moves the server's clock forward; returns once what the move ends has ended.
    @discardableResult
    public func advanceClock(by seconds: Double) async throws -> DevClockModel {
        try await admin.send(.POST, "/admin/dev/clock/advance", body: DevClockAdvanceRequest(seconds: seconds), as: DevClockModel.self)
    }

    /// Sets the server's clock, earlier or later.
    @discardableResult
    public func setClock(to time: Date) async throws -> DevClockModel {
        try await admin.send(
            .POST,
            "/admin/dev/clock/set",
            body: DevClockSetRequest(time: WireTimestamp.rfc3339Milliseconds(time)),
            as: DevClockModel.self
        )
    }

    /// Back to real time.
    @discardableResult
    public func resumeClock() async throws -> DevClockModel {
        try await admin.send(.POST, "/admin/dev/clock/resume", as: DevClockModel.self)
    }

    // MARK: Faults

    public func addFault(_ rule: DevFaultCreateRequest) async throws -> DevFaultRuleModel {
        try await admin.send(.POST, "/admin/dev/faults", body: rule, as: DevFaultRuleModel.self)
    }

    public func faults() async throws -> [DevFaultRuleModel] {
        try await admin.send(.GET, "/admin/dev/faults", as: DevFaultRuleList.self).value
    }

    public func removeFault(_ id: String) async throws {
        try await admin.send(.DELETE, "/admin/dev/faults/\(AdminClient.escape(id))")
    }

    /// Removes every fault rule; returns how many there were.
    @discardableResult
    public func clearFaults() async throws -> Int {
        try await admin.send(.DELETE, "/admin/dev/faults", as: DevFaultsCleared.self).removed
    }

    // MARK: Snapshots

    @discardableResult
    public func saveSnapshot(_ name: String, replace: Bool = false) async throws -> DevSnapshotModel {
        try await admin.send(.POST, "/admin/dev/snapshots", body: DevSnapshotCreateRequest(name: name, replace: replace), as: DevSnapshotModel.self)
    }

    /// Replaces the server's state with the snapshot's (calls end 0/7000, connections close 4009).
    @discardableResult
    public func restoreSnapshot(_ name: String) async throws -> DevSnapshotRestoreResult {
        try await admin.send(.POST, "/admin/dev/snapshots/\(AdminClient.escape(name))/restore", as: DevSnapshotRestoreResult.self)
    }

    public func snapshots() async throws -> [DevSnapshotModel] {
        try await admin.send(.GET, "/admin/dev/snapshots", as: DevSnapshotList.self).value
    }

    public func deleteSnapshot(_ name: String) async throws {
        try await admin.send(.DELETE, "/admin/dev/snapshots/\(AdminClient.escape(name))")
    }

    // MARK: Real-time connections and calls

    /// Drops the user's real-time connections, with `closeCode` or (nil) with no close frame, as a
    /// lost network does. Returns how many.
    @discardableResult
    public func dropRealtimeConnections(of rawId: String, closeCode: Int? = nil) async throws -> Int {
        try await admin.send(
            .POST,
            "/admin/dev/realtime/drop",
            body: DevRealtimeDropRequest(identity: rawId, closeCode: closeCode),
            as: DevDropResult.self
        ).dropped
    }

    public func calls() async throws -> [DevCallModel] {
        try await admin.send(.GET, "/admin/dev/calls", as: DevCallList.self).value
    }

    /// Ends a running call for every party with `reason`.
    public func endCall(_ callId: String, reason: CallEndReason) async throws {
        try await admin.send(
            .POST,
            "/admin/dev/calls/\(AdminClient.escape(callId))/end",
            body: DevCallEndRequest(code: reason.code, subCode: reason.subCode)
        )
    }

    /// Drops the connection of a call endpoint (its grace period starts).
    public func dropEndpoint(_ endpointId: String, closeCode: Int? = nil) async throws {
        _ = try await admin.send(
            .POST,
            "/admin/dev/calls/endpoints/\(AdminClient.escape(endpointId))/drop",
            body: DevEndpointDropRequest(closeCode: closeCode),
            as: DevDropResult.self
        )
    }
}
