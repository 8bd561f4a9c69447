import Foundation
import ParleyAPI
import ParleyCore
import Synchronization
import Testing

/// Fault rules: what they match, how long they last (on the clock), and what they refuse.
@Suite struct FaultInjectorTests {
    let clock = ManualWallClock()
    var faults: FaultInjector { FaultInjector(clock: clock, ids: RandomIdentifierGenerator()) }

    static let unavailable = FaultAction.respond(status: 503, code: "ServiceUnavailable", message: "m", retryAfterSeconds: nil)

    @Test func aRuleStrikesItsNextNMatchesOnly() throws {
        let faults = self.faults
        let rule = try faults.add(match: FaultMatch(api: .chat, method: "POST"), action: Self.unavailable, times: 2, durationSeconds: nil)
        let send = FaultRequest(api: .chat, method: "post", path: "/chat/threads/t1/messages")
        #expect(faults.fault(for: FaultRequest(api: .chat, method: "GET", path: "/chat/threads")) == nil)
        #expect(faults.fault(for: FaultRequest(api: .identity, method: "POST", path: "/identities")) == nil)
        #expect(faults.fault(for: send) == Self.unavailable)
        #expect(try faults.rule(rule.id).remaining == 1)
        #expect(faults.fault(for: send) == Self.unavailable)
        #expect(faults.fault(for: send) == nil)
        #expect(faults.rules().isEmpty)
    }

    @Test func aRuleWithADurationEndsWhenTheClockSaysSo() throws {
        let faults = self.faults
        _ = try faults.add(match: FaultMatch(), action: .delay(milliseconds: 10), times: nil, durationSeconds: 60)
        let request = FaultRequest(api: .identity, method: "POST", path: "/identities")
        #expect(faults.fault(for: request) == .delay(milliseconds: 10))
        clock.advance(by: 59)
        #expect(faults.fault(for: request) == .delay(milliseconds: 10))
        clock.advance(by: 1)
        #expect(faults.fault(for: request) == nil)
        #expect(faults.rules().isEmpty)
    }

    @Test func everyGivenFieldMustMatch() throws {
        let faults = self.faults
        let match = FaultMatch(
            api: .chat,
            method: "GET",
            path: "/chat/threads/*/messages",
            resource: "contoso-app",
            identity: "8:acs:r_alice",
            thread: "19:abc@thread.v2"
        )
        _ = try faults.add(match: match, action: .close, times: nil, durationSeconds: nil)
        let hit = FaultRequest(
            api: .chat,
            method: "GET",
            path: "/chat/threads/19:abc@thread.v2/messages",
            resources: ["3c1e", "contoso-app"],
            identity: "8:acs:r_alice",
            thread: "19:abc@thread.v2"
        )
        #expect(faults.fault(for: hit) == .close)
        var other = hit
        other.identity = "8:acs:r_bob"
        #expect(faults.fault(for: other) == nil)
        other = hit
        other.thread = "19:other@thread.v2"
        #expect(faults.fault(for: other) == nil)
        other = hit
        other.path = "/chat/threads/19:abc@thread.v2/participants"
        #expect(faults.fault(for: other) == nil)
        other = hit
        other.resources = ["another"]
        #expect(faults.fault(for: other) == nil)
    }

    @Test func pathPatternsTakeOneSegmentPerStarAndTheRestForATrailingDoubleStar() throws {
        let faults = self.faults
        _ = try faults.add(match: FaultMatch(path: "/chat/**"), action: .close, times: nil, durationSeconds: nil)
        #expect(faults.fault(for: FaultRequest(api: .chat, path: "/chat/threads/x/messages/y")) == .close)
        #expect(faults.fault(for: FaultRequest(api: .identity, path: "/identities")) == nil)
    }

    @Test func rulesStrikeInTheOrderTheyWereAdded() throws {
        let faults = self.faults
        _ = try faults.add(match: FaultMatch(api: .identity), action: Self.unavailable, times: 1, durationSeconds: nil)
        _ = try faults.add(match: FaultMatch(), action: .delay(milliseconds: 5), times: nil, durationSeconds: nil)
        let request = FaultRequest(api: .identity, path: "/identities")
        #expect(faults.fault(for: request) == Self.unavailable)
        #expect(faults.fault(for: request) == .delay(milliseconds: 5))
    }

