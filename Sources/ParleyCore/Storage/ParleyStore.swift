import Foundation

/// Everything Parley persists, at use-case granularity: each method is one atomic operation,
/// and a method that changes state commits the given domain events in the same transaction.
///
/// Implemented by `ParleySQLite` (the embedded default, also used in-memory) and later by
/// `ParleyPostgres`; one conformance suite runs against every implementation.
public protocol ParleyStore: ChatStore, DirectoryStore, CallStore, RoleAssignmentStore, SignInStore, WebAppStore, EventSubscriptionStore {
    // MARK: Server secrets

    /// The secret stored under `name`, inserting `makeValue()` first if there is none. Atomic:
    /// concurrent callers all get the same value.
    func secret(named name: String, orInsert makeValue: @escaping @Sendable () -> String) async throws -> String

    // MARK: Communication resources

    /// Inserts a resource; throws ``ParleyError/Code/conflict`` if the name is taken.
    func insertResource(_ resource: CommunicationResource, event: DomainEvent) async throws
    /// Every resource, oldest first.
    func resources() async throws -> [CommunicationResource]
    func resource(named name: String) async throws -> CommunicationResource?
    func resource(immutableId: UUID) async throws -> CommunicationResource?
    /// Replaces one key of the named resource and returns the updated resource, or nil if there
    /// is no such resource.
    func replaceKey(_ kind: AccessKeyKind, of name: String, with key: String, event: DomainEvent) async throws -> CommunicationResource?

    // MARK: App users

    func insertUser(_ user: AcsUser, event: DomainEvent) async throws
    func user(rawId: String) async throws -> AcsUser?
    /// Bumps the user's token generation; returns the updated user, or nil if it does not exist.
    func revokeTokens(of rawId: String, event: DomainEvent) async throws -> AcsUser?
    /// Deletes the user; returns whether it existed.
    func deleteUser(_ rawId: String, event: DomainEvent) async throws -> Bool

    // MARK: Events

    /// Committed events after `position`, oldest first, at most `limit`.
    func events(after position: Int64, limit: Int) async throws -> [RecordedEvent]
    /// The first and last positions still in the event log (nil when it is empty).
    func eventLogBounds() async throws -> EventLogBounds?
    /// Deletes events that occurred before `cutoff`, oldest first, at most `limit` of them; the
    /// latest event always stays (positions never go back), and so does every event after the
    /// cursor of an active event subscription. Returns how many were deleted.
    func pruneEvents(before cutoff: Date, limit: Int) async throws -> Int
    /// Notified after every committed write, so the event log can be tailed without polling.
    var commits: CommitNotifier { get }
}

/// The range of positions the event log still holds.
public struct EventLogBounds: Sendable, Equatable {
    public var first: Int64
    public var last: Int64
    public init(first: Int64, last: Int64) {
        self.first = first
        self.last = last
    }
}

extension ParleyStore {
    /// The resource called `name`, or whose immutable id `name` is.
    public func resource(nameOrImmutableId name: String) async throws -> CommunicationResource? {
        if let resource = try await resource(named: name) { return resource }
        guard let id = UUID(uuidString: name) else { return nil }
        return try await resource(immutableId: id)
    }
}
