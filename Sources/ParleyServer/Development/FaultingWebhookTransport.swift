import Foundation
import ParleyCore

/// One subscription's deliveries through the fault rules (development mode, API
/// `eventDelivery`): a status fails the attempt as if the webhook had answered it, without
/// sending; a delay holds the attempt (real time); a close fails it as a dropped connection.
/// What follows (retry, probation, dead letter) is the delivery policy's, as for a real answer.
struct FaultingWebhookTransport: WebhookTransport {
    let base: any WebhookTransport
    let faults: FaultInjector
    let resource: [String]
    let subscription: String

    func send(_ request: WebhookRequest) async -> WebhookResponse {
        guard faults.hasRules(for: .eventDelivery) else { return await base.send(request) }
        let described = FaultRequest(
            api: .eventDelivery,
            operation: subscription,
            method: request.method.rawValue,
            path: URL(string: request.url)?.path,
            resources: resource
        )
        switch faults.fault(for: described) {
        case .respond(let status, _, _, let retryAfter):
            return WebhookResponse(status: status, headers: retryAfter.map { [("Retry-After", String($0))] } ?? [])
        case .delay(let milliseconds):
            try? await Task.sleep(for: .milliseconds(milliseconds))
            return await base.send(request)
        case .close:
            return .failed(.socketError)
        case .endCall, .noAnswer, .decline, nil:
            return await base.send(request)
        }
    }
}
