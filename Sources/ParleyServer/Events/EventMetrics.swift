import CoreMetrics
import Foundation
import Metrics
import ParleyCore

/// The delivery metrics of one subscription, on `/metrics` (docs/events.md, "Metrics"): events
/// delivered, failed attempts, dead-lettered, the backlog, and the time from commit to delivery.
struct EventMetrics: DeliveryObserver {
    private let dimensions: [(String, String)]
    private let delivered: CoreMetrics.Counter
    private let deadLettered: CoreMetrics.Counter
    private let latency: Metrics.Timer
    private let backlog: Gauge

    init(resource: String, subscription: String) {
        ParleyMetrics.bootstrap()
        dimensions = [("resource", resource), ("subscription", subscription)]
        delivered = CoreMetrics.Counter(label: "parley_events_delivered_total", dimensions: dimensions)
        deadLettered = CoreMetrics.Counter(label: "parley_events_dead_lettered_total", dimensions: dimensions)
        latency = Metrics.Timer(label: "parley_event_delivery_latency_seconds", dimensions: dimensions, preferredDisplayUnit: .seconds)
        backlog = Gauge(label: "parley_event_backlog", dimensions: dimensions)
    }

    func delivered(latencies: [TimeInterval], subscription: EventSubscription) {
        delivered.increment(by: latencies.count)
        for seconds in latencies { latency.recordNanoseconds(Int64(max(0, seconds) * 1_000_000_000)) }
    }

    func failed(count: Int, outcome: DeliveryOutcome, subscription: EventSubscription) {
        CoreMetrics.Counter(label: "parley_events_failed_total", dimensions: dimensions + [("outcome", outcome.rawValue)]).increment(by: count)
    }

    func deadLettered(count: Int, subscription: EventSubscription) {
        deadLettered.increment(by: count)
    }

    /// Events behind the cursor (log positions not yet passed) plus retries waiting.
    func recordBacklog(_ count: Int) {
        backlog.record(count)
    }
}
