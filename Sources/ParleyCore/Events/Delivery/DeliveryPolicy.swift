import Foundation

/// How one delivery attempt ended, in Event Grid's words (`lastDeliveryOutcome`).
public enum DeliveryOutcome: String, Sendable, Codable, Equatable {
    case delivered = "Delivered"
    case badRequest = "BadRequest"
    case payloadTooLarge = "PayloadTooLarge"
    case unauthorized = "Unauthorized"
    case forbidden = "Forbidden"
    case notFound = "NotFound"
    case timedOut = "TimedOut"
    case busy = "Busy"
    case socketError = "SocketError"
    case resolutionError = "ResolutionError"
    /// Any other failing status (5xx, 3xx, …).
    case genericError = "GenericError"

    /// The outcome of a response with `status` (only 200–204 succeed, as on Event Grid).
    public init(status: Int) {
        switch status {
        case 200...204: self = .delivered
        case 400: self = .badRequest
        case 413: self = .payloadTooLarge
        case 401: self = .unauthorized
        case 403: self = .forbidden
        case 404: self = .notFound
        case 408: self = .timedOut
        case 429, 503: self = .busy
        default: self = .genericError
        }
    }
}

/// The result of one attempt as the transport saw it: a status, or a failure before one.
public struct AttemptResult: Sendable, Equatable {
    public var outcome: DeliveryOutcome
    public var status: Int?

    public init(outcome: DeliveryOutcome, status: Int?) {
        self.outcome = outcome
        self.status = status
    }

    public static func status(_ status: Int) -> AttemptResult { AttemptResult(outcome: DeliveryOutcome(status: status), status: status) }
    public var succeeded: Bool { outcome == .delivered }
}

/// Where randomness comes from (retry jitter). Injected, so tests see fixed delays.
public protocol RandomSource: Sendable {
    /// A number in [0, 1).
    func unit() -> Double
}

public struct SystemRandomSource: RandomSource {
    public init() {}
    public func unit() -> Double { Double.random(in: 0..<1) }
}

/// Event Grid's delivery rules (reference: calling-events-teams.md §2.5; docs/events.md):
/// what to do after a failed attempt, when to try again, and how long to leave a failing
/// endpoint alone.
public struct DeliveryPolicy: Sendable {
    /// Delays after the 1st, 2nd, … failed attempt; the last repeats.
    public static let schedule: [TimeInterval] = [10, 30, 60, 300, 600, 1800, 3600, 10800, 21600, 43200]
    /// The most jitter added to a delay (a fraction of it): retries never come early.
    public static let jitter = 0.2

    private let random: any RandomSource
    /// Caps every retry delay and probation (development: `events.maxRetryDelaySeconds`).
    private let maxDelay: TimeInterval?

    public init(random: any RandomSource = SystemRandomSource(), maxDelay: TimeInterval? = nil) {
        self.random = random
        self.maxDelay = maxDelay
    }

    /// What becomes of events whose attempt failed.
    public enum Decision: Sendable, Equatable {
        case retry(at: Date)
        case deadLetter(reason: String)
    }

    /// The fate of an event that has now failed `attempts` times, the last time with `result`.
    /// (Its time to live is checked when the retry is due, as Event Grid does.)
    public func afterFailure(attempts: Int, result: AttemptResult, now: Date, maxAttempts: Int) -> Decision {
        switch result.outcome {
        case .badRequest: return .deadLetter(reason: DeadLetterReason.badRequest)
        case .payloadTooLarge: return .deadLetter(reason: DeadLetterReason.payloadTooLarge)
        default: break
        }
        if attempts >= maxAttempts { return .deadLetter(reason: DeadLetterReason.maxDeliveryAttempts) }
        return .retry(at: now.addingTimeInterval(retryDelay(afterAttempt: attempts, result: result)))
    }

    /// The wait before the next attempt after the `attempt`th failure: the schedule, at least
    /// the minimum for the status (503: 30 s, 408: 2 min, 401/403/404: 5 min), plus up to
    /// 20 % jitter.
    public func retryDelay(afterAttempt attempt: Int, result: AttemptResult) -> TimeInterval {
        let scheduled = Self.schedule[min(max(attempt, 1), Self.schedule.count) - 1]
        let minimum: TimeInterval =
            switch result.outcome {
            case .busy where result.status == 503: 30
            case .timedOut where result.status == 408: 120
            case .unauthorized, .forbidden, .notFound: 300
            default: 10
            }
        let delay = max(scheduled, minimum) * (1 + Self.jitter * random.unit())
        return maxDelay.map { min($0, delay) } ?? delay
    }

    /// How long a failing endpoint gets no deliveries (Event Grid's probation): 10 s when busy
    /// or timing out, 30 s after a socket error, 5 min when not found, unauthorized, forbidden
    /// or unresolvable, 10 s otherwise.
    public func probation(after result: AttemptResult) -> TimeInterval {
        let seconds: TimeInterval =
            switch result.outcome {
            case .socketError: 30
            case .notFound, .unauthorized, .forbidden, .resolutionError: 300
            default: 10
            }
        return maxDelay.map { min($0, seconds) } ?? seconds
    }

    /// Whether an event published at `publishedAt` has outlived `timeToLive` by `now`.
    public static func isExpired(publishedAt: Date, now: Date, timeToLive: TimeInterval) -> Bool {
        now.timeIntervalSince(publishedAt) >= timeToLive
    }
}

/// `deadLetterReason` values.
public enum DeadLetterReason {
    public static let maxDeliveryAttempts = "MaxDeliveryAttemptsExceeded"
    public static let timeToLive = "TimeToLiveExceeded"
    public static let badRequest = "UndeliverableDueToHttpBadRequest"
    public static let payloadTooLarge = "UndeliverableDueToHttpPayloadTooLarge"
}
