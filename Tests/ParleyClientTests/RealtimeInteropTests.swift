import Foundation
import ParleyAPI
import Testing

@testable import ParleyClient

/// An app user and a Teams user in one chat, each through their own API and the SDK, each
/// hearing the other's changes in real time.
@Suite struct RealtimeInteropTests {
    @Test func anAppUserAndATeamsUserHearEachOtherInRealTime() async throws {
        try await LiveServer.run { server in
            let (adele, teams) = try await server.teamsClient(0)
            let megan = server.person(2)
            let (appUserId, chat) = try await server.chatClient()

            let appSide = NotificationListener(chat.notifications())
            let teamsSide = NotificationListener(teams.notifications())
            await appSide.connected()
            await teamsSide.connected()

            // The app user starts a chat with Adele; both hear of it.
            let created = try await chat.createChatThread(
                topic: "Support",
                participants: [ChatParticipant(id: MicrosoftTeamsUserIdentifier(userId: adele.objectId), displayName: "Adele")]
            )
            let threadId = created.chatThread.id
            let thread = chat.chatThreadClient(threadId: threadId)
            for side in [appSide, teamsSide] {
                let event = await side.next { if case .chatThreadCreated(let created) = $0 { created.threadId == threadId } else { false } }
                guard case .chatThreadCreated(let created) = event else { continue }
                #expect(created.createdBy.id.rawId == appUserId)
                #expect(Set(created.participants.map(\.id.rawId)) == [appUserId, adele.rawId])
            }

            // Messages, both ways, with identifiers in the ACS shape.
            let question = try await thread.sendMessage(content: "My order is late", senderDisplayName: "Customer")
            let heardByAdele = await teamsSide.next { if case .chatMessageReceived(let message) = $0 { message.id == question.id } else { false } }
            if case .chatMessageReceived(let message) = heardByAdele {
                #expect(message.message == "My order is late")
                #expect(message.senderDisplayName == "Customer")
                #expect(message.sender?.kind == "communicationUser")
                #expect(message.sender?.communicationUser?.id == appUserId)
                #expect(message.recipient?.microsoftTeamsUser?.userId == adele.objectId)
            }
            let answer = try await teams.sendMessage("Looking into it", chatId: threadId)
            let heardByApp = await appSide.next { if case .chatMessageReceived(let message) = $0 { message.id == answer.id } else { false } }
            if case .chatMessageReceived(let message) = heardByApp {
                #expect(message.message == "Looking into it")
                #expect(message.sender?.microsoftTeamsUser?.userId == adele.objectId)
                #expect(message.senderDisplayName == adele.displayName)
                #expect(message.recipient?.rawId == appUserId)
            }

            // Edits and deletions, both ways.
            try await teams.editMessage(answer.id, content: "Found it", chatId: threadId)
            let edited = await appSide.next { if case .chatMessageEdited(let message) = $0 { message.id == answer.id } else { false } }
            if case .chatMessageEdited(let message) = edited {
                #expect(message.message == "Found it")
                #expect(message.editedOn != nil)
            }
            try await thread.updateMessage(question.id, content: "My order is very late")
            let editedByApp = await teamsSide.next { if case .chatMessageEdited(let message) = $0 { message.id == question.id } else { false } }
            if case .chatMessageEdited(let message) = editedByApp { #expect(message.message == "My order is very late") }
            try await teams.softDeleteMessage(answer.id, chatId: threadId)
            _ = await appSide.next { if case .chatMessageDeleted(let message) = $0 { message.id == answer.id } else { false } }
            try await thread.deleteMessage(question.id)
            _ = await teamsSide.next { if case .chatMessageDeleted(let message) = $0 { message.id == question.id } else { false } }

            // Typing, both ways (ephemeral: nobody hears their own).
            try await teams.sendTypingIndicator(chatId: threadId)
            let typing = await appSide.next { if case .typingIndicatorReceived = $0 { true } else { false } }
            if case .typingIndicatorReceived(let event) = typing { #expect(event.sender.rawId == adele.rawId) }
            try await thread.sendTypingNotification(senderDisplayName: "Customer")
            let appTyping = await teamsSide.next { if case .typingIndicatorReceived = $0 { true } else { false } }
            if case .typingIndicatorReceived(let event) = appTyping {
                #expect(event.sender.rawId == appUserId)
                #expect(event.senderDisplayName == "Customer")
            }
            #expect(
                await !teamsSide.events.contains {
                    if case .typingIndicatorReceived(let event) = $0 { event.sender.rawId == adele.rawId } else { false }
                }
            )

            // Read receipts, both ways.
            let latest = try await thread.sendMessage(content: "Thanks")
            try await teams.markChatReadForUser(chatId: threadId)
            let adeleRead = await appSide.next {
                if case .readReceiptReceived(let receipt) = $0 { receipt.sender.rawId == adele.rawId } else { false }
            }
            if case .readReceiptReceived(let receipt) = adeleRead { #expect(receipt.chatMessageId == latest.id) }
            try await thread.sendReadReceipt(forMessage: latest.id)
            _ = await teamsSide.next { if case .readReceiptReceived(let receipt) = $0 { receipt.sender.rawId == appUserId } else { false } }

            // Participants: Adele adds and removes a colleague; the app user hears both.
            _ = try await teams.addMember(ChatParticipant(id: MicrosoftTeamsUserIdentifier(userId: megan.objectId)), chatId: threadId)
            let added = await appSide.next { if case .participantsAdded = $0 { true } else { false } }
            if case .participantsAdded(let event) = added {
                #expect(event.participantsAdded.map(\.id.rawId) == [megan.rawId])
                #expect(event.addedBy.id.rawId == adele.rawId)
            }
            try await teams.removeMember(MicrosoftTeamsUserIdentifier(userId: megan.objectId), chatId: threadId)
            _ = await appSide.next {
                if case .participantsRemoved(let event) = $0 { event.participantsRemoved.map(\.id.rawId) == [megan.rawId] } else { false }
            }

            // The app user deletes the chat: Adele is removed from it (rule C3), hears of the
            // deletion, and nothing more of that chat.
            try await chat.deleteChatThread(threadId: threadId)
            _ = await teamsSide.next { if case .chatThreadDeleted(let event) = $0 { event.threadId == threadId } else { false } }
            let marker = try await chat.createChatThread(
                topic: "Marker",
                participants: [ChatParticipant(id: MicrosoftTeamsUserIdentifier(userId: adele.objectId))]
            )
            _ = await teamsSide.next { if case .chatThreadCreated(let event) = $0 { event.threadId == marker.chatThread.id } else { false } }
            let afterDeletion = await teamsSide.events.drop { if case .chatThreadDeleted = $0 { false } else { true } }.dropFirst()
            #expect(afterDeletion.allSatisfy { $0.threadId != threadId })

            appSide.stop()
            teamsSide.stop()
            try await chat.shutdown()
            try await teams.shutdown()
        }
    }
}
