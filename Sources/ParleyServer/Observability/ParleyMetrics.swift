import CoreMetrics
import Metrics
import NIOCore
import Prometheus

/// Prometheus metrics: Hummingbird's per-route request counters and latency timers, and the
/// number of open connections, all served at `/metrics`.
enum ParleyMetrics {
    /// The process-wide registry. swift-metrics has one global factory per process.
    static let registry: PrometheusCollectorRegistry = {
        let registry = PrometheusCollectorRegistry()
        MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: registry))
        return registry
    }()

    /// Installs the Prometheus factory (once per process).
    static func bootstrap() { _ = registry }

    private static let realtimeConnections = Meter(label: "parley_realtime_connections")

    /// Records how many real-time (WebSocket) connections are open.
    static func recordRealtimeConnections(_ count: Int) {
        realtimeConnections.set(count)
    }

    /// Counts a real-time connection the server closed, by close code.
    static func countRealtimeClose(_ code: UInt16) {
        CoreMetrics.Counter(label: "parley_realtime_server_closes_total", dimensions: [("code", String(code))]).increment()
    }

    /// Counts a fault development mode injected, by API and action.
    static func countInjectedFault(api: String, action: String) {
        CoreMetrics.Counter(label: "parley_dev_faults_injected_total", dimensions: [("api", api), ("action", action)]).increment()
    }

    /// The Prometheus text exposition of every metric.
    static func exposition() -> [UInt8] {
        var buffer: [UInt8] = []
        registry.emit(into: &buffer)
        return buffer
    }
}

/// Counts open connections: added to every connection's pipeline, removed when it closes.
final class OpenConnectionCounter: ChannelInboundHandler, RemovableChannelHandler, Sendable {
    typealias InboundIn = NIOAny
    private static let meter = Meter(label: "parley_http_open_connections")

    func handlerAdded(context: ChannelHandlerContext) {
        Self.meter.increment()
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        Self.meter.decrement()
    }
}
