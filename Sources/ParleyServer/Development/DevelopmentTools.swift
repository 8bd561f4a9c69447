import Foundation
import Logging
import ParleyCore

/// What development mode adds to a server: the controllable clock, the fault rules and the
/// snapshots. Nil in the environment when development mode is off: no route, no check, no cost.
public struct DevelopmentTools: Sendable {
    public let clock: DevelopmentClock
    public let faults: FaultInjector
    let snapshots: SnapshotService

    /// The fault rules, logging and counting every fault that strikes.
    static func faultInjector(clock: any WallClock, ids: any IdentifierGenerator) -> FaultInjector {
        let logger = Logger(label: "parley.dev")
        return FaultInjector(clock: clock, ids: ids) { rule, request in
            ParleyMetrics.countInjectedFault(api: request.api.rawValue, action: rule.action.kind)
            logger.notice(
                "Injected fault",
                metadata: [
                    "fault.rule": "\(rule.id)",
                    "fault.action": "\(rule.action.kind)",
                    "fault.api": "\(request.api.rawValue)",
                    "fault.operation": "\(request.method.map { "\($0) " } ?? "")\(request.operation ?? request.path ?? "")",
                    "fault.identity": "\(request.identity ?? "-")",
                ]
            )
        }
    }
}
