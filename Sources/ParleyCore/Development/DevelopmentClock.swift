import Foundation
import Synchronization

/// The server's clock in development mode: real time until someone freezes it, moves it forward,
/// sets it (back, too) or resumes real time through the admin API.
///
/// Every rule that depends on time reads it (token expiry, ringing and reconnect timeouts,
/// retention, relay credentials); background work that waits on real time registers a reaction
/// with ``whenMoved(_:)``, and a move returns once every reaction has run, so a caller that moved
/// the clock sees its effects at once (a call that rang out, a connection closed for its token).
public final class DevelopmentClock: WallClock {
    /// Where the clock stands.
    public struct State: Sendable, Equatable {
        /// The time it says now.
        public var now: Date
        /// Whether it stands still.
        public var isFrozen: Bool
        /// How far it is from the real clock (positive: ahead).
        public var offsetSeconds: TimeInterval
    }

    private struct Setting {
        /// While frozen: the time it stands at.
        var frozenAt: Date?
        /// While running: added to the real clock.
        var offset: TimeInterval = 0
        var reactions: [@Sendable () async -> Void] = []
    }

    private let base: any WallClock
    private let setting = Mutex(Setting())

    /// - Parameter base: the real clock (a test's manual clock in tests).
    public init(base: any WallClock = SystemWallClock()) {
        self.base = base
    }

    public func now() -> Date {
        let (frozenAt, offset) = setting.withLock { ($0.frozenAt, $0.offset) }
        return (frozenAt ?? base.now().addingTimeInterval(offset)).millisecondPrecision
    }

    public var state: State {
        let (frozenAt, offset) = setting.withLock { ($0.frozenAt, $0.offset) }
        let real = base.now()
        let now = (frozenAt ?? real.addingTimeInterval(offset)).millisecondPrecision
        return State(now: now, isFrozen: frozenAt != nil, offsetSeconds: now.timeIntervalSince(real))
    }

    /// Runs `reaction` after every move of the clock (in the order registered), before the move
    /// returns.
    public func whenMoved(_ reaction: @escaping @Sendable () async -> Void) {
        setting.withLock { $0.reactions.append(reaction) }
    }

    /// Stops the clock where it is.
    @discardableResult
    public func freeze() async -> State {
        setting.withLock { setting in
            if setting.frozenAt == nil { setting.frozenAt = base.now().addingTimeInterval(setting.offset).millisecondPrecision }
        }
        return await moved()
    }

    /// Moves the clock forward by `seconds` (it stays frozen, or keeps running, as it was).
    @discardableResult
    public func advance(by seconds: TimeInterval) async throws -> State {
        guard seconds.isFinite, seconds >= 0 else {
            throw ParleyError(.validation, "The clock moves forward only; set it to go back.", target: "seconds")
        }
        setting.withLock { setting in
            if let frozenAt = setting.frozenAt {
                setting.frozenAt = frozenAt.addingTimeInterval(seconds)
            } else {
                setting.offset += seconds
            }
        }
        return await moved()
    }

    /// Sets the clock to `time`, earlier or later (it stays frozen, or keeps running from there).
    @discardableResult
    public func set(to time: Date) async -> State {
        setting.withLock { setting in
            if setting.frozenAt != nil {
                setting.frozenAt = time.millisecondPrecision
            } else {
                setting.offset = time.timeIntervalSince(base.now())
            }
        }
        return await moved()
    }

    /// Back to real time: running, with no offset.
    @discardableResult
    public func resume() async -> State {
        setting.withLock { setting in
            setting.frozenAt = nil
            setting.offset = 0
        }
        return await moved()
    }

    private func moved() async -> State {
        for reaction in setting.withLock({ $0.reactions }) { await reaction() }
        return state
    }
}
