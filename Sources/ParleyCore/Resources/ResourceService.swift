import Foundation

/// The operator's use cases for communication resources.
public struct ResourceService: Sendable {
    /// The name of the resource created on first start.
    public static let defaultResourceName = "default"

    private let store: any ParleyStore
    private let clock: any WallClock
    private let ids: any IdentifierGenerator

    public init(store: any ParleyStore, clock: any WallClock, ids: any IdentifierGenerator = RandomIdentifierGenerator()) {
        self.store = store
        self.clock = clock
        self.ids = ids
    }

    /// Creates a resource with a fresh immutable id and two fresh keys.
    public func create(name: String) async throws -> CommunicationResource {
        guard CommunicationResource.isValidName(name) else {
            throw ParleyError(
                .validation,
                "Resource name '\(name)' is invalid: use 1-63 characters a-z, 0-9 and '-', not starting with '-'.",
                target: "name"
            )
        }
        let resource = CommunicationResource(
            name: name,
            immutableId: ids.uuid(),
            primaryKey: SecretGenerator.base64Secret(),
            secondaryKey: SecretGenerator.base64Secret(),
            createdAt: clock.now()
        )
        try await store.insertResource(resource, event: event(.resourceCreated, resource))
        return resource
    }

    /// The default resource, created if this is the first start.
    public func ensureDefault() async throws -> CommunicationResource {
        if let existing = try await store.resource(named: Self.defaultResourceName) { return existing }
        do {
            return try await create(name: Self.defaultResourceName)
        } catch let error as ParleyError where error.code == .conflict {
            return try await resource(named: Self.defaultResourceName)
        }
    }

    public func list() async throws -> [CommunicationResource] {
        try await store.resources()
    }

    /// The resource called `name` (or with that immutable id), or a 404.
    public func resource(named name: String) async throws -> CommunicationResource {
        guard let resource = try await find(named: name) else { throw ParleyError(.notFound, "Resource '\(name)' was not found.", target: "name") }
        return resource
    }

    /// The resource called `name` (or with that immutable id), or nil.
    public func find(named name: String) async throws -> CommunicationResource? {
        try await store.resource(nameOrImmutableId: name)
    }

    /// Replaces one access key with a fresh one; requests signed with the old key fail from now on.
    public func regenerateKey(_ kind: AccessKeyKind, of name: String) async throws -> CommunicationResource {
        let resource = try await resource(named: name)
        let event = event(.resourceKeyRegenerated, resource, data: ["key": kind.rawValue])
        guard let updated = try await store.replaceKey(kind, of: resource.name, with: SecretGenerator.base64Secret(), event: event) else {
            throw ParleyError(.notFound, "Resource '\(name)' was not found.", target: "name")
        }
        return updated
    }

    private func event(_ kind: DomainEvent.Kind, _ resource: CommunicationResource, data: [String: String] = [:]) -> DomainEvent {
        DomainEvent(kind: kind, resourceId: resource.immutableIdString, subject: resource.name, occurredAt: clock.now(), data: data)
    }
}
