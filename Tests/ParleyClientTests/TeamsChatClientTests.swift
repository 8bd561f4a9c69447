import Foundation
import ParleyAPI
import Testing

@testable import ParleyClient

/// The organization flavour: a Teams user signed in through ``OrgSignIn`` chats with an app user
/// in one thread, each through their own API.
@Suite struct TeamsChatClientTests {
    @Test func aTeamsUserAndAnAppUserChatInOneThread() async throws {
        try await LiveServer.run { server in
            // Adele signs in as MSAL would, then chats through the Graph-shaped API.
            let (adele, teams) = try await server.teamsClient(0)
            let megan = server.person(2)
            #expect(try await teams.me().rawId == adele.rawId)

            // The app user starts a thread with Adele.
            let (appUserId, chat) = try await server.chatClient()
            let created = try await chat.createChatThread(
                topic: "Support",
                participants: [ChatParticipant(id: MicrosoftTeamsUserIdentifier(userId: adele.objectId))]
            )
            #expect(created.invalidParticipants.isEmpty)
            let threadId = created.chatThread.id
            let thread = chat.chatThreadClient(threadId: threadId)

            let chats = try await teams.listChats().collect()
            #expect(chats.map(\.id) == [threadId])
            #expect(chats.first?.topic == "Support")
            #expect(try await teams.getChat(threadId).chatType == .group)
            let members = try await teams.listMembers(chatId: threadId)
            #expect(Set(members.map(\.id.rawId)) == [adele.rawId, appUserId])
            #expect(members.first { $0.id.rawId == appUserId }?.id is CommunicationUserIdentifier)

            // Each sees the other's messages.
            let question = try await thread.sendMessage(content: "My order is late", senderDisplayName: "Customer")
            let seenByAdele = try await teams.listMessages(chatId: threadId).collect()
            let fromApp = try #require(seenByAdele.first)
            #expect(fromApp.id == question.id)
            #expect(fromApp.content == "My order is late")
            #expect(fromApp.sender?.rawId == appUserId)
            #expect(fromApp.sender is CommunicationUserIdentifier)

            let answer = try await teams.sendMessage("Looking into it", chatId: threadId)
            #expect(answer.sender?.rawId == adele.rawId)
            let seenByApp = try await thread.getMessage(answer.id)
            #expect(seenByApp.content?.message == "Looking into it")
            let sender = try #require(seenByApp.sender as? MicrosoftTeamsUserIdentifier)
            #expect(sender.userId == adele.objectId)
            #expect(seenByApp.senderDisplayName == adele.displayName)

            try await teams.editMessage(answer.id, content: "Found it", chatId: threadId)
            #expect(try await thread.getMessage(answer.id).content?.message == "Found it")
            #expect(try await teams.getMessage(answer.id, chatId: threadId).editedOn != nil)
            try await teams.softDeleteMessage(answer.id, chatId: threadId)
            #expect(try await thread.getMessage(answer.id).deletedOn != nil)

            // Paging over the Graph list (2 system messages + 2).
            var pages = 0
            for try await _ in teams.listMessages(chatId: threadId, maxPageSize: 1).byPage { pages += 1 }
            #expect(pages == 4)

            // Read state and typing.
            try await teams.sendTypingIndicator(chatId: threadId)
            try await teams.markChatReadForUser(chatId: threadId)
            try await thread.sendReadReceipt(forMessage: question.id)
            let receipts = try await teams.listReadReceipts(chatId: threadId)
            #expect(Set(receipts.map(\.sender.rawId)) == [adele.rawId, appUserId])
            let appReceipts = try await thread.listReadReceipts().collect()
            #expect(appReceipts.contains { $0.sender.rawId == adele.rawId })

            // Members: Adele adds and removes a colleague.
            let added = try await teams.addMember(ChatParticipant(id: MicrosoftTeamsUserIdentifier(userId: megan.objectId)), chatId: threadId)
            #expect(added.id.rawId == megan.rawId)
            #expect(Set(try await thread.listParticipants().collect().map(\.id.rawId)) == [adele.rawId, appUserId, megan.rawId])
            try await teams.removeMember(MicrosoftTeamsUserIdentifier(userId: megan.objectId), chatId: threadId)
            #expect(Set(try await teams.listMembers(chatId: threadId).map(\.id.rawId)) == [adele.rawId, appUserId])

            // A chat of Teams users only; the caller is added by the SDK.
            let group = try await teams.createChat(type: .group, topic: "Colleagues", members: [MicrosoftTeamsUserIdentifier(userId: megan.objectId)])
            #expect(group.topic == "Colleagues")
            #expect(Set(try await teams.listMembers(chatId: group.id).map(\.id.rawId)) == [adele.rawId, megan.rawId])
            let oneOnOne = try await teams.createChat(type: .oneOnOne, members: [MicrosoftTeamsUserIdentifier(userId: megan.objectId)])
            #expect(oneOnOne.chatType == .oneOnOne)
            #expect(try await teams.listChats(maxPageSize: 1).collect().count == 3)

            let notMember = await #expect(throws: ParleyClientError.self) {
                try await teams.removeMember(MicrosoftTeamsUserIdentifier(userId: megan.objectId), chatId: threadId)
            }
            #expect(notMember?.status == 404)
        }
    }

    @Test func signInFailuresAndAppTokensAreReported() async throws {
        try await LiveServer.run { server in
            let adele = try await server.givePassword(to: 0)
            let (clientId, secret) = try await server.registerApp()
            let signIn = try OrgSignIn(endpoint: server.endpoint, tenant: server.tenantId, clientId: clientId, options: server.chatOptions)

            let refused = await #expect(throws: ParleyClientError.self) {
                try await signIn.signIn(username: adele.userPrincipalName, password: "wrong password")
            }
            #expect(refused?.status == 400)
            #expect(refused?.code == "invalid_grant")

            // The app signs in with its secret; app tokens cannot chat.
            let appToken = try await signIn.signIn(clientSecret: secret)
            #expect(appToken.idToken == nil)
            #expect(appToken.expiresOn > server.now())
            let teams = try TeamsChatClient(
                endpoint: server.endpoint,
                credential: try CommunicationTokenCredential(token: appToken.accessToken),
                options: server.chatOptions
            )
            let forbidden = await #expect(throws: ParleyClientError.self) { try await teams.listChats().collect() }
            #expect(forbidden?.status == 403)

            let badSecret = await #expect(throws: ParleyClientError.self) { try await signIn.signIn(clientSecret: "nope") }
            #expect(badSecret?.status == 401)
            #expect(badSecret?.code == "invalid_client")
            try await signIn.shutdown()
        }
    }
}
