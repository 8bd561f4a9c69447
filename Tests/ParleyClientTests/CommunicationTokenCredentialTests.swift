import Foundation
import Testing

@testable import ParleyClient

@Suite struct CommunicationTokenCredentialTests {
    @Test func aStaticTokenIsReturnedWithItsExpiry() async throws {
        let clock = TestClock()
        let expiry = clock.now().addingTimeInterval(3600)
        let token = TestJWT.make(expiresOn: expiry)
        let credential = try CommunicationTokenCredential(token: token, now: clock.now)
        let accessToken = try await credential.token()
        #expect(accessToken.token == token)
        #expect(accessToken.expiresOn == expiry)
    }

    @Test func anExpiredStaticTokenThrows() async throws {
        let clock = TestClock()
        let credential = try CommunicationTokenCredential(token: TestJWT.make(expiresOn: clock.now().addingTimeInterval(60)), now: clock.now)
        clock.advance(by: 61)
        let error = await #expect(throws: TokenCredentialError.self) { try await credential.token() }
        #expect(error?.code == .tokenExpired)
    }

    @Test func aMalformedTokenIsRefusedAtOnce() {
        #expect(throws: TokenCredentialError.self) { try CommunicationTokenCredential(token: "not-a-jwt") }
        #expect(throws: TokenCredentialError.self) { try CommunicationTokenCredential(token: "a.eyJmb28iOiJiYXIifQ.c") }
    }

    @Test func proactiveRefreshHappensTenMinutesBeforeExpiry() async throws {
        let clock = TestClock()
        let refreshes = Counter()
        let credential = try CommunicationTokenCredential(
            options: .init(initialToken: TestJWT.make(expiresOn: clock.now().addingTimeInterval(3600)), refreshProactively: true) {
                refreshes.increment()
                return TestJWT.make(expiresOn: clock.now().addingTimeInterval(3600))
            },
            now: clock.now
        )
        clock.advance(by: 3600 - 11 * 60)
        _ = try await credential.token()
        #expect(refreshes.count == 0)
        clock.advance(by: 2 * 60)
        let refreshed = try await credential.token()
        #expect(refreshes.count == 1)
        #expect(refreshed.expiresOn == clock.now().addingTimeInterval(3600))
        _ = try await credential.token()
        #expect(refreshes.count == 1)
    }

    @Test func onDemandRefreshWaitsUntilTheLastTwoMinutes() async throws {
        let clock = TestClock()
        let refreshes = Counter()
        let credential = try CommunicationTokenCredential(
            options: .init(initialToken: TestJWT.make(expiresOn: clock.now().addingTimeInterval(3600))) {
                refreshes.increment()
                return TestJWT.make(expiresOn: clock.now().addingTimeInterval(3600))
            },
            now: clock.now
        )
        clock.advance(by: 3600 - 5 * 60)
        _ = try await credential.token()
        #expect(refreshes.count == 0)
        clock.advance(by: 4 * 60)
        _ = try await credential.token()
        #expect(refreshes.count == 1)
    }

    @Test func withoutAnInitialTokenTheFirstUseRefreshes() async throws {
        let clock = TestClock()
        let token = TestJWT.make(expiresOn: clock.now().addingTimeInterval(3600))
        let credential = try CommunicationTokenCredential(options: .init { token }, now: clock.now)
        #expect(try await credential.token().token == token)
    }

    @Test func concurrentCallersShareOneRefresh() async throws {
        let clock = TestClock()
        let refreshes = Counter()
        let (started, startedContinuation) = AsyncStream.makeStream(of: Void.self)
        let (release, releaseContinuation) = AsyncStream.makeStream(of: Void.self)
        let credential = try CommunicationTokenCredential(
            options: .init {
                refreshes.increment()
                startedContinuation.yield()
                for await _ in release { break }
                return TestJWT.make(expiresOn: clock.now().addingTimeInterval(3600))
            },
            now: clock.now
        )
        let tokens = try await withThrowingTaskGroup(of: String.self) { group in
            for _ in 0..<20 {
                group.addTask { try await credential.token().token }
            }
            for await _ in started { break }
            for _ in 0..<100 { await Task.yield() }
            releaseContinuation.yield()
            releaseContinuation.finish()
            return try await group.reduce(into: Set<String>()) { $0.insert($1) }
        }
        #expect(refreshes.count == 1)
        #expect(tokens.count == 1)
    }

    @Test func aRefresherReturningAnExpiredTokenFails() async throws {
        let clock = TestClock()
        let credential = try CommunicationTokenCredential(
            options: .init { TestJWT.make(expiresOn: clock.now().addingTimeInterval(-1)) },
            now: clock.now
        )
        let error = await #expect(throws: TokenCredentialError.self) { try await credential.token() }
        #expect(error?.code == .refreshedTokenExpired)
    }

    @Test func aFailedEarlyRefreshKeepsTheStillValidToken() async throws {
        struct BackendDown: Error {}
        let clock = TestClock()
        let initial = TestJWT.make(expiresOn: clock.now().addingTimeInterval(3600))
        let credential = try CommunicationTokenCredential(
            options: .init(initialToken: initial, refreshProactively: true) { throw BackendDown() },
            now: clock.now
        )
        clock.advance(by: 3600 - 5 * 60)
        #expect(try await credential.token().token == initial)
        clock.advance(by: 5 * 60)
        await #expect(throws: BackendDown.self) { try await credential.token() }
    }
}
