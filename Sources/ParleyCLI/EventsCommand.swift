import ArgumentParser
import Foundation
import ParleyAPI
import ParleyClient

/// `parley events …`: Event Grid-style event subscriptions of a resource, and their dead letters.
struct EventsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "events",
        abstract: "Manage event subscriptions (webhooks for chat and calling events) of a running Parley server.",
        discussion: "See docs/events.md for the events, the payloads and the delivery rules.",
        subcommands: [List.self, Create.self, Show.self, Update.self, Delete.self, DeadLetters.self, PurgeDeadLetters.self]
    )

    /// The resource whose subscriptions a command manages.
    struct ResourceOption: ParsableArguments {
        @Option(help: "The resource name or immutable id.") var resource: String = "default"
    }

    /// The subscription settings a create or an update gives.
    struct Settings: ParsableArguments {
        @Option(help: "The webhook URL (https; http only if the server allows it).") var endpoint: String?
        @Option(help: "eventgrid (default) or cloudevents.") var schema: String?
        @Option(
            name: .customLong("event-type"),
            help: "An event type to include (repeat; default every type), e.g. Microsoft.Communication.ChatMessageReceived."
        )
        var eventTypes: [String] = []
        @Option(help: "Only events whose subject begins with this.") var subjectBeginsWith: String?
        @Option(help: "Only events whose subject ends with this.") var subjectEndsWith: String?
        @Flag(help: "Compare subjects case-sensitively.") var caseSensitiveSubject = false
        @Option(
            name: .customLong("advanced-filter"),
            help: "An advanced filter as JSON (repeat), e.g. '{\"operatorType\":\"StringIn\",\"key\":\"data.threadId\",\"values\":[\"19:…\"]}'."
        )
        var advancedFilters: [String] = []
        @Option(help: "Events per delivery, 1-5000 (1: no batching).") var maxEventsPerBatch: Int?
        @Option(help: "Preferred batch size in KB, 1-1024.") var preferredBatchSizeKb: Int?
        @Option(help: "Delivery attempts before dead-lettering, 1-30.") var maxDeliveryAttempts: Int?
        @Option(help: "Event time to live in minutes, 1-1440.") var ttlMinutes: Int?
        @Option(name: .customLong("header"), help: "A delivery header 'Name=value' (repeat, at most 10); 'Name=value;secret' hides the value.")
        var headers: [String] = []
        @Option(help: "Entra-authenticated delivery: the tenant id of the webhook's app registration.") var aadTenant: String?
        @Option(help: "Entra-authenticated delivery: the app id or application id URI (the token's audience).") var aadApp: String?
        @Option(help: "A JSON file with the whole request body instead (docs/events.md).") var json: String?

        func request(name: String?) throws -> EventSubscriptionRequest {
            if let json {
                var body = try ParleyJSON.decoder().decode(EventSubscriptionRequest.self, from: Data(contentsOf: URL(fileURLWithPath: json)))
                if body.name == nil { body.name = name }
                return body
            }
            var request = EventSubscriptionRequest(name: name)
            let mappings = try headers.map { text -> DeliveryAttributeMappingModel in
                guard let equals = text.firstIndex(of: "=") else { throw ValidationError("--header takes Name=value, not '\(text)'.") }
                var value = String(text[text.index(after: equals)...])
                let secret = value.hasSuffix(";secret")
                if secret { value.removeLast(";secret".count) }
                return DeliveryAttributeMappingModel(name: String(text[..<equals]), properties: .init(value: value, isSecret: secret))
            }
            if endpoint != nil || maxEventsPerBatch != nil || preferredBatchSizeKb != nil || !mappings.isEmpty || aadTenant != nil || aadApp != nil {
                request.destination = WebhookDestinationModel(
                    endpointUrl: endpoint,
                    maxEventsPerBatch: maxEventsPerBatch,
                    preferredBatchSizeInKilobytes: preferredBatchSizeKb,
                    azureActiveDirectoryTenantId: aadTenant,
                    azureActiveDirectoryApplicationIdOrUri: aadApp,
                    deliveryAttributeMappings: mappings.isEmpty ? nil : mappings
                )
            }
            if let schema {
                switch schema.lowercased() {
                case "eventgrid", "eventgridschema": request.eventDeliverySchema = "EventGridSchema"
                case "cloudevents", "cloudeventschemav1_0": request.eventDeliverySchema = "CloudEventSchemaV1_0"
                default: throw ValidationError("--schema is eventgrid or cloudevents.")
                }
            }
            if !eventTypes.isEmpty || subjectBeginsWith != nil || subjectEndsWith != nil || caseSensitiveSubject || !advancedFilters.isEmpty {
                request.filter = EventSubscriptionFilterModel(
                    includedEventTypes: eventTypes.isEmpty ? nil : eventTypes,
                    subjectBeginsWith: subjectBeginsWith,
                    subjectEndsWith: subjectEndsWith,
                    isSubjectCaseSensitive: caseSensitiveSubject,
                    advancedFilters: try advancedFilters.isEmpty
                        ? nil : advancedFilters.map { try ParleyJSON.decoder().decode(AdvancedFilterModel.self, from: Data($0.utf8)) }
                )
            }
            if maxDeliveryAttempts != nil || ttlMinutes != nil {
                request.retryPolicy = RetryPolicyModel(maxDeliveryAttempts: maxDeliveryAttempts, eventTimeToLiveInMinutes: ttlMinutes)
            }
            return request
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List a resource's event subscriptions.")
        @OptionGroup var server: ServerOptions
        @OptionGroup var scope: ResourceOption

        func run() async throws {
            try await server.withClient { client in
                for subscription in try await client.eventSubscriptions(of: scope.resource) {
                    let endpoint = subscription.destination.endpointUrl ?? ""
                    print("\(subscription.name)\t\(subscription.provisioningState)\t\(subscription.eventDeliverySchema)\t\(endpoint)")
                }
            }
        }
    }

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Create a subscription; its endpoint is validated before this returns.")
        @OptionGroup var server: ServerOptions
        @OptionGroup var scope: ResourceOption
        @Argument(help: "The subscription name (3-64 letters, digits, '-').") var name: String
        @OptionGroup var settings: Settings

        func run() async throws {
            let request = try settings.request(name: name)
            try await server.withClient { client in try printJSON(await client.createEventSubscription(in: scope.resource, request)) }
        }
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show a subscription and how its delivery is going.")
        @OptionGroup var server: ServerOptions
        @OptionGroup var scope: ResourceOption
        @Argument(help: "The subscription name.") var name: String

        func run() async throws {
            try await server.withClient { client in try printJSON(await client.eventSubscription(name, of: scope.resource)) }
        }
    }

    struct Update: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Update a subscription: the settings given replace the current ones (a new endpoint is validated again)."
        )
        @OptionGroup var server: ServerOptions
        @OptionGroup var scope: ResourceOption
        @Argument(help: "The subscription name.") var name: String
        @OptionGroup var settings: Settings

        func run() async throws {
            let request = try settings.request(name: nil)
            try await server.withClient { client in try printJSON(await client.updateEventSubscription(name, of: scope.resource, request)) }
        }
    }

    struct Delete: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Delete a subscription (its dead letters stay until purged).")
        @OptionGroup var server: ServerOptions
        @OptionGroup var scope: ResourceOption
        @Argument(help: "The subscription name.") var name: String

        func run() async throws {
            try await server.withClient { client in try await client.deleteEventSubscription(name, of: scope.resource) }
        }
    }

    struct DeadLetters: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "dead-letters",
            abstract: "Print a subscription's dead-lettered events, newest first, as JSON."
        )
        @OptionGroup var server: ServerOptions
        @OptionGroup var scope: ResourceOption
        @Argument(help: "The subscription name.") var name: String
        @Option(help: "At most this many.") var top: Int?

        func run() async throws {
            try await server.withClient { client in try printJSON(await client.deadLetters(of: name, in: scope.resource, top: top)) }
        }
    }

    struct PurgeDeadLetters: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "purge-dead-letters", abstract: "Delete a subscription's dead-lettered events.")
        @OptionGroup var server: ServerOptions
        @OptionGroup var scope: ResourceOption
        @Argument(help: "The subscription name.") var name: String

        func run() async throws {
            try await server.withClient { client in try await client.purgeDeadLetters(of: name, in: scope.resource) }
        }
    }
}
