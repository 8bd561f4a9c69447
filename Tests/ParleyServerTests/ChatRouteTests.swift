import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore
import ParleyAPI
import ParleyCore
import Testing

@testable import ParleyServer

/// What the chat contract says of requests themselves, through the router: required bodies,
/// int32 query parameters, and removing a participant who is not there.
@Suite struct ChatRouteTests {
    static let version = "api-version=2024-03-07"

    /// A user's token and a thread they created with `others` (raw ids) in it.
    func thread(_ fixture: ServerFixture, with others: [String] = []) async throws -> (token: String, threadId: String) {
        let (user, token) = try await fixture.environment.identities.createUser(in: fixture.resource, tokenScopes: ["chat"], expiresInMinutes: nil)
        let caller = ChatCaller(rawId: user.rawId, home: .resource(fixture.resource.immutableId), scopes: [.chat])
        let (thread, _) = try await fixture.environment.chat.createThread(
            by: caller,
            topic: "t",
            participants: others.map { ChatParticipant(rawId: $0) },
            idempotencyKey: nil
        )
        return (try #require(token).token, thread.id)
    }

    @Test func patchingAThreadOrAMessageNeedsABody() async throws {
        let fixture = try await ServerFixture()
        let (token, threadId) = try await thread(fixture)
        try await fixture.application().test(.router) { client in
            let thread = "/chat/threads/\(PercentEncoding.encode(threadId))"
            let sent = try await client.bearer(.post, "\(thread)/messages?\(Self.version)", token: token, body: #"{"content": "hi"}"#)
            let messageId = try sent.decode(SendChatMessageResult.self).id
            for path in [thread, "\(thread)/messages/\(messageId)"] {
                let empty = try await client.bearer(.patch, "\(path)?\(Self.version)", token: token)
                #expect(empty.status == .badRequest, "\(path)")
                #expect(empty.errorCode == "BadRequest")
            }
            // Nothing changed; with a body, both work.
            #expect(try await client.bearer(.patch, "\(thread)?\(Self.version)", token: token, body: #"{"topic": "new"}"#).status == .noContent)
            let edited = try await client.bearer(
                .patch,
                "\(thread)/messages/\(messageId)?\(Self.version)",
                token: token,
                body: #"{"content": "hello"}"#
            )
            #expect(edited.status == .noContent)
        }
    }

    @Test(arguments: ["skip", "maxPageSize"])
    func int32QueryParametersRefuseLargerValuesNamingThem(parameter: String) async throws {
        let fixture = try await ServerFixture()
        let (token, threadId) = try await thread(fixture)
        try await fixture.application().test(.router) { client in
            let participants = "/chat/threads/\(PercentEncoding.encode(threadId))/participants"
            for value in ["4398046511104", "2147483648", "-2147483649", "99999999999999999999999"] {
                let response = try await client.bearer(.get, "\(participants)?\(parameter)=\(value)&\(Self.version)", token: token)
                #expect(response.status == .badRequest, "\(parameter)=\(value)")
                #expect(try response.decode(CommunicationErrorResponse.self).error.target == parameter)
            }
        }
        // The largest int32 is a valid skip: past the end, an empty page.
        try await fixture.application().test(.router) { client in
            let response = try await client.bearer(
                .get,
                "/chat/threads/\(PercentEncoding.encode(threadId))/participants?skip=2147483647&\(Self.version)",
                token: token
            )
            #expect(response.status == .ok)
            #expect(try response.decode(PageModel<ChatParticipantModel>.self).value.isEmpty)
        }
    }

    @Test func removingAParticipantWhoIsNotThereIs204() async throws {
        let fixture = try await ServerFixture()
        let (bob, _) = try await fixture.environment.identities.createUser(in: fixture.resource, tokenScopes: nil, expiresInMinutes: nil)
        let (token, threadId) = try await thread(fixture)
        try await fixture.application().test(.router) { client in
            let remove = "/chat/threads/\(PercentEncoding.encode(threadId))/participants/:remove?\(Self.version)"
            let body = #"{"communicationUser": {"id": "\#(bob.rawId)"}, "rawId": "\#(bob.rawId)"}"#
            #expect(try await client.bearer(.post, remove, token: token, body: body).status == .noContent)
            #expect(try await client.bearer(.post, remove, token: token, body: body).status == .noContent)
            let malformed = try await client.bearer(.post, remove, token: token, body: #"{"rawId": "8:acs:fakeid"}"#)
            #expect(malformed.status == .badRequest)
            #expect(malformed.errorCode == "InvalidIdentifier")
        }
    }
}
