import Foundation
import ParleyAPI
import Testing

@testable import ParleyClient

/// Every ACS chat operation through the SDK, against a live server over TLS.
@Suite struct ChatClientTests {
    /// A chat client for a new app user of the server; returns the user's raw id too.
    func newUser(_ server: LiveServer) async throws -> (client: ChatClient, rawId: String) {
        let (rawId, token) = try await server.appUser()
        let client = try ChatClient(
            endpoint: server.endpoint,
            credential: try CommunicationTokenCredential(token: token),
            options: server.chatOptions
        )
        return (client, rawId)
    }

    // MARK: Tests

    @Test func threadsAreCreatedListedUpdatedAndDeleted() async throws {
        try await LiveServer.run { server in
            let (alice, aliceId) = try await newUser(server)
            let (_, bobId) = try await newUser(server)
            let result = try await alice.createChatThread(
                topic: "Lunch",
                participants: [ChatParticipant(id: CommunicationUserIdentifier(bobId), displayName: "Bob")]
            )
            #expect(result.invalidParticipants.isEmpty)
            let thread = result.chatThread
            #expect(thread.topic == "Lunch")
            #expect(thread.createdBy.rawId == aliceId)
            #expect(thread.createdBy is CommunicationUserIdentifier)

            let client = alice.chatThreadClient(threadId: thread.id)
            try await client.updateTopic("Dinner")
            let properties = try await client.getProperties()
            #expect(properties.id == thread.id)
            #expect(properties.topic == "Dinner")
            #expect(properties.deletedOn == nil)

            let listed = try await alice.listChatThreads().collect()
            #expect(listed.map(\.id) == [thread.id])
            #expect(listed.first?.topic == "Dinner")
            #expect(listed.first?.lastMessageReceivedOn != nil)

            try await alice.deleteChatThread(threadId: thread.id)
            #expect(try await alice.listChatThreads().collect().first?.deletedOn != nil)
            let error = await #expect(throws: ParleyClientError.self) { try await client.getProperties() }
            #expect(error?.status == 404)
        }
    }

    @Test func theSameIdempotencyTokenReturnsTheSameThread() async throws {
        try await LiveServer.run { server in
            let (alice, _) = try await newUser(server)
            let first = try await alice.createChatThread(topic: "Once", idempotencyToken: "token-1")
            let second = try await alice.createChatThread(topic: "Once", idempotencyToken: "token-1")
            let third = try await alice.createChatThread(topic: "Once")
            #expect(first.chatThread.id == second.chatThread.id)
            #expect(third.chatThread.id != first.chatThread.id)
        }
    }

    @Test func messagesAreSentReadEditedAndDeleted() async throws {
        try await LiveServer.run { server in
            let (alice, aliceId) = try await newUser(server)
            let (bob, bobId) = try await newUser(server)
            let thread = try await alice.createChatThread(topic: "Notes", participants: [ChatParticipant(id: CommunicationUserIdentifier(bobId))])
                .chatThread
            let aliceThread = alice.chatThreadClient(threadId: thread.id)
            let bobThread = bob.chatThreadClient(threadId: thread.id)

            let sent = try await aliceThread.sendMessage(content: "héllo ✓", senderDisplayName: "Alice", metadata: ["k": "v"])
            let message = try await bobThread.getMessage(sent.id)
            #expect(message.type == .text)
            #expect(message.content?.message == "héllo ✓")
            #expect(message.senderDisplayName == "Alice")
            #expect(message.sender?.rawId == aliceId)
            #expect(message.metadata == ["k": "v"])
            #expect(message.sequenceId == "3")
            #expect(message.editedOn == nil)

            let html = try await bobThread.sendMessage(content: "<b>hi</b>", type: .html)
            #expect(try await aliceThread.getMessage(html.id).type == .html)

            try await aliceThread.updateMessage(sent.id, content: "edited", metadata: ["k": "w"])
            let edited = try await bobThread.getMessage(sent.id)
            #expect(edited.content?.message == "edited")
            #expect(edited.metadata == ["k": "w"])
            #expect(edited.editedOn != nil)
            #expect(edited.version != message.version)

            let notSender = await #expect(throws: ParleyClientError.self) { try await bobThread.deleteMessage(sent.id) }
            #expect(notSender?.status == 403)

            try await aliceThread.deleteMessage(sent.id)
            let messages = try await bobThread.listMessages().collect()
            #expect(messages.map(\.sequenceId) == ["4", "3", "2", "1"])
            let tombstone = try #require(messages.first { $0.id == sent.id })
            #expect(tombstone.deletedOn != nil)
            #expect(tombstone.content == nil)

            let added = try #require(messages.last)
            #expect(added.type == .participantAdded)
            #expect(added.sender == nil)
            #expect(added.content?.initiator?.rawId == aliceId)
            #expect(Set(added.content?.participants?.map(\.id.rawId) ?? []) == [aliceId, bobId])
            let topic = messages[messages.count - 2]
            #expect(topic.type == .topicUpdated)
            #expect(topic.content?.topic == "Notes")
        }
    }

