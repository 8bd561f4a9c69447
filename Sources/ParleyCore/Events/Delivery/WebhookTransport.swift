import Foundation

/// Sends HTTP requests to webhook endpoints. The domain decides what to send and what an
/// answer means; the server implements this with its one shared HTTP client.
public protocol WebhookTransport: Sendable {
    /// Sends the request; never throws: a failure before any status is a result too.
    func send(_ request: WebhookRequest) async -> WebhookResponse
}

public struct WebhookRequest: Sendable {
    public enum Method: String, Sendable {
        case post = "POST"
        case options = "OPTIONS"
    }

    public var method: Method
    public var url: String
    public var headers: [(String, String)]
    public var body: Data
    /// Event Grid waits 30 s for an answer.
    public var timeout: TimeInterval

    public init(method: Method, url: String, headers: [(String, String)], body: Data = Data(), timeout: TimeInterval = 30) {
        self.method = method
        self.url = url
        self.headers = headers
        self.body = body
        self.timeout = timeout
    }

    public func header(_ name: String) -> String? {
        headers.last { $0.0.caseInsensitiveCompare(name) == .orderedSame }?.1
    }
}

public struct WebhookResponse: Sendable {
    /// The status, or nil when the request failed before one (`failure` says how).
    public var status: Int?
    public var headers: [(String, String)]
    /// At most the first 64 KB.
    public var body: Data
    /// Why there is no status: timed out, socket error, name not resolved.
    public var failure: DeliveryOutcome?

    public init(status: Int?, headers: [(String, String)] = [], body: Data = Data(), failure: DeliveryOutcome? = nil) {
        self.status = status
        self.headers = headers
        self.body = body
        self.failure = failure
    }

    public static func failed(_ outcome: DeliveryOutcome) -> WebhookResponse { WebhookResponse(status: nil, failure: outcome) }

    public var result: AttemptResult {
        if let status { return .status(status) }
        return AttemptResult(outcome: failure ?? .socketError, status: nil)
    }

    public func header(_ name: String) -> String? {
        headers.last { $0.0.caseInsensitiveCompare(name) == .orderedSame }?.1
    }
}

/// Where dead-lettered events go (the server writes them under its data directory).
public protocol DeadLetterSink: Sendable {
    /// Stores the events (each the JSON object as delivered, with the dead-letter fields added)
    /// durably before returning.
    func write(_ events: [Data], subscription: EventSubscription, resourceName: String, at time: Date) async throws
}
