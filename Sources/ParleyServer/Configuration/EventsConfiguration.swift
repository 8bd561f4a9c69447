import Configuration

/// How events are delivered to webhooks (docs/events.md).
public struct EventsConfiguration: Sendable, Equatable {
    /// Accept plain-HTTP webhook URLs. Off: Event Grid delivers over HTTPS only. For local
    /// development with a receiver that has no certificate.
    public var allowHttpWebhooks = false
    /// Caps every retry delay and probation, in seconds (nil: Event Grid's schedule, up to 12 h).
    /// For local development, where waiting 10 s, 30 s, 1 min, … for a retry is in the way.
    public var maxRetryDelaySeconds: Double?
    /// Batches in flight at once to one subscription's endpoint.
    public var deliveryConcurrency = 32
    /// A PEM file of extra CA certificates trusted for webhook endpoints (besides the system's
    /// roots and the installation's own CA).
    public var webhookCAFile: String?

    public init() {}

    /// Reads `events.allowHttpWebhooks`, `events.maxRetryDelaySeconds`,
    /// `events.deliveryConcurrency` and `events.webhookCAFile`.
    init(reader: ConfigReader) throws {
        allowHttpWebhooks = reader.bool(forKey: "events.allowHttpWebhooks", default: allowHttpWebhooks)
        maxRetryDelaySeconds = reader.double(forKey: "events.maxRetryDelaySeconds")
        deliveryConcurrency = reader.int(forKey: "events.deliveryConcurrency", default: deliveryConcurrency)
        webhookCAFile = reader.string(forKey: "events.webhookCAFile")
        if let maxRetryDelaySeconds, maxRetryDelaySeconds <= 0 || maxRetryDelaySeconds > 86_400 {
            throw ConfigurationError("events.maxRetryDelaySeconds must be in (0, 86400]")
        }
        guard (1...64).contains(deliveryConcurrency) else { throw ConfigurationError("events.deliveryConcurrency must be between 1 and 64") }
    }
}