    @Test func deliveryFaultsStrikeOnlyTheSubscriptionTheyNameAndNeedTheirAPINamed() throws {
        let faults = self.faults
        _ = try faults.add(match: FaultMatch(), action: Self.unavailable, times: nil, durationSeconds: nil)
        let delivery = FaultRequest(api: .eventDelivery, operation: "backend", method: "POST", path: "/hook", resources: ["default"])
        #expect(faults.fault(for: delivery) == nil, "a rule naming no API leaves deliveries alone")
        #expect(!faults.hasRules(for: .eventDelivery))
        _ = faults.clear()

        _ = try faults.add(match: FaultMatch(api: .eventDelivery, operation: "Backend"), action: .close, times: 1, durationSeconds: nil)
        #expect(faults.hasRules(for: .eventDelivery))
        var other = delivery
        other.operation = "audit"
        #expect(faults.fault(for: other) == nil)
        #expect(faults.fault(for: delivery) == .close)
        #expect(throws: ParleyError.self) {
            try faults.add(match: FaultMatch(api: .eventDelivery, operation: ""), action: .close, times: 1, durationSeconds: nil)
        }
        #expect(throws: ParleyError.self) {
            try faults.add(match: FaultMatch(api: .chat, operation: "backend"), action: .close, times: 1, durationSeconds: nil)
        }
    }

    @Test func ringingFaultsStrikeOnlyRingingAndRingingOnlyThem() throws {
        let faults = self.faults
        _ = try faults.add(match: FaultMatch(), action: .close, times: nil, durationSeconds: nil)
        #expect(faults.fault(for: FaultRequest(api: .ringing, identity: "8:acs:r_bob")) == nil)
        #expect(faults.clear() == 1)
        _ = try faults.add(match: FaultMatch(api: .ringing, identity: "8:acs:r_bob"), action: .decline, times: 1, durationSeconds: nil)
        #expect(faults.fault(for: FaultRequest(api: .ringing, identity: "8:acs:r_carol")) == nil)
        #expect(faults.fault(for: FaultRequest(api: .ringing, identity: "8:acs:r_bob", thread: "call")) == .decline)
    }

    @Test func anEndCallFaultStrikesRequestsAboutACallOnly() throws {
        let faults = self.faults
        _ = try faults.add(match: FaultMatch(api: .calling), action: .endCall(.endedByPlatform), times: nil, durationSeconds: nil)
        #expect(faults.fault(for: FaultRequest(api: .calling, operation: "startCall")) == nil)
        #expect(faults.fault(for: FaultRequest(api: .calling, operation: "hold", thread: "c1")) == .endCall(.endedByPlatform))
    }

    @Test(arguments: [
        (FaultMatch(api: .chat), FaultAction.noAnswer, "match.api"),
        (FaultMatch(api: .identity), FaultAction.endCall(.hungUp), "match.api"),
        (FaultMatch(api: .ringing), FaultAction.close, "match.api"),
        (FaultMatch(api: .chat, operation: "startCall"), FaultAction.close, "match.operation"),
        (FaultMatch(api: .calling, operation: "dance"), FaultAction.close, "match.operation"),
        (FaultMatch(method: "PO ST"), FaultAction.close, "match.method"),
        (FaultMatch(path: "chat"), FaultAction.close, "match.path"),
        (FaultMatch(identity: ""), FaultAction.close, "match.identity"),
        (FaultMatch(), FaultAction.respond(status: 302, code: "Found", message: "", retryAfterSeconds: nil), "action.status"),
        (FaultMatch(), FaultAction.respond(status: 429, code: "", message: "", retryAfterSeconds: nil), "action.code"),
        (FaultMatch(), FaultAction.respond(status: 429, code: "T", message: "", retryAfterSeconds: -1), "action.retryAfterSeconds"),
        (FaultMatch(), FaultAction.delay(milliseconds: 0), "action.milliseconds"),
        (FaultMatch(api: .calling), FaultAction.endCall(CallEndReason(code: 1000, subCode: 0)), "action.code"),
    ])
    func aRuleThatCannotWorkIsRefusedNamingTheField(match: FaultMatch, action: FaultAction, target: String) throws {
        let faults = self.faults
        let error = #expect(throws: ParleyError.self) { try faults.add(match: match, action: action, times: nil, durationSeconds: nil) }
        #expect(error?.target == target)
        #expect(faults.rules().isEmpty)
    }

    @Test func timesAndDurationMustBePositive() throws {
        let faults = self.faults
        #expect(throws: ParleyError.self) { try faults.add(match: FaultMatch(), action: .close, times: 0, durationSeconds: nil) }
        #expect(throws: ParleyError.self) { try faults.add(match: FaultMatch(), action: .close, times: nil, durationSeconds: 0) }
    }

    @Test func removingAnUnknownRuleIsNotFound() throws {
        let faults = self.faults
        let error = #expect(throws: ParleyError.self) { try faults.remove("nope") }
        #expect(error?.code == .notFound)
    }

    @Test func everyStrikeIsReported() throws {
        let reported = ReportLog()
        let faults = FaultInjector(clock: clock, ids: RandomIdentifierGenerator()) { rule, request in reported.add(rule.id, request.api) }
        let rule = try faults.add(match: FaultMatch(api: .chat), action: Self.unavailable, times: nil, durationSeconds: nil)
        _ = faults.fault(for: FaultRequest(api: .chat))
        _ = faults.fault(for: FaultRequest(api: .identity))
        _ = faults.fault(for: FaultRequest(api: .chat))
        #expect(reported.entries == [rule.id + ":chat", rule.id + ":chat"])
        #expect(try faults.rule(rule.id).injected == 2)
    }
}

final class ReportLog: Sendable {
    private let log = Synchronization.Mutex<[String]>([])
    func add(_ id: String, _ api: FaultAPI) { log.withLock { $0.append("\(id):\(api.rawValue)") } }
    var entries: [String] { log.withLock { $0 } }
}
