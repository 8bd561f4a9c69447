import Foundation
import ParleyCore
import Synchronization
import Testing

@testable import ParleyServer

/// Fault rules of API `eventDelivery` in front of one subscription's webhook.
@Suite struct FaultingWebhookTransportTests {
    final class Webhook: WebhookTransport {
        let sent = Mutex(0)
        func send(_ request: WebhookRequest) async -> WebhookResponse {
            sent.withLock { $0 += 1 }
            return WebhookResponse(status: 200)
        }
    }

    let webhook = Webhook()
    let faults = FaultInjector(clock: ManualWallClock(), ids: RandomIdentifierGenerator())
    var transport: FaultingWebhookTransport {
        FaultingWebhookTransport(base: webhook, faults: faults, resource: ["default", "0d5e"], subscription: "backend")
    }
    let request = WebhookRequest(method: .post, url: "https://receiver.test/hook", headers: [])

    @Test func aStatusFailsTheAttemptAsTheWebhooksAnswerWithoutSendingIt() async throws {
        let action = FaultAction.respond(status: 503, code: "ServiceUnavailable", message: "m", retryAfterSeconds: 7)
        _ = try faults.add(match: FaultMatch(api: .eventDelivery, resource: "0D5E"), action: action, times: 1, durationSeconds: nil)
        let failed = await transport.send(request)
        #expect(failed.result == .status(503))
        #expect(failed.header("Retry-After") == "7")
        #expect(webhook.sent.withLock { $0 } == 0)
        #expect(await transport.send(request).status == 200, "the rule struck once")
        #expect(webhook.sent.withLock { $0 } == 1)
    }

    @Test func aCloseIsADroppedConnectionAndOtherSubscriptionsAreNotStruck() async throws {
        _ = try faults.add(match: FaultMatch(api: .eventDelivery, operation: "audit"), action: .close, times: nil, durationSeconds: nil)
        #expect(await transport.send(request).status == 200)
        _ = try faults.add(match: FaultMatch(api: .eventDelivery, path: "/hook"), action: .close, times: nil, durationSeconds: nil)
        let dropped = await transport.send(request)
        #expect(dropped.status == nil)
        #expect(dropped.result.outcome == .socketError)
        #expect(webhook.sent.withLock { $0 } == 1)
    }
}
