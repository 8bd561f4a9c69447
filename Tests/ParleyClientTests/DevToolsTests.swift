import Foundation
import ParleyAPI
import ParleyClient
import ParleyCore
import Testing

@testable import ParleyServer

/// The Swift SDK against a server in development mode, driven by ``DevTools``: it reconnects and
/// resumes after an injected drop, calls ring out and end as the moved clock and the injected end
/// reasons say, and nothing here sleeps.
@Suite struct DevToolsTests {
    static func run<T: Sendable>(_ body: @Sendable (LiveServer, DevTools) async throws -> T) async throws -> T {
        try await LiveServer.run(configure: Self.developmentMode) { server in
            let tools = try DevTools(
                baseURL: server.endpoint.absoluteString,
                adminKey: server.environment.adminKey,
                caCertificatePath: server.caCertificatePath
            )
            do {
                let result = try await body(server, tools)
                try await tools.shutdown()
                return result
            } catch {
                try? await tools.shutdown()
                throw error
            }
        }
    }

    static func developmentMode(_ configuration: inout ParleyConfiguration) {
        configuration.development.enabled = true
    }

    @Test func chatNotificationsReconnectAndResumeAfterAnInjectedDrop() async throws {
        try await Self.run { server, dev in
            let alice = try await server.appUser()
            let bob = try await server.appUser()
            let aliceCaller = try await server.caller(alice.token)
            let threadId = try await server.thread(by: aliceCaller, with: [bob.rawId])
            let listener = NotificationListener(try server.notifications(bob.token))
            await listener.connected()

            // Bob's connection drops like a lost network (no close frame), and his first attempt
            // to reconnect is refused with 503. The connection is gone on the server once the
            // drop returns, so what is sent now reaches him only by resuming, once, in order.
            let refusal = try await dev.addFault(.init(match: .init(api: "realtime", identity: bob.rawId), action: .status(503), times: 1))
            #expect(try await dev.dropRealtimeConnections(of: bob.rawId) == 1)
            var missed: [String] = []
            for index in 0..<3 { missed.append(try await server.send("while away \(index)", to: threadId, by: aliceCaller).id) }

            await listener.collector.waitForMessages(3)
            #expect(await listener.receivedMessageIds == missed)
            // Every reconnection went through the rule first: it struck, and is used up.
            #expect(try await dev.faults().contains { $0.id == refusal.id } == false)
            let connections = await listener.collector.values.filter { if case .connected = $0 { true } else { false } }
            #expect(connections.count == 2)
            listener.stop()
        }
    }

    /// A server (or proxy) that closes the connection instead of answering the upgrade: the
    /// attempt is given up after `upgradeTimeout` and the next one gets through.
    @Test func chatNotificationsGetPastAnUpgradeClosedWithoutAnswer() async throws {
        try await Self.run { server, dev in
            let alice = try await server.appUser()
            let bob = try await server.appUser()
            let aliceCaller = try await server.caller(alice.token)
            let threadId = try await server.thread(by: aliceCaller, with: [bob.rawId])
            let closing = try await dev.addFault(.init(match: .init(api: "realtime", identity: bob.rawId), action: .close, times: 1))
            let listener = NotificationListener(try server.notifications(bob.token, options: .init(upgradeTimeout: .milliseconds(500))))
            await listener.connected()
            #expect(try await dev.faults().contains { $0.id == closing.id } == false)
            let sent = try await server.send("through", to: threadId, by: aliceCaller)
            await listener.collector.waitForMessages(1)
            #expect(await listener.receivedMessageIds == [sent.id])
            listener.stop()
        }
    }

    @Test func aCallAgentComesBackAfterItsEndpointIsDroppedAndTheCallGoesOn() async throws {
        try await Self.run { server, dev in
            let (_, alice) = try await server.callAgent()
            let (bobId, bob) = try await server.callAgent()
            let (aliceCall, bobCall) = try await connect(alice, to: bob, bobId)
            let connection = Recording(alice.connectionStateChanged)

            try await dev.dropEndpoint(alice.endpointId)
            await connection.first { $0 == .reconnecting }
            await connection.first { $0 == .connected }
            #expect(aliceCall.state == .connected)
            try await aliceCall.hold()
            await eventually(bobCall.stateChanged) { bobCall.state == .remoteHold }
            try await aliceCall.hangUp()
            await alice.dispose()
            await bob.dispose()
        }
    }

    @Test func aCallRingsOutAtOnceWhenTheClockMoves85Seconds() async throws {
        try await Self.run { server, dev in
            let (_, alice) = try await server.callAgent()
            let (bobId, bob) = try await server.callAgent()
            let (call, ringing) = try await ring(bob, bobId, from: alice)

            try await dev.advanceClock(by: 85)
            await eventually(call.stateChanged) { call.state == .disconnected }
            #expect(call.callEndReason == .noAnswer)
            await eventually(ringing.ended) { ringing.callEndReason == .noAnswer }
            await alice.dispose()
            await bob.dispose()
        }
    }

    @Test func anInjectedEndReasonReachesEveryParty() async throws {
        try await Self.run { server, dev in
            let (_, alice) = try await server.callAgent()
            let (bobId, bob) = try await server.callAgent()
            let (aliceCall, bobCall) = try await connect(alice, to: bob, bobId)
            let running = try await dev.calls()
            #expect(running.map(\.id) == [aliceCall.id])

            let reason = CallEndReason(code: 480, subCode: 10037)
            try await dev.endCall(aliceCall.id, reason: reason)
            await eventually(aliceCall.stateChanged) { aliceCall.state == .disconnected }
            await eventually(bobCall.stateChanged) { bobCall.state == .disconnected }
            #expect(aliceCall.callEndReason == reason)
            #expect(bobCall.callEndReason == reason)
            #expect(try await dev.calls().isEmpty)
            await alice.dispose()
            await bob.dispose()
        }
    }

    @Test func aCalleeThatDeclinesByFaultEndsTheCallerWith603() async throws {
        try await Self.run { server, dev in
            let (_, alice) = try await server.callAgent()
            let (bobId, bob) = try await server.callAgent()
            _ = try await dev.addFault(.init(match: .init(api: "ringing", identity: bobId), action: .decline, times: 1))
            let call = try await alice.startCall([CommunicationUserIdentifier(bobId)])
            await eventually(call.stateChanged) { call.state == .disconnected }
            #expect(call.callEndReason == .declined)
            await alice.dispose()
            await bob.dispose()
        }
    }

    @Test func aServerNotInDevelopmentModeHasNoTools() async throws {
        try await LiveServer.run { server in
            let dev = try DevTools(
                baseURL: server.endpoint.absoluteString,
                adminKey: server.environment.adminKey,
                caCertificatePath: server.caCertificatePath
            )
            let error = await #expect(throws: ParleyClientError.self) { try await dev.clock() }
            #expect(error?.status == 404)
            try await dev.shutdown()
        }
    }
}
