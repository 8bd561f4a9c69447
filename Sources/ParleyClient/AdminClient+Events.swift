import NIOHTTP1
import ParleyAPI

extension AdminClient {
    /// The event subscriptions of a resource.
    public func eventSubscriptions(of resource: String) async throws -> [EventSubscriptionModel] {
        try await send(.GET, Self.subscriptionsPath(resource), as: EventSubscriptionList.self).value
    }

    /// Creates a subscription (its validation handshake runs before this returns).
    public func createEventSubscription(in resource: String, _ request: EventSubscriptionRequest) async throws -> EventSubscriptionModel {
        try await send(.POST, Self.subscriptionsPath(resource), body: request, as: EventSubscriptionModel.self)
    }

    public func eventSubscription(_ name: String, of resource: String) async throws -> EventSubscriptionModel {
        try await send(.GET, Self.subscriptionsPath(resource) + "/" + Self.escape(name), as: EventSubscriptionModel.self)
    }

    /// Updates a subscription: the sections given replace the current ones (docs/events.md).
    public func updateEventSubscription(
        _ name: String,
        of resource: String,
        _ request: EventSubscriptionRequest
    ) async throws -> EventSubscriptionModel {
        try await send(.PATCH, Self.subscriptionsPath(resource) + "/" + Self.escape(name), body: request, as: EventSubscriptionModel.self)
    }

    public func deleteEventSubscription(_ name: String, of resource: String) async throws {
        try await send(.DELETE, Self.subscriptionsPath(resource) + "/" + Self.escape(name))
    }

    /// The subscription's dead-lettered events, newest first.
    public func deadLetters(of name: String, in resource: String, top: Int? = nil) async throws -> [JSONValue] {
        let query = top.map { "?top=\($0)" } ?? ""
        return try await send(.GET, Self.subscriptionsPath(resource) + "/" + Self.escape(name) + "/deadLetters" + query, as: DeadLetterList.self)
            .value
    }

    public func purgeDeadLetters(of name: String, in resource: String) async throws {
        try await send(.DELETE, Self.subscriptionsPath(resource) + "/" + Self.escape(name) + "/deadLetters")
    }

    private static func subscriptionsPath(_ resource: String) -> String {
        "/admin/resources/\(escape(resource))/eventSubscriptions"
    }
}
