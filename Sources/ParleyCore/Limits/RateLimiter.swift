import Foundation
import Synchronization

/// Fixed-window request counters: at most `limit` operations per `window` for each key.
///
/// Used to emulate the service's published rate limits when that is switched on. Time comes from
/// the injected clock.
public final class RateLimiter: Sendable {
    public struct Rule: Sendable, Hashable {
        public var limit: Int
        public var window: TimeInterval
        public init(limit: Int, window: TimeInterval) {
            self.limit = limit
            self.window = window
        }
    }

    private struct Window {
        var start: Date
        var count: Int
    }

    private let clock: any WallClock
    private let windows = Mutex<[String: Window]>([:])

    public init(clock: any WallClock) {
        self.clock = clock
    }

    /// Counts one operation against `key`; throws 429 with the seconds until the window resets
    /// when the rule's limit is already used up.
    public func consume(_ key: String, rule: Rule) throws(ParleyError) {
        let now = clock.now()
        let retryAfter: Int? = windows.withLock { windows in
            var window = windows[key] ?? Window(start: now, count: 0)
            if now.timeIntervalSince(window.start) >= rule.window {
                window = Window(start: now, count: 0)
            }
            guard window.count < rule.limit else {
                return max(1, Int((rule.window - now.timeIntervalSince(window.start)).rounded(.up)))
            }
            window.count += 1
            windows[key] = window
            return nil
        }
        if let retryAfter {
            throw ParleyError(.tooManyRequests, "Rate limit exceeded.", retryAfterSeconds: retryAfter)
        }
    }
}
