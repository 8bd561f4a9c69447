import Foundation
import NIOHTTP1
import NIOSSL
import ParleyAPI

/// The ACS Chat API for an app user: creates, lists and deletes threads, and hands out a
/// ``ChatThreadClient`` per thread, as `ChatClient` does in the ACS SDKs.
///
/// ```swift
/// let credential = try CommunicationTokenCredential(token: token)
/// let chat = try ChatClient(endpoint: URL(string: "https://127.0.0.1:8443/")!, credential: credential,
///                           options: .init(caCertificatePath: ".parley/ca.pem"))
/// let thread = try await chat.createChatThread(topic: "Hello").chatThread
/// try await chat.chatThreadClient(threadId: thread.id).sendMessage(content: "first!")
/// ```
///
/// The client and its thread clients share one connection pool, closed by ``shutdown()`` or
/// when the last of them goes away.
public final class ChatClient: Sendable {
    /// The server, with a trailing slash.
    let endpoint: URL
    let credential: CommunicationTokenCredential
    let options: ChatClientOptions
    private let transport: HTTPTransport
    private let rest: BearerClient

    /// - Parameters:
    ///   - endpoint: the server, e.g. `https://127.0.0.1:8443/`.
    ///   - credential: the app user's access token.
    ///   - options: whom to trust, or which `HTTPClient` to use.
    /// - Throws: when the CA file cannot be read.
    public init(endpoint: URL, credential: CommunicationTokenCredential, options: ChatClientOptions = .init()) throws {
        self.transport = try options.makeTransport()
        self.rest = BearerClient(endpoint: endpoint, transport: transport, apiVersion: options.apiVersion) {
            try await credential.token().token
        }
        self.endpoint = rest.endpoint
        self.credential = credential
        self.options = options
    }

    /// The TLS settings of this client's requests, for connections made alongside them.
    var tlsConfiguration: TLSConfiguration { transport.tlsConfiguration }

    /// Closes the connection pool the client created (not an `HTTPClient` passed in options).
    /// Thread clients made by this client stop working too.
    public func shutdown() async throws {
        try await transport.shutdown()
    }

    /// A client for one thread, sharing this client's connections and credential.
    public func chatThreadClient(threadId: String) -> ChatThreadClient {
        ChatThreadClient(threadId: threadId, rest: rest)
    }

    /// Creates a thread with the caller and `participants`.
    ///
    /// - Parameters:
    ///   - idempotencyToken: sent as `repeatability-request-id`: repeating a create with the same
    ///     token returns the same thread. A new token is made when nil.
    /// - Returns: the thread, and the participants that could not join (the thread is created
    ///   with the others).
    public func createChatThread(
        topic: String,
        participants: [ChatParticipant] = [],
        idempotencyToken: String? = nil
    ) async throws -> ChatThreadCreationResult {
        let result = try await rest.json(
            .POST,
            rest.url("chat/threads"),
            body: CreateChatThreadRequest(topic: topic, participants: participants.map(\.model)),
            headers: [("repeatability-request-id", idempotencyToken ?? UUID().uuidString.lowercased())],
            as: CreateChatThreadResult.self
        )
        return ChatThreadCreationResult(
            chatThread: try ChatThreadProperties(result.chatThread),
            invalidParticipants: (result.invalidParticipants ?? []).map(ChatError.init)
        )
    }

    /// The threads the caller is in, most recently active first; deleted ones carry `deletedOn`.
    ///
    /// - Parameters:
    ///   - startTime: only threads with a message at or after it.
    ///   - maxPageSize: threads per request (1–200).
    public func listChatThreads(startTime: Date? = nil, maxPageSize: Int? = nil) -> PagedAsyncSequence<ChatThreadItem> {
        rest.paged(
            "chat/threads",
            query: [("startTime", startTime.map(WireTimestamp.rfc3339Milliseconds)), ("maxPageSize", maxPageSize.map(String.init))],
            item: ChatThreadItem.init
        )
    }

    /// Deletes a thread for everyone.
    public func deleteChatThread(threadId: String) async throws {
        try await rest.send(.DELETE, rest.url("chat/threads/\(URLEscaping.escape(threadId))"))
    }
}

extension BearerClient {
    /// A list of the ACS Chat API (`{"value", "nextLink"}`), its items converted by `item`.
    func paged<Model: Codable & Sendable & Equatable, Element: Sendable>(
        _ path: String,
        query: [(String, String?)],
        item: @escaping @Sendable (Model) throws -> Element
    ) -> PagedAsyncSequence<Element> {
        let firstURL = url(path, query: query)
        return PagedAsyncSequence { [self] nextLink in
            let pageURL = try nextLink.map { try resolve(link: $0) } ?? firstURL
            let page = try await json(.GET, pageURL, as: PageModel<Model>.self)
            return .init(items: try page.value.map(item), nextLink: page.nextLink)
        }
    }
}