    @Test func listsFollowNextLinkAcrossPages() async throws {
        try await LiveServer.run { server in
            let (alice, aliceId) = try await newUser(server)
            var others: [String] = []
            for _ in 0..<4 { others.append(try await newUser(server).rawId) }
            let thread = try await alice.createChatThread(
                topic: "Paging",
                participants: others.map { ChatParticipant(id: CommunicationUserIdentifier($0)) }
            )
            .chatThread
            let client = alice.chatThreadClient(threadId: thread.id)
            var sent: [String] = []
            for index in 0..<7 { sent.append(try await client.sendMessage(content: "message \(index)").id) }

            // 2 system messages + 7 = 9 messages: 5 pages of 2, newest first, fetched lazily.
            var pages: [[ChatMessage]] = []
            for try await page in client.listMessages(maxPageSize: 2).byPage { pages.append(page.items) }
            #expect(pages.map(\.count) == [2, 2, 2, 2, 1])
            let all = pages.flatMap { $0 }
            #expect(all.map(\.sequenceId) == (1...9).reversed().map(String.init))
            #expect(Array(all.prefix(7).map(\.id).reversed()) == sent)

            var first: [ChatMessage] = []
            for try await message in client.listMessages(maxPageSize: 2) {
                first.append(message)
                if first.count == 3 { break }
            }
            #expect(first.map(\.sequenceId) == ["9", "8", "7"])

            // startTime is carried over to the next pages.
            let recent = try await client.listMessages(startTime: Date(timeIntervalSince1970: 0), maxPageSize: 4).collect()
            #expect(recent.count == 9)

            let participants = try await client.listParticipants(maxPageSize: 2).collect()
            #expect(Set(participants.map(\.id.rawId)) == Set(others + [aliceId]))
            var participantPages = 0
            for try await _ in client.listParticipants(maxPageSize: 2).byPage { participantPages += 1 }
            #expect(participantPages == 3)

            for index in 0..<4 { _ = try await alice.createChatThread(topic: "More \(index)") }
            var threadPages = 0
            var threads: [ChatThreadItem] = []
            for try await page in alice.listChatThreads(maxPageSize: 2).byPage {
                threadPages += 1
                threads += page.items
            }
            #expect(threadPages == 3)
            #expect(Set(threads.map(\.id)).count == 5)
        }
    }

    @Test func participantsAreAddedListedAndRemoved() async throws {
        try await LiveServer.run { server in
            let (alice, aliceId) = try await newUser(server)
            let (bob, bobId) = try await newUser(server)
            let thread = try await alice.createChatThread(topic: "Team").chatThread
            let client = alice.chatThreadClient(threadId: thread.id)

            let history = Date(timeIntervalSince1970: 1_700_000_000)
            let unknownTeamsUser = MicrosoftTeamsUserIdentifier(userId: UUID().uuidString.lowercased())
            let invalid = try await client.addParticipants([
                ChatParticipant(id: CommunicationUserIdentifier(bobId), displayName: "Bob", shareHistoryTime: history),
                ChatParticipant(id: unknownTeamsUser),
            ])
            #expect(invalid.count == 1)
            #expect(invalid.first?.target == unknownTeamsUser.rawId)
            #expect(invalid.first?.code == "404")

            let participants = try await client.listParticipants().collect()
            #expect(Set(participants.map(\.id.rawId)) == [aliceId, bobId])
            let bobParticipant = try #require(participants.first { $0.id.rawId == bobId })
            #expect(bobParticipant.displayName == "Bob")
            #expect(bobParticipant.shareHistoryTime == history)
            #expect(try await bob.chatThreadClient(threadId: thread.id).getProperties().id == thread.id)

            try await client.removeParticipant(CommunicationUserIdentifier(bobId))
            #expect(try await client.listParticipants().collect().map(\.id.rawId) == [aliceId])
            let error = await #expect(throws: ParleyClientError.self) { try await bob.chatThreadClient(threadId: thread.id).getProperties() }
            #expect(error?.status == 403)
            let removed = try await client.listMessages(maxPageSize: 1).collect().first
            #expect(removed?.type == .participantRemoved)
        }
    }

    @Test func typingAndReadReceipts() async throws {
        try await LiveServer.run { server in
            let (alice, aliceId) = try await newUser(server)
            let (bob, bobId) = try await newUser(server)
            let thread = try await alice.createChatThread(topic: "Receipts", participants: [ChatParticipant(id: CommunicationUserIdentifier(bobId))])
                .chatThread
            let aliceThread = alice.chatThreadClient(threadId: thread.id)
            let bobThread = bob.chatThreadClient(threadId: thread.id)
            try await aliceThread.sendTypingNotification(senderDisplayName: "Alice")
            try await bobThread.sendTypingNotification()
            let first = try await aliceThread.sendMessage(content: "one").id
            let second = try await aliceThread.sendMessage(content: "two").id

            try await bobThread.sendReadReceipt(forMessage: second)
            try await aliceThread.sendReadReceipt(forMessage: first)
            let receipts = try await aliceThread.listReadReceipts(maxPageSize: 1).collect()
            let byReader = Dictionary(uniqueKeysWithValues: receipts.map { ($0.sender.rawId, $0.chatMessageId) })
            #expect(byReader == [aliceId: first, bobId: second])

            let error = await #expect(throws: ParleyClientError.self) { try await bobThread.sendReadReceipt(forMessage: "1") }
            #expect(error?.status == 404)
        }
    }

