import Foundation
import ParleyAPI
import ParleyClient
import ParleyCore
import Testing

@testable import ParleyServer

/// The real-time protocol end to end: the gateway of a live server over TLS, read through the
/// SDK's ``ChatNotifications`` or a raw WebSocket.
@Suite(.serialized) struct RealtimeTests {
    @Test func everyConnectionOfAUserHearsItsThreadsAndNobodyElseDoes() async throws {
        try await LiveServer.run { server in
            let alice = try await server.appUser()
            let bob = try await server.appUser()
            let outsider = try await server.appUser()
            let aliceCaller = try await server.caller(alice.token)

            let phone = NotificationListener(try server.notifications(bob.token))
            let laptop = NotificationListener(try server.notifications(bob.token))
            let stranger = NotificationListener(try server.notifications(outsider.token))
            await phone.connected()
            await laptop.connected()
            await stranger.connected()

            let threadId = try await server.thread(by: aliceCaller, with: [bob.rawId])
            let sent = try await server.send("hello bob", to: threadId, by: aliceCaller)
            try await server.environment.chat.updateTopic(threadId, topic: "Renamed", by: aliceCaller)
            let marker = try await server.thread(by: aliceCaller, with: [outsider.rawId, bob.rawId], topic: "Marker")

            for device in [phone, laptop] {
                await device.collector.wait { values in
                    values.contains { if case .event(.chatThreadCreated(let created), _) = $0 { created.threadId == marker } else { false } }
                }
                let events = await device.events
                #expect(events.map(\.name) == ["chatThreadCreated", "chatMessageReceived", "chatThreadPropertiesUpdated", "chatThreadCreated"])
                guard case .chatMessageReceived(let message) = events[1] else { continue }
                #expect(message.id == sent.id)
                #expect(message.threadId == threadId)
                #expect(message.message == "hello bob")
                #expect(message.sender?.rawId == alice.rawId)
                #expect(message.sender?.communicationUser?.id == alice.rawId)
                #expect(message.recipient?.rawId == bob.rawId)
                #expect(message.type == "text")
                if case .chatThreadCreated(let created) = events[0] {
                    #expect(created.createdBy.id.rawId == alice.rawId)
                    #expect(Set(created.participants.map(\.id.rawId)) == [alice.rawId, bob.rawId])
                    #expect(created.properties.topic == "Realtime")
                }
                if case .chatThreadPropertiesUpdated(let updated) = events[2] { #expect(updated.properties.topic == "Renamed") }
            }
            // The outsider heard only of the thread it is in.
            await stranger.collector.wait { values in values.contains { if case .event = $0 { true } else { false } } }
            #expect(await stranger.events.compactMap(\.threadId) == [marker])
            // Positions are strictly increasing.
            let positions = await phone.collector.values.compactMap { if case .event(_, let position) = $0 { position } else { nil } }
            #expect(positions == positions.sorted() && Set(positions).count == positions.count)
            for listener in [phone, laptop, stranger] { listener.stop() }
        }
    }

    @Test func resumingDeliversEverythingMissedExactlyOnceInOrder() async throws {
        try await LiveServer.run { server in
            let alice = try await server.appUser()
            let bob = try await server.appUser()
            let aliceCaller = try await server.caller(alice.token)
            let threadId = try await server.thread(by: aliceCaller, with: [bob.rawId])

            let first = NotificationListener(try server.notifications(bob.token))
            await first.connected()
            try await server.send("one", to: threadId, by: aliceCaller)
            await first.collector.waitForMessages(1)
            let position = try #require(await first.collector.values.compactMap { if case .event(_, let p) = $0 { p } else { nil } }.last)
            first.stop()

            var missed: [String] = []
            for index in 0..<5 { missed.append(try await server.send("missed \(index)", to: threadId, by: aliceCaller).id) }
            let resumed = NotificationListener(try server.notifications(bob.token, resumingAfter: position))
            await resumed.collector.waitForMessages(5)
            #expect(await resumed.receivedMessageIds == missed)
            // Caught up after the replay, then live.
            let live = try await server.send("live", to: threadId, by: aliceCaller)
            await resumed.collector.waitForMessages(6)
            #expect(await resumed.receivedMessageIds == missed + [live.id])
            let kinds = await resumed.collector.values.map { notification -> String in
                switch notification {
                case .connected: "connected"
                case .event(let event, _): event.name
                case .resyncRequired: "resync"
                }
            }
            #expect(kinds == Array(repeating: "chatMessageReceived", count: 5) + ["connected", "chatMessageReceived"])
            resumed.stop()
        }
    }

    /// Connections are killed at random points while thousands of messages stream; every
    /// device of every recipient ends with every message exactly once, in order.
    @Test func connectionsKilledAtRandomLoseNothing() async throws {
        try await LiveServer.run { server in
            let alice = try await server.appUser()
            let bob = try await server.appUser()
            let carol = try await server.appUser()
            let aliceCaller = try await server.caller(alice.token)
            let threadId = try await server.thread(by: aliceCaller, with: [bob.rawId, carol.rawId])
            let listeners = [
                NotificationListener(try server.notifications(bob.token)),
                NotificationListener(try server.notifications(bob.token)),
                NotificationListener(try server.notifications(carol.token)),
            ]
            for listener in listeners { await listener.connected() }

            var generator = SystemRandomNumberGenerator()
            let count = 2000
            var kills = Set((0..<25).map { _ in Int.random(in: 1..<count, using: &generator) })
            var sent: [String] = []
            for index in 0..<count {
                sent.append(try await server.send("message \(index)", to: threadId, by: aliceCaller).id)
                if kills.remove(index) != nil { server.environment.realtime.closeAll(.goingAway) }
            }
            for listener in listeners {
                await listener.collector.waitForMessages(count, for: .seconds(300))
                #expect(await listener.receivedMessageIds == sent)
                listener.stop()
            }
        }
    }

    @Test func aSlowConsumerIsClosedAndOthersAreNotSlowed() async throws {
        let smallQueues: @Sendable (inout ParleyConfiguration) -> Void = { $0.realtime.queueLimit = 8 }
        try await LiveServer.run(configure: smallQueues) { server in
            let alice = try await server.appUser()
            let bob = try await server.appUser()
            let aliceCaller = try await server.caller(alice.token)
            let threadId = try await server.thread(by: aliceCaller, with: [bob.rawId])
            let fast = NotificationListener(try server.notifications(bob.token))
            await fast.connected()
            // A client that reads nothing: its socket buffers fill, then its queue overflows.
            let startReading = Collector<Bool>()
            let stalled = RawRealtimeConnection(server, headerToken: bob.token, reading: startReading)
            await waitForConnections(server, 2)

            let big = String(repeating: "x", count: 27_000)
            let count = 400
            for _ in 0..<count { try await server.send(big, to: threadId, by: aliceCaller) }
            // The fast client got everything while the other one was stalled.
            await fast.collector.waitForMessages(count)
            await startReading.append(true)
            #expect(await stalled.closeCode() == RealtimeCloseCode.slowConsumer.rawValue)
            let delivered = await stalled.frames.values.count { if case .event = $0 { true } else { false } }
            #expect(delivered < count)
            fast.stop()
        }
    }

    @Test func expiredRevokedAndDeletedUsersAreDisconnected() async throws {
        try await LiveServer.run { server in
            let expiring = try await server.appUser(expiresInMinutes: 60)
            let revoked = try await server.appUser()
            let deleted = try await server.appUser()
            let expiringConnection = RawRealtimeConnection(server, headerToken: expiring.token)
            let revokedListener = NotificationListener(try server.notifications(revoked.token))
            let deletedListener = NotificationListener(try server.notifications(deleted.token))
            await revokedListener.connected()
            await deletedListener.connected()
            await expiringConnection.frames.wait { $0.contains { if case .caughtUp = $0 { true } else { false } } }

            server.clock.advance(by: 61 * 60)
            server.environment.realtime.closeExpired()
            #expect(await expiringConnection.closeCode() == RealtimeCloseCode.tokenExpired.rawValue)

            // A token issued after the revocation keeps its connection.
            try await server.environment.identities.revokeTokens(of: revoked.rawId, in: server.resource)
            await revokedListener.collector.waitForFinish()
            #expect(await revokedListener.error.values.map(\.closeCode) == [RealtimeCloseCode.tokenRevoked.rawValue])
            let fresh = try await server.environment.identities.issueToken(
                for: revoked.rawId,
                in: server.resource,
                scopes: ["chat"],
                expiresInMinutes: nil
            )
            let freshConnection = RawRealtimeConnection(server, headerToken: fresh.token)
            await freshConnection.frames.wait { $0.contains { if case .caughtUp = $0 { true } else { false } } }

            try await server.environment.identities.deleteUser(deleted.rawId, in: server.resource)
            await deletedListener.collector.waitForFinish()
            #expect(await deletedListener.error.values.map(\.closeCode) == [RealtimeCloseCode.userDeleted.rawValue])
            #expect(await freshConnection.close.values.isEmpty)
            freshConnection.cancel()
        }
    }

    @Test func resumingBeyondRetentionAsksForAResync() async throws {
        let oneHour: @Sendable (inout ParleyConfiguration) -> Void = { $0.realtime.retentionSeconds = 3600 }
        try await LiveServer.run(configure: oneHour) { server in
            let alice = try await server.appUser()
            let bob = try await server.appUser()
            let aliceCaller = try await server.caller(alice.token)
            let threadId = try await server.thread(by: aliceCaller, with: [bob.rawId])
            try await server.send("seen", to: threadId, by: aliceCaller)
            let seen = try #require(try await server.environment.store.eventLogBounds()).last
            try await server.send("forgotten", to: threadId, by: aliceCaller)
            server.clock.advance(by: 2 * 3600)
            let kept = try await server.send("kept", to: threadId, by: aliceCaller)
            #expect(try await server.environment.realtime.pruneEvents() > 0)

            let resumed = NotificationListener(try server.notifications(bob.token, resumingAfter: seen))
            await resumed.connected()
            let first = await resumed.collector.values.first
            guard case .resyncRequired(_, let position) = first else {
                Issue.record("expected resyncRequired first, got \(String(describing: first))")
                return
            }
            #expect(position >= seen)
            // Live events follow the resync.
            let next = try await server.send("after resync", to: threadId, by: aliceCaller)
            await resumed.collector.waitForMessages(1)
            #expect(await resumed.receivedMessageIds == [next.id])
            #expect(kept.id != next.id)
            resumed.stop()
        }
    }

    @Test func tokensComeInAHeaderOrTheQueryAndBadRequestsAreRefused() async throws {
        try await LiveServer.run { server in
            let alice = try await server.appUser()
            let viaQuery = RawRealtimeConnection(server, headerToken: nil, query: "access_token=\(alice.token)")
            await viaQuery.frames.wait { frames in frames.contains { if case .hello = $0 { true } else { false } } }
            if case .hello(let hello) = await viaQuery.frames.values.first {
                #expect(hello.identity.rawId == alice.rawId)
                #expect(hello.retentionSeconds == 86_400)
            } else {
                Issue.record("the first frame is not hello")
            }
            viaQuery.cancel()

            for (token, query) in [(nil, ""), ("not-a-token", ""), (alice.token, "after=-1"), (alice.token, "after=abc")] {
                let refused = RawRealtimeConnection(server, headerToken: token, query: query)
                #expect(await refused.closeCode() == 0, "token \(token ?? "none"), query \(query)")
            }
            #expect(server.environment.realtime.openConnectionCount == 0)
        }
    }

    @Test func aPositionFromElsewhereAsksForAResync() async throws {
        try await LiveServer.run { server in
            let alice = try await server.appUser()
            let connection = RawRealtimeConnection(server, headerToken: alice.token, query: "after=999999")
            await connection.frames.wait { $0.contains { if case .caughtUp = $0 { true } else { false } } }
            let kinds = await connection.frames.values.map { frame -> String in
                switch frame {
                case .hello: "hello"
                case .resyncRequired: "resync"
                case .caughtUp: "caughtUp"
                case .event: "event"
                default: "calling"
                }
            }
            #expect(kinds == ["hello", "resync", "caughtUp"])
            connection.cancel()
        }
    }

    private func waitForConnections(_ server: LiveServer, _ count: Int) async {
        let probe = Collector<Int>()
        let task = Task {
            while !Task.isCancelled {
                await probe.append(server.environment.realtime.openConnectionCount)
                await Task.yield()
            }
        }
        await probe.wait { ($0.last ?? 0) >= count }
        task.cancel()
    }
}
