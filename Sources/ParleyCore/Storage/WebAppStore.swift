import Foundation

/// The part of the store behind Parley's web app backend: which resources serve it, and the
/// sessions of visitors who joined by name.
public protocol WebAppStore: Sendable {
    /// Turns the resource's web app backend on or off; nil if there is no such resource.
    func setWebAppEnabled(_ enabled: Bool, of name: String, event: DomainEvent) async throws -> CommunicationResource?

    /// Creates the visitor's app user and its session in one transaction.
    func insertWebVisitor(_ visitor: WebVisitor, user: AcsUser, sessionHash: String, events: [DomainEvent]) async throws
    /// The visitor whose session key hashes to `sessionHash`, if the session and the app user exist.
    func webVisitor(sessionHash: String) async throws -> WebVisitor?
    /// Ends a visitor's session (the app user stays); false if there was none.
    func endWebVisitorSession(hash: String, event: DomainEvent) async throws -> Bool
}
