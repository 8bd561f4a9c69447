import Foundation
import ParleyCore
import Synchronization
import Testing

/// The development clock: frozen, moved forward, set back, resumed; reactions run before a move
/// returns.
@Suite struct DevelopmentClockTests {
    @Test func itFollowsTheRealClockUntilMoved() async throws {
        let real = ManualWallClock()
        let clock = DevelopmentClock(base: real)
        #expect(clock.now() == real.now())
        real.advance(by: 10)
        #expect(clock.now() == real.now())
        #expect(!clock.state.isFrozen)
        #expect(clock.state.offsetSeconds == 0)
    }

    @Test func frozenItStandsStillAndMovesOnlyWhenTold() async throws {
        let real = ManualWallClock()
        let clock = DevelopmentClock(base: real)
        let frozenAt = clock.now()
        await clock.freeze()
        real.advance(by: 30)
        #expect(clock.now() == frozenAt)
        #expect(clock.state.isFrozen)
        try await clock.advance(by: 85)
        #expect(clock.now() == frozenAt.addingTimeInterval(85))
        real.advance(by: 5)
        #expect(clock.now() == frozenAt.addingTimeInterval(85))
    }

    @Test func runningItKeepsTheOffsetItWasMovedBy() async throws {
        let real = ManualWallClock()
        let clock = DevelopmentClock(base: real)
        try await clock.advance(by: 3600)
        real.advance(by: 2)
        #expect(clock.now() == real.now().addingTimeInterval(3600))
        #expect(clock.state.offsetSeconds == 3600)
    }

    @Test func setGoesBackAndResumeReturnsToRealTime() async throws {
        let real = ManualWallClock()
        let clock = DevelopmentClock(base: real)
        let past = real.now().addingTimeInterval(-86_400 * 365)
        await clock.set(to: past)
        #expect(clock.now() == past)
        await clock.freeze()
        let later = past.addingTimeInterval(60)
        await clock.set(to: later)
        #expect(clock.now() == later)
        await clock.resume()
        #expect(clock.now() == real.now())
        #expect(!clock.state.isFrozen)
    }

    @Test func itRefusesToMoveBackwardsByAdvancing() async throws {
        let clock = DevelopmentClock(base: ManualWallClock())
        let before = clock.now()
        await #expect(throws: ParleyError.self) { try await clock.advance(by: -1) }
        await #expect(throws: ParleyError.self) { try await clock.advance(by: .infinity) }
        #expect(clock.now() == before)
    }

    @Test func everyReactionRunsBeforeAMoveReturnsAndSeesTheNewTime() async throws {
        let clock = DevelopmentClock(base: ManualWallClock())
        let seen = Mutex<[Date]>([])
        clock.whenMoved { seen.withLock { $0.append(clock.now()) } }
        clock.whenMoved { seen.withLock { $0.append(clock.now()) } }
        let start = clock.now()
        try await clock.advance(by: 85)
        #expect(seen.withLock { $0 } == [start.addingTimeInterval(85), start.addingTimeInterval(85)])
        await clock.resume()
        #expect(seen.withLock { $0.count } == 4)
    }
}
