import Foundation
import Synchronization

/// The source of "now" for every rule that depends on time (token expiry, clock skew, rate
/// windows). Injected so tests move time instead of sleeping.
///
/// Times have millisecond precision, the precision the stores keep, so a value read back equals
/// the value written.
public protocol WallClock: Sendable {
    func now() -> Date
}

/// The system clock.
public struct SystemWallClock: WallClock {
    public init() {}
    public func now() -> Date { Date().millisecondPrecision }
}

extension Date {
    /// This date, truncated to whole milliseconds.
    public var millisecondPrecision: Date {
        Date(timeIntervalSince1970: (timeIntervalSince1970 * 1000).rounded(.down) / 1000)
    }
}

/// A clock that only moves when told to. For tests.
public final class ManualWallClock: WallClock {
    private let current: Mutex<Date>

    public init(_ start: Date = Date(timeIntervalSince1970: 1_800_000_000)) {
        self.current = Mutex(start)
    }

    public func now() -> Date { current.withLock { $0 }.millisecondPrecision }

    public func advance(by seconds: TimeInterval) {
        current.withLock { $0 = $0.addingTimeInterval(seconds) }
    }
}