    @Test func errorsCarryTheServersEnvelope() async throws {
        try await LiveServer.run { server in
            let (alice, _) = try await newUser(server)
            let (mallory, _) = try await newUser(server)
            let thread = try await alice.createChatThread(topic: "Private").chatThread

            let notFound = await #expect(throws: ParleyClientError.self) {
                try await alice.chatThreadClient(threadId: "19:00000000000000000000000000000000@thread.v2").getProperties()
            }
            #expect(notFound?.status == 404)
            #expect(notFound?.code == "NotFound")
            #expect(notFound?.message.isEmpty == false)

            let forbidden = await #expect(throws: ParleyClientError.self) {
                try await mallory.chatThreadClient(threadId: thread.id).sendMessage(content: "let me in")
            }
            #expect(forbidden?.status == 403)
            #expect(forbidden?.code == "Forbidden")

            let invalid = await #expect(throws: ParleyClientError.self) {
                try await alice.chatThreadClient(threadId: thread.id).listMessages(maxPageSize: 500).collect()
            }
            #expect(invalid?.status == 400)
            #expect(invalid?.target == "maxPageSize")
        }
    }

    @Test func anExpiringTokenIsRefreshedBeforeTheRequest() async throws {
        try await LiveServer.run { server in
            let (rawId, token) = try await server.appUser(expiresInMinutes: 60)
            let refreshes = Counter()
            let credential = try CommunicationTokenCredential(
                options: .init(initialToken: token, refreshProactively: true) {
                    refreshes.increment()
                    return try await server.issueToken(for: rawId, expiresInMinutes: 60)
                },
                now: server.now
            )
            let chat = try ChatClient(endpoint: server.endpoint, credential: credential, options: server.chatOptions)
            let thread = try await chat.createChatThread(topic: "Long meeting").chatThread
            #expect(refreshes.count == 0)

            server.advanceClock(by: 55 * 60)
            _ = try await chat.chatThreadClient(threadId: thread.id).sendMessage(content: "still here")
            #expect(refreshes.count == 1)

            // The refreshed token works after the first one expired.
            server.advanceClock(by: 10 * 60)
            #expect(try await chat.chatThreadClient(threadId: thread.id).getProperties().id == thread.id)
            #expect(refreshes.count == 1)
        }
    }

    @Test func anExpiredTokenFailsLocallyOrAtTheServer() async throws {
        try await LiveServer.run { server in
            let (_, token) = try await server.appUser(expiresInMinutes: 60)
            // The credential's clock says the token expired: no request is sent.
            let local = try CommunicationTokenCredential(token: token, now: { server.now().addingTimeInterval(2 * 3600) })
            let localClient = try ChatClient(endpoint: server.endpoint, credential: local, options: server.chatOptions)
            let expired = await #expect(throws: TokenCredentialError.self) { try await localClient.createChatThread(topic: "x") }
            #expect(expired?.code == .tokenExpired)

            // The credential's clock lags the server's: the server refuses with 401.
            let lagging = try CommunicationTokenCredential(token: token, now: { server.now().addingTimeInterval(-2 * 3600) })
            let laggingClient = try ChatClient(endpoint: server.endpoint, credential: lagging, options: server.chatOptions)
            server.advanceClock(by: 61 * 60)
            let refused = await #expect(throws: ParleyClientError.self) { try await laggingClient.createChatThread(topic: "x") }
            #expect(refused?.status == 401)
        }
    }

    @Test func aClientThatWasShutDownFailsAndUntrustedServersAreRefused() async throws {
        try await LiveServer.run { server in
            let (alice, _) = try await newUser(server)
            _ = try await alice.listChatThreads().collect()
            try await alice.shutdown()
            try await alice.shutdown()
            await #expect(throws: (any Error).self) { try await alice.listChatThreads().collect() }

            let (_, token) = try await server.appUser()
            let untrusting = try ChatClient(
                endpoint: server.endpoint,
                credential: try CommunicationTokenCredential(token: token),
                options: .init(timeout: .seconds(1))
            )
            await #expect(throws: (any Error).self) { try await untrusting.listChatThreads().collect() }
            #expect(throws: (any Error).self) {
                try ChatClient(
                    endpoint: server.endpoint,
                    credential: try CommunicationTokenCredential(token: token),
                    options: .init(caCertificatePath: "/nonexistent/ca.pem")
                )
            }
        }
    }
}
