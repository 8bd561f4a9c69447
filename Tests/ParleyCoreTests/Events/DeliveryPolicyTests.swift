import Foundation
import ParleyCore
import ParleySQLite
import Testing

/// Event Grid's retry rules, on numbers alone.
@Suite struct DeliveryPolicyTests {
    let now = Date(timeIntervalSince1970: 1_800_000_000)

    @Test func theScheduleGrowsAsEventGridsAndRepeatsTwelveHours() {
        let policy = DeliveryPolicy(random: FixedRandom(value: 0))
        let delays = (1...12).map { policy.retryDelay(afterAttempt: $0, result: .status(500)) }
        #expect(delays == [10, 30, 60, 300, 600, 1800, 3600, 10800, 21600, 43200, 43200, 43200])
    }

    @Test(arguments: [(503, 30.0), (408, 120.0), (401, 300.0), (403, 300.0), (404, 300.0), (429, 10.0), (500, 10.0)])
    func eachStatusWaitsAtLeastItsMinimum(status: Int, minimum: TimeInterval) {
        let policy = DeliveryPolicy(random: FixedRandom(value: 0))
        #expect(policy.retryDelay(afterAttempt: 1, result: .status(status)) == minimum)
        // Later attempts follow the schedule once it passes the minimum.
        #expect(policy.retryDelay(afterAttempt: 5, result: .status(status)) == 600)
    }

    @Test func jitterOnlyEverDelaysAndByAtMostAFifth() {
        let low = DeliveryPolicy(random: FixedRandom(value: 0)).retryDelay(afterAttempt: 2, result: .status(500))
        let high = DeliveryPolicy(random: FixedRandom(value: 0.999)).retryDelay(afterAttempt: 2, result: .status(500))
        #expect(low == 30)
        #expect(high > 35.9 && high < 36)
    }

    @Test func theDevelopmentCapShortensDelaysAndProbation() {
        let policy = DeliveryPolicy(random: FixedRandom(value: 0.5), maxDelay: 2)
        #expect(policy.retryDelay(afterAttempt: 9, result: .status(500)) == 2)
        #expect(policy.probation(after: AttemptResult(outcome: .socketError, status: nil)) == 2)
    }

    @Test func badRequestAndPayloadTooLargeAreDeadLetteredAtOnce() {
        let policy = DeliveryPolicy(random: FixedRandom(value: 0))
        #expect(policy.afterFailure(attempts: 1, result: .status(400), now: now, maxAttempts: 30) == .deadLetter(reason: DeadLetterReason.badRequest))
        #expect(
            policy.afterFailure(attempts: 1, result: .status(413), now: now, maxAttempts: 30) == .deadLetter(reason: DeadLetterReason.payloadTooLarge)
        )
    }

    @Test func theLastAttemptDeadLetters() {
        let policy = DeliveryPolicy(random: FixedRandom(value: 0))
        #expect(policy.afterFailure(attempts: 2, result: .status(500), now: now, maxAttempts: 3) == .retry(at: now.addingTimeInterval(30)))
        #expect(
            policy.afterFailure(attempts: 3, result: .status(500), now: now, maxAttempts: 3)
                == .deadLetter(reason: DeadLetterReason.maxDeliveryAttempts)
        )
    }

    @Test(arguments: [
        (AttemptResult.status(503), 10.0), (.status(408), 10.0), (AttemptResult(outcome: .timedOut, status: nil), 10.0),
        (AttemptResult(outcome: .socketError, status: nil), 30.0), (.status(404), 300.0), (.status(401), 300.0), (.status(403), 300.0),
        (AttemptResult(outcome: .resolutionError, status: nil), 300.0), (.status(500), 10.0),
    ])
    func failingEndpointsGoOnProbation(result: AttemptResult, seconds: TimeInterval) {
        #expect(DeliveryPolicy().probation(after: result) == seconds)
    }

    @Test func onlyTheDocumentedCodesSucceed() {
        for status in [200, 201, 202, 203, 204] { #expect(AttemptResult.status(status).succeeded) }
        for status in [205, 206, 301, 302, 304, 400, 500] { #expect(!AttemptResult.status(status).succeeded) }
    }
}
